import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RolloutTableModel } from '../../../src/host/rolloutTable';

function table() {
  const n = 6;
  return new RolloutTableModel(
    {
      run: new Int32Array(n),
      record: Int32Array.from([0, 1, 2, 3, 4, 5]),
      line: Uint32Array.from([1, 2, 3, 4, 5, 6]),
      step: Float64Array.from([1, 1, 2, 2, 3, 3]),
      sample: Int32Array.from([0, 1, 0, 1, 0, 1]),
      group: ['a', 'a', 'b', 'b', 'c', 'c'],
      columns: [{ name: 'reward', values: Float64Array.from([0.5, Number.NaN, 1.5, 0.2, 1.9, 0.9]) }],
    },
    ['/logs/run.jsonl'],
  );
}

test('filters by inclusive step range, sorts with NaN last, pages', () => {
  const t = table();
  const all = t.query({ sortKey: 'reward', dir: 1, limit: 0, offset: 0, count: 10 });
  assert.equal(all.total, 6);
  assert.deepEqual(all.rows.map((r) => r.line), [4, 1, 6, 3, 5, 2]);
  const desc = t.query({ sortKey: 'reward', dir: -1, limit: 0, offset: 0, count: 10 });
  assert.deepEqual(desc.rows.map((r) => r.line), [5, 3, 6, 1, 4, 2]);
  const ranged = t.query({ sortKey: 'line', dir: 1, stepRange: [1.6, 2.4], limit: 0, offset: 0, count: 10 });
  assert.deepEqual(ranged.rows.map((r) => r.step), [2, 2]);
  const worst = t.query({ sortKey: 'reward', dir: 1, limit: 2, offset: 1, count: 10 });
  assert.equal(worst.total, 2);
  assert.deepEqual(worst.rows.map((r) => [r.position, r.line, r.log]), [[1, 1, '/logs/run.jsonl']]);
});

test('an attribution filter keeps the rows with that label (and image), combined with the step range; rows carry the label', () => {
  const t = table();
  const q = { sortKey: 'line', dir: 1 as const, limit: 0, offset: 0, count: 10 };
  // Before the pass has run, a label filter keeps nothing rather than everything.
  assert.equal(t.query({ ...q, attribution: { label: 'policy' } }).total, 0);
  t.setAttribution({
    labels: ['policy', 'ok', 'policy', 'format', 'policy', undefined],
    images: ['a.jpg', 'a.jpg', 'b.jpg', 'b.jpg', 'a.jpg', 'a.jpg'],
    overridden: [false, false, true, false, false, false],
  });
  const policy = t.query({ ...q, attribution: { label: 'policy' } });
  assert.deepEqual(policy.rows.map((r) => r.line), [1, 3, 5]);
  assert.deepEqual(policy.rows.map((r) => r.label), ['policy', 'policy*', 'policy']);
  assert.deepEqual(t.query({ ...q, attribution: { label: 'policy' }, stepRange: [2, 2] }).rows.map((r) => r.line), [3]);
  assert.deepEqual(t.query({ ...q, attribution: { label: 'policy', image: 'a.jpg' } }).rows.map((r) => r.line), [1, 5]);
  assert.equal(t.query(q).rows[5]!.label, undefined);
  assert.throws(() => t.setAttribution({ labels: ['ok'], images: ['a.jpg'], overridden: [false] }), RangeError);
});

test('format-failure filter and saved-search masks compose with the step range; the cached order follows them', () => {
  const t = table();
  t.setColumn('formatFailure', Float64Array.from([1, 0, 1, Number.NaN, 0, 1]));
  const q = { sortKey: 'line', dir: 1 as const, limit: 0, offset: 0, count: 10 };
  const lines = (r: { rows: ReadonlyArray<{ line: number }> }) => r.rows.map((x) => x.line);
  assert.deepEqual(lines(t.query({ ...q, formatFailures: 'only' })), [1, 3, 6]);
  assert.deepEqual(lines(t.query({ ...q, formatFailures: 'hide' })), [2, 4, 5]);
  assert.deepEqual(lines(t.query({ ...q, formatFailures: 'all' })), [1, 2, 3, 4, 5, 6]);
  const tail = { pattern: 'tail' };
  const mask = Uint8Array.from([1, 1, 0, 1, 0, 1]);
  assert.deepEqual(lines(t.query({ ...q, searches: [tail] }, [mask])), [1, 2, 4, 6]);
  assert.deepEqual(lines(t.query({ ...q, searches: [tail], formatFailures: 'only' }, [mask])), [1, 6]);
  assert.deepEqual(lines(t.query({ ...q, searches: [tail], formatFailures: 'only', stepRange: [3, 3] }, [mask])), [6]);
  // Two saved searches: both must match.
  const head = { pattern: 'head' };
  assert.deepEqual(lines(t.query({ ...q, searches: [tail, head] }, [mask, Uint8Array.from([0, 1, 1, 1, 1, 0])])), [2, 4]);
  // Without a formatFailure column (prompts not read yet) "only" keeps nothing and "hide" keeps everything.
  const fresh = table();
  assert.equal(fresh.query({ ...q, formatFailures: 'only' }).total, 0);
  assert.equal(fresh.query({ ...q, formatFailures: 'hide' }).total, 6);
});
