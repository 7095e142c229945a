import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getRewardSet } from '../../../src/core/rewards/registry';
import { answerGroup, maxAssignment, visionReasonerNonRepeat } from '../../../src/core/rewards/visionReasoner';

const corpus = JSON.parse(readFileSync(join(__dirname, '../../../../test/fixtures/rewards/visionreasoner_corpus.json'), 'utf8')) as {
  cases: Array<{ completion: string; solution: string; format: number; accuracy: number; non_repeat: number }>;
};

test(`visionreasoner components equal vision_reasoner.py on ${corpus.cases.length} generated completions (1e-12)`, async () => {
  const set = getRewardSet('visionreasoner')!;
  for (const c of corpus.cases) {
    const r = await set.score({ completion: c.completion, solution: c.solution, modelFrame: { kind: 'square', size: 840 } });
    for (const k of ['format', 'accuracy', 'non_repeat'] as const) {
      assert.ok(Math.abs(r.components[k]! - c[k]) <= 1e-12, `${k}: ${r.components[k]} vs ${c[k]} for ${JSON.stringify(c.completion)} | ${c.solution}`);
    }
  }
});

test('maximum assignment finds the best matching on rectangular matrices', () => {
  assert.equal(maxAssignment([[3, 0], [3, 1]]), 4);
  assert.equal(maxAssignment([[1, 2, 3]]), 3);
  assert.equal(maxAssignment([[1], [2], [0]]), 2);
  assert.equal(maxAssignment([[2, 3, 0], [3, 0, 0], [0, 0, 1]]), 7);
});

test('answer group and non-repeat follow the reference regex and split', () => {
  assert.equal(answerGroup('<answer>\n [1] \n</answer> x </answer>'), '[1]');
  assert.equal(answerGroup('<answer>[1]'), null);
  assert.equal(visionReasonerNonRepeat('a. a. a.'), 0);
  assert.equal(visionReasonerNonRepeat('a. a. b.'), 1);
});
