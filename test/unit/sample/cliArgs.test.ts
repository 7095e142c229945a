import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSampleArgs } from '../../../src/cli/commands/sample';
import { DEFAULT_SAMPLE_SEED } from '../../../src/core/sample/config';

test('segr1 sample arguments', () => {
  assert.deepEqual(parseSampleArgs(['--out', 'ws']), { out: 'ws', seed: DEFAULT_SAMPLE_SEED, force: false });
  assert.deepEqual(parseSampleArgs(['--out=ws', '--seed=12', '--force']), { out: 'ws', seed: 12, force: true });
  assert.deepEqual(parseSampleArgs(['--seed', '3', '--out', 'x']), { out: 'x', seed: 3, force: false });
  assert.deepEqual(parseSampleArgs(['--help']), { help: true });
  assert.ok('error' in parseSampleArgs([]));
  assert.ok('error' in parseSampleArgs(['--out', 'ws', '--seed', '-1']));
  assert.ok('error' in parseSampleArgs(['--out', 'ws', '--seed', '1.5']));
  assert.ok('error' in parseSampleArgs(['--out', 'ws', '--bogus']));
});
