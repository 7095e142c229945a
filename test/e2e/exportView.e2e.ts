// Export views (issue 18, items 4–5): the panel's image with its overlays to PNG at the image's own resolution and to
// SVG (glyphs and GT outline as vectors) through the palette command and the toolbar button, then Export Report… from
// the panel, the report opened in a new Chromium page. The save dialogs are code-server's simple file dialog, driven
// by typing a path.
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { pngSize } from '../../src/shared/viewExport';
import { RESULTS_DIR, sampleWorkspace, waitFor, withWorkbench } from './harness';

interface RenderState {
  imageWidth: number;
  imageHeight: number;
  drawn: string[];
  glyphs: Array<{ id: string; kind: 'point' | 'box'; label?: number }>;
}

/** Pick a quick-pick entry by its label. */
async function pick(page: Page, label: string): Promise<void> {
  const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) });
  await row.first().waitFor({ state: 'visible', timeout: 20_000 });
  await row.first().click();
}

/**
 * Answer the simple save dialog: it opens on the suggested path (returned, `~` expanded); the file name is replaced
 * by `name` and Enter saves.
 */
async function saveAs(page: Page, name: string, suggested: RegExp): Promise<{ suggested: string; saved: string }> {
  const input = page.locator('.quick-input-widget input');
  const value = await waitFor('the save dialog', async () => {
    if (!(await input.isVisible())) return undefined;
    const v = await input.inputValue();
    return suggested.test(v) ? v : undefined;
  }, 30_000);
  const full = value.startsWith('~') ? join(homedir(), value.slice(1)) : value;
  const saved = join(dirname(full), name);
  await input.fill(saved);
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: 15_000 });
  return { suggested: full, saved };
}

async function toast(page: Page, text: RegExp, timeoutMs = 60_000): Promise<string> {
  const t = page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
  await t.waitFor({ state: 'visible', timeout: timeoutMs });
  return (await t.textContent()) ?? '';
}

test('export the image view as PNG and SVG, then the report, opened in Chromium', { timeout: 300_000 }, async () => {
  const workspace = sampleWorkspace();
  assert.ok(workspace, 'the sample workspace could not be generated (dist/cli.js missing?)');
  await withWorkbench({ name: 'export-view', copyWorkspace: workspace, viewport: { width: 1500, height: 950 } }, async (wb) => {
    const { page } = wb;
    await wb.runCommand('Seg-R1: Open Workbench');
    const view = wb.webviewFrame();
    const state = await waitFor('image, mask, GT and glyphs drawn', async () => {
      const raw = await view.locator('#image-canvas').getAttribute('data-render').catch(() => null);
      const s = raw ? (JSON.parse(raw) as RenderState) : undefined;
      return s && ['image', 'mask', 'gt'].every((d) => s.drawn.includes(d)) && s.glyphs.length ? s : undefined;
    }, 90_000);
    const title = (await view.locator('#title').textContent()) ?? '';
    // The error map on as well: the export shows what is toggled on.
    await view.locator('label[for="overlay-errors"]').click();
    await wb.screenshot('panel');

    // PNG through the palette: the image's own pixel size, the caption band below; the dialog suggests the rollout's name.
    await wb.runCommand('Seg-R1: Export Image View…');
    await pick(page, 'PNG');
    const png = await saveAs(page, 'exported-view.png', /step_\d+_group_.*rollout_\d+\.png$/);
    await toast(page, /Exported the view \(PNG/);
    assert.ok(existsSync(png.saved), `${png.saved} was not written`);
    const size = pngSize(new Uint8Array(readFileSync(png.saved)));
    assert.ok(typeof size !== 'string' && size.width === state.imageWidth && size.height > state.imageHeight, `PNG ${JSON.stringify(size)} for a ${state.imageWidth}×${state.imageHeight} image`);
    assert.ok(state.imageWidth > 300, `image ${state.imageWidth} px wide: not a screen-sized render`);
    // Kept with the screenshots, to look at.
    const artefacts = join(RESULTS_DIR, 'export-view');
    mkdirSync(artefacts, { recursive: true });
    copyFileSync(png.saved, join(artefacts, 'exported-view.png'));

    // SVG through the toolbar button: the glyphs as elements, the GT outline as a path, the image embedded.
    await view.locator('#export-image').click();
    await pick(page, 'SVG');
    const svgFile = await saveAs(page, 'exported-view.svg', /\.svg$/);
    await toast(page, /Exported the view \(SVG/);
    const svg = readFileSync(svgFile.saved, 'utf8');
    copyFileSync(svgFile.saved, join(artefacts, 'exported-view.svg'));
    // The same picture as the PNG: the same size, caption band included.
    assert.match(svg, new RegExp(`^<\\?xml[^>]*\\?>\\n<svg [^>]*width="${size.width}" height="${size.height}"`));
    const points = state.glyphs.filter((g) => g.kind === 'point').length;
    const boxes = state.glyphs.filter((g) => g.kind === 'box').length;
    assert.equal(svg.match(/<g class="glyph point /g)?.length ?? 0, points);
    assert.equal(svg.match(/<g class="glyph box"/g)?.length ?? 0, boxes);
    assert.match(svg, /<image class="photo" href="data:image\/(jpeg|png|webp);base64,/);
    assert.match(svg, /<g class="gt-outline"[^>]*><path d="M\d+ \d+[HV]/);
    assert.match(svg, /<image class="errors" href="data:image\/png;base64,/);
    assert.ok(svg.includes('>TP</text>') && svg.includes('>GT outline</text>'), 'legend');
    assert.ok(svg.includes(title.split(' · ')[0]!.replace(/&/g, '&amp;').replace(/</g, '&lt;')), 'caption names the run');
    await wb.screenshot('after-exports');

    // Export Report… from the panel's toolbar: saved where chosen, then opened in a new Chromium page.
    await view.locator('#export-report').click();
    const report = await saveAs(page, 'exported-report.html', /report\.html$/);
    await toast(page, /Exported the report/, 180_000);
    assert.ok(existsSync(report.saved), `${report.saved} was not written`);
    const html = readFileSync(report.saved, 'utf8');
    assert.match(html, /Content-Security-Policy/);
    const reader = await page.context().newPage();
    try {
      await reader.goto(pathToFileURL(report.saved).href);
      await reader.locator('body').waitFor();
      assert.match((await reader.title()) ?? '', /Seg-R1 report/);
      await reader.screenshot({ path: join(artefacts, 'report.png'), fullPage: false });
    } finally {
      await reader.close();
    }
  });
});
