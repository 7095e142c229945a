import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { indexRolloutLog } from '../../../src/core/logs/jsonlIndex';
import { getAdvantageEstimator, type AdvantageRollout } from '../../../src/core/rewards/advantageEstimators';
import { advantageRolloutsOfIndex, isSignFlip, signFlipShare } from '../../../src/core/signals/signFlips';
import { tempDir } from '../tempDir';

const est = (id: string) => getAdvantageEstimator(id)!;

test('isSignFlip: strictly opposite signs; zero has no sign', () => {
  assert.equal(isSignFlip(1, -1), true);
  assert.equal(isSignFlip(-0.5, 2), true);
  assert.equal(isSignFlip(1, 2), false);
  assert.equal(isSignFlip(0, -1), false);
  assert.equal(isSignFlip(-0, 1), false);
  assert.equal(isSignFlip(Number.NaN, 1), false);
});

test('signFlipShare: GDPO lifts the only rollout that wins the small component (1 of 3 flips at step 1)', () => {
  // Step 1: totals 1, 0.1, 0 → under trl-group B is below the mean (negative). GDPO normalises each component in the
  // group: A wins component 1, B component 2, so A and B tie at +0.577 and C gets −1.155: B turns positive.
  // Step 2: one component, so both estimators rank alike: no flip.
  const rs: AdvantageRollout[] = [
    { step: 1, group: 'a', components: [1, 0] },
    { step: 1, group: 'a', components: [0, 0.1] },
    { step: 1, group: 'a', components: [0, 0] },
    { step: 2, group: 'b', components: [1, 0] },
    { step: 2, group: 'b', components: [0, 0] },
  ];
  const s = signFlipShare(rs, est('trl-group'), est('trl-gdpo'));
  assert.deepEqual(s.steps, [1, 2]);
  assert.deepEqual(s.flips, [1, 0]);
  assert.deepEqual(s.n, [3, 2]);
  assert.deepEqual(s.mean, [1 / 3, 0]);
  assert.deepEqual(s.lo, s.mean);
  assert.deepEqual(s.excluded, [0, 0]);
  assert.equal(s.base, 'trl-group');
  assert.equal(s.alternative, 'trl-gdpo');
  // An estimator against itself never flips.
  assert.deepEqual(signFlipShare(rs, est('trl-gdpo'), est('trl-gdpo')).flips, [0, 0]);
});

test('advantageRolloutsOfIndex: components in log order with None as null, groups per run, the total when no components', async () => {
  const dir = tempDir('segr1-signflip-');
  const log = join(dir, 'rollouts.jsonl');
  const rec = (o: object) => JSON.stringify({ completion: 'x', image: 'i.jpg', ...o });
  writeFileSync(
    log,
    [
      rec({ run: 'a', step: 1, group: 'g', sample: 0, reward: 1, rewards: { fmt: 1, iou: null } }),
      rec({ run: 'b', step: 1, group: 'g', sample: 0, reward: 0.5, rewards: { fmt: 0, iou: 0.5 } }),
    ].join('\n') + '\n',
  );
  const rs = advantageRolloutsOfIndex(await indexRolloutLog(log));
  assert.deepEqual(rs.map((r) => r.components), [[1, null], [0, 0.5]]);
  assert.deepEqual(rs.map((r) => [r.run, r.step, r.group]), [['a', 1, 'g'], ['b', 1, 'g']]);
  const bare = join(dir, 'bare.jsonl');
  writeFileSync(bare, rec({ run: 'a', step: 1, group: 'g', sample: 0, reward: 0.25 }) + '\n');
  assert.deepEqual(advantageRolloutsOfIndex(await indexRolloutLog(bare)).map((r) => r.components), [[0.25]]);
});
