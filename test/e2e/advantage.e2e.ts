// Advantage what-ifs, the would-be advantage of an edit and the oracle overlay in a real VS Code: open the sample
// rollout whose advantage GDPO and GRPO sign differently, check every estimator's value in the group's what-if table
// against the core computed here from the log, find the flip marked in the table and on its thumbnail, toggle the
// oracle outline (pixels, legend, IoU, segmenter label), then edit a prompt and check `A logged → A would-be` of the
// group against the estimator on the re-scored reward, through undo and revert.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { getAdvantageEstimator, listAdvantageEstimators, type AdvantageRollout } from '../../src/core/rewards/advantageEstimators';
import { signFlips } from '../../src/core/signals/advantageWhatIf';
import { wouldBeAdvantage } from '../../src/core/signals/wouldBeAdvantage';
import type { CanvasLike } from './canvasPixels';
import { openFromRunsTree, sampleWorkspace, showRunsTree, waitFor, withWorkbench } from './harness';
import { dragFirstPoint, renderState } from './panelCanvas';

interface LogRecord {
  run: string;
  step: number;
  group: string;
  sample: number;
  rewards: { segment: number; format: number };
  advantage: number;
}

/** Canvas pixels close to the oracle's magenta (255, 0, 255). */
async function magentaPixels(view: FrameLocator): Promise<number> {
  return view.locator('#image-canvas').evaluate((el) => {
    const c = el as unknown as CanvasLike;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i]! > 200 && d[i + 2]! > 200 && d[i + 1]! < 80) n++;
    return n;
  });
}

test('advantage what-ifs per estimator, a GDPO/GRPO sign flip, the oracle overlay and the would-be advantage of an edit', { timeout: 420_000 }, async () => {
  const workspace = sampleWorkspace();
  assert.ok(workspace, 'the sample workspace could not be generated (dist/cli.js missing?)');
  const records = readFileSync(join(workspace, 'runs/synthetic-segr1/rollouts.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as LogRecord);
  const rollouts: AdvantageRollout[] = records.map((r) => ({ run: r.run, step: r.step, group: r.group, components: [r.rewards.segment, r.rewards.format] }));
  const byId = new Map(listAdvantageEstimators().map((e) => [e.id, e.estimate(rollouts)]));
  const grpo = byId.get('trl-group')!;
  const gdpo = byId.get('trl-gdpo')!;
  // The rollout to open: the first whose sign GDPO and the run's estimator (TRL group GRPO) disagree on.
  const target = records.findIndex((_, i) => signFlips(grpo[i]!, gdpo[i]!));
  assert.ok(target >= 0, 'the sample has no GDPO/GRPO sign flip');
  const t = records[target]!;
  const members = records.flatMap((r, i) => (r.run === t.run && r.group === t.group ? [i] : []));

  await withWorkbench({ name: 'advantage', copyWorkspace: workspace, viewport: { width: 1500, height: 1000 } }, async (wb) => {
    const { page } = wb;
    await openFromRunsTree(await showRunsTree(page), t);

    const view = wb.webviewFrame();
    const title = view.locator('#title');
    await waitFor('the rollout in the panel', async () => ((await title.textContent()) ?? '').endsWith(`group ${t.group} · rollout ${t.sample}`), 60_000);

    // The what-if table: one row per rollout of the group, every estimator's value as the core computes it.
    const pane = view.locator('.advantage-pane');
    await waitFor('the what-if table', async () => (await pane.isVisible()) && (await view.locator('#advantage-table tbody tr').count()) === members.length, 60_000);
    assert.equal(await pane.getAttribute('data-run'), 'trl-group');
    const summary = view.locator('#advantage-summary');
    assert.match((await summary.textContent()) ?? '', /run's estimator trl-group \(weights 1\) · ⇄ \d+ rollouts? flips? sign/);
    await summary.click();
    await view.locator('#advantage-table').waitFor({ state: 'visible', timeout: 10_000 });
    for (const i of members) {
      const tr = view.locator(`#advantage-table tbody tr[data-index="${i}"]`);
      assert.equal(Number(await tr.locator('td[data-estimator="logged"]').getAttribute('data-value')), records[i]!.advantage, `logged A of record ${i}`);
      for (const [id, values] of byId) {
        const shown = Number(await tr.locator(`td[data-estimator="${id}"]`).getAttribute('data-value'));
        assert.ok(Math.abs(shown - values[i]!) <= 1e-7 * Math.max(1, Math.abs(values[i]!)), `record ${i} ${id}: panel ${shown}, core ${values[i]}`);
      }
      // The flip column lists exactly the estimators whose sign differs from the run's, in words and with the icon.
      const want = [...byId].filter(([id, v]) => id !== 'trl-group' && signFlips(grpo[i]!, v[i]!)).map(([id]) => id);
      const flips = ((await tr.locator('td.flips').textContent()) ?? '').trim();
      assert.equal(flips, want.length ? `⇄ flips vs ${want.join(', ')}` : '—', `flips of record ${i}`);
      for (const id of want) assert.match((await tr.locator(`td[data-estimator="${id}"]`).textContent()) ?? '', /^⇄ /);
    }
    const flipped = view.locator(`#advantage-table tbody tr[data-index="${target}"] td[data-estimator="trl-gdpo"]`);
    assert.match((await flipped.getAttribute('title')) ?? '', /sign flips: trl-gdpo pushes this rollout the other way from trl-group/);
    // Each estimator's header names its formula and its source.
    const gdpoHead = (await view.locator('#advantage-table th[data-estimator="trl-gdpo"]').getAttribute('title')) ?? '';
    assert.match(gdpoHead, /nanstd_g,k/);
    assert.match(gdpoHead, /grpo_trainer\.py.*normalize_then_sum/);
    assert.match((await view.locator('#advantage-table th[data-estimator="verl-rloo"]').getAttribute('title')) ?? '', /core_algos\.py:477/);
    // The group strip marks the flipped rollout's card too.
    await waitFor('the flip on the thumbnail', async () => /⇄ sign flips vs .*trl-gdpo/.test((await view.locator(`#group-strip .thumb[data-index="${target}"] .sign-flip`).textContent().catch(() => '')) ?? ''), 30_000);
    await view.locator(`#advantage-table tbody tr[data-index="${target}"]`).scrollIntoViewIfNeeded();
    await wb.screenshot('what-if-table');

    // Oracle overlay: off by default; on, a dashed magenta outline, its IoU and the engine that segmented it.
    await waitFor('the canvas drew the rollout', async () => (await renderState(view))?.drawn.includes('image'), 60_000);
    assert.equal(await view.locator('#overlay-oracle').isChecked(), false);
    const before = await magentaPixels(view);
    await view.locator('label[for="overlay-oracle"]').click();
    const info = await waitFor('the oracle IoU', async () => {
      const text = (await view.locator('#oracle-info').textContent()) ?? '';
      return /oracle IoU/.test(text) ? text : undefined;
    }, 120_000);
    assert.match(info, /^oracle IoU (0|1)\.\d{3} \((box|box\+point|box\+points)\) · classical fallback — not SAM2/);
    const iou = Number(await view.locator('#oracle-info').getAttribute('data-iou'));
    assert.ok(iou > 0 && iou <= 1, `oracle IoU ${iou}`);
    await waitFor('the oracle outline drawn', async () => (await renderState(view))?.drawn.includes('oracle'), 30_000);
    const after = await magentaPixels(view);
    assert.ok(after > before + 100, `magenta outline pixels: ${before} → ${after}`);
    const legend = (await view.locator('#legend .legend-item').allTextContents()).map((s) => s.trim());
    assert.ok(legend.includes('oracle mask (classical fallback — not SAM2)'), `legend: ${legend.join(' | ')}`);
    await wb.screenshot('oracle-overlay');
    await view.locator('label[for="overlay-oracle"]').click();
    await waitFor('the oracle outline gone', async () => !(await renderState(view))?.drawn.includes('oracle'), 30_000);

    // Edit: drag the first point; once re-scored, the group's advantages under the run's estimator with the new reward.
    assert.equal(await view.locator('#would-be').isVisible(), false, 'no would-be advantage before an edit');
    await dragFirstPoint(page, view, 40, 30);
    const main = view.locator('#would-be-main');
    const check = async (label: string) => {
      const comps = await waitFor(`the would-be advantage (${label})`, async () => {
        const raw = await main.getAttribute('data-components', { timeout: 2_000 }).catch(() => null);
        return raw ? (JSON.parse(raw) as Record<string, number | null>) : undefined;
      }, 90_000);
      const w = wouldBeAdvantage({ estimator: getAdvantageEstimator('trl-group')!, rollouts, edited: target, components: [comps.segment ?? null, comps.format ?? null] });
      const after = Number(await main.getAttribute('data-after'));
      assert.ok(Math.abs(after - w.after[w.edited]!) < 1e-6, `would-be of the edited rollout: panel ${after}, core ${w.after[w.edited]}`);
      assert.equal(Number(await main.getAttribute('data-logged')), t.advantage);
      const text = (await main.textContent()) ?? '';
      assert.ok(text.includes(`A logged ${t.advantage.toFixed(3)} → A would-be ${w.after[w.edited]!.toFixed(3)}`), text);
      for (const [k, m] of w.members.entries()) {
        if (m === target) continue;
        const mate = view.locator(`#would-be-mates .would-be-mate[data-index="${m}"]`);
        assert.ok(Math.abs(Number(await mate.getAttribute('data-after')) - w.after[k]!) < 1e-6, `groupmate ${m}`);
      }
      // The re-scored segment reward is the one the rewards table shows for segr1-reference.
      const segCells = await view.locator('#rewards tr[data-component="segment"] td').allTextContents();
      assert.ok(segCells.some((c) => c.includes((comps.segment ?? Number.NaN).toFixed(3))), `segment ${comps.segment} not among ${segCells.join(' | ')}`);
      return { comps, text, revision: await view.locator('.advantage-pane').getAttribute('data-revision') };
    };
    const first = await check('edit');
    await main.scrollIntoViewIfNeeded();
    await wb.screenshot('would-be-edit');

    // Undo: the edit log is empty again (a re-segment of the prompts as logged): the would-be follows it.
    await view.locator('#undo-edit').click();
    await waitFor('the view after undo', async () => ((await view.locator('#edited-badge').textContent()) ?? '') === 'RE-SEGMENTED', 60_000);
    await waitFor('the would-be of the undone edit', async () => (await view.locator('.advantage-pane').getAttribute('data-revision')) !== first.revision && (await main.isVisible().catch(() => false)), 90_000);
    const undone = await check('undo');
    await wb.screenshot('would-be-undo');
    assert.notEqual(undone.revision, first.revision);

    // Revert: the rollout as logged, no would-be.
    await view.locator('#reset-edit').click();
    await waitFor('the would-be gone', async () => !(await view.locator('#would-be').isVisible()), 60_000);
  });
});
