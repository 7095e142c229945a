// The metrics benches read PySODMetrics from $PYSOD_PATH only, say how to get it otherwise, and then print their
// figures as anchorless instead of as NaN ratios that fail their targets.
import * as assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pysodPath } from '../../../bench/lib/metricsData';
import { figureLine } from '../../../bench/lib/report';
import { tempDir } from '../tempDir';

/** Runs fn in dir with PYSOD_PATH set to value (undefined: unset), restoring both afterwards. */
function withEnv<T>(dir: string, value: string | undefined, fn: () => T): T {
  const cwd = process.cwd();
  const saved = process.env.PYSOD_PATH;
  if (value === undefined) delete process.env.PYSOD_PATH;
  else process.env.PYSOD_PATH = value;
  process.chdir(dir);
  try {
    return fn();
  } finally {
    process.chdir(cwd);
    if (saved === undefined) delete process.env.PYSOD_PATH;
    else process.env.PYSOD_PATH = saved;
  }
}

test('pysodPath: unset PYSOD_PATH is missing, even with a copy left in bench/.data, and says how to get it', () => {
  const dir = tempDir('segr1-pysod-');
  mkdirSync(join(dir, 'bench', '.data', 'PySODMetrics', 'py_sod_metrics'), { recursive: true });
  const got = withEnv(dir, undefined, () => pysodPath());
  assert.ok('missing' in got, `expected missing, got ${JSON.stringify(got)}`);
  assert.match(got.missing, /PYSOD_PATH is not set/);
  assert.match(got.missing, /git clone https:\/\/github\.com\/lartpang\/PySODMetrics/);
});

test('pysodPath: PYSOD_PATH is used when it holds py_sod_metrics/, and named when it does not', () => {
  const good = tempDir('segr1-pysod-');
  mkdirSync(join(good, 'py_sod_metrics'));
  assert.deepEqual(withEnv(good, good, () => pysodPath()), { path: good });
  const empty = tempDir('segr1-pysod-');
  const bad = withEnv(empty, empty, () => pysodPath());
  assert.ok('missing' in bad);
  assert.ok(bad.missing.includes(`PYSOD_PATH=${empty} holds no py_sod_metrics/`), bad.missing);
});

test('figureLine: a figure whose anchor did not run is printed without it, its target not judged', () => {
  const line = figureLine({ name: 'metrics x', value: 1234.5, unit: 'pairs/s', anchor: 'PySODMetrics 1.6.2', anchorValue: NaN, ratio: NaN, target: 'ratio >= 5' });
  assert.equal(line, 'metrics x: 1234.5 pairs/s | no anchor: PySODMetrics 1.6.2 was not measured in this run (target ratio >= 5 not judged)');
  const anchored = figureLine({ name: 'metrics x', value: 600, unit: 'pairs/s', anchor: 'a', anchorValue: 100, ratio: 6, target: 'ratio >= 5' });
  assert.equal(anchored, 'metrics x: 600.0 pairs/s | anchor a: 100.0 | ratio 6.000 (target ratio >= 5) ✓');
});
