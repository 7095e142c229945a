// Reward-hacking signals in the traces of a real VS Code: every signal chart's points equal what `segr1 signals --json`
// (the same core) computes for the sample run, each chart has its labelled threshold line, a point's hover names what
// the value rests on and a click filters the list to its step; the sign-flip chart follows the estimator picker; the
// reward-labelled share appears once attribution has run (before it, a hint with the command).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { frameWith, REPO_ROOT, sampleCopy, waitFor, withWorkbench } from './harness';

interface CliSeries {
  id?: string;
  steps: number[];
  mean: Array<number | null>;
  n: number[];
  thresholds?: Array<{ value: number; side: string }>;
}

function cliSignals(log: string, root: string, alternative: string): { signals: CliSeries[]; signFlips: CliSeries } {
  const out = execFileSync(process.execPath, [join(REPO_ROOT, 'dist', 'cli.js'), 'signals', log, '--root', root, '--alternative', alternative, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(out) as { signals: CliSeries[]; signFlips: CliSeries };
}

/** [step, value] of every point drawn on a chart. */
async function pointsOf(view: FrameLocator, id: string): Promise<Array<[number, number]>> {
  return view.locator(`figure[data-series="${id}"] circle.point`).evaluateAll((cs) => cs.map((c) => [Number(c.getAttribute('data-step')), Number(c.getAttribute('data-mean'))] as [number, number]));
}

function expectedPoints(s: CliSeries): Array<[number, number]> {
  return s.steps.flatMap((st, k) => (s.mean[k] === null ? [] : [[st, s.mean[k]!] as [number, number]]));
}

test('signals: charts equal the core, threshold lines, hover and click, sign flips follow the picker, labelled share after attribution', { timeout: 900_000 }, async () => {
  const ws = sampleCopy('segr1-signals-ws-');
  const log = join(ws, 'runs/synthetic-segr1/rollouts.jsonl');
  const records = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { step: number });
  const gdpo = cliSignals(log, ws, 'trl-gdpo');
  const rloo = cliSignals(log, ws, 'verl-rloo');
  assert.notDeepEqual(expectedPoints(gdpo.signFlips), expectedPoints(rloo.signFlips), 'the sample should flip differently under the two alternatives');

  await withWorkbench({ name: 'signals', workspace: ws, viewport: { width: 1500, height: 1000 } }, async (wb) => {
    await wb.runCommand('Seg-R1: Open Reward Traces');
    let view = await frameWith(wb, '#signals', 90_000);
    // The traces' own charts share the chart frame (stepChart.ts): the reward chart still draws a point per step.
    const rewardSteps = new Set(records.map((r) => r.step)).size;
    await waitFor('reward chart points', async () => (await view.locator('figure[data-series="reward"] circle.point').count()) === rewardSteps, 60_000);
    for (const s of gdpo.signals) {
      const fig = view.locator(`figure[data-series="${s.id}"]`);
      await fig.waitFor({ timeout: 120_000 });
      const expected = expectedPoints(s);
      const drawn = await waitFor(`${s.id} points`, async () => {
        const p = await pointsOf(view, s.id!);
        return p.length === expected.length ? p : undefined;
      }, 30_000);
      // Exact: the host and the CLI run the same core; the value travels as a JSON number and an attribute string.
      assert.deepEqual(drawn, expected, `${s.id}: chart vs core`);
      const lines = await fig.locator('g.threshold').evaluateAll((gs) => gs.map((g) => Number(g.getAttribute('data-value'))));
      assert.deepEqual(lines, s.thresholds!.map((t) => t.value), `${s.id}: threshold lines`);
      const labels = await fig.locator('.threshold-label').allTextContents();
      assert.ok(labels.length === lines.length && labels.every((l, k) => l.endsWith(String(lines[k]))), `${s.id}: threshold labels ${labels}`);
      assert.equal(await fig.locator('line.threshold-line').first().evaluate((l) => (globalThis as unknown as { getComputedStyle(e: unknown): { strokeDasharray: string } }).getComputedStyle(l).strokeDasharray !== 'none'), true, `${s.id}: dashed`);
      const ticks = await fig.locator('.axis').first().locator('.tick text').allTextContents();
      assert.ok(ticks.length > 1 && ticks.every((t) => /^\d+$/.test(t)), `${s.id}: step ticks ${ticks}`);
    }
    // The sample never crosses a line: no step is ringed.
    assert.equal(await view.locator('figure.signal-chart circle.flag-mark').count(), gdpo.signals.reduce((a, s) => a + ((s as CliSeries & { flag: boolean[] }).flag.filter(Boolean).length), 0));
    // Before attribution, the reward-labelled share is a hint naming the command.
    const hint = view.locator('#signals-labelled-hint');
    await hint.waitFor();
    assert.match((await hint.textContent()) ?? '', /Seg-R1: Attribute Failures/);

    // Hover over the τ chart's step-3 point: the value and the groups it rests on.
    const tau = view.locator('figure[data-series="reward-iou-tau"]');
    await tau.scrollIntoViewIfNeeded();
    const tauSeries = gdpo.signals.find((s) => s.id === 'reward-iou-tau')!;
    const k3 = tauSeries.steps.indexOf(3);
    const p3 = tau.locator('circle.point[data-step="3"]');
    const tip = await waitFor('τ hover text', async () => {
      await p3.hover();
      const t = (await tau.locator('.tooltip').textContent()) ?? '';
      return t.startsWith('step 3') ? t : undefined;
    }, 15_000);
    assert.ok(tip.includes(`${tauSeries.mean[k3]!.toFixed(3)} over ${tauSeries.n[k3]} groups`), tip);
    await wb.screenshot('signals');

    // A click on the point filters the list to step 3, as the other charts' points do.
    await p3.click();
    view = await frameWith(wb, '#signals');
    const inStep3 = records.filter((r) => r.step === 3).length;
    await waitFor('list filtered to step 3', async () => (await view.locator('#list-count').textContent()) === `${inStep3} of ${records.length} rollouts`, 15_000);
    assert.equal(await view.locator('#range-label').textContent(), 'step 3');

    // Sign flips: trl-group (the sample's estimator) vs trl-gdpo by default, then vs verl-rloo from the picker.
    const flips = view.locator('figure[data-series="sign-flips"]');
    await flips.scrollIntoViewIfNeeded();
    assert.equal(await view.locator('#signals-alternative').inputValue(), 'trl-gdpo');
    assert.match((await flips.locator('.chart-title').textContent()) ?? '', /trl-group \(weights 1\) → trl-gdpo/);
    assert.deepEqual(await pointsOf(view, 'sign-flips'), expectedPoints(gdpo.signFlips));
    await view.locator('#signals-alternative').selectOption('verl-rloo');
    await waitFor('sign flips vs verl-rloo', async () => (await flips.getAttribute('data-alternative')) === 'verl-rloo' || undefined, 30_000);
    assert.deepEqual(await pointsOf(view, 'sign-flips'), expectedPoints(rloo.signFlips));
    assert.match((await flips.locator('.chart-title').textContent()) ?? '', /trl-group \(weights 1\) → verl-rloo/);
    await wb.screenshot('signals-sign-flips');

    // Attribution from the hint's button: the reward-labelled chart replaces the hint; per step, reward-labelled /
    // labelled rollouts as the taxonomy chart of the same view counts them.
    await view.locator('#signals-attribute').click();
    const labelled = view.locator('figure[data-series="reward-labelled"] circle.point');
    await waitFor('reward-labelled chart', async () => (await labelled.count()) > 0, 600_000);
    const segments = await view.locator('#taxonomy-chart rect.segment').evaluateAll((rs) => rs.map((r) => ({ step: Number(r.getAttribute('data-step')), label: r.getAttribute('data-label')!, n: Number(r.getAttribute('data-count')) })));
    const byStep = new Map<number, { reward: number; all: number }>();
    for (const s of segments) {
      const e = byStep.get(s.step) ?? { reward: 0, all: 0 };
      e.all += s.n;
      if (s.label === 'reward') e.reward += s.n;
      byStep.set(s.step, e);
    }
    const drawn = await pointsOf(view, 'reward-labelled');
    assert.equal(drawn.length, byStep.size);
    for (const [step, share] of drawn) {
      const e = byStep.get(step)!;
      assert.ok(Math.abs(share - e.reward / e.all) < 1e-12, `step ${step}: chart ${share} vs taxonomy ${e.reward}/${e.all}`);
    }
    assert.equal(await view.locator('#signals-labelled-hint').count(), 0);
    await view.locator('figure[data-series="reward-labelled"]').scrollIntoViewIfNeeded();
    await wb.screenshot('signals-labelled');
  });
});
