import type { ActivationFunction, OutputItem } from 'vscode-notebook-renderer';
import { acceptedDataUrl } from '../shared/dataUrl';
import { markedText } from './markedText';
import { PALETTE } from './palette';
import { rolloutModel, type RolloutOutput } from './rolloutModel';

export type { RolloutOutput } from './rolloutModel';

const SVG = 'http://www.w3.org/2000/svg';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Render one rollout: glyphs over the image, the linked completion text, the rewards. Text only via textContent. */
function render(output: RolloutOutput, into: HTMLElement): void {
  while (into.firstChild) into.removeChild(into.firstChild);
  const root = el('div', 'segr1-rollout');
  const { answer, size, glyphs, pieces } = rolloutModel(output);
  const header = el('div', 'segr1-header', [output.step !== undefined ? `step ${output.step}` : '', output.group ? `group ${output.group}` : '', output.sample !== undefined ? `rollout ${output.sample}` : ''].filter(Boolean).join(' · '));
  root.append(header);
  const body = el('div', 'segr1-body');
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${size.width} ${size.height}`);
  svg.setAttribute('width', '320');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'prompt glyphs');
  const href = acceptedDataUrl(output.image_data);
  if (href) {
    const img = document.createElementNS(SVG, 'image');
    img.setAttribute('href', href);
    img.setAttribute('width', String(size.width));
    img.setAttribute('height', String(size.height));
    svg.append(img);
  } else {
    const bg = document.createElementNS(SVG, 'rect');
    bg.setAttribute('width', String(size.width));
    bg.setAttribute('height', String(size.height));
    bg.setAttribute('fill', 'rgba(128,128,128,0.15)');
    svg.append(bg);
  }
  const r = Math.max(size.width, size.height) / 80;
  // Every element of each glyph (its shape and its text spans), so a hover touches those, not every node.
  const byGlyph = new Map<string, Element[]>();
  for (const g of glyphs) {
    const id = `${g.kind}:${g.index}`;
    if (g.kind === 'box') {
      const rect = document.createElementNS(SVG, 'rect');
      rect.setAttribute('x', String(g.x1));
      rect.setAttribute('y', String(g.y1));
      rect.setAttribute('width', String(Math.max(0, g.x2 - g.x1)));
      rect.setAttribute('height', String(Math.max(0, g.y2 - g.y1)));
      rect.setAttribute('fill', 'none');
      rect.setAttribute('stroke', PALETTE.box);
      rect.setAttribute('stroke-width', String(r / 3));
      rect.dataset.glyph = id;
      byGlyph.set(id, [rect]);
      svg.append(rect);
    } else {
      const c = document.createElementNS(SVG, 'circle');
      c.setAttribute('cx', String(g.x));
      c.setAttribute('cy', String(g.y));
      c.setAttribute('r', String(r));
      c.setAttribute('fill', g.unlabelled ? PALETTE.unlabelled : g.label === 1 ? PALETTE.positive : PALETTE.negative);
      c.setAttribute('stroke', '#fff');
      c.dataset.glyph = id;
      byGlyph.set(id, [c]);
      svg.append(c);
    }
  }
  const text = el('pre', 'segr1-text');
  const marked = markedText(pieces, true);
  text.append(marked.fragment);
  for (const [id, spans] of marked.spansByGlyph) byGlyph.set(id, [...(byGlyph.get(id) ?? []), ...spans]);
  let hovered: string | undefined;
  const link = (id: string | undefined) => {
    if (id === hovered) return;
    for (const n of byGlyph.get(hovered ?? '') ?? []) n.classList.remove('hover');
    for (const n of byGlyph.get(id ?? '') ?? []) n.classList.add('hover');
    hovered = id;
  };
  root.addEventListener('pointerover', (e) => link(((e.target as Element).closest('[data-glyph]') as HTMLElement | null)?.dataset.glyph));
  body.append(svg, text);
  root.append(body);
  const table = el('table', 'segr1-rewards');
  const rows: Array<[string, number | null | undefined]> = [...Object.entries(output.rewards ?? {}), ['total', output.reward], ['advantage', output.advantage]];
  for (const [k, v] of rows) {
    const tr = el('tr');
    tr.append(el('th', undefined, k), el('td', undefined, typeof v === 'number' ? v.toFixed(3) : '—'));
    table.append(tr);
  }
  const diags = el('ul', 'segr1-diags');
  for (const d of answer.diagnostics) diags.append(el('li', d.severity, `${d.severity === 'error' ? '✖' : '⚠'} ${d.message}`));
  root.append(table, diags);
  into.append(root);
}

const STYLE = `
.segr1-rollout { font-family: var(--vscode-font-family); color: var(--vscode-foreground); }
.segr1-header { font-weight: 600; margin-bottom: 4px; }
.segr1-body { display: flex; gap: 12px; align-items: flex-start; }
.segr1-text { white-space: pre-wrap; max-width: 60ch; margin: 0; font-family: var(--vscode-editor-font-family); }
.segr1-text .think { opacity: 0.8; font-style: italic; }
.segr1-text .answer { font-weight: 600; }
.segr1-text .coord { border-bottom: 2px solid #E69F00; }
.segr1-text .hover, .segr1-rollout circle.hover, .segr1-rollout rect.hover { outline: 2px solid #CC79A7; stroke: #CC79A7; }
.segr1-rewards td { text-align: right; font-variant-numeric: tabular-nums; padding-left: 12px; }
.segr1-diags { margin: 4px 0; padding-left: 1em; }
`;

/** Notebook renderer entry: `application/vnd.segr1.rollout+json` outputs become rollout cards. */
export const activate: ActivationFunction = () => {
  let styled = false;
  return {
    renderOutputItem(item: OutputItem, element: HTMLElement) {
      if (!styled) {
        const s = document.createElement('style');
        s.textContent = STYLE;
        document.head.append(s);
        styled = true;
      }
      try {
        render(item.json() as RolloutOutput, element);
      } catch (e) {
        element.textContent = `Seg-R1 renderer: cannot render this output (${e instanceof Error ? e.message : String(e)})`;
      }
    },
  };
};
