import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RecordSummary } from '../../../src/core/logs/fastRecord';
import { IndexBuilder } from '../../../src/core/logs/indexBuilder';
import { imageHistory } from '../../../src/host/rolloutPayload';

/** An index of `steps` steps × 4 rollouts on image a, interleaved with rollouts on image b. */
function run(steps: number) {
  const b = new IndexBuilder();
  let line = 1;
  const rec = (step: number, image: string, sample: number, reward: number): RecordSummary => ({ run: undefined, step, group: `${image}@${step}`, sample, image, query: undefined, reward, advantage: undefined, rewardNames: [], rewardValues: [], completionLength: 1 });
  for (let step = 1; step <= steps; step++) {
    for (let s = 0; s < 4; s++) b.add(rec(step, 'a.jpg', s, step / steps), line++, 0, 1);
    b.add(rec(step, 'b.jpg', 0, 0), line++, 0, 1);
  }
  return b.finish({ path: 'x.jsonl', size: 0, mtimeMs: 0, scanned: 0, nextLine: line });
}

test('imageHistory: every rollout of the image in step order while under the cap', () => {
  const idx = run(10);
  const { history, steps } = imageHistory(idx, 0);
  assert.equal(steps, 10);
  assert.equal(history.length, 40);
  assert.ok(history.every((h, k) => k === 0 || h.step >= history[k - 1]!.step));
});

test('imageHistory: a long run keeps whole steps spread from first to last, and the current rollout\'s step', () => {
  const idx = run(3000);
  const current = 5 * 1234 + 2; // step 1235, sample 2 of image a
  const { history, steps } = imageHistory(idx, current, 512);
  assert.equal(steps, 3000);
  assert.ok(history.length <= 512 + 4, `${history.length} rollouts`);
  const shown = [...new Set(history.map((h) => h.step))];
  assert.equal(shown[0], 1);
  assert.equal(shown[shown.length - 1], 3000);
  assert.ok(shown.includes(1235));
  assert.ok(history.some((h) => h.index === current));
  // Whole steps: 4 rollouts each; evenly spread: no gap much larger than the average.
  for (const s of shown) assert.equal(history.filter((h) => h.step === s).length, 4);
  const gaps = shown.slice(1).map((s, k) => s - shown[k]!);
  assert.ok(Math.max(...gaps) <= 2 * (2999 / (shown.length - 2)), `largest gap ${Math.max(...gaps)}`);
});
