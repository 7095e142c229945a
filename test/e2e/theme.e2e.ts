// The reward charts follow the VS Code colour theme: switched to a light and then a dark theme while they are open,
// they take each theme's colours in place, readable on its background.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { pickTheme, sampleWorkspace, waitFor, withWorkbench } from './harness';

/** Relative luminance (0 black … 1 white) of a CSS rgb()/rgba() colour. */
function luminance(css: string): number {
  const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)/.exec(css);
  assert.ok(m, `not an rgb colour: ${css}`);
  const [r, g, b] = [m[1], m[2], m[3]].map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** The webview's getComputedStyle (these tests compile without the DOM library). */
type ComputedStyle = (el: unknown) => { backgroundColor: string; fill: string };

/** The page background, an axis label and a chart title of the reward chart, as computed in the webview. */
async function chartColours(view: FrameLocator): Promise<{ background: string; tick: string; title: string }> {
  const background = await view.locator('body').evaluate((b) => ((globalThis as unknown as { getComputedStyle: ComputedStyle }).getComputedStyle(b).backgroundColor));
  const tick = await view.locator('figure[data-series="reward"] .axis text').first().evaluate((t) => ((globalThis as unknown as { getComputedStyle: ComputedStyle }).getComputedStyle(t).fill));
  const title = await view.locator('figure[data-series="reward"] .chart-title').first().evaluate((t) => ((globalThis as unknown as { getComputedStyle: ComputedStyle }).getComputedStyle(t).fill));
  return { background, tick, title };
}

test('reward charts take the colours of the VS Code theme and follow theme switches without a reload', { timeout: 300_000 }, async () => {
  const workspace = sampleWorkspace();
  assert.ok(workspace, 'the sample workspace could not be generated');
  await withWorkbench({ name: 'theme', workspace, viewport: { width: 1400, height: 900 } }, async (wb) => {
    await wb.runCommand('Seg-R1: Open Reward Traces');
    const view = wb.webviewFrame();
    const points = view.locator('figure[data-series="reward"] circle.point');
    await points.first().waitFor({ timeout: 90_000 });
    const count = await points.count();

    await pickTheme(wb.page, 'Light Modern');
    const light = await waitFor('charts in the light theme', async () => {
      const c = await chartColours(view);
      return luminance(c.background) > 0.8 ? c : undefined;
    }, 30_000);
    assert.ok(luminance(light.tick) < 0.3, `axis labels readable on the light background: ${light.tick}`);
    assert.ok(luminance(light.title) < 0.2, `chart titles readable on the light background: ${light.title}`);

    await pickTheme(wb.page, 'Dark Modern');
    const dark = await waitFor('charts recoloured for the dark theme', async () => {
      const c = await chartColours(view);
      return luminance(c.background) < 0.1 ? c : undefined;
    }, 30_000);
    assert.ok(luminance(dark.tick) > 0.25, `axis labels readable on the dark background: ${dark.tick}`);
    assert.ok(luminance(dark.title) > 0.4, `chart titles readable on the dark background: ${dark.title}`);
    // The same charts, recoloured in place: not a reload.
    assert.equal(await points.count(), count);
    await wb.screenshot('traces-dark');
  });
});
