// The workbench panel in a real VS Code: open a rollout from the Runs tree, then check on the canvas's
// pixels that the image, the mask / GT / error overlays and the prompt glyphs are drawn where they belong,
// that the reasoning text links to the glyphs, and that rewards, the group strip and keyboard navigation work.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { near, pixels, type CanvasLike } from './canvasPixels';
import { openFromRunsTree, sampleWorkspace, showRunsTree, waitFor, withWorkbench } from './harness';
import { dragFirstPoint, renderState as publishedState, type RenderState } from './panelCanvas';

/** The canvas's render state; this test expects one at every read. */
async function renderState(view: FrameLocator): Promise<RenderState> {
  const s = await publishedState(view);
  assert.ok(s, 'canvas has no render state');
  return s;
}

/** Every RGBA value of the canvas, to compare two renders. */
async function snapshot(view: FrameLocator): Promise<number[]> {
  return view.locator('#image-canvas').evaluate((el) => {
    const c = el as unknown as CanvasLike;
    return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
  });
}

/** How many pixels changed between two renders, which channel dominates each change, and how many became grey (white/black). */
function diff(a: number[], b: number[]): { changed: number; redder: number; greener: number; bluer: number; neutral: number } {
  let neutral = 0;
  let changed = 0;
  let redder = 0;
  let greener = 0;
  let bluer = 0;
  for (let i = 0; i < a.length; i += 4) {
    const dr = b[i]! - a[i]!;
    const dg = b[i + 1]! - a[i + 1]!;
    const db = b[i + 2]! - a[i + 2]!;
    if (Math.abs(dr) + Math.abs(dg) + Math.abs(db) < 24) continue;
    changed++;
    if (Math.max(b[i]!, b[i + 1]!, b[i + 2]!) - Math.min(b[i]!, b[i + 1]!, b[i + 2]!) < 40) neutral++;
    if (dr > dg && dr > db) redder++;
    else if (dg > dr && dg > db) greener++;
    else if (db > dr && db > dg) bluer++;
  }
  return { changed, redder, greener, bluer, neutral };
}

const POSITIVE: [number, number, number] = [86, 180, 233];
const NEGATIVE: [number, number, number] = [204, 121, 167];
const BOX: [number, number, number] = [230, 159, 0];

test('open a rollout from the Runs tree: image, overlays, glyphs, linked reasoning, rewards, group, keyboard', { timeout: 600_000 }, async () => {
  const workspace = sampleWorkspace();
  assert.ok(workspace, 'the sample workspace could not be generated (dist/cli.js missing?)');
  await withWorkbench({ name: 'panel', copyWorkspace: workspace, viewport: { width: 1500, height: 950 } }, async (wb) => {
    const { page } = wb;
    // Runs → the run → step 2 → its first group → rollout 1, each level expanded lazily.
    await openFromRunsTree(await showRunsTree(page), { step: 2, group: /cod_\d+@2/, sample: 1 }, async (level, row) => {
      if (level === 'run') assert.match((await row.textContent()) ?? '', /12 steps · r̄ \d+\.\d\d/);
      else assert.match((await row.textContent()) ?? '', /r̄ \d+\.\d\d · σ \d/);
    });

    const view = wb.webviewFrame();
    const title = view.locator('#title');
    await waitFor('the rollout title', async () => /step 2 · group cod_\d+@2 · rollout 1/.test((await title.textContent()) ?? ''), 60_000);
    const state = await waitFor('image + mask + GT drawn', async () => {
      const s = await renderState(view).catch(() => undefined);
      return s && ['image', 'mask', 'gt'].every((d) => s.drawn.includes(d)) && s.glyphs.length ? s : undefined;
    }, 60_000);
    await wb.screenshot('rollout');

    // The badge says where the mask came from; the sample logs its (classical) masks.
    assert.match((await view.locator('#segmenter-badge').textContent()) ?? '', /logged|classical|SAM2/);
    assert.equal(await view.locator('#synthetic-badge').isVisible(), true);

    // Glyph pixels: point fill colours beside the +/− stroke, box stroke somewhere along its left edge.
    for (const g of state.glyphs.filter((x) => x.kind === 'point')) {
      const [px] = await pixels(view, [[g.x + 6, g.y]]);
      assert.ok(near(px!, g.label === 1 ? POSITIVE : NEGATIVE), `${g.id} (label ${g.label}) drawn as ${px}`);
    }
    const box = state.glyphs.find((x) => x.kind === 'box');
    assert.ok(box, 'no box glyph');
    const edge = await pixels(view, Array.from({ length: 12 }, (_, k): [number, number] => [box.x, box.y + ((box.y2! - box.y) * (k + 0.5)) / 12]));
    // Antialiasing against the dark under-stroke darkens the orange; its hue (r > g ≫ b) survives.
    assert.ok(edge.some((p) => near(p, BOX, 60) || (p[0]! > 120 && p[0]! > p[1]! && p[1]! > p[2]! + 60)), `box edge not drawn: ${JSON.stringify(edge.slice(0, 3))}`);
    // Glyphs sit inside the image on screen.
    for (const g of state.glyphs) {
      assert.ok(g.x >= state.tx - 1 && g.x <= state.tx + state.imageWidth * state.scale + 1, `${g.id} off the image`);
    }

    // Overlays toggle independently and paint in their own colours: mask blue, GT outline white on black, errors add green/vermillion/yellow.
    // The legend lists what is drawn: no TP/FP/FN while the error map is off.
    const legendItems = async () => (await view.locator('#legend .legend-item').allTextContents()).map((t) => t.trim());
    assert.deepEqual(await legendItems(), ['+ point', '− point', 'box', 'mask', 'GT outline']);
    const withAll = await snapshot(view);
    await view.locator('label[for="overlay-mask"]').click();
    const noMask = await snapshot(view);
    const m = diff(noMask, withAll);
    assert.ok(m.changed > 500 && m.bluer > m.redder, `mask overlay: ${JSON.stringify(m)}`);
    await view.locator('label[for="overlay-gt"]').click();
    const noGt = await snapshot(view);
    const g = diff(noGt, noMask);
    // The GT outline is white on a black halo: the pixels it changes become grey values, not any hue.
    assert.ok(g.changed > 200 && g.neutral > 0.6 * g.changed, `GT overlay: ${JSON.stringify(g)}`);
    await view.locator('label[for="overlay-errors"]').click();
    const errors = diff(noGt, await snapshot(view));
    assert.ok(errors.changed > 500, `error map: ${JSON.stringify(errors)}`);
    assert.match((await view.locator('#error-counts').textContent()) ?? '', /TP \d+ · FP \d+ · FN \d+/);
    assert.deepEqual(await legendItems(), ['+ point', '− point', 'box', 'TP', 'FP', 'FN']);
    await wb.screenshot('error-map');
    await view.locator('label[for="overlay-errors"]').click();
    await view.locator('label[for="overlay-gt"]').click();
    await view.locator('label[for="overlay-mask"]').click();

    // Reasoning: think and answer distinguished; hovering a coordinate highlights its glyph.
    const reasoning = view.locator('#reasoning');
    assert.match((await reasoning.textContent()) ?? '', /<think>/);
    assert.ok((await reasoning.locator('.think').count()) > 0, 'no think span');
    const coord = reasoning.locator('[data-glyph="point:0"]').first();
    await coord.hover();
    await waitFor('glyph highlight from text hover', async () => (await renderState(view)).highlighted === 'point:0', 10_000);

    // Rewards: logged and replayed under both Seg-R1 reward sets.
    const rewards = view.locator('#rewards');
    // Logged values paint first; the replayed columns follow once both reward sets have run.
    await waitFor('replayed reward columns', async () => /segr1-intended/.test((await rewards.textContent()) ?? ''), 30_000);
    for (const t of ['segment', 'format', 'total', 'advantage', 'segr1-reference', 'segr1-intended']) assert.match((await rewards.textContent()) ?? '', new RegExp(t));

    // Group strip: 4 rollouts; clicking another switches the panel to it.
    const thumbs = view.locator('#group-strip .thumb');
    assert.equal(await thumbs.count(), 4);
    await view.locator('#group-strip .thumb:not(.current)').first().click();
    await waitFor('another rollout of the group', async () => !/rollout 1$/.test((await title.textContent()) ?? ''), 30_000);

    // Keyboard: n moves to the next rollout, N to the next group.
    const before = await title.textContent();
    await view.locator('#image-canvas').focus();
    await page.keyboard.press('n');
    await waitFor('next rollout by keyboard', async () => (await title.textContent()) !== before, 30_000);
    const beforeGroup = await title.textContent();
    await page.keyboard.press('Shift+N');
    await waitFor('next group by keyboard', async () => {
      const t = (await title.textContent()) ?? '';
      return t !== beforeGroup && /rollout 0$/.test(t);
    }, 30_000);
    await wb.screenshot('after-navigation');

    // Editing: drag the first point; the completion is rewritten, re-segmented and re-scored.
    const original = (await reasoning.textContent()) ?? '';
    const s0 = await dragFirstPoint(page, view, 25, 15);
    assert.equal(s0.editing, true);
    const edited = (await reasoning.textContent()) ?? '';
    assert.notEqual(edited, original, 'the completion text did not change with the edit');
    assert.match((await view.locator('#segmenter-badge').textContent()) ?? '', /classical fallback — not SAM2|SAM2/);
    // The badge's tooltip says what happened: one prompt moved, and which segmenter made the new mask.
    const badgeTitle = async () => (await view.locator('#edited-badge').getAttribute('title')) ?? '';
    assert.match(await badgeTitle(), /^Edited: 1 point moved in the panel; mask by (classical fallback|SAM2)/);
    const replayed = await waitFor('edited rollout re-scored', async () => {
      const cells = await view.locator('#rewards tr[data-component="total"] td').allTextContents();
      return cells.length >= 3 && cells.slice(1).every((t) => /\d/.test(t)) ? cells : undefined;
    }, 60_000);
    assert.ok(replayed.length >= 3);
    await wb.screenshot('edited');

    // Shift+click adds a foreground point, F over it flips it to background, Ctrl+Z and Undo take edits back one at a time.
    const pointGlyphs = (r: RenderState) => r.glyphs.filter((g) => g.kind === 'point');
    // The layout settles once every reward column has arrived; a click computed from an older fit would land elsewhere.
    let prev = '';
    const s1 = await waitFor('a settled canvas', async () => {
      const raw = JSON.stringify(await renderState(view));
      const settled = raw === prev;
      prev = raw;
      await new Promise((r) => setTimeout(r, 400));
      return settled ? (JSON.parse(raw) as RenderState) : undefined;
    }, 30_000);
    const here = (await view.locator('#image-canvas').boundingBox())!; // the toolbar may have grown a row since the drag
    const centre = { x: s1.tx + (s1.imageWidth * s1.scale) / 2 + 7, y: s1.ty + (s1.imageHeight * s1.scale) / 2 + 7 };
    await page.keyboard.down('Shift');
    await page.mouse.click(here.x + centre.x, here.y + centre.y);
    await page.keyboard.up('Shift');
    await waitFor('a point added', async () => (/^Edited: 1 point moved, 1 point added in the panel/.test(await badgeTitle()) ? true : undefined), 60_000);
    const { added, s2 } = await waitFor('the added glyph', async () => {
      const r = await renderState(view);
      const g = pointGlyphs(r);
      return g.length === pointGlyphs(s1).length + 1 ? { added: g[g.length - 1]!, s2: r } : undefined;
    }, 30_000);
    assert.equal(added.label, 1);
    // Compared in image pixels: the panel may re-fit between the click and the new view. The model frame's integer
    // coordinates round the point by under one image pixel.
    const clicked = { x: (centre.x - s1.tx) / s1.scale, y: (centre.y - s1.ty) / s1.scale };
    const drawn = { x: (added.x - s2.tx) / s2.scale, y: (added.y - s2.ty) / s2.scale };
    assert.ok(Math.hypot(drawn.x - clicked.x, drawn.y - clicked.y) < 2, `added point drawn at image ${drawn.x},${drawn.y}, clicked at ${clicked.x},${clicked.y}`);
    assert.match((await reasoning.textContent()) ?? '', /<labels>\[[^\]]*,\s*1\]/);
    await page.mouse.move(here.x + added.x, here.y + added.y);
    await page.keyboard.press('f');
    await waitFor('the label flipped', async () => (/1 label flipped/.test(await badgeTitle()) ? true : undefined), 60_000);
    assert.equal(pointGlyphs(await renderState(view)).at(-1)?.label, 0);
    await wb.screenshot('edited-added-flipped');
    await page.keyboard.press('Control+z');
    await waitFor('undo of the flip', async () => (/^Edited: 1 point moved, 1 point added in the panel/.test(await badgeTitle()) ? true : undefined), 60_000);
    await view.locator('#undo-edit').click();
    await waitFor('undo of the add', async () => (/^Edited: 1 point moved in the panel/.test(await badgeTitle()) ? true : undefined), 60_000);
    assert.equal(pointGlyphs(await renderState(view)).length, pointGlyphs(s1).length);

    // The raw record: the log opens beside the panel at the rollout's line.
    await view.locator('#open-source').click();
    await page.locator('.tabs-container .tab', { hasText: 'rollouts.jsonl' }).first().waitFor({ timeout: 30_000 });
  });
});
