import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { discoverDatasets, discoverLogs } from '../../../src/core/dataset/discover';
import { resolveInside, stemOf, UnsafePathError } from '../../../src/core/dataset/paths';
import { tempDir } from '../tempDir';

function touch(p: string) {
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, '');
}

test('finds COD10K-style and images/masks datasets, pairs by stem, reports unmatched', async () => {
  const root = tempDir('segr1-ds-');
  touch(join(root, 'data/COD10K/Imgs/a.jpg'));
  touch(join(root, 'data/COD10K/Imgs/b.jpg'));
  touch(join(root, 'data/COD10K/GT/a.png'));
  touch(join(root, 'data/COD10K/GT/orphan.png'));
  touch(join(root, 'ref/images/x.png'));
  touch(join(root, 'ref/masks/x.png'));
  touch(join(root, 'node_modules/pkg/Imgs/z.jpg'));
  touch(join(root, 'node_modules/pkg/GT/z.png'));
  const ds = await discoverDatasets(root);
  assert.deepEqual(ds.map((d) => d.id), ['data/COD10K', 'ref']);
  const cod = ds[0]!;
  assert.deepEqual(cod.items, [
    { stem: 'a', image: 'data/COD10K/Imgs/a.jpg', gt: 'data/COD10K/GT/a.png' },
    { stem: 'b', image: 'data/COD10K/Imgs/b.jpg', gt: undefined },
  ]);
  assert.deepEqual(cod.unmatched, { masks: ['orphan'], images: ['b'] });
});

test('finds log candidates: files by name, folders of per-step files as one log, skipping node_modules', async () => {
  const root = tempDir('segr1-logs-');
  touch(join(root, 'runs/r1/rollouts.jsonl'));
  touch(join(root, 'runs/r1/trainer_state.json'));
  touch(join(root, 'runs/trl/completions/completions_00001.parquet'));
  touch(join(root, 'runs/trl/completions/completions_00002.parquet'));
  touch(join(root, 'runs/verl/3.jsonl'));
  touch(join(root, 'runs/verl/notes.txt'));
  touch(join(root, 'runs/seg/training.log'));
  touch(join(root, 'runs/wandb/completions_12.table.json'));
  touch(join(root, 'node_modules/x/a.jsonl'));
  touch(join(root, 'runs/r1/.segr1/cache.jsonl'));
  assert.deepEqual(await discoverLogs(root), [
    'runs/r1/rollouts.jsonl',
    'runs/r1/trainer_state.json',
    'runs/seg/training.log',
    'runs/trl/completions',
    'runs/verl',
    'runs/wandb/completions_12.table.json',
  ]);
});

test('paths from logs never escape the workspace', () => {
  assert.equal(resolveInside('/ws', 'a/b.png'), '/ws/a/b.png');
  assert.equal(resolveInside('/ws', 'a/../b.png'), '/ws/b.png');
  assert.throws(() => resolveInside('/ws', '../etc/passwd'), UnsafePathError);
  assert.throws(() => resolveInside('/ws', '/etc/passwd'), /absolute/);
  assert.throws(() => resolveInside('/ws', 'a/../../x'), /outside the workspace/);
  assert.throws(() => resolveInside('/ws', 'a\0b'), /NUL/);
  assert.equal(stemOf('x/y/cod_0001.tar.png'), 'cod_0001.tar');
});
