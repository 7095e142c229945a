import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contrastRatio, MARK_MIN_CONTRAST, parseColor } from '../../../src/shared/contrast';
import { DEFAULT_THEME_BACKGROUNDS, RUN_COLOURS_BY_THEME } from '../../../src/shared/palette';

// dist-test/test/unit/shared → the repository root.
const css = readFileSync(join(__dirname, '..', '..', '..', '..', 'src', 'webview', 'traces.css'), 'utf8');

/** `--segr1-run-<k>` values of the rule whose selector is exactly `selector`. */
function cssRunColours(selector: string): string[] {
  const rule = css.split('\n').find((l) => l.startsWith(`${selector} {`) && l.includes('--segr1-run-0'));
  assert.ok(rule, `no run colours for ${selector} in traces.css`);
  return [...rule.matchAll(/--segr1-run-(\d+):\s*(#[0-9A-Fa-f]{6})/g)].map((m) => m[2]!.toUpperCase());
}

const SELECTORS = { dark: 'body', light: 'body.vscode-light', highContrast: 'body.vscode-high-contrast', highContrastLight: 'body.vscode-high-contrast-light' } as const;

test('traces.css defines the palette run colours for every theme kind', () => {
  for (const [kind, selector] of Object.entries(SELECTORS) as Array<[keyof typeof SELECTORS, string]>) {
    assert.deepEqual(cssRunColours(selector), RUN_COLOURS_BY_THEME[kind].map((c) => c.toUpperCase()), kind);
  }
});

test('every run colour keeps 3:1 against its default theme background (WCAG 1.4.11)', () => {
  for (const kind of Object.keys(RUN_COLOURS_BY_THEME) as Array<keyof typeof RUN_COLOURS_BY_THEME>) {
    const bg = parseColor(DEFAULT_THEME_BACKGROUNDS[kind])!;
    for (const c of RUN_COLOURS_BY_THEME[kind]) {
      const r = contrastRatio(parseColor(c)!, bg);
      assert.ok(r >= MARK_MIN_CONTRAST, `${kind} ${c} on ${DEFAULT_THEME_BACKGROUNDS[kind]}: ${r.toFixed(2)}:1`);
    }
  }
});

test('the runs stay distinct within each theme (no colour twice)', () => {
  for (const [kind, set] of Object.entries(RUN_COLOURS_BY_THEME)) assert.equal(new Set(set).size, set.length, kind);
});
