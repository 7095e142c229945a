// Contrast in the panel and the traces, measured from the theme's computed colours: every visible text ≥ 4.5:1 and
// every chart mark ≥ 3:1 against what is behind it, in Default Light Modern, Default Dark Modern and Default High
// Contrast. Colours are read with getComputedStyle in the webviews (translucency and opacity included); the
// WCAG math is src/shared/contrast.ts.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import { flatten, MARK_MIN_CONTRAST, parseColor, seenContrast, TEXT_MIN_CONTRAST, type Rgba } from '../../src/shared/contrast';
import { pickTheme, sampleWorkspace, waitFor, withWorkbench, type Workbench } from './harness';

/** One measured element: what it is, its foreground, its cumulative opacity and its backgrounds from itself outwards. */
interface Sample {
  readonly what: string;
  readonly kind: 'text' | 'mark';
  readonly fg: string;
  readonly opacity: number;
  readonly backgrounds: readonly string[];
}

/** Marks measured per view (their stroke, fill or background, whichever draws them). */
const MARKS = ['path.mean:not(.raw)', 'circle.point', '.run-legend .swatch', '.adv-fill', '.reward-fill', '.history-cell'];

/** Runs in the webview: every visible element with its own text, and every mark. Self-contained (serialized). */
function collect(root: unknown, marks: readonly string[]): Sample[] {
  type El = { tagName: string; id: string; className: unknown; parentElement: El | null; childNodes: ArrayLike<{ nodeType: number; textContent: string | null }>; getClientRects(): { length: number }; closest(s: string): El | null; textContent: string | null; namespaceURI: string | null };
  type Cs = { color: string; fill: string; stroke: string; backgroundColor: string; borderTopColor: string; borderTopWidth: string; opacity: string; visibility: string; display: string };
  const g = globalThis as unknown as { getComputedStyle(e: El): Cs; document: { querySelectorAll(s: string): ArrayLike<El> } };
  void root;
  const name = (e: El) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${typeof e.className === 'string' && e.className ? `.${e.className.trim().split(/\s+/).join('.')}` : ''}`;
  const chain = (e: El) => {
    let opacity = 1;
    const backgrounds: string[] = [];
    for (let p: El | null = e; p; p = p.parentElement) {
      const cs = g.getComputedStyle(p);
      opacity *= Number(cs.opacity);
      if (p.namespaceURI !== 'http://www.w3.org/2000/svg') backgrounds.push(cs.backgroundColor);
    }
    return { opacity, backgrounds };
  };
  const shown = (e: El) => {
    if (!e.getClientRects().length || e.closest('[hidden], [aria-hidden="true"], option, select, canvas, .tooltip, [disabled]')) return false;
    const cs = g.getComputedStyle(e);
    return cs.visibility !== 'hidden' && cs.display !== 'none';
  };
  const out: Sample[] = [];
  const all = g.document.querySelectorAll('body *');
  for (let i = 0; i < all.length; i++) {
    const e = all[i]!;
    const own = Array.from(e.childNodes).some((n) => n.nodeType === 3 && (n.textContent ?? '').trim().length > 0);
    if (!own || !shown(e)) continue;
    const cs = g.getComputedStyle(e);
    const svg = e.namespaceURI === 'http://www.w3.org/2000/svg';
    out.push({ what: `${name(e)} "${(e.textContent ?? '').trim().slice(0, 30)}"`, kind: 'text', fg: svg ? cs.fill : cs.color, ...chain(e) });
  }
  for (const sel of marks) {
    const els = g.document.querySelectorAll(sel);
    for (let i = 0; i < els.length && i < 40; i++) {
      const e = els[i]!;
      if (!shown(e)) continue;
      const cs = g.getComputedStyle(e);
      const svg = e.namespaceURI === 'http://www.w3.org/2000/svg';
      // An HTML mark is its fill, or its border when it has one (a cell whose fill encodes a value is outlined).
      const fg = svg ? (e.tagName.toLowerCase() === 'path' ? cs.stroke : cs.fill) : parseFloat(cs.borderTopWidth) > 0 ? cs.borderTopColor : cs.backgroundColor;
      const c = chain(e);
      // The mark's own background is the mark: measure against what is behind it.
      out.push({ what: name(e), kind: 'mark', fg, opacity: c.opacity, backgrounds: svg ? c.backgrounds : c.backgrounds.slice(1) });
    }
  }
  return out;
}

/** Every sample below its threshold, described. */
function failures(samples: readonly Sample[]): string[] {
  const bad: string[] = [];
  for (const s of samples) {
    const fg = parseColor(s.fg);
    const layers = s.backgrounds.map((b) => parseColor(b)).filter((b): b is Rgba => !!b);
    if (!fg) {
      bad.push(`${s.what}: unreadable colour ${s.fg}`);
      continue;
    }
    const bg = flatten(layers);
    const ratio = seenContrast(fg, bg, s.opacity);
    const min = s.kind === 'text' ? TEXT_MIN_CONTRAST : MARK_MIN_CONTRAST;
    if (ratio < min) bad.push(`${s.kind} ${s.what}: ${ratio.toFixed(2)}:1 < ${min} (${s.fg} at opacity ${s.opacity.toFixed(2)} on rgb(${[bg.r, bg.g, bg.b].map(Math.round).join(',')}))`);
  }
  return bad;
}

/** The two webviews by content: the traces have charts, the panel a title. */
async function frames(wb: Workbench): Promise<{ traces: FrameLocator; panel: FrameLocator }> {
  return waitFor('the traces and the panel', async () => {
    const n = await wb.page.locator('iframe.webview.ready').count();
    let traces: FrameLocator | undefined;
    let panel: FrameLocator | undefined;
    for (let k = 0; k < n; k++) {
      const f = wb.webviewFrame(k);
      if (await f.locator('figure[data-series="reward"] circle.point').first().isVisible({ timeout: 1_000 }).catch(() => false)) traces = f;
      else if (/rollout \d+$/.test((await f.locator('#title').textContent({ timeout: 1_000 }).catch(() => '')) ?? '')) panel = f;
    }
    return traces && panel ? { traces, panel } : undefined;
  }, 90_000);
}

/** Runs in the page: the element's `--vscode-foreground` (self-contained: it is serialized). */
function foregroundVar(e: unknown): string {
  const w = globalThis as unknown as { getComputedStyle(el: unknown): { getPropertyValue(name: string): string } };
  return w.getComputedStyle(e).getPropertyValue('--vscode-foreground').trim().toLowerCase();
}

const THEMES: ReadonlyArray<{ label: string; bodyClass: string }> = [
  { label: 'Light Modern', bodyClass: 'vscode-light' },
  { label: 'Dark Modern', bodyClass: 'vscode-dark' },
  { label: 'Dark High Contrast', bodyClass: 'vscode-high-contrast' },
];

test('text ≥ 4.5:1 and chart marks ≥ 3:1 in the panel and the traces, in the default light, dark and high-contrast themes', { timeout: 420_000 }, async () => {
  const workspace = sampleWorkspace();
  assert.ok(workspace, 'the sample workspace could not be generated');
  await withWorkbench({ name: 'contrast', workspace, viewport: { width: 1600, height: 1000 }, hardTimeoutMs: 400_000 }, async (wb) => {
    await wb.runCommand('Seg-R1: Open Reward Traces');
    await wb.webviewFrame().locator('figure[data-series="reward"] circle.point').first().waitFor({ timeout: 90_000 });
    // A row of the list opens the panel beside the traces: both stay visible.
    await wb.webviewFrame().locator('#rollout-list .list-row:not(.pending)').first().click({ timeout: 30_000 });
    const { traces, panel } = await frames(wb);
    await waitFor('the panel drawn', async () => ((await panel.locator('#rewards, .reward-table').first().isVisible().catch(() => false)) ? true : undefined), 60_000);
    const report: string[] = [];
    for (const theme of THEMES) {
      await pickTheme(wb.page, theme.label);
      for (const [name, f] of [['traces', traces], ['panel', panel]] as const) {
        await waitFor(`${name} in ${theme.label}`, async () => ((await f.locator(`body.${theme.bodyClass}`).count()) ? true : undefined), 30_000);
        // The body class alone does not say the theme's colours arrived (Light+ → Light Modern keeps `vscode-light`):
        // wait until the page's foreground variable is the workbench's.
        const want = await wb.page.locator('.monaco-workbench').first().evaluate(foregroundVar);
        if (want) await waitFor(`${name} takes ${theme.label}'s colours`, async () => ((await f.locator('html').evaluate(foregroundVar)) === want ? true : undefined), 30_000);
        const samples = await f.locator('body').evaluate(collect, MARKS);
        assert.ok(samples.filter((s) => s.kind === 'text').length > 20, `${name}: too few texts measured (${samples.length})`);
        assert.ok(samples.some((s) => s.kind === 'mark'), `${name}: no chart marks measured`);
        for (const b of failures(samples)) report.push(`${theme.label} · ${name} · ${b}`);
      }
      await wb.screenshot(`contrast-${theme.bodyClass}`);
    }
    assert.deepEqual([...new Set(report)], []);
  });
});
