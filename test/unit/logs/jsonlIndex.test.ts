import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { logFiles, rec } from './logFiles';
import { rolloutLine } from '../../../bench/lib/logsData';
import { followRolloutLog, forEachRollout, indexRolloutLog, readRollout, RolloutReader, updateRolloutLog, validateRolloutJson } from '../../../src/core/logs/jsonlIndex';

const { file } = logFiles('segr1-logs-');

test('indexes valid records with byte ranges and summary columns', async () => {
  const lines = [
    rec({ run: 'r1', step: 1, group: 'g1', sample: 0, image: 'Imgs/a.jpg', reward: 1.5, advantage: 0.7, rewards: { iou: 0.5, format: 1 } }),
    rec({ run: 'r1', step: 1, group: 'g1', sample: 1, image: 'Imgs/a.jpg', reward: 0.5, advantage: -0.7, rewards: { iou: null, format: 0 }, completion: 'héllo ✓' }),
    rec({ run: 'r1', step: 2, group: 'g2', sample: 0, image: 'Imgs/b.jpg' }),
  ];
  const p = file(lines.join('\n') + '\n');
  const idx = await indexRolloutLog(p);
  assert.equal(idx.count, 3);
  assert.deepEqual(idx.issues, []);
  assert.deepEqual([...idx.line], [1, 2, 3]);
  assert.deepEqual([...idx.step], [1, 1, 2]);
  assert.deepEqual(idx.runs, ['r1']);
  assert.deepEqual(idx.groups, ['g1', 'g2']);
  assert.deepEqual([...idx.group], [0, 0, 1]);
  assert.deepEqual([...idx.sample], [0, 1, 0]);
  assert.deepEqual(idx.images, ['Imgs/a.jpg', 'Imgs/b.jpg']);
  assert.deepEqual([...idx.reward].slice(0, 2), [1.5, 0.5]);
  assert.ok(Number.isNaN(idx.reward[2]!));
  assert.deepEqual([...idx.components.get('format')!].slice(0, 2), [1, 0]);
  assert.ok(Number.isNaN(idx.components.get('iou')![1]!), 'null component reads as NaN');
  assert.ok(Number.isNaN(idx.components.get('iou')![2]!), 'absent component reads as NaN');
  assert.equal(idx.completionLength[1], 'héllo ✓'.length);
  // Byte ranges are exact, multi-byte characters included.
  assert.equal(idx.offset[1], Buffer.byteLength(lines[0]!) + 1);
  assert.equal(idx.length[1], Buffer.byteLength(lines[1]!));
  const r = await readRollout(idx, 1);
  assert.equal(r.completion, 'héllo ✓');
  assert.deepEqual(r.rewards, { iou: null, format: 0 });
});

test('one bad line never hides the others; each issue carries its line number', async () => {
  const p = file(
    [
      rec({ step: 1 }),
      '{"step": 2, "completion": "cut off',
      'not json at all',
      '[1, 2, 3]',
      JSON.stringify({ step: 3 }),
      '',
      rec({ step: 4 }),
    ].join('\n') + '\n',
  );
  const idx = await indexRolloutLog(p);
  assert.equal(idx.count, 2);
  assert.deepEqual([...idx.line], [1, 7]);
  const byLine = new Map(idx.issues.map((i) => [i.line, i]));
  assert.match(byLine.get(2)!.message, /truncated JSON/);
  assert.match(byLine.get(3)!.message, /invalid JSON/);
  assert.match(byLine.get(4)!.message, /expected a JSON object, found an array/);
  assert.equal(byLine.get(5)!.field, 'completion');
  assert.ok(!byLine.has(6), 'blank lines are not issues');
  assert.ok(idx.issues.every((i) => i.severity === 'error'));
});

test('unknown fields are kept in extra; wrong-typed known fields are reported and kept', async () => {
  const v = validateRolloutJson({ completion: 'c', kl: 0.1, nested: { a: [1] }, sample: 'zero', rewards: { iou: 'high', fmt: 1 } }, 9);
  assert.ok(v.record);
  assert.deepEqual(v.record.extra, { kl: 0.1, nested: { a: [1] }, sample: 'zero', 'rewards.iou': 'high' });
  assert.deepEqual(v.record.rewards, { fmt: 1 });
  assert.deepEqual(
    v.issues.map((i) => [i.line, i.field, i.severity]),
    [
      [9, 'sample', 'warning'],
      [9, 'rewards.iou', 'warning'],
    ],
  );
});

test('absolute and escaping image/gt paths are flagged but the record still loads', async () => {
  for (const bad of ['/etc/passwd', '../outside.png', 'Imgs/../../x.png', 'C:\\data\\a.png', '\\\\server\\share\\a.png']) {
    const v = validateRolloutJson({ completion: 'c', image: bad, gt: 'GT/ok.png' }, 3);
    assert.equal(v.record?.image, bad);
    assert.deepEqual(v.issues.map((i) => [i.field, i.severity]), [['image', 'error']], bad);
  }
  const fine = validateRolloutJson({ completion: 'c', image: 'Imgs/a..b.png', gt: './GT/a.png' }, 1);
  assert.deepEqual(fine.issues, []);
});

test('Python NaN/Infinity are read as null with a warning', async () => {
  const p = file('{"completion": "NaN in text", "reward": NaN, "advantage": -Infinity, "rewards": {"iou": Infinity}}\n');
  const idx = await indexRolloutLog(p);
  assert.equal(idx.count, 1);
  assert.ok(Number.isNaN(idx.reward[0]!) && Number.isNaN(idx.advantage[0]!));
  assert.match(idx.issues[0]!.message, /NaN\/Infinity/);
  assert.equal((await readRollout(idx, 0)).completion, 'NaN in text');
});

test('empty file, binary file and CRLF/BOM files', async () => {
  const empty = await indexRolloutLog(file(''));
  assert.equal(empty.count, 0);
  assert.deepEqual(empty.issues.map((i) => i.message), ['empty file']);
  const bin = Buffer.alloc(5000);
  for (let i = 0; i < bin.length; i++) bin[i] = (i * 7919) % 256;
  bin[100] = 10;
  const binary = await indexRolloutLog(file(bin));
  assert.equal(binary.count, 0);
  assert.equal(binary.issues.length, 1);
  assert.match(binary.issues[0]!.message, /binary data/);
  const crlf = await indexRolloutLog(file('\ufeff' + rec({ step: 1 }) + '\r\n' + rec({ step: 2 }) + '\r\n'));
  assert.equal(crlf.count, 2);
  assert.deepEqual(crlf.issues, []);
  assert.equal((await readRollout(crlf, 0)).step, 1);
  assert.equal((await readRollout(crlf, 1)).step, 2);
});

test('a line over the cap is skipped without being held, across chunk boundaries', async () => {
  const long = rec({ step: 2, completion: 'y'.repeat(50_000) });
  const p = file([rec({ step: 1 }), long, rec({ step: 3 })].join('\n') + '\n');
  const idx = await indexRolloutLog(p, { maxLineBytes: 10_000, chunkBytes: 4096 });
  assert.deepEqual([...idx.step], [1, 3]);
  assert.equal(idx.issues.length, 1);
  assert.equal(idx.issues[0]!.line, 2);
  assert.match(idx.issues[0]!.message, new RegExp(`${Buffer.byteLength(long)} bytes exceeds`));
  // The same file with a large enough cap reads the long line, even though it spans many chunks.
  const whole = await indexRolloutLog(p, { chunkBytes: 4096 });
  assert.equal(whole.count, 3);
  assert.equal((await readRollout(whole, 1)).completion.length, 50_000);
});

test('steps out of order and duplicated records are reported, all records kept', async () => {
  const a = rec({ step: 2, group: 'g', sample: 0 });
  const p = file([a, rec({ step: 3, group: 'h', sample: 0 }), a, rec({ step: 1, group: 'k', sample: 0 })].join('\n') + '\n');
  const idx = await indexRolloutLog(p);
  assert.equal(idx.count, 4);
  const msgs = idx.issues.map((i) => `${i.line}: ${i.message}`);
  assert.deepEqual(msgs, [
    '3: same run/step/group/sample as line 1 (duplicated record?)',
    '3: step 2 after step 3 (line 2): steps out of order',
    '4: step 1 after step 2 (line 3): steps out of order',
  ]);
  assert.equal(idx.issues.filter((i) => /duplicated/.test(i.message)).length, 1);
  assert.equal(idx.issues.filter((i) => /out of order/.test(i.message)).length, 2);
});

test('groups are inferred from step + image (or prompt) when not logged', async () => {
  const p = file(
    [
      rec({ step: 1, image: 'a.png' }),
      rec({ step: 1, image: 'a.png' }),
      rec({ step: 2, image: 'a.png' }),
      rec({ step: 2, query: 'the red car' }),
      rec({}),
    ].join('\n') + '\n',
  );
  const idx = await indexRolloutLog(p);
  assert.deepEqual([...idx.group], [0, 0, 1, 2, -1]);
  assert.deepEqual(idx.groups, ['step 1 · a.png', 'step 2 · a.png', 'step 2 · the red car']);
});

test('an unterminated last line is kept when whole, reported when cut, and re-read once complete', async () => {
  const p = file(rec({ step: 1 }) + '\n' + '{"step": 2, "completion": "partial');
  const idx = await indexRolloutLog(p);
  assert.equal(idx.count, 1);
  assert.equal(idx.issues.length, 1);
  assert.equal(idx.issues[0]!.line, 2);
  assert.match(idx.issues[0]!.message, /unterminated last line/);
  appendFileSync(p, ' text"}\n' + rec({ step: 3 }));
  const next = await followRolloutLog(idx);
  assert.deepEqual([...next.step], [1, 2, 3]);
  assert.deepEqual([...next.line], [1, 2, 3]);
  assert.deepEqual(next.issues, [], 'the cut-line issue is gone once the line is complete');
  assert.equal((await readRollout(next, 1)).completion, 'partial text');
  appendFileSync(p, '\n' + rec({ step: 4 }) + '\n');
  const third = await followRolloutLog(next);
  assert.deepEqual([...third.step], [1, 2, 3, 4]);
  assert.equal((await readRollout(third, 3)).step, 4);
  assert.equal(third.scanned, third.size);
});

test('follow re-indexes from scratch when the log was replaced by a shorter one', async () => {
  const p = file(rec({ step: 1 }) + '\n' + rec({ step: 2 }) + '\n');
  const idx = await indexRolloutLog(p);
  writeFileSync(p, rec({ step: 9 }) + '\n');
  const next = await followRolloutLog(idx);
  assert.deepEqual([...next.step], [9]);
});

test('aborting stops indexing with an AbortError', async () => {
  const p = file(Array.from({ length: 2000 }, (_, i) => rec({ step: i })).join('\n'));
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(indexRolloutLog(p, { signal: ac.signal, chunkBytes: 4096 }), { name: 'AbortError' });
  let calls = 0;
  await indexRolloutLog(p, { chunkBytes: 4096, onProgress: (b, t) => { calls++; assert.ok(b <= t); } });
  assert.ok(calls > 10);
});

test('readRollout throws a clear error when the log changed under the index', async () => {
  const p = file(rec({ step: 1 }) + '\n' + rec({ step: 2 }) + '\n');
  const idx = await indexRolloutLog(p);
  writeFileSync(p, 'x'.repeat(200));
  await assert.rejects(readRollout(idx, 1), /changed since it was indexed/);
  await assert.rejects(readRollout(idx, 5), RangeError);
});

test('JSON Lines that are not rollouts (metrics, a verl dump) index as empty with a reason, not one error per line', async () => {
  const fix = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'logs');
  const metrics = await indexRolloutLog(join(fix, 'easyr1', 'experiment_log.jsonl'));
  assert.equal(metrics.count, 0);
  assert.deepEqual(metrics.issues, []);
  assert.equal(metrics.notRollouts, 'trainer metrics (easyr1-metrics)');
  const verl = await indexRolloutLog(join(fix, 'verl', 'rollout_data', '1.jsonl'));
  assert.deepEqual(verl.issues, []);
  assert.match(verl.notRollouts!, /a verl log: open it through openRolloutLog/);
  const partly = await indexRolloutLog(file(JSON.stringify({ step: 1 }) + '\n' + rec({ step: 2 }) + '\n'));
  assert.equal(partly.notRollouts, undefined, 'one rollout makes it a rollout log; the other line is an error');
  assert.equal(partly.issues.length, 1);
});

test('forEachRollout visits records in order with few reads; RolloutReader reads by index through one handle', async () => {
  const lines = Array.from({ length: 500 }, (_, k) => rec({ step: k, completion: `c${k} ${'z'.repeat(k % 37)}` }));
  lines.splice(100, 0, 'garbage line');
  const p = file(lines.join('\n') + '\n');
  const idx = await indexRolloutLog(p);
  assert.equal(idx.count, 500);
  const seen: number[] = [];
  await forEachRollout(idx, (r, i) => {
    assert.equal(r.step, i);
    seen.push(i);
  });
  assert.equal(seen.length, 500);
  const part: number[] = [];
  await forEachRollout(idx, (r) => part.push(r.step!), { from: 490, to: 495 });
  assert.deepEqual(part, [490, 491, 492, 493, 494]);
  const reader = new RolloutReader(idx);
  assert.equal((await reader.read(321)).completion, `c321 ${'z'.repeat(321 % 37)}`);
  assert.equal((await reader.read(0)).step, 0);
  await assert.rejects(reader.read(500), RangeError);
  await reader.close();
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(forEachRollout(idx, () => undefined, { signal: ac.signal }), { name: 'AbortError' });
});

test('the fast path and the exact JSON.parse path build identical indexes of a realistic log with flaws', async () => {
  let seed = 3;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const lines: string[] = [];
  for (let k = 0; k < 3000; k++) {
    let l = rolloutLine(k, rand);
    if (k % 97 === 5) l = l.slice(0, l.length - 7);
    if (k % 131 === 7) l = l.replace('"reward":', '"reward":"x","r2":');
    if (k % 151 === 9) l = l.replace('"image":"', '"image":"../');
    if (k % 173 === 11) l = l.replace('"step":', '"step":NaN,"s":');
    lines.push(l);
  }
  lines.splice(1000, 0, lines[999]!);
  const p = file(lines.join('\n') + '\n');
  const fast = await indexRolloutLog(p);
  const exact = await indexRolloutLog(p, { exact: true });
  assert.ok(fast.count > 2900);
  for (const k of ['count', 'runs', 'groups', 'images', 'issues'] as const) assert.deepEqual(fast[k], exact[k], k);
  for (const k of ['line', 'offset', 'length', 'step', 'run', 'group', 'sample', 'image', 'reward', 'advantage', 'completionLength'] as const) assert.deepEqual([...fast[k]], [...exact[k]], k);
  assert.deepEqual([...fast.components.keys()], [...exact.components.keys()]);
  for (const [name, col] of fast.components) assert.deepEqual([...col], [...exact.components.get(name)!], name);
  assert.ok(fast.issues.some((i) => /duplicated/.test(i.message)));
});

test('follow re-indexes when the log grew but its last indexed record changed (rewritten, not appended)', async () => {
  const p = file(rec({ step: 1 }) + '\n' + rec({ step: 2 }) + '\n');
  const idx = await indexRolloutLog(p);
  writeFileSync(p, rec({ step: 1 }) + '\n' + rec({ step: 7 }) + '\n' + rec({ step: 8 }) + '\n');
  const u = await updateRolloutLog(idx);
  assert.equal(u.mode, 'reindexed');
  assert.deepEqual([...u.index.step], [1, 7, 8]);
  appendFileSync(p, rec({ step: 9 }) + '\n');
  const v = await updateRolloutLog(u.index);
  assert.equal(v.mode, 'appended');
  assert.deepEqual([...v.index.step], [1, 7, 8, 9]);
});
