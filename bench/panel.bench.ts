// Extension activation and time to first paint of the panel on the sample workspace, in a real VS Code
// (code-server + Chromium). Anchor, measured the same way: VS Code's own image preview opening the same image file —
// the closest built-in "show me this picture" a user compares the panel with. Every figure comes from a fresh
// session: a second webview in one session took ~1.5 s to start whichever came second (the preview after the panel
// as well as the panel after the preview), which would have measured the order, not the panel.
import { closeSync, cpSync, existsSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { report } from './lib/report';
import { sampleWorkspace, waitFor, withWorkbench, type Workbench } from '../test/e2e/harness';
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

/** A fresh session on `workspace`, once VS Code's extension host is up (our activation line): the clock is ours alone. */
async function freshSession<T>(name: string, workspace: string, run: (wb: Workbench, activationLine: string) => Promise<T>): Promise<T> {
  return withWorkbench({ name, workspace, viewport: { width: 1400, height: 900 } }, async (wb) => {
    // The workbench shows before VS Code has started its extension host; a command picked then waits for that start
    // (measured: up to 1.5 s after Enter), which is VS Code's time, not the panel's. Indexing, which starts at
    // activation, still counts.
    const line = await waitFor('extension activated', async () => wb.console.find((l) => l.includes('[segr1] activated')), 60_000);
    return run(wb, line);
  });
}

/** Open the workbench and time command → first paint: the canvas holds the image and the mask (ms). */
async function firstPaint(name: string, workspace: string): Promise<{ ms: number; activationMs?: number }> {
  return freshSession(name, workspace, async (wb, line) => {
    const t = await pick(wb.page, 'F1', '>Seg-R1: Open Workbench', /Open Workbench/);
    const view = wb.webviewFrame();
    await waitFor('first paint', async () => {
      const raw = await view.locator('#image-canvas').getAttribute('data-render', { timeout: 100 }).catch(() => null);
      const drawn = raw ? (JSON.parse(raw) as { drawn: string[] }).drawn : [];
      return drawn.includes('image') && drawn.includes('mask') ? true : undefined;
    }, 180_000);
    const ms = performance.now() - t;
    const m = /module load \+ activate ([\d.]+) ms/.exec(line);
    return m ? { ms, activationMs: Number(m[1]) } : { ms };
  });
}

/** The anchor: Quick Open → VS Code's image preview showing the sample's first image (ms). */
async function previewPaint(workspace: string): Promise<number> {
  return freshSession('bench-preview', workspace, async (wb) => {
    const t = await pick(wb.page, 'Control+P', 'cod_0000.jpg', /cod_0000\.jpg/);
    const img = wb.webviewFrame().locator('img');
    await waitFor('image preview', async () => (await img.evaluate((i) => (i as unknown as { complete: boolean; naturalWidth: number }).complete && (i as unknown as { naturalWidth: number }).naturalWidth > 0).catch(() => false)) || undefined, 60_000);
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
  const previewMs = await previewPaint(workspace);
  const sample = await firstPaint('bench-panel-sample', workspace);
  report({ name: 'panel first paint (command → image and mask on canvas)', value: sample.ms, unit: 'ms', anchor: 'VS Code image preview of the same file (Quick Open → image shown)', anchorValue: previewMs, ratio: sample.ms / previewMs, target: 'ratio <= 3' });
  if (sample.activationMs !== undefined) {
    report({ name: 'extension activation (module load + activate)', value: sample.activationMs, unit: 'ms', anchor: 'VS Code image preview of the same file', anchorValue: previewMs, ratio: sample.activationMs / previewMs, target: 'ratio <= 0.25' });
  } else console.log('activation line without timings in the forwarded extension-host console; activation not reported');

  // 100,000 rollouts: the first open indexes the 300 MB log; later opens read the index cache beside it.
  // The extension activates when the workspace opens (workspaceContains), so indexing overlaps VS Code's own start.
  const big = bigWorkspace(workspace);
  rmSync(join(big, 'runs', 'synthetic-segr1', '.segr1'), { recursive: true, force: true });
  const cold = (await firstPaint('bench-panel-100k-first', big)).ms;
  const warm = (await firstPaint('bench-panel-100k-cached', big)).ms;
  // Anchor measured the same way (fresh session, no other editor): the 384-rollout sample.
  const base = sample.ms;
  report({ name: 'panel first paint, 100,000 rollouts, index cached (command → image and mask on canvas)', value: warm, unit: 'ms', anchor: 'same measurement on the 384-rollout sample', anchorValue: base, ratio: warm / base, target: 'ratio <= 1.5 (issue: < 1000 ms)' });
  report({ name: 'panel first paint, 100,000 rollouts, first session (index built while VS Code starts; command → image and mask)', value: cold, unit: 'ms', anchor: 'same measurement on the 384-rollout sample', anchorValue: base, ratio: cold / base, target: 'ratio <= 5' });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
