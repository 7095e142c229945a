// Issue 13 item 5: paths named by records, settings and webviews are resolved (symlinks included), then checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkAbsoluteInside, checkInside, checkInsideSync, overrideLogs, resolveInside, resolveRecordPath, UnsafePathError } from '../../../src/core/dataset/paths';
import { parseImageJoin } from '../../../src/core/logs/imageJoin';
import { main as replayMain } from '../../../src/cli/commands/replay';
import { tempDir } from '../tempDir';
import { runCli } from '../cliCapture';

/**
 * ws/ (the workspace) beside outside/ (anything else on the disk):
 *   ws/data/link.png   → outside/secret.png   (file symlink out)
 *   ws/data/ext        → outside/             (directory symlink out)
 *   ws/data/loop1 ⇄ ws/data/loop2             (symlink loop)
 *   ws/data/alias.png  → ws/data/real.png     (symlink inside, pointing inside: fine)
 *   ws/lists/link.txt  → outside/list.txt, ws/runs/link.jsonl → outside/x.jsonl
 */
function layout(): { ws: string; outside: string } {
  const top = tempDir('segr1-paths-');
  const ws = join(top, 'ws');
  const outside = join(top, 'outside');
  for (const d of [join(ws, 'data'), join(ws, 'lists'), join(ws, 'runs'), outside]) mkdirSync(d, { recursive: true });
  writeFileSync(join(outside, 'secret.png'), 'not for the workbench');
  writeFileSync(join(outside, 'list.txt'), 'secret.png\n');
  writeFileSync(join(outside, 'x.jsonl'), '{"completion":"c"}\n');
  writeFileSync(join(ws, 'x.jsonl'), '{"completion":"c"}\n');
  writeFileSync(join(ws, 'data', 'real.png'), 'inside');
  writeFileSync(join(ws, 'lists', 'images.txt'), 'data/real.png\n');
  symlinkSync(join(outside, 'secret.png'), join(ws, 'data', 'link.png'));
  symlinkSync(outside, join(ws, 'data', 'ext'));
  symlinkSync(join(ws, 'data', 'loop2'), join(ws, 'data', 'loop1'));
  symlinkSync(join(ws, 'data', 'loop1'), join(ws, 'data', 'loop2'));
  symlinkSync('real.png', join(ws, 'data', 'alias.png'));
  symlinkSync(join(outside, 'list.txt'), join(ws, 'lists', 'link.txt'));
  symlinkSync(join(outside, 'x.jsonl'), join(ws, 'runs', 'link.jsonl'));
  return { ws, outside };
}

const { ws, outside } = layout();
const LOG = join(ws, 'runs', 'rollouts.jsonl');

test('a file symlink out of the workspace is refused as a symlink (record image path)', async () => {
  for (const r of [checkInsideSync(ws, 'data/link.png'), await checkInside(ws, 'data/link.png')]) {
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.reason, 'symlink');
  }
  const rec = resolveRecordPath(ws, LOG, 'data/link.png');
  assert.deepEqual(rec, { error: '"data/link.png" resolves outside the workspace (symlink)', reason: 'symlink' });
  assert.throws(() => resolveInside(ws, 'data/link.png'), (e: unknown) => e instanceof UnsafePathError && e.refusal === 'symlink');
});

test('a directory symlink out of the workspace is refused, for existing and missing files under it', () => {
  for (const rel of ['data/ext/secret.png', 'data/ext/not-there.png']) {
    const r = checkInsideSync(ws, rel);
    assert.equal(!r.ok && r.reason, 'symlink', rel);
    assert.ok('error' in resolveRecordPath(ws, LOG, rel), rel);
  }
});

test('a symlink loop is refused as a loop, not followed or thrown', async () => {
  const r = await checkInside(ws, 'data/loop1');
  assert.equal(!r.ok && r.reason, 'loop');
  assert.deepEqual(resolveRecordPath(ws, LOG, 'data/loop1/x.png'), { error: '"data/loop1/x.png" is a symlink loop', reason: 'loop' });
});

test('a symlink inside pointing inside is allowed, and read through its target', () => {
  const r = checkInsideSync(ws, 'data/alias.png');
  assert.ok(r.ok);
  assert.equal(r.path, join(ws, 'data', 'alias.png'));
  const target = checkInsideSync(ws, 'data/real.png');
  assert.ok(target.ok);
  assert.equal(r.real, target.real);
  assert.deepEqual(resolveRecordPath(ws, LOG, 'data/alias.png'), { path: join(ws, 'data', 'alias.png') });
});

test('`..` segments that climb out are refused, ones that stay inside are fine; absolute paths are refused', async () => {
  assert.equal(((r) => !r.ok && r.reason)(checkInsideSync(ws, 'data/../../outside/secret.png')), 'escapes');
  assert.ok(checkInsideSync(ws, 'data/../data/real.png').ok);
  assert.equal(((r) => !r.ok && r.reason)(checkInsideSync(ws, join(outside, 'secret.png'))), 'absolute');
  assert.equal(((r) => !r.ok && r.reason)(await checkAbsoluteInside(ws, join(outside, 'secret.png'))), 'escapes');
  assert.equal(((r) => !r.ok && r.reason)(await checkAbsoluteInside(ws, join(ws, 'data', 'link.png'))), 'symlink');
  assert.ok((await checkAbsoluteInside(ws, join(ws, 'data', 'real.png'))).ok);
});

test('a missing file inside is reported as missing (its reader names it), not as outside', () => {
  const r = checkInsideSync(ws, 'data/nope.png');
  assert.equal(!r.ok && r.reason, 'missing');
  assert.deepEqual(resolveRecordPath(ws, LOG, 'data/nope.png'), { path: join(ws, 'data', 'nope.png') });
});

test('segr1.logs.overrides: path "../x.jsonl" and a log symlinked out are not opened, each named in a problem', () => {
  const r = overrideLogs(ws, [{ path: '../x.jsonl' }, { path: 'runs/link.jsonl' }, { path: 'x.jsonl' }], []);
  assert.deepEqual(r.rels, ['x.jsonl']);
  assert.deepEqual(r.problems, [
    `segr1.logs.overrides[0].path "../x.jsonl" points outside the workspace (${ws}); not opened`,
    'segr1.logs.overrides[1].path "runs/link.jsonl" resolves outside the workspace (symlink); not opened',
  ]);
});

test('imagesBy from settings: "order:/abs/file:1" and a list symlinked out are not read; a list inside is', () => {
  const abs = parseImageJoin(`order:${join(outside, 'list.txt')}:1`, ws, { confined: true });
  assert.equal(typeof abs, 'string');
  assert.match(abs as string, /^image list ".*list\.txt" is absolute/);
  assert.equal(parseImageJoin('prompt:lists/link.txt', ws, { confined: true }), 'image list "lists/link.txt" resolves outside the workspace (symlink)');
  assert.match(parseImageJoin('order:../outside/list.txt:1', ws, { confined: true }) as string, /points outside the workspace/);
  assert.deepEqual(parseImageJoin('order:lists/images.txt:2', ws, { confined: true }), { by: 'order', images: ['data/real.png'], groupSize: 2 });
});

test('segr1 replay (--root is the workspace): a gt symlinked out or looping is a bad line naming file, line and field', async () => {
  const log = join(ws, 'runs', 'replay.jsonl');
  const rec = (gt: string) => JSON.stringify({ completion: '<think>x</think> <bbox>[1,2,3,4]</bbox>, <points>[[5,6]]</points>, <labels>[1]</labels>', group: 'g', gt, mask: null });
  writeFileSync(log, [rec('data/link.png'), rec('data/ext/secret.png'), rec('data/loop1')].join('\n') + '\n');
  const { err: text } = await runCli(replayMain, [log, '--root', ws, '--reward', 'segr1-reference', '--mask-only']);
  assert.match(text, /replay\.jsonl:1: gt "data\/link\.png" resolves outside the workspace \(symlink\)/);
  assert.match(text, /replay\.jsonl:2: gt "data\/ext\/secret\.png" resolves outside the workspace \(symlink\)/);
  assert.match(text, /replay\.jsonl:3: gt "data\/loop1" is a symlink loop/);
});
