// Workspace Trust in a real VS Code with trust ON: a cloned (untrusted) workspace with a SAM2 export in models/
// opens in Restricted Mode, where the panel still shows the rollout, its image and rewards, but the export is not
// loaded (an ONNX file is untrusted input to a native parser): the classical fallback stands in, and the badge and
// Choose Segmenter say why. Granting trust loads SAM2 without a reload.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { writeFixture } from '../unit/segment/sam2Fixtures';
import { runCommand, sampleCopy, waitFor, withWorkbench } from './harness';

const RESTRICTED = 'Restricted Mode — SAM2 not loaded';

/** What the canvas last drew (see CanvasView.draw). */
async function drawn(view: FrameLocator): Promise<string[]> {
  const raw = await view.locator('#image-canvas').getAttribute('data-render');
  return raw ? (JSON.parse(raw) as { drawn: string[] }).drawn : [];
}

test('Restricted Mode shows logs and rewards with the classical fallback; trusting loads SAM2 without a reload', { timeout: 420_000 }, async () => {
  const ws = sampleCopy('segr1-trust-ws-');
  writeFixture('A', join(ws, 'models', 'tiny-sam2'));
  const settings = { 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'always' };
  await withWorkbench({ name: 'trust', workspace: ws, trust: true, settings, viewport: { width: 1500, height: 950 }, hardTimeoutMs: 6 * 60_000 }, async (wb) => {
    const page = wb.page;
    // VS Code itself says the folder is untrusted: the Restricted Mode indicator in the status bar.
    await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: 60_000 });

    await wb.runCommand('Seg-R1: Open Workbench');
    const view = wb.webviewFrame();
    const title = view.locator('#title');
    const badge = view.locator('#segmenter-badge');
    await waitFor('a rollout on screen', async () => /step \d+ · group /.test((await title.textContent()) ?? ''), 90_000);
    await waitFor('image and GT drawn', async () => {
      const d = await drawn(view);
      return d.includes('image') && d.includes('gt');
    }, 60_000);
    const rewards = view.locator('#rewards');
    await waitFor('replayed rewards', async () => /segr1-intended/.test((await rewards.textContent()) ?? ''), 60_000);
    for (const t of ['segment', 'format', 'total', 'advantage']) assert.match((await rewards.textContent()) ?? '', new RegExp(t));
    assert.match((await view.locator('#reasoning').textContent()) ?? '', /<think>/);

    // The segmenter for re-segmenting is the fallback, and says why.
    await waitFor('the fallback named with Restricted Mode', async () => ((await badge.getAttribute('title')) ?? '').includes(RESTRICTED), 60_000).catch(async (e: Error) => {
      throw new Error(`${e.message}; badge "${await badge.textContent()}", tooltip "${await badge.getAttribute('title')}"`, { cause: e });
    });
    assert.match((await badge.getAttribute('title')) ?? '', /classical fallback — not SAM2/);
    await view.locator('#resegment').click({ timeout: 60_000 });
    const restrictedLabel = await waitFor('re-segmented by the fallback', async () => {
      const t = (await badge.textContent()) ?? '';
      return (await view.locator('#edited-badge').textContent()) === 'RE-SEGMENTED' && t.includes(RESTRICTED) ? t : undefined;
    }, 90_000);
    assert.match(restrictedLabel, /^classical fallback — not SAM2/);
    assert.equal(await badge.getAttribute('data-kind'), 'classical');
    assert.ok((await drawn(view)).includes('mask'), 'no mask drawn by the fallback');
    await wb.screenshot('restricted-panel');

    // Choose Segmenter offers no export from models/ and names Restricted Mode, with a way to trust.
    await wb.runCommand('Seg-R1: Choose Segmenter (SAM2 export or classical fallback)…');
    const rows = page.locator('.quick-input-list .monaco-list-row');
    await waitFor('the segmenter QuickPick', async () => (await rows.count()) >= 2, 30_000);
    const labels = (await rows.allTextContents()).join(' | ');
    assert.match(labels, /Restricted Mode — SAM2 not loaded/);
    assert.match(labels, /classical fallback — not SAM2/);
    assert.doesNotMatch(labels, /family A|tiny-sam2/i, `an export from models/ is offered in Restricted Mode: ${labels}`);
    await wb.screenshot('restricted-choose-segmenter');
    await page.keyboard.press('Escape');

    // Grant trust through VS Code's own editor.
    await runCommand(page, 'Workspaces: Manage Workspace Trust');
    const trustButton = page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust/ }).first();
    await trustButton.waitFor({ timeout: 30_000 });
    await wb.screenshot('trust-editor');
    await trustButton.click();
    await waitFor('Restricted Mode gone from the status bar', async () => (await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).count()) === 0, 30_000);

    // Back in the panel, without a reload: SAM2 is loaded and used.
    await page.locator('.tab', { hasText: /Seg-R1|Workbench/ }).first().click();
    const view2 = wb.webviewFrame();
    const badge2 = view2.locator('#segmenter-badge');
    await waitFor('SAM2 loaded after trust (badge tooltip)', async () => {
      const tip = (await badge2.getAttribute('title')) ?? '';
      return /SAM2/.test(tip) && !tip.includes(RESTRICTED) && !/classical/.test(tip);
    }, 120_000).catch(async (e: Error) => {
      throw new Error(`${e.message}; tooltip "${await badge2.getAttribute('title')}"`, { cause: e });
    });
    await view2.locator('#resegment').click({ timeout: 60_000 });
    const sam2Label = await waitFor('re-segmented with SAM2', async () => {
      const t = (await badge2.textContent()) ?? '';
      return /SAM2/.test(t) && !/classical/.test(t) ? t : undefined;
    }, 120_000);
    assert.doesNotMatch(sam2Label, /Restricted Mode/);
    assert.equal(await badge2.getAttribute('data-kind'), 'sam2');
    await waitFor('the re-segmented view settled', async () => !/^Loading/.test((await view2.locator('#title').textContent()) ?? ''), 60_000);
    await wb.screenshot('trusted-sam2');
  });
});
