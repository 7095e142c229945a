import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listRewardSets } from '../../../src/core/rewards/registry';
import { DEFAULT_REPLAY_SET, REWARD_SET_CHOICES } from '../../../src/shared/rewardSetChoices';

test('the webview reward-set picker offers exactly the registered sets, with their labels, in registry order', () => {
  assert.deepEqual(REWARD_SET_CHOICES.map((c) => ({ ...c })), listRewardSets().map((s) => ({ id: s.id, label: s.label })));
  assert.ok(REWARD_SET_CHOICES.some((c) => c.id === DEFAULT_REPLAY_SET));
});
