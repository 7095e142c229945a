// First steps in a real VS Code: Seg-R1: Get Started opens the walkthrough with its six steps; the Runs view title
// offers Open Workbench; tree rows keep their numbers visible at the default sidebar width; and the tree follows the
// rollout the panel shows (keyboard navigation in the panel moves the tree's selection, without taking focus).
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { hoverText, sampleWorkspace, waitFor, withWorkbench } from './harness';

const STEPS = ['Create the sample workspace', 'Open a rollout in the Workbench', 'Read the reasoning and the prompt glyphs', 'Compare the group (advantages)', 'Edit a prompt and see the reward change', 'Trace rewards across steps'];

/** The right edge of a row's description lies inside its label container: nothing of it is cut. */
async function descriptionFits(row: Locator): Promise<{ text: string; fits: boolean; overflow: number }> {
  return row.evaluate((el) => {
    const desc = el.querySelector('.label-description');
    const box = el.querySelector('.monaco-icon-label-container');
    if (!desc || !box) return { text: '', fits: false, overflow: Number.NaN };
    const overflow = desc.getBoundingClientRect().right - box.getBoundingClientRect().right;
    return { text: desc.textContent ?? '', fits: overflow <= 1, overflow };
  });
}

/** The label of the selected row of the Runs tree. */
async function selectedRow(page: Page): Promise<string | undefined> {
  const row = page.locator('.sidebar .pane', { has: page.locator('.pane-header', { hasText: /^Runs/i }) }).locator('.monaco-list-row.selected .label-name').first();
  return (await row.count()) ? ((await row.textContent()) ?? undefined) : undefined;
}

test('Get Started walkthrough, Runs view title, tree descriptions, and the tree following the panel', { timeout: 300_000 }, async () => {
  const workspace = sampleWorkspace();
  assert.ok(workspace, 'the sample workspace could not be generated (dist/cli.js missing?)');
  await withWorkbench({ name: 'walkthrough', copyWorkspace: workspace, viewport: { width: 1400, height: 900 } }, async (wb) => {
    const { page } = wb;
    await page.locator('.activitybar .action-item a[aria-label^="Seg-R1"]').first().click();
    const runsPane = page.locator('.sidebar .pane', { has: page.locator('.pane-header', { hasText: /^Runs/i }) }).first();
    const tree = runsPane.locator('.monaco-list-row');
    const row = (label: RegExp) => tree.filter({ has: page.locator('.label-name', { hasText: label }) });

    // The Runs view title: Open Workbench, Reward Traces and Refresh as icon buttons.
    // The header shows its actions only while hovered or focused, so each measurement hovers it again and retries
    // until the action is laid out (a relayout between the hover and the measurement hides them for a moment).
    for (const name of ['Open Workbench', 'Open Reward Traces', 'Refresh']) {
      const action = runsPane.locator(`.pane-header .actions .action-label[aria-label^="${name}"]`).first();
      const seen = await waitFor(`the ${name} title action`, async () => {
        await runsPane.locator('.pane-header').hover();
        if (!(await action.isVisible())) return undefined;
        const box = await action.boundingBox();
        return box ? { text: ((await action.textContent()) ?? '').trim(), width: box.width } : undefined;
      }, 20_000);
      // An entry without an icon shows its title as text; an icon entry is an empty label the icon font draws.
      assert.ok(seen.text === '' && seen.width > 8 && seen.width < 40, `${name} has no icon: "${seen.text}", ${seen.width} px wide`);
    }

    // Tree rows: run, step and group descriptions are whole at the default sidebar width.
    const run = await waitFor('the run in the Runs tree', async () => ((await tree.filter({ hasText: 'synthetic' }).count()) ? tree.filter({ hasText: 'synthetic' }).first() : undefined), 60_000);
    await run.click();
    await row(/^step 2$/).first().click();
    const group = row(/^group cod_\d+@2$/).first();
    await group.waitFor({ timeout: 15_000 });
    await group.click();
    await row(/^rollout 0$/).first().waitFor({ timeout: 15_000 });
    const sidebarWidth = (await page.locator('.part.sidebar').boundingBox())?.width ?? 0;
    for (const [what, r, pattern] of [['run', run, /^12 steps · r̄ \d+\.\d\d$/], ['step', row(/^step 2$/).first(), /^8 groups · r̄ \d+\.\d\d$/], ['group', group, /^r̄ \d+\.\d\d · σ \d+\.\d\d$/], ['rollout', row(/^rollout 0$/).first(), /^r \d+\.\d\d · A [+-]\d+\.\d\d/]] as const) {
      const d = await descriptionFits(r);
      assert.match(d.text, pattern, `${what} description`);
      assert.ok(d.fits, `${what} description "${d.text}" cut by ${d.overflow.toFixed(0)} px in a ${sidebarWidth} px sidebar`);
    }
    // Every row has a tooltip with all the numbers: hover the group and read the hover widget.
    // The pointer rests on the clicked row: leave it, then come back so the hover starts.
    const groupHover = await hoverText(page, group, /format failures/);
    for (const part of [/group cod_\d+@2/, /4 rollouts/, /mean \d\.\d{3} · σ \d\.\d{3}/, /advantage: [+-]\d/, /format failures/, /rollouts\.jsonl:\d+/]) assert.match(groupHover, part);
    await wb.screenshot('tree');
    await page.mouse.move(700, 450);

    // Seg-R1: Get Started opens the walkthrough with its steps.
    await wb.runCommand('Seg-R1: Get Started');
    const page1 = page.locator('.gettingStartedContainer');
    await waitFor('the walkthrough steps', async () => {
      const titles = (await page1.locator('.getting-started-step .step-title').allTextContents()).map((t) => t.trim());
      return STEPS.every((s) => titles.includes(s)) || undefined;
    }, 60_000);
    assert.match((await page1.textContent()) ?? '', /Get started with the Seg-R1 Workbench/);
    await wb.screenshot('walkthrough');

    // Open rollout 0 from the tree: the panel shows it and the tree selects its row.
    await row(/^rollout 0$/).first().click();
    const view = wb.webviewFrame();
    const title = view.locator('#title');
    await waitFor('the rollout title', async () => /step 2 · group cod_\d+@2 · rollout 0/.test((await title.textContent()) ?? ''), 60_000);
    const groupKey = /group (cod_\d+@2)/.exec((await title.textContent()) ?? '')![1]!;

    // n in the panel: the next rollout; the tree's selection follows, focus stays in the panel.
    await view.locator('#image-canvas').focus();
    await page.keyboard.press('n');
    await waitFor('rollout 1 in the panel', async () => /rollout 1$/.test((await title.textContent()) ?? ''), 30_000);
    await waitFor('the tree selects rollout 1', async () => (await selectedRow(page)) === 'rollout 1' || undefined, 30_000);
    assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { tagName: string } | null } }).document.activeElement?.tagName), 'IFRAME', 'the tree took focus from the panel');

    // N: the first rollout of the next group, a row not yet expanded in the tree: revealed, expanded and selected.
    await page.keyboard.press('Shift+N');
    await waitFor('the next group in the panel', async () => !(await title.textContent())?.includes(groupKey) || undefined, 30_000);
    const nextGroup = /group (cod_\d+@\d+)/.exec((await title.textContent()) ?? '')![1]!;
    await waitFor('the tree selects the next group\'s rollout 0', async () => (await selectedRow(page)) === 'rollout 0' || undefined, 30_000);
    const selectedParent = await runsPane.locator(`.monaco-list-row[aria-expanded="true"]`, { has: page.locator('.label-name', { hasText: `group ${nextGroup}` }) }).count();
    assert.equal(selectedParent, 1, `group ${nextGroup} not expanded`);
    // The selection did not re-open the panel on another rollout: the panel still shows the group's first rollout.
    await new Promise((r) => setTimeout(r, 1500));
    assert.match((await title.textContent()) ?? '', new RegExp(`group ${nextGroup} · rollout 0$`));
    await wb.screenshot('tree-follows-panel');

  });
});
