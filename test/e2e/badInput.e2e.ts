// Bad input in a real VS Code: broken log lines, a path escaping the workspace, a missing image and a GT of the
// wrong size are each reported at their file and line in the Problems panel and under the run in the tree,
// and every other rollout still opens.
import * as assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { hoverText, sampleCopy, waitFor, withWorkbench } from './harness';

test('bad lines, unsafe and missing paths, GT size mismatch: reported precisely, the rest opens', { timeout: 300_000 }, async () => {
  const ws = sampleCopy('segr1-bad-ws-');
  const log = join(ws, 'runs/synthetic-segr1/rollouts.jsonl');
  const good = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  const first = JSON.parse(good[0]!) as Record<string, unknown>;
  const n = good.length;
  appendFileSync(
    log,
    [
      '{"step": 13, "completion": "<think>cut off',
      '{"step": 13, "group": "x", "sample": 0}',
      JSON.stringify({ ...first, step: 13, group: 'escape', image: '../../../../etc/passwd' }),
      JSON.stringify({ ...first, step: 13, group: 'missing', image: 'datasets/synthetic-cod/Imgs/does_not_exist.jpg' }),
    ].join('\n') + '\n',
  );
  // A GT shrunk to the wrong size.
  const gt = join(ws, 'datasets/synthetic-cod/GT/cod_0003.png');
  const small = await sharp(gt).resize(50, 40).png().toBuffer();
  await sharp(small).toFile(gt);

  await withWorkbench({ name: 'bad-input', workspace: ws, viewport: { width: 1500, height: 950 } }, async (wb) => {
    const { page } = wb;
    await page.locator('.activitybar .action-item a[aria-label^="Seg-R1"]').first().click();
    const tree = page.locator('.sidebar .monaco-list-row');
    const run = await waitFor('the run', async () => ((await tree.filter({ hasText: 'SYNTHETIC' }).count()) ? tree.filter({ hasText: 'SYNTHETIC' }).first() : undefined), 60_000);
    // The good records are all there: the broken lines did not hide them (the run row's tooltip counts them).
    assert.match(await hoverText(page, run, /rollouts? ·/), new RegExp(`${n + 2} rollouts`));
    await page.mouse.move(700, 450);
    await run.click();
    const problems = tree.filter({ has: page.locator('.label-name', { hasText: /^\d+ problems?$/ }) }).first();
    await problems.waitFor({ timeout: 30_000 });
    await problems.click();
    const labels = await waitFor('problem items', async () => {
      const t = await tree.locator('.label-name').allTextContents();
      return t.some((x) => x.startsWith(`line ${n + 1}:`)) ? t : undefined;
    }, 30_000);
    const text = labels.join('\n');
    assert.match(text, new RegExp(`line ${n + 1}: `), 'truncated line not reported at its line');
    assert.match(text, new RegExp(`line ${n + 2}: .*completion`), 'missing completion not reported');
    assert.match(text, new RegExp(`line ${n + 3}: .*(outside|escape|absolute)`, 'i'), 'escaping path not reported');
    assert.match(text, new RegExp(`line ${n + 4}: .*not found`), 'missing image not reported');
    await wb.screenshot('tree-problems');

    // Problems panel: the same, as diagnostics on the files.
    await wb.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    const markers = page.locator('.markers-panel .monaco-list-row');
    const all = await waitFor('diagnostics in the Problems panel', async () => {
      const rows = await markers.allTextContents();
      return rows.some((r) => /GT is 50×40/.test(r)) && rows.some((r) => /not found/.test(r)) ? rows : undefined;
    }, 60_000);
    assert.ok(all.some((r) => /rollouts\.jsonl/.test(r)), 'no diagnostics under the log file');
    assert.ok(all.some((r) => new RegExp(`Ln ${n + 3}`).test(r)) || all.some((r) => /outside/.test(r)), 'escaping path not in the Problems panel');
    await wb.screenshot('problems-panel');

    // Every other rollout still opens.
    await wb.runCommand('Seg-R1: Open Workbench');
    const view = wb.webviewFrame();
    await waitFor('the first rollout', async () => /step 1 · group/.test((await view.locator('#title').textContent()) ?? ''), 60_000);
  });
});
