// "Largest replay Δ" in the traces: it keeps the list's N, says what the replay found (how many totals change,
// which rankings invert within groups) and replays with the reward set the user picks.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleWorkspace, waitFor, withWorkbench } from './harness';

test('Largest replay Δ honours N, summarises the replay and replays with the chosen reward set', { timeout: 360_000 }, async () => {
  const workspace = sampleWorkspace();
  assert.ok(workspace, 'the sample workspace could not be generated');
  await withWorkbench({ name: 'replay-delta', workspace, viewport: { width: 1400, height: 1000 }, hardTimeoutMs: 340_000 }, async (wb) => {
    await wb.runCommand('Seg-R1: Open Reward Traces');
    const view = wb.webviewFrame();
    await view.locator('figure[data-series="reward"] circle.point').first().waitFor({ timeout: 90_000 });
    const list = view.locator('#rollout-list');
    const summary = view.locator('#replay-summary');
    await view.locator('#preset-n').fill('5');
    await view.locator('#preset-n').press('Enter');

    // The intended reward (true S-measure) differs from what the sample logged: rows with a non-zero Δ, top 5 only.
    await view.locator('#replay-set').selectOption('segr1-intended');
    await view.locator('#preset-replay').click();
    const intended = await waitFor('the segr1-intended summary', async () => {
      const t = (await summary.textContent()) ?? '';
      return /^segr1-intended: \d+ of \d+ compared totals change/.test(t) ? t : undefined;
    }, 180_000);
    assert.match(intended, /rankings? invert|no ranking inverts within \d+ groups/);
    assert.ok(Number(await summary.getAttribute('data-changed')) > 0, intended);
    await waitFor('the top 5 rows', async () => ((await view.locator('#list-count').textContent()) ?? '').startsWith('5 of ') || undefined, 30_000);
    const deltas = await waitFor('5 sorted Δ cells', async () => {
      const rows = list.locator('.list-row:not(.pending)');
      if ((await rows.count()) !== 5) return undefined;
      const last = await rows.evaluateAll((rs) => rs.map((r) => Number((r as unknown as { lastElementChild: { textContent: string } }).lastElementChild.textContent)));
      return last.every(Number.isFinite) ? last : undefined;
    }, 30_000);
    assert.ok(deltas[0]! > 0, `largest Δ under segr1-intended: ${deltas}`);
    for (let k = 1; k < deltas.length; k++) assert.ok(deltas[k]! <= deltas[k - 1]!, `sorted largest first: ${deltas}`);
    await wb.screenshot('replay-intended');

    // The training code's own reward replays the sample exactly, and the summary says so rather than a column of zeros.
    await view.locator('#replay-set').selectOption('segr1-reference');
    await view.locator('#preset-replay').click();
    const reference = await waitFor('the segr1-reference summary', async () => {
      const t = (await summary.textContent()) ?? '';
      return t.startsWith('segr1-reference: ') ? t : undefined;
    }, 180_000);
    assert.match(reference, /none of \d+ compared totals change .*the log replays exactly; no ranking inverts/);
    assert.ok(((await view.locator('#list-count').textContent()) ?? '').startsWith('5 of '));
    await wb.screenshot('replay-reference');
  });
});
