/**
 * Run colours of the reward traces as CSS variables (`--segr1-run-<k>`, defined per theme kind in traces.css), so the
 * charts recolour in place when the theme changes and each theme's set keeps 3:1 against its background. SVG marks
 * take them through `style` (a presentation attribute does not resolve var()); exports inline the resolved values.
 */

/** How many distinct run colours there are before they repeat. */
export const RUN_COLOUR_COUNT = 7;

/** The CSS value for run `i`'s colour. */
export function runColour(i: number): string {
  return `var(--segr1-run-${i % RUN_COLOUR_COUNT})`;
}

/** Run `i`'s colour as the current theme resolves it (for files that leave the webview). */
export function resolvedRunColour(i: number): string {
  return getComputedStyle(document.body).getPropertyValue(`--segr1-run-${i % RUN_COLOUR_COUNT}`).trim() || '#0072B2';
}

/** Replace every run-colour variable in `root`'s inline fill and stroke by its resolved value (exported SVGs have no theme). */
export function inlineRunColours(root: Element): void {
  root.querySelectorAll<SVGElement | HTMLElement>('[style*="--segr1-run-"]').forEach((el) => {
    for (const prop of ['fill', 'stroke']) {
      const m = /var\(--segr1-run-(\d+)\)/.exec(el.style.getPropertyValue(prop));
      if (m) el.style.setProperty(prop, resolvedRunColour(Number(m[1])));
    }
  });
}
