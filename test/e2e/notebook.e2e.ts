// The workbench notebook in a real VS Code: a new notebook opens with its query cell, running it lists rollouts
// rendered as cards by the Seg-R1 renderer; cards draw what the panel's thumbnails draw and open the panel.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { sampleCopy, sampleWorkspace, waitFor, withWorkbench } from './harness';

test('notebook: New Workbench Notebook opens, its query cell runs and renders rollout cards', { timeout: 300_000 }, async () => {
  const workspace = sampleWorkspace();
  assert.ok(workspace, 'the sample workspace could not be generated');
  await withWorkbench({ name: 'notebook', copyWorkspace: workspace, viewport: { width: 1500, height: 1000 } }, async (wb) => {
    const { page } = wb;
    await wb.runCommand('Seg-R1: New Workbench Notebook');
    const errors = page.locator('.notifications-toasts .notification-toast, .monaco-dialog-box', { hasText: /error|failure/i });
    await waitFor('the notebook editor', async () => ((await page.locator('.notebook-editor .cell-list-container').count()) ? true : undefined), 60_000);
    assert.equal(await errors.count(), 0, `an error was shown: ${await errors.first().textContent().catch(() => '')}`);
    await wb.screenshot('notebook-new');
    // Run the query cell: three rollout cards from the sample run, drawn by the renderer (an output webview).
    await page.locator('.notebook-editor a.action-label[aria-label^="Run All"], .notebook-editor .action-item [aria-label^="Run All"]').first().click();
    const cards = await waitFor('three rollout cards', async () => {
      // Outputs live in the notebook's one output webview (two iframes deep, as every webview here).
      for (let k = 0; k < (await page.locator('iframe.webview.ready').count()); k++) {
        const f = wb.webviewFrame(k);
        if ((await f.locator('.segr1-rollout').count().catch(() => 0)) >= 3) return f;
      }
      return undefined;
    }, 90_000);
    assert.equal(await cards.locator('.segr1-rollout').count(), 3);
    await wb.screenshot('notebook-run');
  });
});

/** Pixels of the mask colour (PALETTE.mask, opaque) in a card's mask layer, decoded from its data URL in the page. */
async function maskPixels(el: unknown): Promise<number> {
  // Runs in the page (this tsconfig has no DOM lib): the slices of the DOM it uses, typed here.
  type Ctx = { drawImage(i: unknown, x: number, y: number): void; getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
  const g = globalThis as unknown as {
    Image: new () => { src: string; naturalWidth: number; naturalHeight: number; decode(): Promise<void> };
    document: { createElement(t: 'canvas'): { width: number; height: number; getContext(k: '2d'): Ctx } };
  };
  const img = new g.Image();
  img.src = (el as { getAttribute(n: string): string }).getAttribute('href');
  await img.decode();
  const c = g.document.createElement('canvas');
  c.width = img.naturalWidth;
  c.height = img.naturalHeight;
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] === 0 && d[i + 1] === 114 && d[i + 2] === 178 && d[i + 3] === 255) n++;
  return n;
}

/** Scroll the notebook (mouse wheel over its list) until `target`, inside the output webview, is on screen. */
async function scrollNotebookTo(page: Page, target: Locator, what: string): Promise<void> {
  await waitFor(what, async () => {
    const box = await target.boundingBox();
    if (box && box.y > 120 && box.y + Math.min(box.height, 200) < 1050) return true;
    await page.mouse.move(750, 600);
    await page.mouse.wheel(0, !box || box.y > 600 ? 400 : -400);
    return undefined;
  }, 60_000);
}

test('notebook cards: mask, GT outline and +/− glyphs; best 2 by iou; a sorted group with mean/σ; Open in Workbench', { timeout: 420_000 }, async () => {
  const ws = sampleCopy('segr1-nbcards-');
  writeFileSync(join(ws, 'cards.segr1nb'), JSON.stringify({ cells: [{ kind: 'code', value: 'best 2 by iou' }, { kind: 'code', value: 'group 1' }] }));
  await withWorkbench({ name: 'notebook-cards', workspace: ws, viewport: { width: 1500, height: 1100 } }, async (wb) => {
    const { page } = wb;
    // Quick Open lists the file once the file search answers (late on a loaded machine): reopen it until it does.
    await waitFor('cards.segr1nb in Quick Open', async () => {
      if (!(await page.locator('.quick-input-widget').isVisible())) {
        await page.keyboard.press('Control+P');
        await page.locator('.quick-input-widget input').fill('cards.segr1nb');
      }
      return (await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'cards.segr1nb' }).count()) ? true : undefined;
    }, 120_000);
    await page.keyboard.press('Enter');
    await waitFor('the notebook editor', async () => ((await page.locator('.notebook-editor .cell-list-container').count()) ? true : undefined), 60_000);
    await page.locator('.notebook-editor a.action-label[aria-label^="Run All"], .notebook-editor .action-item [aria-label^="Run All"]').first().click();
    const rankCell = '.cell_container:not(:has(.segr1-group-header))';
    const out = await waitFor('two cards from best 2 by iou', async () => {
      for (let k = 0; k < (await page.locator('iframe.webview.ready').count()); k++) {
        const f = wb.webviewFrame(k);
        if ((await f.locator(`${rankCell} .segr1-rollout`).count().catch(() => 0)) >= 2) return f;
      }
      return undefined;
    }, 180_000);
    const rank = out.locator(`${rankCell} .segr1-rollout`);
    assert.equal(await rank.count(), 2, 'best 2 by iou shows two cards');
    assert.doesNotMatch((await out.locator('body').textContent()) ?? '', /no rollout has a value/);
    const ious = await rank.locator('tr[data-column="iou"] td').allTextContents();
    assert.equal(ious.length, 2, `an IoU row on each card: ${ious.join(', ')}`);
    const iou = ious.map(Number);
    assert.ok(iou.every((v) => v > 0 && v <= 1) && iou[0]! >= iou[1]!, `IoUs best first: ${ious.join(', ')}`);
    // The first card draws the mask (pixels of the mask colour in its layer), the GT outline and the prompt glyphs.
    const first = rank.first();
    const maskLayer = first.locator('svg.segr1-picture image.mask');
    assert.match((await maskLayer.getAttribute('href')) ?? '', /^data:image\/png;base64,/);
    const masked = await maskLayer.evaluate(maskPixels);
    assert.ok(masked > 100, `the mask layer has ${masked} mask pixels`);
    assert.equal(await first.locator('svg.segr1-picture g.gt-outline path').count(), 2);
    assert.ok(((await first.locator('svg.segr1-picture g.gt-outline path').first().getAttribute('d')) ?? '').length > 10);
    const plus = out.locator('svg.segr1-picture g.glyph.point.positive');
    assert.ok((await plus.count()) >= 1, 'a + point glyph');
    assert.match((await plus.first().locator('path').getAttribute('d')) ?? '', /V/, 'a + glyph has its vertical arm');
    await wb.screenshot('notebook-cards');
    // The group: a header with mean and σ, the cards sorted by advantage, the five near-identical warnings as one ×5.
    const groupCell = '.cell_container:has(.segr1-group-header)';
    await waitFor('the group cell rendered', async () => {
      if ((await out.locator(`${groupCell} .segr1-rollout`).count().catch(() => 0)) >= 4) return true;
      await page.mouse.move(750, 600);
      await page.mouse.wheel(0, 700);
      return undefined;
    }, 120_000);
    assert.match((await out.locator('.segr1-group-header').textContent()) ?? '', /4 rollouts · sorted by advantage ↓ · reward mean -?\d\.\d{3} · σ \d\.\d{3}/);
    const adv = (await out.locator(`${groupCell} .segr1-rollout tr[data-column="advantage"] td`).allTextContents()).map(Number);
    assert.equal(adv.length, 4);
    assert.deepEqual(adv, [...adv].sort((a, b) => b - a), `advantages sorted: ${adv.join(', ')}`);
    assert.equal(await out.locator(`${groupCell} .segr1-nomask`).count(), 1, 'the rejected answer says it has no mask');
    assert.match((await out.locator(`${groupCell} .segr1-nomask`).textContent()) ?? '', /^no mask — .*format reward 0/);
    const repeated = out.locator(`${groupCell} .segr1-diags li`, { hasText: '×5' });
    assert.equal(await repeated.count(), 1, 'five near-identical warnings are one line ×5');
    assert.ok((await out.locator(`${groupCell} svg.segr1-picture g.glyph.point.negative`).count()) >= 1, 'a − point glyph');
    await scrollNotebookTo(page, out.locator('.segr1-group-header'), 'the group header on screen');
    await wb.screenshot('notebook-group');
    // Open in Workbench: the panel opens on that rollout.
    const card = out.locator(`${rankCell} .segr1-rollout`).first();
    const cardTitle = (await card.locator('.segr1-title').textContent()) ?? '';
    const want = /step \S+ · group \S+ · rollout \S+/.exec(cardTitle)?.[0];
    assert.ok(want, `card title: ${cardTitle}`);
    await scrollNotebookTo(page, card.locator('button.segr1-open'), 'the first card\'s Open in Workbench on screen');
    await card.locator('button.segr1-open').click();
    await waitFor('the panel on that rollout', async () => {
      for (let k = 0; k < (await page.locator('iframe.webview.ready').count()); k++) {
        const t = await wb.webviewFrame(k).locator('#title').textContent({ timeout: 1000 }).catch(() => null);
        if (t && t.endsWith(want)) return true;
      }
      return undefined;
    }, 120_000);
    await waitFor('the card says it opened', async () => /opened .*in the workbench/.test((await card.locator('.segr1-open-status').textContent()) ?? '') || undefined, 30_000);
    await wb.screenshot('notebook-open-in-workbench');
  });
});
