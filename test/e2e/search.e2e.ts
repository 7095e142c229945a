// Search a run from the Reward Traces: the counts in the view equal `segr1 search` on the same log, a hit opens its
// rollout in the workbench beside the traces, a saved search restricts the rollout list, the step picker and the
// format-failure filter compose with it, and all of it comes back after the traces were hidden.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { REPO_ROOT, sampleWorkspace, waitFor, withWorkbench } from './harness';

interface CliResult {
  summary: { matched: number; matches: number; searched: number; steps: Array<{ step: number | null; rollouts: number; matched: number; matches: number }> };
  hits: Array<{ line: number; step?: number; group?: string }>;
}

const PATTERN = 'lichen|warmer';

test('search: counts equal the CLI, a hit opens its rollout, a saved search filters the list, state survives hiding', { timeout: 420_000 }, async () => {
  const workspace = sampleWorkspace();
  assert.ok(workspace, 'the sample workspace could not be generated');
  const log = join(workspace, 'runs/synthetic-segr1/rollouts.jsonl');
  const cli = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'cli.js'), 'search', log, PATTERN, '--regex', '--json', '--limit', '100000'], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  const expected = JSON.parse(cli.stdout) as CliResult;
  const total = expected.summary.searched;
  const matched = expected.summary.matched;
  assert.ok(matched > 0 && matched < total, `the pattern should match some rollouts, not all: ${matched}/${total}`);
  const matchedLines = new Set(expected.hits.map((h) => h.line));

  await withWorkbench({ name: 'search', copyWorkspace: workspace, viewport: { width: 1500, height: 1100 } }, async (wb) => {
    const page = wb.page;
    await wb.runCommand('Seg-R1: Open Reward Traces');
    /** The traces webview (it stays open beside the workbench panel; frames are re-found after every change). */
    const tracesFrame = async (): Promise<FrameLocator | undefined> => {
      const n = await page.locator('iframe.webview.ready').count();
      for (let k = n - 1; k >= 0; k--) {
        const f = wb.webviewFrame(k);
        if (await f.locator('#search-input').count().catch(() => 0)) return f;
      }
      return undefined;
    };
    let view = await waitFor('the traces view', tracesFrame, 90_000);
    const count = () => view.locator('#list-count').textContent();
    await waitFor('the rollout list', async () => (await count()) === `${total} of ${total} rollouts` || undefined, 90_000);

    // A regex that does not compile is refused inline, before any search runs.
    await view.locator('#search-regex').click();
    assert.equal(await view.locator('#search-regex').getAttribute('aria-pressed'), 'true');
    await view.locator('#search-input').fill('(lichen');
    await view.locator('#search-input').press('Enter');
    await waitFor('the regex error', async () => /invalid regular expression/.test((await view.locator('#search-error').textContent()) ?? '') || undefined, 15_000);
    assert.equal(await view.locator('#search-error').isVisible(), true);

    // The search: counts (total and per step) equal the CLI's on the same log.
    await view.locator('#search-input').fill(PATTERN);
    await view.locator('#search-input').press('Enter');
    const status = view.locator('#search-status');
    await waitFor('the search finished', async () => ((await view.locator('.search-box').getAttribute('data-state')) === 'done' ? true : undefined), 60_000);
    assert.equal(await view.locator('#search-error').isVisible(), false);
    assert.equal(Number(await status.getAttribute('data-matched')), matched);
    assert.equal(Number(await status.getAttribute('data-matches')), expected.summary.matches);
    assert.match((await status.textContent()) ?? '', new RegExp(`^${expected.summary.matches} match(es)? in ${matched} rollouts? · ${total} searched$`));
    const strip = await view.locator('#search-steps .step-count').evaluateAll((cs) => cs.map((c) => [c.getAttribute('data-step'), Number(c.getAttribute('data-rollouts')), Number(c.getAttribute('data-matched')), Number(c.getAttribute('data-matches'))]));
    assert.deepEqual(
      strip,
      expected.summary.steps.map((s) => [s.step === null ? '' : String(s.step), s.rollouts, s.matched, s.matches]),
    );
    const hits = view.locator('#search-hits .search-hit');
    assert.equal(await hits.count(), Math.min(matched, 500));
    const hitLines = await hits.evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('data-line'))));
    assert.deepEqual(hitLines, expected.hits.map((h) => h.line).slice(0, 500));
    // Each hit's mark holds the matched text (text nodes, no markup from the completion).
    const marks = await hits.locator('mark').allTextContents();
    assert.ok(marks.length >= hitLines.length && marks.every((m) => /^(lichen|warmer)$/.test(m)), `marks: ${marks.slice(0, 5)}`);
    await wb.screenshot('search-results');

    // A hit opens its rollout in the workbench panel; the traces stay open beside it.
    const third = expected.hits[2]!;
    await hits.nth(2).click();
    const titles = async () => {
      const n = await page.locator('iframe.webview.ready').count();
      const out: string[] = [];
      for (let k = 0; k < n; k++) out.push((await wb.webviewFrame(k).locator('#title').textContent({ timeout: 1_000 }).catch(() => '')) ?? '');
      return out.join('\n');
    };
    await waitFor(`the rollout of line ${third.line} opened`, async () => (await titles()).includes(`step ${third.step} · group ${third.group}`) || undefined, 60_000);
    view = await waitFor('the traces still shown', tracesFrame, 30_000);
    await waitFor('the opened rollout drawn', async () => (await titles()).includes(`step ${third.step} · group ${third.group}`) || undefined, 60_000);
    await wb.screenshot('search-hit-opened');

    // Save as filter: a named chip, and the list holds exactly the matching rollouts.
    await view.locator('#search-save-name').fill('lichen or warmer');
    await view.locator('#search-save').click();
    const chip = view.locator('.filter-chip[data-name="lichen or warmer"]');
    await chip.waitFor({ timeout: 10_000 });
    assert.equal(await chip.locator('.chip-toggle').getAttribute('aria-pressed'), 'true');
    await waitFor('the list restricted to the saved search', async () => (await count()) === `${matched} of ${total} rollouts` || undefined, 60_000);
    const listLines = await view.locator('#rollout-list .list-row').evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('data-line'))));
    assert.ok(listLines.length > 0 && listLines.every((l) => matchedLines.has(l)), `rows outside the saved search: ${listLines}`);
    // The search results never squeeze the list out of sight: it keeps room for rows under them.
    const listHeight = await view.locator('#rollout-list').evaluate((el) => el.clientHeight);
    assert.ok(listHeight >= 150, `the rollout list is ${listHeight} px high`);

    // The step picker composes with it, and moves the brush's label.
    await view.locator('#step-picker').fill('3-5');
    await view.locator('#step-picker').press('Enter');
    const inRange = expected.hits.filter((h) => h.step !== undefined && h.step >= 3 && h.step <= 5).length;
    await waitFor('saved search and steps 3–5', async () => (await count()) === `${inRange} of ${total} rollouts` || undefined, 30_000);
    assert.equal(await view.locator('#range-label').textContent(), 'steps 3–5');
    assert.equal(await view.locator('#step-picker').inputValue(), '3–5');
    // A typo is named inline and changes nothing.
    await view.locator('#step-picker').fill('3-x');
    await view.locator('#step-picker').press('Enter');
    await waitFor('the step error', async () => (await view.locator('#step-error').isVisible()) || undefined, 10_000);
    assert.equal(await count(), `${inRange} of ${total} rollouts`);
    await view.locator('#step-picker').fill('3-5');
    await view.locator('#step-picker').press('Enter');
    await waitFor('the step error gone', async () => !(await view.locator('#step-error').isVisible()) || undefined, 10_000);

    // Format failures: "only" and "hide" split the filtered list between them.
    const shownCount = async () => Number(/^(\d+) of/.exec((await count()) ?? '')?.[1] ?? Number.NaN);
    await view.locator('#failure-filter').selectOption('only');
    const only = await waitFor('only format failures', async () => {
      // Strictly fewer: reading the count before the filter applied would see inRange itself (the range has
      // rollouts that parse, so "only failures" always shows fewer). `+ 1` keeps a count of 0 truthy.
      const n = await shownCount();
      return n < inRange ? n + 1 : undefined;
    }, 30_000).then((n) => n - 1);
    await view.locator('#failure-filter').selectOption('hide');
    await waitFor('format failures hidden', async () => (await shownCount()) === inRange - only || undefined, 30_000);
    await wb.screenshot('search-filtered');

    // Hidden behind a file and shown again: search, chip, step picker, format filter and list come back.
    const stateOf = async (f: FrameLocator) => ({
      input: await f.locator('#search-input').inputValue(),
      regex: await f.locator('#search-regex').getAttribute('aria-pressed'),
      status: await f.locator('#search-status').textContent(),
      chip: await f.locator('.filter-chip[data-name="lichen or warmer"] .chip-toggle').getAttribute('aria-pressed').catch(() => null),
      steps: await f.locator('#step-picker').inputValue(),
      failures: await f.locator('#failure-filter').inputValue(),
      count: await f.locator('#list-count').textContent(),
    });
    const before = await stateOf(view);
    assert.deepEqual({ ...before, count: undefined, status: undefined }, { input: PATTERN, regex: 'true', chip: 'true', steps: '3–5', failures: 'hide', count: undefined, status: undefined });
    await view.locator('#traces-status').click();
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill('README.md');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'README.md' }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
    await waitFor('the traces hidden behind a file', async () => ((await tracesFrame()) === undefined ? true : undefined), 30_000);
    await page.locator('.tab', { hasText: 'Seg-R1 Reward Traces' }).first().click();
    view = await waitFor('the traces shown again', tracesFrame, 60_000);
    await waitFor('the search, filters and list restored', async () => JSON.stringify(await stateOf(view)) === JSON.stringify(before) || undefined, 60_000);
    await wb.screenshot('search-restored');
  });
});
