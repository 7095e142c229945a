// Reward traces in a real VS Code: the chart's data points equal the per-step means of the log, and
// brushing a step range filters the (virtualized) rollout list to exactly those steps.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sampleWorkspace, waitFor, withWorkbench } from './harness';

test('traces: chart points equal per-step means; brushing steps filters the rollout list', { timeout: 300_000 }, async () => {
  const workspace = sampleWorkspace();
  assert.ok(workspace, 'the sample workspace could not be generated');
  // Expected values straight from the log: mean reward per step, rollouts per step.
  const records = readFileSync(join(workspace, 'runs/synthetic-segr1/rollouts.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { step: number; reward: number });
  const byStep = new Map<number, number[]>();
  for (const r of records) byStep.set(r.step, [...(byStep.get(r.step) ?? []), r.reward]);
  const steps = [...byStep.keys()].sort((a, b) => a - b);

  await withWorkbench({ name: 'traces', copyWorkspace: workspace, viewport: { width: 1500, height: 1000 } }, async (wb) => {
    await wb.runCommand('Seg-R1: Open Reward Traces');
    const view = wb.webviewFrame();
    const chart = view.locator('figure[data-series="reward"]');
    await chart.waitFor({ timeout: 90_000 });
    const points = chart.locator('circle.point');
    await waitFor('reward chart points', async () => (await points.count()) === steps.length, 30_000);
    const drawn = await points.evaluateAll((cs) => cs.map((c) => [Number(c.getAttribute('data-step')), Number(c.getAttribute('data-mean'))]));
    for (const [step, mean] of drawn) {
      const v = byStep.get(step!)!;
      const expected = v.reduce((a, b) => a + b, 0) / v.length;
      assert.ok(Math.abs(mean! - expected) < 1e-9, `step ${step}: chart ${mean} vs log ${expected}`);
    }
    // Twelve steps keep their points and no smoothing; moving the slider adds the smoothed trend (TensorBoard's EMA),
    // points and exact values stay.
    assert.equal(await view.locator('#smoothing').inputValue(), '0');
    await view.locator('#smoothing').evaluate((el) => {
      const input = el as unknown as { value: string; dispatchEvent(e: unknown): boolean };
      input.value = '0.5';
      input.dispatchEvent(new Event('input'));
    });
    await waitFor('smoothed reward line', async () => ((await chart.locator('path.smoothed').count()) === 1 ? true : undefined), 10_000);
    assert.equal(await chart.locator('circle.point').count(), steps.length);
    assert.equal(await view.locator('#smoothing-value').textContent(), '0.50');
    // Prompt statistics and behaviour charts exist too.
    for (const name of ['points per rollout', 'box area / image', 'zero-variance groups', 'format failure rate']) await view.locator(`figure[data-series="${name}"]`).waitFor({ timeout: 10_000 });

    const count = view.locator('#list-count');
    // The list fills after the charts (its rows come with the prompt statistics): wait for it.
    await waitFor('the full rollout list', async () => (await count.textContent()) === `${records.length} of ${records.length} rollouts`, 30_000);
    const list = view.locator('#rollout-list');
    const rendered = Number(await list.getAttribute('data-rendered'));
    assert.ok(rendered > 0 && rendered < records.length, `virtualized list renders ${rendered} of ${records.length} rows`);
    await wb.screenshot('traces');

    // Brush from just before step 3 to just after step 5 on the reward chart.
    const p3 = await points.nth(steps.indexOf(3)).boundingBox();
    const p5 = await points.nth(steps.indexOf(5)).boundingBox();
    assert.ok(p3 && p5, 'no point positions');
    const y = p3.y + p3.height / 2;
    const page = wb.page;
    await page.mouse.move(p3.x - 4, y);
    await page.mouse.down();
    await page.mouse.move((p3.x + p5.x) / 2, y, { steps: 4 });
    await page.mouse.move(p5.x + p5.width + 4, y, { steps: 4 });
    await page.mouse.up();
    const expected = records.filter((r) => r.step >= 3 && r.step <= 5).length;
    await waitFor('list filtered to steps 3–5', async () => (await count.textContent()) === `${expected} of ${records.length} rollouts`, 15_000);
    const stepsShown = await list.locator('.list-row').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-step'))));
    assert.ok(stepsShown.length > 0 && stepsShown.every((s) => s >= 3 && s <= 5), `rows outside the brush: ${stepsShown}`);
    // The label names the logged steps the brush holds, not its fractional ends; step ticks are whole steps.
    assert.equal(await view.locator('#range-label').textContent(), 'steps 3–5');
    const ticks = await chart.locator('.axis').first().locator('.tick text').allTextContents();
    assert.ok(ticks.length > 1 && ticks.every((t) => /^\d+$/.test(t)), `step ticks: ${ticks}`);
    await wb.screenshot('traces-brushed');

    // "Largest replay Δ": every rollout replayed under the training code's reward; the sample replays exactly.
    // The replay keeps the N largest (like Worst N): N = 1000 keeps every row for the step filter below.
    await view.locator('#preset-n').fill('1000');
    await view.locator('#preset-replay').click();
    await waitFor('replay difference column', async () => ((await view.locator('.list-header').textContent()) ?? '').includes('replay |Δ total|') || undefined, 120_000);
    const firstRow = await waitFor('sorted rows', async () => {
      const cells = await list.locator('.list-row').first().locator('.cell').allTextContents();
      return cells.length > 4 ? cells : undefined;
    }, 30_000);
    assert.equal(firstRow[firstRow.length - 1], '0', `the sample's logged rewards should replay exactly: ${firstRow}`);

    // A row opens its rollout in the workbench panel.
    await list.locator('.list-row').first().click();
    const titles = async () => {
      const n = await page.locator('iframe.webview.ready').count();
      const out: string[] = [];
      for (let k = 0; k < n; k++) out.push((await wb.webviewFrame(k).locator('#title').textContent({ timeout: 1_000 }).catch(() => '')) ?? '');
      return out.join('\n');
    };
    await waitFor('the rollout opened beside the traces', async () => /step [345] ·/.test(await titles()), 60_000);

    // Clicking a step's point on a chart opens that step's first group.
    // The traces stayed visible beside the workbench: take the webview that holds the charts.
    const traces = await waitFor('the traces webview again', async () => {
      const n = await page.locator('iframe.webview.ready').count();
      for (let k = n - 1; k >= 0; k--) {
        const f = wb.webviewFrame(k);
        if (await f.locator('figure[data-series="reward"] circle.point').count().catch(() => 0)) return f;
      }
      return undefined;
    }, 60_000);
    const p7 = traces.locator('figure[data-series="reward"] circle.point[data-step="7"]');
    await p7.click({ force: true });
    await waitFor('traces list filtered to step 7', async () => (await traces.locator('#list-count').textContent()) === `${byStep.get(7)!.length} of ${records.length} rollouts`, 15_000);
    await waitFor('step 7 opened in the workbench', async () => /step 7 · group/.test(await titles()), 60_000);
    await wb.screenshot('traces-and-workbench');

    // The traces forget nothing when hidden: a file opened over them tears their webview down; shown again, the
    // step range, the replay column with its sort and the count come back as they were.
    const tracesFrame = async () => {
      const n = await page.locator('iframe.webview.ready').count();
      for (let k = n - 1; k >= 0; k--) {
        const f = wb.webviewFrame(k);
        if (await f.locator('#list-count').count().catch(() => 0)) return f;
      }
      return undefined;
    };
    const stateOf = async (f: typeof traces) => ({ count: await f.locator('#list-count').textContent(), range: await f.locator('#range-label').textContent(), header: await f.locator('.list-header').textContent() });
    const before = await stateOf(traces);
    assert.equal(before.range, 'step 7');
    assert.match(before.header ?? '', /replay \|Δ total\| ▼/);
    await traces.locator('#traces-status').click();
    // Quick Open a file into the traces' editor group: the file's tab covers (and hides) the traces.
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill('README.md');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'README.md' }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
    await waitFor('the traces hidden behind a file', async () => ((await tracesFrame()) === undefined ? true : undefined), 30_000);
    await page.locator('.tab', { hasText: 'Seg-R1 Reward Traces' }).first().click();
    const shownAgain = await waitFor('the traces shown again', tracesFrame, 60_000);
    await waitFor('the traces state restored', async () => JSON.stringify(await stateOf(shownAgain)) === JSON.stringify(before) || undefined, 60_000);
    await wb.screenshot('traces-restored');
  });
});
