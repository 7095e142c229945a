// The canvas tells the truth (issue 16, item 2): a rollout of the sample whose answer Seg-R1's training parser rejects
// (more points than labels) shows "no mask" with the parser's reason, draws no mask and no error map, draws the
// unlabelled point as unlabelled, and a re-segment says that nothing moved and nothing was segmented.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { parseSegR1Strict } from '../../src/core/completion/segr1Strict';
import { segr1Segments } from '../../src/core/rewards/segr1';
import { near, pixels } from './canvasPixels';
import { sampleWorkspace, waitFor, withWorkbench } from './harness';

/** What the canvas publishes about its last draw (see CanvasView.draw). */
interface RenderState {
  drawn: string[];
  noMask: string | null;
  glyphs: Array<{ id: string; kind: 'point' | 'box'; label?: number; unlabelled?: boolean; x: number; y: number }>;
}

async function renderState(view: FrameLocator): Promise<RenderState | undefined> {
  const raw = await view.locator('#image-canvas').getAttribute('data-render').catch(() => null);
  return raw ? (JSON.parse(raw) as RenderState) : undefined;
}

const POSITIVE: [number, number, number] = [86, 180, 233];
const NEGATIVE: [number, number, number] = [204, 121, 167];
const UNLABELLED: [number, number, number] = [140, 140, 140];

/** The first rollout of the sample log with more points than labels, found with the project's own strict parser. */
function rejectedRollout(workspace: string): { step: number; group: string; sample: number; points: number; labels: number } {
  const lines = readFileSync(join(workspace, 'runs', 'synthetic-segr1', 'rollouts.jsonl'), 'utf8').split('\n');
  for (const line of lines) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { step: number; group: string; sample: number; completion: string; rewards: Record<string, number> };
    const ref = parseSegR1Strict(r.completion);
    if (!segr1Segments(ref) && ref.countMismatch && ref.countMismatch.points > ref.countMismatch.labels) {
      // The log agrees: the trainer gave this answer neither a format nor a segment reward.
      assert.equal(r.rewards.segment, 0);
      assert.equal(r.rewards.format, 0);
      return { step: r.step, group: r.group, sample: r.sample, ...ref.countMismatch };
    }
  }
  throw new Error('the sample has no rollout with more points than labels');
}

test('a rollout the training parser rejects: no mask, no error map, the unlabelled point drawn as unlabelled', { timeout: 300_000 }, async () => {
  const workspace = sampleWorkspace();
  assert.ok(workspace, 'the sample workspace could not be generated (dist/cli.js missing?)');
  const target = rejectedRollout(workspace);
  await withWorkbench({ name: 'canvas-truth', copyWorkspace: workspace, viewport: { width: 1500, height: 950 } }, async (wb) => {
    const { page } = wb;
    await page.locator('.activitybar .action-item a[aria-label^="Seg-R1"]').first().click();
    const tree = page.locator('.sidebar .monaco-list-row');
    const row = (label: string) => tree.filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });
    const run = await waitFor('the run in the Runs tree', async () => ((await tree.filter({ hasText: 'SYNTHETIC' }).count()) ? tree.filter({ hasText: 'SYNTHETIC' }).first() : undefined), 60_000);
    await run.click();
    await row(`step ${target.step}`).first().click();
    const group = row(`group ${target.group}`).first();
    await group.waitFor({ timeout: 15_000 });
    await group.scrollIntoViewIfNeeded();
    await group.click();
    const rollout = row(`rollout ${target.sample}`).first();
    await rollout.waitFor({ timeout: 15_000 });
    await rollout.click();

    const view = wb.webviewFrame();
    const title = view.locator('#title');
    await waitFor('the rejected rollout in the panel', async () => ((await title.textContent()) ?? '').endsWith(`group ${target.group} · rollout ${target.sample}`), 60_000);
    const state = await waitFor('the canvas drew the rejected rollout', async () => {
      const s = await renderState(view);
      return s && s.drawn.includes('image') && s.glyphs.length ? s : undefined;
    }, 60_000);

    // No mask: the canvas says why, in the parser's terms, and draws no mask or error map.
    assert.match(state.noMask ?? '', new RegExp(`the training parser rejected this answer \\(${target.labels} labels for ${target.points} points\\)`));
    assert.ok(!state.drawn.includes('mask') && !state.drawn.includes('errors') && !state.drawn.includes('logged'), `drawn: ${state.drawn.join(', ')}`);
    assert.ok(state.drawn.includes('gt'), 'the GT outline is still drawn');
    const notice = view.locator('#no-mask');
    assert.equal(await notice.isVisible(), true);
    assert.match((await notice.textContent()) ?? '', /^no mask — the training parser rejected this answer .*format reward 0, segment reward 0/);
    assert.match((await view.locator('#segmenter-badge').textContent()) ?? '', /no mask/);
    // The sample logs no mask for it, so there is nothing to opt in to.
    assert.equal(await view.locator('label[for="overlay-logged"]').isVisible(), false);
    const legend = (await view.locator('#legend .legend-item').allTextContents()).map((t) => t.trim());
    assert.ok(!legend.includes('mask'), `legend: ${legend.join(', ')}`);
    assert.ok(legend.includes('? point: no label'), `legend: ${legend.join(', ')}`);

    // The error map stays empty even when switched on: there is no prediction to compare with the GT.
    await view.locator('label[for="overlay-errors"]').click();
    await waitFor('redraw with errors on', async () => {
      const s = await renderState(view);
      return s && !s.drawn.includes('errors') ? s : undefined;
    });
    assert.equal(((await view.locator('#error-counts').textContent()) ?? '').trim(), '');
    await view.locator('label[for="overlay-errors"]').click();

    // The points past the last label are unlabelled: a grey ring, not a + or − fill; the others keep their label.
    const points = state.glyphs.filter((g) => g.kind === 'point');
    assert.equal(points.length, target.points);
    const unlabelled = points.filter((g) => g.unlabelled);
    assert.equal(unlabelled.length, target.points - target.labels);
    for (const g of points) {
      const [fill, ring] = await pixels(view, [[g.x + 6, g.y], [g.x + 9, g.y]]);
      if (g.unlabelled) {
        assert.equal(g.label, undefined);
        assert.ok(!near(fill!, POSITIVE) && !near(fill!, NEGATIVE), `${g.id} (no label) filled as a labelled point: ${fill}`);
        assert.ok(near(ring!, UNLABELLED, 60), `${g.id} (no label) ring is ${ring}`);
      } else assert.ok(near(fill!, g.label === 1 ? POSITIVE : NEGATIVE), `${g.id} (label ${g.label}) drawn as ${fill}`);
    }
    // Its tooltip says so.
    const box = (await view.locator('#image-canvas').boundingBox())!;
    await page.mouse.move(box.x + unlabelled[0]!.x, box.y + unlabelled[0]!.y);
    await waitFor('tooltip of the unlabelled point', async () => /no label/.test((await view.locator('#image-canvas').getAttribute('title')) ?? ''), 10_000);
    await page.mouse.move(box.x + 2, box.y + 2);
    await wb.screenshot('rejected-no-mask');

    // Re-segment: the badge says nothing moved and nothing was segmented, and the canvas still shows no mask.
    await view.locator('#resegment').click();
    const badge = view.locator('#edited-badge');
    await badge.waitFor({ state: 'visible', timeout: 60_000 });
    assert.equal(await badge.textContent(), 'RE-SEGMENTED');
    const tip = (await badge.getAttribute('title')) ?? '';
    assert.match(tip, /none edited/);
    assert.match(tip, /no mask: the training parser rejects this answer/);
    assert.doesNotMatch(tip, /prompts? moved in the panel/);
    const after = await waitFor('the re-segmented view', async () => {
      const s = await renderState(view);
      return s && s.drawn.includes('image') ? s : undefined;
    });
    assert.ok(after.noMask && !after.drawn.includes('mask'), `after re-segment: ${JSON.stringify(after.drawn)}`);
    await wb.screenshot('rejected-resegmented');
  });
});
