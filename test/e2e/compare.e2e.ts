// Compare view (issue 18, item 3): "Seg-R1: Compare Steps…" on two steps of the sample run; the per-image deltas and
// the dataset statistics are the numbers `segr1 compare <log>@4 <log>@7 --json` writes; selecting an image shows its
// two rollouts side by side, and zooming or panning one canvas moves the other with it.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { REPO_ROOT, sampleWorkspace, waitFor, withWorkbench } from './harness';

interface Render {
  scale: number;
  tx: number;
  ty: number;
  drawn: string[];
  imageWidth: number;
}

/** The CLI's `--json` comparison (NaN written as null). */
interface CliComparison {
  metric: string;
  dataset: Record<string, { a: number; b: number; delta: number }>;
  paired: { signTest: { positive: number; negative: number; ties: number; pValue: number }; bootstrap: { low: number; high: number } };
  images: Array<{ image: string; delta: Record<string, number | null> }>;
  better: Array<{ image: string }>;
  worse: Array<{ image: string }>;
}

/** Pick a quick-pick entry by its label. */
async function pick(page: Page, label: string): Promise<void> {
  const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) });
  await row.first().waitFor({ state: 'visible', timeout: 30_000 });
  await row.first().click();
}

async function render(view: FrameLocator, side: 'a' | 'b'): Promise<Render | undefined> {
  const raw = await view.locator(`#compare-canvas-${side}`).getAttribute('data-render');
  return raw ? (JSON.parse(raw) as Render) : undefined;
}

const near = (x: number, y: number) => Math.abs(x - y) < 1e-6;

test('compare two steps: deltas as the CLI computes them, two rollouts side by side with synchronized zoom and pan', { timeout: 420_000 }, async () => {
  const workspace = sampleWorkspace();
  assert.ok(workspace, 'the sample workspace could not be generated (dist/cli.js missing?)');
  const log = join(workspace, 'runs', 'synthetic-segr1', 'rollouts.jsonl');
  const json = join(mkdtempSync(join(tmpdir(), 'segr1-compare-e2e-')), 'compare.json');
  const cli = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'cli.js'), 'compare', `${log}@4`, `${log}@7`, '--json', json], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(cli.status, 0, cli.stderr);
  const expected = JSON.parse(readFileSync(json, 'utf8')) as CliComparison;
  assert.ok(expected.images.length >= 2 && expected.worse.length >= 1, 'steps 4 and 7 of the sample share images, some got worse');

  await withWorkbench({ name: 'compare', copyWorkspace: workspace, viewport: { width: 1600, height: 1000 } }, async (wb) => {
    const { page } = wb;
    await wb.runCommand('Seg-R1: Compare Steps…');
    await pick(page, 'step 4');
    // The second list is the one that offers steps sharing images with step 4.
    await page.locator('.quick-input-widget', { hasText: 'compare step 4 with' }).waitFor({ state: 'visible', timeout: 30_000 });
    await pick(page, 'step 7');
    const view = wb.webviewFrame();
    const rows = view.locator('#compare-table tr[data-image]');
    await waitFor('the per-image table', async () => (await rows.count()) === expected.images.length, 90_000);

    // Same numbers as the CLI, in |Δ| order.
    const shown = await rows.evaluateAll((trs) => trs.map((tr) => ({ image: tr.getAttribute('data-image')!, delta: Number(tr.getAttribute('data-delta')) })));
    const cliDelta = new Map(expected.images.map((i) => [i.image, i.delta[expected.metric] ?? Number.NaN]));
    for (const r of shown) assert.equal(r.delta, cliDelta.get(r.image), `Δ of ${r.image}`);
    assert.deepEqual(new Set(shown.map((r) => r.image)), new Set(cliDelta.keys()));
    for (let k = 1; k < shown.length; k++) assert.ok(Math.abs(shown[k - 1]!.delta) >= Math.abs(shown[k]!.delta), 'rows sorted by |Δ|');
    const d = expected.dataset[expected.metric]!;
    const signed = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(4)}`;
    assert.match((await view.locator('#compare-dataset-delta').textContent()) ?? '', new RegExp(`Δ ${signed(d.delta).replace('+', '\\+')}`));
    const st = expected.paired.signTest;
    assert.match((await view.locator('#compare-sign-test').textContent()) ?? '', new RegExp(`${st.positive} better / ${st.negative} worse / ${st.ties} ties, p = ${st.pValue.toPrecision(4)}`));
    assert.match((await view.locator('#compare-ci').textContent()) ?? '', new RegExp(`\\[${signed(expected.paired.bootstrap.low).replace('+', '\\+')}, ${signed(expected.paired.bootstrap.high).replace('+', '\\+')}\\]`));

    // The image that moved most is selected first; both panels draw it, and both reasonings show text.
    const body = view.locator('body');
    await waitFor('the first image on both panels', async () => (await body.getAttribute('data-shown')) === shown[0]!.image, 60_000);
    await waitFor('both canvases drawn', async () => {
      const [a, b] = [await render(view, 'a'), await render(view, 'b')];
      return a?.drawn.includes('image') && b?.drawn.includes('image') && a.drawn.includes('gt') && b.drawn.includes('gt');
    });
    assert.match((await view.locator('#reasoning-a').textContent()) ?? '', /<think>/);
    assert.match((await view.locator('#reasoning-b').textContent()) ?? '', /<think>/);
    await wb.screenshot('compare-view');

    // Zoom on a: b follows; pan on b: a follows.
    const before = (await render(view, 'a'))!;
    const canvasA = view.locator('#compare-canvas-a');
    const boxA = (await canvasA.boundingBox())!;
    await waitFor('b to follow a zoom on a', async () => {
      await page.mouse.move(boxA.x + boxA.width * 0.4, boxA.y + boxA.height * 0.4);
      await page.mouse.wheel(0, -300);
      const [a, b] = [await render(view, 'a'), await render(view, 'b')];
      return a && b && a.scale > before.scale * 1.2 && near(a.scale, b.scale) && near(a.tx, b.tx) && near(a.ty, b.ty);
    });
    const zoomed = (await render(view, 'b'))!;
    const boxB = (await view.locator('#compare-canvas-b').boundingBox())!;
    await page.mouse.move(boxB.x + boxB.width / 2, boxB.y + boxB.height / 2);
    await page.mouse.down();
    await page.mouse.move(boxB.x + boxB.width / 2 + 60, boxB.y + boxB.height / 2 + 40, { steps: 5 });
    await page.mouse.up();
    await waitFor('a to follow a pan on b', async () => {
      const [a, b] = [await render(view, 'a'), await render(view, 'b')];
      return a && b && !near(b.tx, zoomed.tx) && near(a.tx, b.tx) && near(a.ty, b.ty) && near(a.scale, b.scale);
    });
    await wb.screenshot('compare-zoomed-synchronized');

    // Down moves to the next image of the list.
    await rows.first().click();
    await page.keyboard.press('ArrowDown');
    await waitFor('the second image after ArrowDown', async () => (await body.getAttribute('data-shown')) === shown[1]!.image, 60_000);

    // The got-worse list is the CLI's, worst first.
    await view.locator('#filter-worse').click();
    await waitFor('the got-worse list', async () => {
      const images = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-image')));
      return JSON.stringify(images) === JSON.stringify(expected.worse.map((w) => w.image));
    });
    await rows.first().click();
    await waitFor('the worst image on both panels', async () => (await body.getAttribute('data-shown')) === expected.worse[0]!.image, 60_000);
    await wb.screenshot('compare-got-worse');
  });
});
