// Smoke: a real VS Code with the extension, the Seg-R1 activity bar entry, the Open Workbench command and the panel's DOM.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleWorkspace, waitFor, withWorkbench } from './harness';

test('Seg-R1 view container and Open Workbench panel on the sample workspace', { timeout: 240_000 }, async () => {
  const workspace = sampleWorkspace();
  await withWorkbench({ name: 'smoke', copyWorkspace: workspace }, async (wb) => {
    const { page } = wb;
    const entry = page.locator('.activitybar .action-item a[aria-label^="Seg-R1"], .activitybar .action-item[aria-label^="Seg-R1"]').first();
    await entry.waitFor({ state: 'visible', timeout: 30_000 });
    await entry.click();
    await page.locator('.sidebar .pane-header', { hasText: /Runs/i }).first().waitFor({ timeout: 15_000 });

    await wb.runCommand('Seg-R1: Open Workbench');
    await page.locator('.tabs-container .tab', { hasText: /Seg-R1/ }).first().waitFor({ timeout: 15_000 });
    const view = wb.webviewFrame();
    await view.locator('canvas#image-canvas').waitFor({ state: 'attached', timeout: 30_000 });
    for (const id of ['#reasoning', '#rewards', '#segmenter-badge']) await view.locator(id).waitFor({ state: 'attached', timeout: 10_000 });

    if (workspace) {
      // With rollouts in the workspace the panel opens the first one: text, rewards and a segmenter must all arrive.
      const reasoning = await waitFor('the completion text', async () => (await view.locator('#reasoning').textContent())?.trim(), 60_000);
      assert.match(reasoning, /<think>|<answer>|<bbox>|<points>/, 'reasoning pane shows no completion');
      await waitFor('reward rows', async () => (await view.locator('#rewards').textContent())?.trim(), 60_000);
      const badge = await waitFor('the segmenter badge', async () => {
        const t = (await view.locator('#segmenter-badge').textContent())?.trim();
        return t && t !== '…' ? t : undefined;
      }, 90_000);
      // Which engine depends on the workspace (logged mask, SAM2, classical fallback); it must say one.
      assert.match(badge, /SAM2|classical|logged/i);
      const box = await view.locator('canvas#image-canvas').boundingBox();
      assert.ok(box && box.width > 50 && box.height > 50, `canvas is ${box?.width}×${box?.height}`);
    }
    await wb.screenshot('workbench');
  });
});
