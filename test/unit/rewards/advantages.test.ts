import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { advantagesByGroup, groupAdvantages, trainerTotal } from '../../../src/core/rewards/advantages';

const ref = JSON.parse(readFileSync(join(__dirname, '../../../../test/fixtures/rewards/reference.json'), 'utf8')) as {
  advantages: Array<{ segment: number[]; format: number[]; reward: number[]; std: number; advantage: number[] }>;
};

test(`advantages equal torch float32 (Seg-R1 trainer) on ${ref.advantages.length} groups`, () => {
  let exact = 0;
  let total = 0;
  for (const g of ref.advantages) {
    const totals = g.segment.map((s, i) => trainerTotal([s, g.format[i]!]));
    assert.deepEqual(totals, g.reward);
    const a = groupAdvantages(totals);
    assert.equal(a.std, g.std);
    a.advantages.forEach((v, i) => {
      total++;
      if (v === g.advantage[i]) exact++;
      assert.ok(Math.abs(v - g.advantage[i]!) <= 1e-6 * Math.max(1, Math.abs(g.advantage[i]!)), `adv ${v} vs ${g.advantage[i]}`);
    });
  }
  assert.equal(exact, total, `${exact}/${total} bit-exact`);
});

test('zero-variance groups are flagged; single-rollout groups give NaN like torch.std', () => {
  assert.equal(groupAdvantages([1, 1, 1, 1]).zeroVariance, true);
  assert.deepEqual(groupAdvantages([1, 1, 1, 1]).advantages, [0, 0, 0, 0]);
  assert.equal(groupAdvantages([0, 1, 1, 1]).zeroVariance, false);
  assert.ok(Number.isNaN(groupAdvantages([1]).advantages[0]!));
  const by = advantagesByGroup([{ group: 'a', total: 0 }, { group: 'b', total: 2 }, { group: 'a', total: 1 }, { group: 'b', total: 2 }]);
  assert.equal(by[1]!.zeroVariance, true);
  assert.ok(by[0]!.advantage < 0 && by[2]!.advantage > 0);
});
