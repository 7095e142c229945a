import assert from 'node:assert/strict';
import { test } from 'node:test';
import { composeFilters, formatStepRange, parseStepRange, passesFailureFilter, readSavedSearches, readTracesState, MAX_SAVED_SEARCHES } from '../../../src/shared/listFilters';

test('step picker text: one step, ranges in every spelling, backwards ends swapped, empty = all', () => {
  assert.deepEqual(parseStepRange(''), {});
  assert.deepEqual(parseStepRange('   '), {});
  assert.deepEqual(parseStepRange('7'), { range: [7, 7] });
  for (const t of ['3-5', '3 - 5', '3–5', '3—5', '3..5', '3:5', '3 to 5', ' 3 TO 5 ']) assert.deepEqual(parseStepRange(t), { range: [3, 5] }, t);
  assert.deepEqual(parseStepRange('5-3'), { range: [3, 5] });
  // A minus sign is a sign, not the range dash.
  assert.deepEqual(parseStepRange('-2'), { range: [-2, -2] });
  assert.deepEqual(parseStepRange('-2--1'), { range: [-2, -1] });
  assert.deepEqual(parseStepRange('1.5-2'), { range: [1.5, 2] });
});

test('step picker text: anything else is an error that quotes it (long text cut)', () => {
  for (const t of ['abc', '3-', '-', '3-5-7', '1e999', 'NaN', 'Infinity', '3,5', '<b>']) {
    const r = parseStepRange(t);
    assert.ok('error' in r, `${t} → ${JSON.stringify(r)}`);
  }
  const long = parseStepRange('x'.repeat(500));
  assert.ok('error' in long && long.error.length < 120);
  assert.equal(formatStepRange(undefined), '');
  assert.equal(formatStepRange([7, 7]), '7');
  assert.equal(formatStepRange([3, 5]), '3–5');
  assert.deepEqual(parseStepRange(formatStepRange([3, 5])), { range: [3, 5] });
});

test('format-failure filter: only keeps known failures, hide keeps parsed and not-yet-read rollouts', () => {
  const values = [1, 0, Number.NaN];
  assert.deepEqual(values.map((v) => passesFailureFilter(v, 'all')), [true, true, true]);
  assert.deepEqual(values.map((v) => passesFailureFilter(v, 'only')), [true, false, false]);
  assert.deepEqual(values.map((v) => passesFailureFilter(v, 'hide')), [false, true, true]);
});

test('filters compose with AND; no filter is no predicate', () => {
  assert.equal(composeFilters([]), undefined);
  assert.equal(composeFilters([undefined, undefined]), undefined);
  const even = (i: number) => i % 2 === 0;
  const small = (i: number) => i < 5;
  assert.equal(composeFilters([undefined, even]), even);
  const both = composeFilters([even, undefined, small])!;
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].filter(both), [0, 2, 4]);
});

test('saved searches from hostile workspace state: bad entries dropped, names unique, bad regex refused, capped', () => {
  assert.deepEqual(readSavedSearches(undefined), []);
  assert.deepEqual(readSavedSearches({ name: 'x' }), []);
  assert.deepEqual(readSavedSearches('[]'), []);
  const got = readSavedSearches([
    null,
    42,
    { name: 'ok', spec: { pattern: 'tail', ignoreCase: true }, active: true },
    { name: 'ok', spec: { pattern: 'other' }, active: true },
    { name: '  ', spec: { pattern: 'x' } },
    { name: 'bad regex', spec: { pattern: '(', regex: true }, active: true },
    { name: 'empty', spec: { pattern: '' } },
    { name: 'not a string', spec: { pattern: 5 } },
    { name: 'huge', spec: { pattern: 'a'.repeat(5000) } },
    { name: 'proto', spec: { pattern: 'p', regex: 'yes', step: Number.NaN, run: 3 }, active: 'true' },
    { name: 'stepped', spec: { pattern: 'q', step: 4, run: 'r1' } },
  ]);
  assert.deepEqual(got, [
    { name: 'ok', spec: { pattern: 'tail', regex: false, ignoreCase: true }, active: true },
    { name: 'proto', spec: { pattern: 'p', regex: false, ignoreCase: false }, active: false },
    { name: 'stepped', spec: { pattern: 'q', regex: false, ignoreCase: false, run: 'r1', step: 4 }, active: false },
  ]);
  const many = readSavedSearches(Array.from({ length: 100 }, (_, k) => ({ name: `s${k}`, spec: { pattern: `p${k}` } })));
  assert.equal(many.length, MAX_SAVED_SEARCHES);
});

test('traces webview state from hostile saved state: every field checked, defaults where unreadable', () => {
  const empty = { search: { pattern: '', regex: false, ignoreCase: false }, failures: 'all', saved: [] };
  for (const v of [undefined, null, 7, 'state', [], { list: 'x', range: 'abc', smoothing: 'high', label: 'format', search: 3, failures: 'some', saved: {} }]) assert.deepEqual(readTracesState(v), empty, JSON.stringify(v));
  const s = readTracesState({
    smoothing: 5,
    range: [9, 3],
    list: { sortKey: 'reward', sortDir: 7, limit: -3, n: 'x', scrollTop: Number.POSITIVE_INFINITY, presetColumn: 1 },
    label: { label: 'constructor', step: 2 },
    search: { pattern: 'tail', regex: true, ignoreCase: 1 },
    failures: 'hide',
    saved: [{ name: 'tails', spec: { pattern: 'tail' }, active: true }],
  });
  assert.deepEqual(s, {
    range: [3, 9],
    list: { sortKey: 'reward', sortDir: 1, limit: 0, n: 20, scrollTop: 0 },
    search: { pattern: 'tail', regex: true, ignoreCase: false },
    failures: 'hide',
    saved: [{ name: 'tails', spec: { pattern: 'tail', regex: false, ignoreCase: false }, active: true }],
  });
  assert.deepEqual(readTracesState({ range: [1, Number.NaN] }).range, undefined);
  assert.deepEqual(readTracesState({ range: [1, 2, 3] }).range, undefined);
  assert.deepEqual(readTracesState({ label: { label: 'policy', image: 'a.jpg', step: 'x' } }).label, { label: 'policy', image: 'a.jpg' });
  assert.deepEqual(readTracesState({ smoothing: 0.5, list: { sortKey: 'line', sortDir: -1, limit: 20, n: 20, scrollTop: 440, presetColumn: 'reward' } }), {
    ...empty,
    smoothing: 0.5,
    list: { sortKey: 'line', sortDir: -1, limit: 20, n: 20, scrollTop: 440, presetColumn: 'reward' },
  });
});
