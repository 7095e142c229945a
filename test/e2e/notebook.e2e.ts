// The workbench notebook in a real VS Code: a new notebook opens with its query cell, running it lists rollouts
// rendered as cards by the Seg-R1 renderer.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleWorkspace, waitFor, withWorkbench } from './harness';

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
