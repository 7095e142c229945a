// Panel recovery: the workbench keeps working when its editor moves to another group and back, and a page that
// fails to load (a test-only hook points its script at a missing file) shows an error with Reload, which rebuilds
// the page on the rollout it showed. The traces panel recovers the same way.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { sampleWorkspace, waitFor, withWorkbench, type Workbench } from './harness';

const titleOf = async (view: FrameLocator) => (await view.locator('#title').textContent({ timeout: 2_000 }).catch(() => '')) ?? '';

/** Press n in the panel (focus on its canvas first) and wait for the title to change from `before`. */
async function next(wb: Workbench, before: string): Promise<string> {
  return waitFor('the next rollout after n', async () => {
    const view = wb.webviewFrame();
    await view.locator('#image-canvas').focus({ timeout: 2_000 }).catch(() => undefined);
    await wb.page.keyboard.press('n');
    const t = await waitFor('title change', async () => {
      const now = await titleOf(view);
      return now && now !== before && /rollout \d+$/.test(now) ? now : undefined;
    }, 5_000).catch(() => undefined);
    return t;
  }, 60_000);
}

/** The panel's groups: VS Code marks each editor group's container. */
async function groupCount(wb: Workbench): Promise<number> {
  return wb.page.locator('.part.editor .editor-group-container').count();
}

test('the workbench survives moving between editor groups; a failed load shows an error with Reload that recovers', { timeout: 420_000 }, async () => {
  const workspace = sampleWorkspace();
  assert.ok(workspace, 'the sample workspace could not be generated');
  await withWorkbench({ name: 'recovery', workspace, env: { SEGR1_TEST_FAIL_WEBVIEW_LOAD: 'workbench:2,traces:1' }, hardTimeoutMs: 400_000 }, async (wb) => {
    await wb.runCommand('Seg-R1: Open Workbench');
    const first = await waitFor('a rollout on screen', async () => {
      const t = await titleOf(wb.webviewFrame());
      return /rollout \d+$/.test(t) ? t : undefined;
    }, 90_000);
    // Another editor in the panel's group, so moving the panel out leaves that group open (an emptied group closes).
    await wb.runCommand('File: New Untitled Text File');
    await wb.page.locator('.tabs-container .tab', { hasText: 'Seg-R1' }).first().click();
    await waitFor('the rollout back after its tab was hidden', async () => ((await titleOf(wb.webviewFrame())) === first ? true : undefined), 60_000);
    const second = await next(wb, first);

    await wb.runCommand('View: Move Editor into Right Group');
    await waitFor('two editor groups', async () => ((await groupCount(wb)) === 2 ? true : undefined), 30_000);
    const moved = await waitFor('the rollout after the move', async () => {
      const t = await titleOf(wb.webviewFrame());
      return t === second ? t : undefined;
    }, 60_000);
    await wb.screenshot('moved-right');
    const third = await next(wb, moved);

    await wb.runCommand('View: Move Editor into Left Group');
    await waitFor('one editor group again', async () => ((await groupCount(wb)) === 1 ? true : undefined), 30_000);
    await waitFor('the rollout after moving back', async () => ((await titleOf(wb.webviewFrame())) === third ? true : undefined), 60_000);
    const fourth = await next(wb, third);
    await wb.screenshot('moved-back');

    // The second page load of the workbench fails (test hook): the error page names why and offers Reload.
    await wb.runCommand('Seg-R1: Reload Panels');
    const reason = await waitFor('the error page', async () => {
      const el = wb.webviewFrame().locator('#load-error-reason');
      return (await el.isVisible().catch(() => false)) ? el.textContent() : undefined;
    }, 90_000);
    assert.match(reason ?? '', /Seg-R1 Workbench did not load: (failed to load script .*missing-for-recovery-test\.js|its page did not start)/);
    await wb.screenshot('load-error');
    await wb.webviewFrame().locator('#reload').click();
    await waitFor('the rollout back after Reload', async () => ((await titleOf(wb.webviewFrame())) === fourth ? true : undefined), 90_000);
    await next(wb, fourth);
    await wb.screenshot('reloaded');

    // The traces' first load fails too: error page, Reload, charts.
    await wb.runCommand('Seg-R1: Open Reward Traces');
    await waitFor('the traces error page', async () => ((await wb.webviewFrame().locator('#load-error').isVisible().catch(() => false)) ? true : undefined), 90_000);
    assert.match((await wb.webviewFrame().locator('#load-error-reason').textContent()) ?? '', /Seg-R1 Reward Traces did not load/);
    await wb.webviewFrame().locator('#reload').click();
    await wb.webviewFrame().locator('figure[data-series="reward"] circle.point').first().waitFor({ timeout: 90_000 });
    await wb.screenshot('traces-reloaded');
  });
});
