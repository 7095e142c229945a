// A run in progress: rollouts a trainer appends to the log while the reward traces are open show up in them (a new
// step's point with its exact mean, the list's count), through the file watcher and the index's incremental follow.
import * as assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sampleCopy, waitFor, withWorkbench } from './harness';

test('a growing log: appended rollouts of a new step appear in the open traces without a reload', { timeout: 300_000 }, async () => {
  const ws = sampleCopy('segr1-follow-ws-');
  const log = join(ws, 'runs/synthetic-segr1/rollouts.jsonl');
  const records = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown> & { step: number; group: string; reward: number });
  const last = Math.max(...records.map((r) => r.step));
  const steps = new Set(records.map((r) => r.step)).size;

  await withWorkbench({ name: 'follow', workspace: ws, viewport: { width: 1400, height: 900 } }, async (wb) => {
    await wb.runCommand('Seg-R1: Open Reward Traces');
    const view = wb.webviewFrame();
    const points = view.locator('figure[data-series="reward"] circle.point');
    await waitFor('reward chart points', async () => (await points.count()) === steps || undefined, 90_000);
    const count = view.locator('#list-count');
    // The count arrives with the list's first page, a round trip after the charts (and again after the payload with
    // prompt statistics): wait for it rather than read it at once.
    await waitFor('the list count', async () => (await count.textContent()) === `${records.length} of ${records.length} rollouts` || undefined, 30_000);
    assert.equal(await count.textContent(), `${records.length} of ${records.length} rollouts`);

    // The trainer writes the next step: the last step's rollouts again, rewards shifted, groups renamed.
    const next = records.filter((r) => r.step === last).map((r) => ({ ...r, step: last + 1, group: r.group.replace(/@\d+$/, `@${last + 1}`), reward: r.reward - 0.25 }));
    appendFileSync(log, next.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const total = records.length + next.length;
    await waitFor('the appended step in the list', async () => (await count.textContent()) === `${total} of ${total} rollouts` || undefined, 60_000);
    await waitFor('the appended step on the chart', async () => (await points.count()) === steps + 1 || undefined, 30_000);
    const drawn = await points.evaluateAll((cs) => cs.map((c) => [Number(c.getAttribute('data-step')), Number(c.getAttribute('data-mean'))] as const));
    const added = drawn.find(([s]) => s === last + 1);
    assert.ok(added, `no point for step ${last + 1}: ${JSON.stringify(drawn)}`);
    const expected = next.reduce((a, r) => a + r.reward, 0) / next.length;
    assert.ok(Math.abs(added[1] - expected) < 1e-9, `step ${last + 1}: chart ${added[1]} vs appended ${expected}`);
    await wb.screenshot('traces-followed');
  });
});
