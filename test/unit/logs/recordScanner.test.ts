import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IndexBuilder, type RolloutIndex } from '../../../src/core/logs/indexBuilder';
import { indexRolloutLogSerial } from '../../../src/core/logs/jsonlIndex';
import { indexLine } from '../../../src/core/logs/rangeScan';
import { acquireRecordScanner, releaseRecordScanner } from '../../../src/core/logs/recordScanner';
import { logFiles } from './logFiles';
import { Rng } from '../../../src/core/sample/random';

/** The project's seeded PRNG (mulberry32), as a function. */
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

const META = { path: 'x.jsonl', size: 0, mtimeMs: 0, scanned: 0, nextLine: 0 };

/** Columns and issues of an index as plain data, NaN-safe, for deepEqual. */
function plain(i: RolloutIndex) {
  const arr = (a: ArrayLike<number>) => Array.from(a, (v) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v));
  return {
    count: i.count,
    line: arr(i.line),
    offset: arr(i.offset),
    length: arr(i.length),
    step: arr(i.step),
    run: arr(i.run),
    runs: i.runs,
    group: arr(i.group),
    groups: i.groups,
    sample: arr(i.sample),
    image: arr(i.image),
    images: i.images,
    reward: arr(i.reward),
    advantage: arr(i.advantage),
    completionLength: arr(i.completionLength),
    components: [...i.components].map(([k, v]) => [k, arr(v)]),
    issues: i.issues,
  };
}

/**
 * Index `lines` as one block through the WebAssembly scanner (its fallbacks through the JavaScript line path) and
 * line by line through the JavaScript path alone; both indexes, and how many lines the scanner took itself.
 */
function bothWays(lines: string[]) {
  const scanner = acquireRecordScanner(1 << 20);
  assert.ok(scanner, 'recordScanner.wasm is built beside recordScanner.js');
  try {
    const text = Buffer.from(lines.join('\n') + '\n');
    assert.ok(text.length <= scanner.buffers[0].length);
    const buf = scanner.buffers[0];
    text.copy(buf);
    const w = new IndexBuilder();
    let fallbacks = 0;
    const n = scanner.block(w, buf, 0, text.length, 1, 0, (b, s, e, ln, off) => {
      fallbacks++;
      indexLine(w, b, s, e, ln, off);
    });
    assert.equal(n, lines.length);
    const j = new IndexBuilder();
    let start = 0;
    lines.forEach((l, k) => {
      const len = Buffer.byteLength(l);
      indexLine(j, text, start, start + len, k + 1, start);
      start += len + 1;
    });
    return { wasm: plain(w.finish(META)), js: plain(j.finish(META)), taken: lines.length - fallbacks };
  } finally {
    releaseRecordScanner(scanner);
  }
}

const BASE = { run: 'segr1', step: 3, group: 'g-1', sample: 1, image: 'Imgs/a.jpg', gt: 'GT/a.png', task: 'cod', completion: '<think>x</think>\n<answer>[1, 2]</answer>', rewards: { iou: 0.5, fmt: null }, reward: 1.25, advantage: -0.5, kl: 0.001 };

test('the WebAssembly scanner summarises plain records exactly as the JavaScript path', () => {
  const lines: string[] = [];
  for (let k = 0; k < 200; k++) {
    const o = { ...BASE, group: `g-${k >> 3}`, sample: k % 8, image: `Imgs/${k >> 4}.jpg`, step: 1 + (k >> 5), reward: k / 7, advantage: -k / 3 };
    lines.push(JSON.stringify(o));
  }
  lines.push('', '   \t', JSON.stringify({ ...BASE, completion: 'héllo “wörld” 😀 \u0001 \\ / \u2028 \ud800 \udfff' }));
  lines.push(JSON.stringify({ ...BASE, rewards: { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10, k: 11, l: 12, m: 13, n: 14, o: 15, p: 16 } }));
  lines.push(JSON.stringify({ ...BASE, rewards: { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10, k: 11, l: 12, m: 13, n: 14, o: 15, p: 16, q: 17 } }));
  lines.push(` ${JSON.stringify(BASE)}\r`, JSON.stringify(BASE, null, 1).replace(/\n/g, ' '));
  const { wasm, js, taken } = bothWays(lines);
  assert.deepEqual(wasm, js);
  // Everything but the 17-component record (over the scanner's 16 slots); blank lines count as taken.
  assert.equal(taken, lines.length - 1);
});

test('numbers: exact fast path in the scanner, Number() for the rest, the same values either way', () => {
  const rand = rng(3);
  const lines: string[] = [];
  for (let k = 0; k < 3000; k++) {
    const digits = 1 + Math.floor(rand() * 20);
    let m = String(1 + Math.floor(rand() * 9));
    for (let d = 1; d < digits; d++) m += String(Math.floor(rand() * 10));
    const dot = Math.floor(rand() * (m.length + 1));
    let num = dot > 0 && dot < m.length ? `${m.slice(0, dot)}.${m.slice(dot)}` : m;
    if (rand() < 0.3) num += `e${rand() < 0.5 ? '-' : ''}${Math.floor(rand() * 40)}`;
    if (rand() < 0.3) num = `-${num}`;
    const pick = rand();
    const field = pick < 0.25 ? 'step' : pick < 0.5 ? 'reward' : pick < 0.75 ? 'advantage' : 'iou';
    lines.push(field === 'iou' ? `{"completion":"x","group":"g","rewards":{"iou":${num}}}` : `{"completion":"x","group":"g","${field}":${num}}`);
  }
  lines.push('{"completion":"x","group":"g","reward":1e400}', '{"completion":"x","group":"g","sample":12345678901234567}', '{"completion":"x","group":"g","sample":1.50000000000000001}', '{"completion":"x","group":"g","sample":0.5}');
  lines.push('{"completion":"x","group":"g","reward":-0}', '{"completion":"x","group":"g","reward":0.1e-400}', '{"completion":"x","group":"g","reward":1.4687000000000001}');
  const { wasm, js, taken } = bothWays(lines);
  assert.deepEqual(wasm, js);
  // Only the infinite reward and the two fractional samples go to the JavaScript path.
  assert.equal(taken, lines.length - 3);
});

test('what the scanner must not take goes to the JavaScript path, which reports it', () => {
  const bad = [
    '{"completion": "x", "group": "g", "reward": NaN}',
    '{"completion": "x", "group": "g", "image": "../a.png"}',
    '{"completion": "x", "group": "g", "image": "a/../../b.png"}',
    '{"completion": "x", "group": "g", "gt": "/abs.png"}',
    '{"completion": "x", "group": "g", "image": "C:\\\\data\\\\a.png"}',
    '{"completion": "x", "group": "g", "image": "\\\\\\\\server\\\\a.png"}',
    '{"completion": "x", "group": "g", "tokens": [{"text": 1}]}',
    '{"completion": "x", "group": "g", "completion": "y"}',
    '{"completion": "x", "group": "g", "rewards": {"a": 1, "a": 2}}',
    '{"completion": "x", "group": "g", "rewards": {"__proto__": 1}}',
    '{"completion": "x", "group": "g", "step": "12"}',
    '{"completion": "x", "group": 7}',
    '{"completion": "x", "group": null, "image": "a.png", "step": 1}',
    '{"completion": "x", "run": 3, "group": "g"}',
    '{"completion": "x", "group": "g\\u0041"}',
    '{"completion": "x\tbad control", "group": "g"}',
    '{"completion": "bad \\x escape", "group": "g"}',
    '{"completion": "x", "group": "g"} trailing',
    '{"completion": "x", "group": "g",}',
    '{"completion": "unterminated, "group": "g"',
    '[1]',
    '{}',
  ];
  const safe = ['{"completion": "x", "group": "g", "image": "a..b/c.png"}', '{"completion": "x", "group": "g", "image": "./a/.../b.png"}', '{"completion": "x", "group": "g", "image": "C:a.png"}'];
  const { wasm, js, taken } = bothWays([...bad, ...safe]);
  assert.deepEqual(wasm, js);
  assert.equal(taken, safe.length);
  for (const line of [2, 3, 4, 5, 6]) assert.ok(wasm.issues.some((i) => i.line === line && i.severity === 'error' && /path/.test(i.message)), `unsafe path on line ${line} reported`);
});

test('invalid UTF-8 goes to the JavaScript path, which makes it an error of its line (as json.loads on bytes); valid multi-byte text is measured in UTF-16 units', () => {
  const scanner = acquireRecordScanner(1 << 20)!;
  try {
    const parts = [Buffer.from('{"completion":"a'), Buffer.from([0xff]), Buffer.from('b","group":"g"}\n'), Buffer.from('{"completion":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('","group":"g"}\n'), Buffer.from('{"completion":"\u{1f600}é\u4e2d","group":"g"}\n')];
    const text = Buffer.concat(parts);
    text.copy(scanner.buffers[0]);
    const w = new IndexBuilder();
    const fell: number[] = [];
    scanner.block(w, scanner.buffers[0], 0, text.length, 1, 0, (b, s, e, ln, off) => {
      fell.push(ln);
      indexLine(w, b, s, e, ln, off);
    });
    const idx = w.finish(META);
    assert.deepEqual(fell, [1, 2]);
    assert.deepEqual(Array.from(idx.line), [3]);
    assert.deepEqual(Array.from(idx.completionLength), ['\u{1f600}é\u4e2d'.length]);
    assert.deepEqual(idx.issues.map((i) => [i.line, i.severity, /^invalid UTF-8 at byte \d+ of the line/.test(i.message)]), [[1, 'error', true], [2, 'error', true]]);
  } finally {
    releaseRecordScanner(scanner);
  }
});

test('differential fuzz on whole files: the WebAssembly path, the JavaScript fast path and JSON.parse build the same index', async () => {
  const rand = rng(11);
  // NUL too: every path must make it the same error of its line.
  const pieces = ['"', '\\', '{', '}', '[', ']', ',', ':', '0', '-', '.', 'e', 'n', ' ', '\t', 'é', '"group"', '"rewards"', 'null', '\\u00e9', '\\n', '1e5', '..', '/', '\n', '\r\n', '\u0000'];
  const lines: string[] = [];
  for (let k = 0; k < 6000; k++) {
    const o = { ...BASE, group: `g-${k >> 3}`, sample: k % 8, step: 1 + (k >> 6), reward: Math.round(rand() * 1e6) / 1e6 + 1, completion: 'think '.repeat(Math.floor(rand() * 40)) + (rand() < 0.2 ? 'é “q” \\' : ''),
      // The nested fields the scanner checks itself, so mutations land in them too.
      mask: { size: [4, 5], counts: rand() < 0.5 ? 'PY]4' : [0, 3, 17] },
      model_frame: { width: 840, height: 644 },
      tokens: k % 4 === 0 ? [{ text: 'a', logprob: -0.5, top: [{ text: 'b', logprob: -1.25 }] }, { text: 'c' }] : undefined,
      extra: k % 3 === 0 ? { note: 'x' } : undefined };
    let text = JSON.stringify(o);
    if (rand() < 0.3) {
      const at = Math.floor(rand() * (text.length + 1));
      text = rand() < 0.5 ? text.slice(0, at) + text.slice(at + 1 + Math.floor(rand() * 3)) : text.slice(0, at) + pieces[Math.floor(rand() * pieces.length)] + text.slice(at);
    }
    lines.push(text);
  }
  const file = logFiles('segr1-wasm-').file(lines.join('\n') + '\n');
  // A small chunk, so many lines span chunks and come through the line path between blocks.
  for (const chunkBytes of [4096, 1 << 20]) {
    const wasm = plain(await indexRolloutLogSerial(file, { chunkBytes }));
    const js = plain(await indexRolloutLogSerial(file, { chunkBytes, noWasm: true }));
    assert.deepEqual(wasm, js);
    const exact = plain(await indexRolloutLogSerial(file, { chunkBytes, exact: true }));
    // The JSON.parse path also warns about raw control characters the JavaScript fast path takes silently.
    const rest = (issues: typeof wasm.issues) => issues.filter((i) => !/raw control characters/.test(i.message));
    assert.deepEqual({ ...wasm, issues: rest(wasm.issues) }, { ...exact, issues: rest(exact.issues) });
    assert.ok(wasm.count > 5000, `${wasm.count} records`);
  }
});

test('mask, model_frame, tokens and extra: what the schema accepts the scanner takes; the rest goes to the JavaScript path, which reports it', () => {
  const rec = (fields: string) => `{"completion": "x", "group": "g", ${fields}}`;
  const accepted = [
    rec('"mask": {"size": [768, 1024], "counts": "UY]46ig02O0O2I8fXOHgf0:WYO\\\\Hhf08"}'),
    rec('"mask": {"counts": [0, 12, 3, 0], "size": [4, 5], "other": {"x": [1, 2]}}'),
    rec('"mask": {"size": [0, 0], "counts": []}'),
    rec('"mask": null, "model_frame": null, "tokens": null'),
    rec('"model_frame": {"width": 840, "height": 644.5}'),
    rec('"model_frame": {"height": 1e3, "width": 0.25, "note": "smart_resize"}'),
    rec('"tokens": []'),
    rec('"tokens": [{"text": "<think>"}, {"text": "a\\"b", "logprob": -0.25}, {"text": "c", "logprob": -1.4687000000000001, "top": [{"text": "d", "logprob": -2}, {"text": "e", "logprob": -1e400}]}, {"text": "", "top": [], "id": 7}]'),
    rec('"extra": {"__proto__": {"x": 1}, "segmenter": "sam2"}'),
    rec('"extra": [1, 2], "extra": "twice"'),
  ];
  const turnedDown = [
    rec('"mask": {"size": [768], "counts": "x"}'),
    rec('"mask": {"size": [768, -1], "counts": "x"}'),
    rec('"mask": {"size": [768, 1.5], "counts": "x"}'),
    rec('"mask": {"size": [768, 768.0], "counts": "x"}'),
    rec('"mask": {"size": [768, 768]}'),
    rec('"mask": {"size": [768, 768], "counts": [1, null]}'),
    rec('"mask": {"size": [1, 1], "size": [2, 2], "counts": "x"}'),
    rec('"mask": "UY]46ig0"'),
    rec('"mask": {}'),
    rec('"model_frame": {"width": 0, "height": 10}'),
    rec('"model_frame": {"width": 840}'),
    rec('"model_frame": {"width": "840", "height": 644}'),
    rec('"model_frame": {"width": 1e400, "height": 644}'),
    rec('"model_frame": [840, 644]'),
    rec('"tokens": [{"logprob": -1}]'),
    rec('"tokens": [{"text": "a", "logprob": null}]'),
    rec('"tokens": [{"text": "a", "top": [{"text": "b"}]}]'),
    rec('"tokens": [{"text": "a", "top": null}]'),
    rec('"tokens": ["a"]'),
    rec('"tokens": {"text": "a"}'),
    rec('"tokens": [{"text": "a", "text": "b"}]'),
    rec('"mask": null, "mask": null'),
  ];
  const { wasm, js, taken } = bothWays([...accepted, ...turnedDown]);
  assert.deepEqual(wasm, js);
  assert.equal(taken, accepted.length);
  // Each turned-down line but the two whose oddity the schema allows (a float that is an integer, a repeated key) is reported.
  const reported = new Set(wasm.issues.map((i) => i.line));
  const silent = [accepted.length + 4, accepted.length + 7, accepted.length + 21, accepted.length + 22];
  for (let k = 1; k <= turnedDown.length; k++) {
    const line = accepted.length + k;
    if (!silent.includes(line)) assert.ok(reported.has(line), `line ${line} (${turnedDown[k - 1]}) reported`);
  }
  // A wrong-typed field is kept in extra, never costs the record.
  assert.equal(wasm.count, accepted.length + turnedDown.length);
});

test('16–19 digit numbers (Eisel–Lemire in the scanner) equal Number() bit for bit, near-halfway cases included', () => {
  const rand = rng(17);
  const f64 = new Float64Array(1);
  const u64 = new BigUint64Array(f64.buffer);
  const nums: string[] = [];
  for (let k = 0; k < 60_000; k++) {
    const kind = k % 4;
    if (kind === 0) {
      // Python's repr of a double (shortest round-trip, often 17 digits), over the magnitudes logs hold.
      nums.push(String((rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20)));
    } else if (kind === 1) {
      // Random 16–19 significant digits with a decimal point and exponent.
      let d = String(1 + Math.floor(rand() * 9));
      const n = 16 + Math.floor(rand() * 4);
      while (d.length < n) d += String(Math.floor(rand() * 10));
      const dot = 1 + Math.floor(rand() * (n - 1));
      nums.push(`${rand() < 0.5 ? '-' : ''}${d.slice(0, dot)}.${d.slice(dot)}e${Math.floor(rand() * 100) - 50}`);
    } else {
      // Near the midpoint of two adjacent doubles: the midpoint's first 17–19 digits, and one unit of the last above/below.
      f64[0] = (rand() + 0.01) * 10 ** Math.floor(rand() * 30 - 15);
      const a = f64[0];
      u64[0] = u64[0]! + 1n;
      const mid = (a + f64[0]!) / 2 === a ? a + (f64[0]! - a) / 2 : (a + f64[0]!) / 2;
      const digits = 17 + (k % 3);
      const [m, e] = mid.toExponential(digits - 1).split('e');
      const tweak = kind === 2 ? 0 : rand() < 0.5 ? 1 : -1;
      const intDigits = BigInt(m!.replace('.', '')) + BigInt(tweak);
      const s = intDigits.toString();
      nums.push(`${s[0]}.${s.slice(1)}e${Number(e) - (s.length - digits)}`);
    }
  }
  nums.push('0.00000000000000000000000000000', '-0.0000000000000000000000', '1.7976931348623157e308', '2.2250738585072014e-308', '4.9406564584124654e-324', '9007199254740993', '9007199254740992.5', '0.1000000000000000055511151231257827');
  for (let at = 0; at < nums.length; at += 15_000) {
    const batch = nums.slice(at, at + 15_000);
    const lines = batch.map((v) => `{"completion":"x","group":"g","reward":${v}}`);
    const { wasm, taken } = bothWays(lines);
    assert.equal(taken, lines.length);
    batch.forEach((v, k) => {
      const want = Number(v);
      const got = wasm.reward[k];
      assert.ok(Object.is(got, Number.isNaN(want) ? 'NaN' : Object.is(want, -0) ? '-0' : want), `reward ${v}: scanner ${got}, Number() ${want}`);
    });
  }
});
