import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { indexRolloutLogSerial } from '../../../src/core/logs/jsonlIndex';
import { ADVANTAGE_ESTIMATOR_IDS, getAdvantageEstimator } from '../../../src/core/rewards/advantageEstimators';
import { advantageSign, advantageWhatIf, canonicalComponent, editedComponents, signFlips, whatIfBatch, wouldBeRows } from '../../../src/core/signals/advantageWhatIf';
import { runEstimator, whatIfPayload, withWouldBe } from '../../../src/host/advantageWhatIf';
import { tempDir } from '../tempDir';
import { advantageReference } from '../rewards/advantageCases';

const ref = advantageReference();

function close(a: number, b: number | null): boolean {
  if (b === null) return Number.isNaN(a);
  return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
}

/** A canonical JSONL log of rollouts: one object per line, with a completion (the index needs one). */
function writeLog(records: readonly Record<string, unknown>[]): string {
  const file = join(tempDir('segr1-whatif-'), 'rollouts.jsonl');
  writeFileSync(file, records.map((r) => JSON.stringify({ completion: 'x', ...r })).join('\n') + '\n');
  return file;
}

test('a zero advantage never flips; opposite signs beyond 1e-6 do; NaN has no sign', () => {
  assert.equal(signFlips(0.5, -0.5), true);
  assert.equal(signFlips(-0.1, 0.2), true);
  assert.equal(signFlips(0.5, 0), false);
  assert.equal(signFlips(5e-7, -0.3), false);
  assert.equal(signFlips(Number.NaN, -1), false);
  assert.equal(advantageSign(-2), -1);
  assert.equal(advantageSign(Number.NaN), 0);
});

test("every estimator's what-if, read from an indexed log holding many runs and steps, is the trainer's reference value", async () => {
  // Every unit-weight case of the reference (real TRL / verl outputs) in one log: the batch must be the case's step only.
  const cases = ref.cases.filter((c) => c.weights.every((w) => w === 1)).slice(0, 40);
  const records: Record<string, unknown>[] = [];
  const firstOf: number[] = [];
  cases.forEach((c, ci) => {
    firstOf.push(records.length);
    c.groups.forEach((g, i) => records.push({ run: `${c.run}#${ci}`, step: c.step, group: g, rewards: Object.fromEntries(c.components[i]!.map((v, j) => [`c${j}`, v])) }));
  });
  const index = await indexRolloutLogSerial(writeLog(records));
  assert.equal(index.count, records.length);
  let compared = 0;
  const bad: string[] = [];
  cases.forEach((c, ci) => {
    // Each group of the case, asked for through its first member.
    for (const g of new Set(c.groups)) {
      const i = c.groups.indexOf(g);
      const batch = whatIfBatch(index, firstOf[ci]! + i);
      assert.equal(batch.rollouts.length, c.groups.length, `case ${ci}: the batch is the whole step`);
      const table = advantageWhatIf(batch, getAdvantageEstimator('trl-group')!, () => undefined);
      for (const row of table.rows) {
        const k = row.record - firstOf[ci]!;
        assert.equal(c.groups[k], g, `case ${ci}: row ${row.record} is in group ${g}`);
        for (const id of ADVANTAGE_ESTIMATOR_IDS) {
          const want = c.expected[id]?.[k];
          if (want === undefined) continue;
          compared++;
          if (!close(row.values[id], want)) bad.push(`case ${ci} rollout ${k} ${id}: ${row.values[id]} ≠ ${want}`);
        }
      }
    }
  });
  assert.deepEqual(bad.slice(0, 10), []);
  assert.ok(compared > 1000, `compared ${compared}`);
});

test('GDPO and GRPO give opposite signs to a rollout, and its row lists the flip', async () => {
  // Rollout 1 is above the group's mean total (GRPO: +) but below on its larger-spread component (GDPO: −).
  const rows: Array<[string, number, number]> = [
    ['a', 0.8, 0],
    ['a', 0.5, 1],
    ['a', 0.6, 1],
    ['a', 0.7, 1],
  ];
  const index = await indexRolloutLogSerial(writeLog(rows.map(([g, s, f], k) => ({ run: 'r', step: 3, group: g, sample: k, rewards: { segment: s, format: f }, advantage: k / 10 }))));
  const run = getAdvantageEstimator('trl-group')!;
  const table = advantageWhatIf(whatIfBatch(index, 0), run, (r) => index.advantage[r]);
  const gdpo = getAdvantageEstimator('trl-gdpo')!.estimate(whatIfBatch(index, 0).rollouts);
  const grpo = run.estimate(whatIfBatch(index, 0).rollouts);
  const flipped = table.rows.filter((r) => r.flips.includes('trl-gdpo')).map((r) => r.record);
  const expected = [0, 1, 2, 3].filter((k) => signFlips(grpo[k]!, gdpo[k]!));
  assert.ok(grpo[1]! > 0.1 && gdpo[1]! < -0.1, `rollout 1 flips: grpo ${grpo} gdpo ${gdpo}`);
  assert.deepEqual(flipped, expected);
  for (const r of table.rows) {
    assert.equal(r.logged, r.record / 10);
    for (const id of r.flips) assert.ok(signFlips(r.values['trl-group'], r.values[id]), `${id} listed as a flip`);
    assert.ok(!r.flips.includes('trl-group'), 'the run is never listed against itself');
  }
});

test('the batch: same run and step only; a record without a group is its own group; no step batches the run\'s stepless rollouts', async () => {
  const index = await indexRolloutLogSerial(
    writeLog([
      { run: 'r', step: 1, group: 'g', rewards: { s: 1 } },
      { run: 'r', step: 1, group: 'g', rewards: { s: 0 } },
      { run: 'other', step: 1, group: 'g', rewards: { s: 5 } },
      { run: 'r', step: 2, group: 'g', rewards: { s: 9 } },
      { run: 'r', step: 1, rewards: { s: 0.5 } },
      { run: 'r', group: 'h', rewards: { s: 0.5 } },
      { run: 'r', group: 'h', rewards: { s: 0.1 } },
    ]),
  );
  const b = whatIfBatch(index, 0);
  assert.deepEqual(b.records, [0, 1, 4]);
  assert.deepEqual(b.members, [0, 1]);
  assert.deepEqual(b.components, ['s']);
  const lone = whatIfBatch(index, 4);
  assert.deepEqual(lone.members, [2], 'the groupless record alone');
  const stepless = whatIfBatch(index, 5);
  assert.deepEqual(stepless.records, [5, 6]);
  assert.equal(stepless.rollouts[0]!.step, undefined);
  assert.throws(() => whatIfBatch(index, 99), /record 99 is out of range \(log has 7\)/);
});

test('a log without components uses the logged total; a null component is None', async () => {
  const index = await indexRolloutLogSerial(
    writeLog([
      { run: 'r', step: 1, group: 'g', reward: 1 },
      { run: 'r', step: 1, group: 'g', reward: 0 },
      { run: 'r', step: 2, group: 'g', rewards: { a: null, b: 1 } },
      { run: 'r', step: 2, group: 'g', rewards: { a: 0.5, b: 0 } },
    ]),
  );
  const t = whatIfBatch(index, 0);
  assert.equal(t.totalOnly, true);
  assert.deepEqual(t.components, ['total']);
  assert.deepEqual(t.rollouts.map((r) => r.components), [[1], [0]]);
  const n = whatIfBatch(index, 2);
  assert.equal(n.totalOnly, false);
  assert.deepEqual(n.rollouts.map((r) => r.components), [
    [null, 1],
    [0.5, 0],
  ]);
});

test('edited components: same name, else the canonical name; missing ones keep the logged value and are listed', async () => {
  assert.equal(canonicalComponent('rewards/format_reward'), 'format');
  assert.equal(canonicalComponent('segmentation_reward'), 'segment');
  const index = await indexRolloutLogSerial(
    writeLog([
      { run: 'r', step: 1, group: 'g', rewards: { 'rewards/segmentation_reward': 0.4, format_reward: 1, extra: 0.25 } },
      { run: 'r', step: 1, group: 'g', rewards: { 'rewards/segmentation_reward': 0.8, format_reward: 1, extra: 0.5 } },
    ]),
  );
  const b = whatIfBatch(index, 0);
  const e = editedComponents(b, 0, { components: { segment: 0.9, format: 0 } });
  assert.deepEqual(e.components, [0.9, 0, 0.25]);
  assert.deepEqual(e.kept, ['extra']);
  const t = whatIfBatch(await indexRolloutLogSerial(writeLog([{ run: 'r', step: 1, group: 'g', reward: 1 }])), 0);
  assert.deepEqual(editedComponents(t, 0, { components: {}, total: 0.3 }).components, [0.3]);
});

test('would-be rows: before is the estimator on the logged rewards, after on the edit; the panel payload marks sign flips', async () => {
  const index = await indexRolloutLogSerial(
    writeLog([
      { run: 'r', step: 1, group: 'g', sample: 0, rewards: { segment: 0.9, format: 1 }, advantage: 1 },
      { run: 'r', step: 1, group: 'g', sample: 1, rewards: { segment: 0.1, format: 1 }, advantage: -1 },
      { run: 'r', step: 1, group: 'h', sample: 0, rewards: { segment: 0.5, format: 0 }, advantage: 0 },
    ]),
  );
  const run = getAdvantageEstimator('trl-gdpo')!;
  const w = wouldBeRows(whatIfBatch(index, 1), 1, run, { components: { segment: 1, format: 1 } }, (r) => index.advantage[r]);
  assert.deepEqual(
    w.rows.map((r) => r.record),
    [0, 1],
  );
  const rollouts = whatIfBatch(index, 1).rollouts;
  const before = run.estimate(rollouts);
  const after = run.estimate(rollouts.map((r, k) => (k === 1 ? { ...r, components: [1, 1] } : r)));
  assert.deepEqual(
    w.rows.map((r) => [r.before, r.after]),
    [
      [before[0], after[0]],
      [before[1], after[1]],
    ],
  );
  assert.deepEqual(w.components, { segment: 1, format: 1 });
  assert.throws(() => wouldBeRows(whatIfBatch(index, 1), 7, run, { components: {} }, () => undefined), /record 7 is not in its step's batch/);

  const grpo = getAdvantageEstimator('trl-group')!;
  const payload = whatIfPayload(index, 1, grpo);
  assert.equal(payload.run, 'trl-group');
  assert.deepEqual(payload.estimators.map((e) => e.id), [...ADVANTAGE_ESTIMATOR_IDS]);
  assert.deepEqual(payload.rows.map((r) => [r.index, r.sample, r.logged]), [
    [0, 0, 1],
    [1, 1, -1],
  ]);
  const edited = withWouldBe(payload, index, 1, grpo, {
    rewardSet: 'segr1-reference',
    rewards: [
      { name: 'segment', logged: 0.1, replayed: { 'segr1-reference': 1, 'segr1-intended': 0 } },
      { name: 'format', logged: 1, replayed: { 'segr1-reference': 1 } },
    ],
    total: { name: 'total', replayed: { 'segr1-reference': 2 } },
  });
  const mine = edited.wouldBe!.rows.find((r) => r.index === 1)!;
  assert.equal(mine.logged, -1);
  assert.ok(mine.after > 0 && mine.flips, 'the edit turns the worse rollout into the better one: its sign flips');
  assert.ok(edited.wouldBe!.rows.find((r) => r.index === 0)!.flips);
  const none = withWouldBe(payload, index, 1, grpo, { rewardSet: 'segr1-reference', rewards: [], total: { name: 'total', replayed: {} } });
  assert.equal(none.wouldBe, undefined, 'no re-scored value: no would-be');
});

test("the run's estimator: the setting, else auto by the log format, else by the answer's reward set", () => {
  assert.equal(runEstimator('trl-gdpo', 'canonical', 'segr1').id, 'trl-gdpo');
  assert.equal(runEstimator('auto', 'canonical', 'segr1').id, 'trl-group');
  assert.equal(runEstimator('auto', 'verl', 'segr1').id, 'verl-grpo');
  assert.equal(runEstimator('auto', 'canonical', 'segzero').id, 'verl-grpo');
  assert.equal(runEstimator('not-an-estimator', 'canonical', undefined).id, 'trl-group', 'a hand-edited value falls back to auto');
});
