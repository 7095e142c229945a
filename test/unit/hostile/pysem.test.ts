import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPySpace, pyDigitValue } from '../../../src/core/completion/pyChars';
import { parseSegZero, parseVisionReasoner } from '../../../src/core/completion/jsonAnswers';
import { parsePythonJsonLine } from '../../../src/core/logs/jsonParse';
import {
  PY_INT_MAX_STR_DIGITS,
  PyException,
  pyCompare,
  pyIntFromString,
  pyJsonLoads,
  pyToFloat,
  pyTrueDiv,
  type PyValue,
} from '../../../src/core/python/semantics';
import { replayLog } from '../../../src/core/rewards/replay';
import { segzeroRewards } from '../../../src/core/rewards/segzero';
import { parseVisionReasonerGt, visionReasonerAccuracy } from '../../../src/core/rewards/visionReasoner';
import { tempDir } from '../tempDir';

const FIX = join(__dirname, '../../../../test/fixtures/hostile/pysem/pysem.json');

/** A type-tagged Python value as test/fixtures/gen/pysem.py writes it. */
type Enc = ['n'] | ['b', boolean] | ['i', string] | ['f', string] | ['s', string] | ['l', Enc[]] | ['d', Array<[string, Enc]>];

interface Outcome {
  readonly error?: string;
  readonly msg?: string;
  readonly pos?: number;
}

interface Fixture {
  python: string;
  numpy: string;
  intMaxStrDigits: number;
  json: Array<Outcome & { input: string; ok?: Enc }>;
  int: Array<Outcome & { input: string; ok?: string }>;
  chars: { unidata: string; decimalRuns: Array<[number, number, number]>; isspace: number[] };
  arith: Array<Outcome & { op: 'cmp' | 'div' | 'float'; a: Enc; b?: Enc; lt?: boolean; gt?: boolean; eq?: boolean; ok?: Enc }>;
  segzero: Array<{ completion: string; solution: string; components: Record<string, number> }>;
  vr: Array<{ completion: string; solution: string; accuracy: number }>;
}

const fx = JSON.parse(readFileSync(FIX, 'utf8')) as Fixture;

/** Python's float repr → the double (nan, inf, -inf included). */
function pyFloat(r: string): number {
  if (r === 'nan') return NaN;
  if (r === 'inf') return Infinity;
  if (r === '-inf') return -Infinity;
  return Number(r);
}

/** Deep comparison of a decoded value with CPython's, type for type (int vs float, dict order included). */
function sameValue(v: PyValue, e: Enc, at: string): void {
  switch (e[0]) {
    case 'n':
      return assert.equal(v, null, at);
    case 'b':
      return assert.equal(v, e[1], at);
    case 'i':
      assert.equal(typeof v, 'bigint', `${at}: an int`);
      return assert.equal(String(v), e[1], at);
    case 'f':
      assert.equal(typeof v, 'number', `${at}: a float`);
      return assert.ok(Object.is(v, pyFloat(e[1])), `${at}: ${String(v)} vs ${e[1]}`);
    case 's':
      return assert.equal(v, e[1], at);
    case 'l':
      assert.ok(Array.isArray(v), `${at}: a list`);
      assert.equal((v as PyValue[]).length, e[1].length, at);
      return e[1].forEach((x, i) => sameValue((v as PyValue[])[i]!, x, `${at}[${i}]`));
    case 'd': {
      assert.ok(v instanceof Map, `${at}: a dict`);
      const entries = [...(v as Map<string, PyValue>).entries()];
      assert.deepEqual(entries.map(([k]) => k), e[1].map(([k]) => k), `${at}: keys in dict order`);
      return e[1].forEach(([k, x], i) => sameValue(entries[i]![1], x, `${at}.${k}`));
    }
  }
}

function fromEnc(e: Enc): bigint | number {
  if (e[0] === 'i') return BigInt(e[1]);
  if (e[0] === 'f') return pyFloat(e[1]);
  throw new Error(`not a number: ${e[0]}`);
}

/** Runs `f`; the outcome as the fixture states it. */
function attempt<T>(f: () => T): { ok: T } | { error: string; msg: string; pos?: number } {
  try {
    return { ok: f() };
  } catch (e) {
    if (!(e instanceof PyException)) throw e;
    return e.pos === undefined ? { error: e.type, msg: e.msg } : { error: e.type, msg: e.msg, pos: e.pos };
  }
}

const show = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 60)}…(${s.length} chars)` : s);

test('the fixture was made by the interpreter the references ran', () => {
  assert.match(fx.python, /^3\.11\./);
  assert.equal(fx.intMaxStrDigits, PY_INT_MAX_STR_DIGITS);
  assert.equal(fx.chars.unidata, '14.0.0');
});

test('json.loads: every hand-picked and fuzzed input gives CPython’s value or CPython’s exception (type, message, position)', () => {
  assert.ok(fx.json.length > 1500);
  for (const c of fx.json) {
    const r = attempt(() => pyJsonLoads(c.input));
    const at = show(c.input);
    if (c.ok) {
      assert.ok('ok' in r, `${at}: CPython accepts it, we raised ${'error' in r ? r.error : ''}`);
      sameValue(r.ok, c.ok, at);
    } else {
      assert.ok('error' in r, `${at}: CPython raises ${c.error}`);
      assert.equal(r.error, c.error, at);
      if (c.error === 'JSONDecodeError') {
        assert.equal(r.msg, c.msg, at);
        assert.equal(r.pos, c.pos, at);
      }
    }
  }
});

test('json.loads: NaN/Infinity accepted, >4300-digit ints and a leading BOM rejected, big ints exact, duplicate keys last-wins in first position', () => {
  assert.ok(Number.isNaN(pyJsonLoads('NaN')));
  assert.equal(pyJsonLoads('-Infinity'), -Infinity);
  assert.equal(pyJsonLoads('9007199254740993'), 9007199254740993n);
  assert.equal(pyJsonLoads('1.0'), 1);
  assert.deepEqual([...(pyJsonLoads('{"a": 1, "2": 0, "a": 3}') as Map<string, PyValue>)], [['a', 3n], ['2', 0n]]);
  assert.throws(() => pyJsonLoads('1'.repeat(4301)), (e: unknown) => e instanceof PyException && e.type === 'ValueError' && /Exceeds the limit \(4300 digits\)/.test(e.message));
  assert.equal(typeof pyJsonLoads('1'.repeat(4301) + '.5'), 'number');
  assert.throws(() => pyJsonLoads('\ufeff{}'), /Unexpected UTF-8 BOM/);
});

test('int() on strings: every hand-picked and fuzzed input (Unicode digits, whitespace, signs, underscores) as CPython', () => {
  assert.ok(fx.int.length > 1500);
  for (const c of fx.int) {
    const r = attempt(() => pyIntFromString(c.input));
    const at = show(c.input);
    if (c.ok !== undefined) {
      assert.ok('ok' in r, `${at}: CPython gives ${c.ok}, we raised`);
      assert.equal(String(r.ok), c.ok, at);
    } else {
      assert.ok('error' in r, `${at}: CPython raises ${c.error}, we gave ${'ok' in r ? String(r.ok) : ''}`);
      assert.equal(r.error, c.error, at);
    }
  }
});

test('Python character classes: \\d with its decimal values and \\s over every code point', () => {
  const value = new Int8Array(0x110000).fill(-1);
  for (const [a, b, d0] of fx.chars.decimalRuns) for (let cp = a; cp <= b; cp++) value[cp] = (d0 + cp - a) % 10;
  const space = new Set(fx.chars.isspace);
  for (let cp = 0; cp < 0x110000; cp++) {
    if (pyDigitValue(cp) !== value[cp]) assert.fail(`U+${cp.toString(16)}: decimal ${pyDigitValue(cp)}, CPython ${value[cp]!}`);
    if (isPySpace(cp) !== space.has(cp)) assert.fail(`U+${cp.toString(16)}: isspace ${isPySpace(cp)}`);
  }
});

test('Python int/float arithmetic: exact comparisons, correctly rounded int division, float() overflow', () => {
  for (const c of fx.arith) {
    const a = fromEnc(c.a);
    const at = `${c.op} ${c.a[1] as string} ${c.b ? (c.b[1] as string) : ''}`;
    if (c.op === 'cmp') {
      const s = pyCompare(a, fromEnc(c.b!));
      assert.deepEqual([s < 0, s > 0, s === 0], [c.lt, c.gt, c.eq], at);
      continue;
    }
    const r = attempt(() => (c.op === 'div' ? pyTrueDiv(a, fromEnc(c.b!)) : pyToFloat(a)));
    if (c.ok) {
      assert.ok('ok' in r, `${at}: CPython gives ${c.ok[1] as string}`);
      assert.ok(Object.is(r.ok, fromEnc(c.ok)), `${at}: ${String(r.ok)} vs ${c.ok[1] as string}`);
    } else assert.deepEqual('error' in r && r.error, c.error, at);
  }
});

test('Seg-Zero seg.py on NaN/Infinity, big ints, Unicode-digit strings and GT texts: every component as the reference', async () => {
  for (const c of fx.segzero) {
    const r = await segzeroRewards.score({ completion: c.completion, solution: c.solution, modelFrame: { kind: 'square', size: 840 } });
    for (const [k, v] of Object.entries(c.components)) assert.ok(Math.abs(r.components[k]! - v) <= 1e-6, `${k} ${show(c.completion)} | ${show(c.solution)}: ${r.components[k]!} vs ${v}`);
  }
});

test('VisionReasoner accuracy with NumPy dtypes: int64 overflow, uint64/float64 promotion, object arrays (np.sqrt raises)', () => {
  for (const c of fx.vr) {
    const a = visionReasonerAccuracy(c.completion, parseVisionReasonerGt(c.solution));
    assert.ok(Math.abs(a - c.accuracy) <= 1e-6, `${show(c.completion)} | ${show(c.solution)}: ${a} vs ${c.accuracy}`);
  }
  const gt = parseVisionReasonerGt('[{"bbox_2d": [10, 10, 100, 100], "point_2d": [50, 50]}]');
  // A point beyond int64 makes an object array: np.sqrt raises, accuracy 0 even though the box matches exactly.
  assert.equal(visionReasonerAccuracy('<answer>[{"bbox_2d": [10, 10, 100, 100], "point_2d": [50, 18446744073709551616]}]</answer>', gt), 0);
  assert.equal(visionReasonerAccuracy('<answer>[{"bbox_2d": [10, 10, 100, 100], "point_2d": [50, 50]}]</answer>', gt), 3);
});

test('answer parser: json.loads decides validity (NaN accepted, 4301-digit int and a BOM in the answer rejected)', () => {
  const invalid = (a: { diagnostics: readonly { code: string }[] }) => a.diagnostics.some((d) => d.code === 'json-invalid' || d.code === 'json-not-list');
  const nan = parseSegZero('<think>t</think><answer>{"bbox": [NaN, 1, 2, 3], "points_1": [1, 1], "points_2": [-Infinity, 2]}</answer>');
  assert.equal(invalid(nan), false);
  // The values json.loads reads are shown, not miscounted as a 3-number box.
  assert.ok(Number.isNaN(nan.boxes[0]!.x1));
  assert.equal(nan.points[1]!.x, -Infinity);
  assert.equal(invalid(parseSegZero(`<think>t</think><answer>{"bbox": [${'1'.repeat(4301)}, 1, 2, 3], "points_1": [1, 1], "points_2": [2, 2]}</answer>`)), true);
  assert.equal(invalid(parseVisionReasoner('<think>t</think><answer>[{"bbox_2d": [1, 2, 3, -Infinity], "point_2d": [1, 2]}]</answer>')), false);
  assert.equal(invalid(parseVisionReasoner('<think>t</think><answer>\ufeff[{"bbox_2d": [1, 2, 3, 4], "point_2d": [1, 2]}]</answer>')), true);
  assert.equal(invalid(parseVisionReasoner('<think>t</think><answer>\u0085[{"bbox_2d": [1, 2, 3, 4], "point_2d": [1, 2]}]\u00a0</answer>')), false);
});

test('replay reads logs as Python writes them: NaN/Infinity values and a BOM at the start of the file; a BOM later is an error', async () => {
  {
    const dir = tempDir('pysem-replay-');
    const sol = '<box>(10,10),(100,100)</box><points>(50,50),(60,60)</points>';
    const good = '<think>t</think><answer>{"bbox": [10, 10, 100, 100], "points_1": [50, 50], "points_2": [60, 60]}</answer>';
    const bad = '<think>t</think><answer>{"bbox": [NaN, 10, 100, 100], "points_1": [50, 50], "points_2": [60, 60]}</answer>';
    const line = (completion: string, reward: string, advantage: string) =>
      `{"group": "g", "completion": ${JSON.stringify(completion)}, "solution": ${JSON.stringify(sol)}, "reward": ${reward}, "advantage": ${advantage}}`;
    const log = join(dir, 'log.jsonl');
    writeFileSync(log, ['\ufeff' + line(good, '5.0', 'NaN'), line(bad, 'NaN', 'Infinity'), line(good, '5.0', '-Infinity'), '\ufeff' + line(good, '5.0', '0.0')].join('\n') + '\n');
    const bads: string[] = [];
    const { report, badLines } = await replayLog(log, { rewardSet: segzeroRewards, root: dir, onBadLine: (n, m) => bads.push(`${n}: ${m}`) });
    assert.deepEqual(report.rollouts.map((r) => r.line), [1, 2, 3]);
    assert.equal(badLines, 1);
    assert.match(bads[0]!, /^4: .*Unexpected UTF-8 BOM/);
    assert.ok(Number.isNaN(report.rollouts[1]!.total.logged));
    assert.equal(report.rollouts[2]!.advantage.logged, -Infinity);
    // The group replays: all three totals are known, so advantages are computed.
    for (const r of report.rollouts) assert.equal(typeof r.advantage.replayed, 'number');
  }
  assert.throws(() => parsePythonJsonLine('\ufeff{}', 2), /BOM/);
  assert.deepEqual(parsePythonJsonLine('\ufeff{"__proto__": 1}', 1), JSON.parse('{"__proto__": 1}'));
});
