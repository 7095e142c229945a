// Extension activation and time to first paint of the panel on the sample workspace, in a real VS Code
// (code-server + Chromium). Anchor, measured in the same run: VS Code's own image preview opening the same
// image file — the closest built-in "show me this picture" a user compares the panel with.
import { closeSync, cpSync, existsSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { report } from './lib/report';
import { sampleWorkspace, waitFor, withWorkbench } from '../test/e2e/harness';
import type { Page } from 'playwright-core';

/** Open the command palette or quick open, type, wait for the entry, and return the time Enter was pressed. */
async function pick(page: Page, key: string, text: string, entry: RegExp): Promise<number> {
  for (let attempt = 0; attempt < 30; attempt++) {
    await page.keyboard.press(key);
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(text);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: entry }).first();
    if (await row.waitFor({ timeout: 3_000 }).then(() => true, () => false)) {
      const t = performance.now();
      await page.keyboard.press('Enter');
      return t;
    }
    await page.keyboard.press('Escape');
    await page.waitForTimeout(500);
  }
  throw new Error(`'${text}' never appeared in the quick pick`);
}

/** A workspace whose run has 100,000 rollouts: the sample's records repeated over later steps (same images). */
function bigWorkspace(sample: string): string {
  const dir = join('bench', '.data', 'panel-100k');
  const log = join(dir, 'runs', 'synthetic-segr1', 'rollouts.jsonl');
  if (existsSync(log) && statSync(log).size > 100e6) return resolve(dir);
  rmSync(dir, { recursive: true, force: true });
  cpSync(sample, dir, { recursive: true });
  rmSync(join(dir, 'runs', 'synthetic-segr1', 'trainer_state.json'), { force: true });
  const records = readFileSync(join(sample, 'runs', 'synthetic-segr1', 'rollouts.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { step: number; group: string });
  const fd = openSync(log, 'w');
  let n = 0;
  for (let rep = 0; n < 100_000; rep++) {
    const lines: string[] = [];
    for (const r of records) {
      if (n++ >= 100_000) break;
      const step = r.step + rep * 12;
      lines.push(JSON.stringify({ ...r, step, group: r.group.replace(/@\d+$/, `@${step}`) }));
    }
    writeSync(fd, lines.join('\n') + '\n');
  }
  closeSync(fd);
  return resolve(dir);
}

/** Open the workbench on a workspace and time command → first paint (ms). */
async function firstPaint(name: string, workspace: string): Promise<number> {
  return withWorkbench({ name, workspace, viewport: { width: 1400, height: 900 } }, async (wb) => {
    // The workbench shows before VS Code has started its extension host; a command picked then waits for that start
    // (measured: up to 1.5 s after Enter), which is VS Code's time, not the panel's. So the clock starts once the
    // extension has activated; indexing, which starts at activation, still counts.
    await waitFor('extension activated', async () => wb.console.some((l) => l.includes('[segr1] activated')) || undefined, 60_000);
    const t = await pick(wb.page, 'F1', '>Seg-R1: Open Workbench', /Open Workbench/);
    const view = wb.webviewFrame();
    await waitFor('first paint', async () => {
      const raw = await view.locator('#image-canvas').getAttribute('data-render', { timeout: 100 }).catch(() => null);
      return raw && (JSON.parse(raw) as { drawn: string[] }).drawn.includes('image') ? true : undefined;
    }, 180_000);
    return performance.now() - t;
  });
}

async function main(): Promise<void> {
  if (!existsSync('/usr/bin/chromium') && !process.env.SEGR1_CHROMIUM) {
    console.log('panel bench skipped: no chromium (apt-get install -y chromium)');
    return;
  }
  const workspace = sampleWorkspace();
  if (!workspace) throw new Error('no sample workspace (build dist/cli.js first)');
  await withWorkbench({ name: 'bench-panel', copyWorkspace: workspace, viewport: { width: 1400, height: 900 } }, async (wb) => {
    const { page } = wb;
    // Anchor: the built-in image preview (vscode.media-preview) showing the image of the first rollout.
    const tPreview = await pick(page, 'Control+P', 'cod_0000.jpg', /cod_0000\.jpg/);
    const preview = page.locator('iframe.webview.ready').last().contentFrame().frameLocator('#active-frame').locator('img');
    await waitFor('image preview', async () => (await preview.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).complete && (img as unknown as { naturalWidth: number }).naturalWidth > 0).catch(() => false)) || undefined, 60_000);
    const previewMs = performance.now() - tPreview;

    // Close the preview so the only webview polled below is ours.
    await wb.runCommand('View: Close All Editors');
    await page.locator('iframe.webview').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);

    // Ours: command → canvas drawn with image, mask and glyphs.
    const tOpen = await pick(page, 'F1', '>Seg-R1: Open Workbench', /Open Workbench/);
    const view = wb.webviewFrame();
    await waitFor('first paint', async () => {
      const raw = await view.locator('#image-canvas').getAttribute('data-render', { timeout: 100 }).catch(() => null);
      return raw && (JSON.parse(raw) as { drawn: string[] }).drawn.includes('image') ? true : undefined;
    }, 90_000);
    const paintMs = performance.now() - tOpen;
    const line = await waitFor('activation log line', async () => wb.console.find((l) => l.includes('[segr1] activated')), 30_000).catch(() => undefined);
    const m = line ? /module load \+ activate ([\d.]+) ms/.exec(line) : null;
    report({ name: 'panel first paint (command → image, mask, glyphs on canvas)', value: paintMs, unit: 'ms', anchor: 'VS Code image preview of the same file', anchorValue: previewMs, ratio: paintMs / previewMs, target: 'ratio <= 3' });
    if (m) {
      const act = Number(m[1]);
      report({ name: 'extension activation (module load + activate)', value: act, unit: 'ms', anchor: 'VS Code image preview of the same file', anchorValue: previewMs, ratio: act / previewMs, target: 'ratio <= 0.25' });
    } else console.log('activation line not found in the forwarded extension-host console; activation not reported');
  });

  // 100,000 rollouts: the first open indexes the 300 MB log; later opens read the index cache beside it.
  // The extension activates when the workspace opens (workspaceContains), so indexing overlaps VS Code's own start.
  const big = bigWorkspace(workspace);
  rmSync(join(big, 'runs', 'synthetic-segr1', '.segr1'), { recursive: true, force: true });
  const cold = await firstPaint('bench-panel-100k-first', big);
  const warm = await firstPaint('bench-panel-100k-cached', big);
  // Anchor measured the same way (fresh session, no other editor): the 384-rollout sample.
  const base = await firstPaint('bench-panel-sample', workspace);
  report({ name: 'panel first paint, 100,000 rollouts, index cached (command → canvas)', value: warm, unit: 'ms', anchor: 'same measurement on the 384-rollout sample', anchorValue: base, ratio: warm / base, target: 'ratio <= 1.5 (issue: < 1000 ms)' });
  report({ name: 'panel first paint, 100,000 rollouts, first session (index built while VS Code starts)', value: cold, unit: 'ms', anchor: 'same measurement on the 384-rollout sample', anchorValue: base, ratio: cold / base, target: 'ratio <= 5' });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
