import type { ActivationFunction, OutputItem, RendererContext } from 'vscode-notebook-renderer';
import { countRepeats } from '../shared/countedMessages';
import { acceptedDataUrl } from '../shared/dataUrl';
import { acceptedOutline, finiteNumber, GROUP_MIME, type GroupHeader } from '../shared/notebookCard';
import { glyphNodes, gtOutlineNode, type SvgNode } from '../shared/viewSvg';
import { markedText } from './markedText';
import { rolloutModel, type RolloutOutput } from './rolloutModel';

export type { RolloutOutput } from './rolloutModel';

const SVG = 'http://www.w3.org/2000/svg';
/** Width of the card's image (CSS px); glyphs are sized for it, as the panel sizes them for its canvas. */
const CARD_WIDTH = 360;
/** Mask opacity, the panel's default. */
const MASK_OPACITY = 0.45;
/** Longest log name a card links to (the host refuses longer ones too). */
const MAX_LOG_CHARS = 4096;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Shared SVG nodes (the export's glyphs and GT outline) as DOM: attributes by setAttribute, text by textContent. */
function svgDom(node: SvgNode): SVGElement {
  const e = document.createElementNS(SVG, node.tag);
  for (const [k, v] of Object.entries(node.attrs)) e.setAttribute(k, v);
  if (node.text !== undefined) e.textContent = node.text;
  for (const c of node.children ?? []) e.append(svgDom(c));
  return e;
}

/** Status lines of the cards on screen, by `log \0 line`: the host's answer to *Open in Workbench* lands there. */
const statusByCard = new Map<string, HTMLElement>();

/** The picture: image, predicted mask, GT outline and the +/− glyphs, as the panel draws them. */
function picture(output: RolloutOutput, model: ReturnType<typeof rolloutModel>, byGlyph: Map<string, Element[]>): SVGSVGElement {
  const { size, glyphs } = model;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${size.width} ${size.height}`);
  svg.setAttribute('width', String(CARD_WIDTH));
  svg.setAttribute('class', 'segr1-picture');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'image with predicted mask, GT outline and prompt glyphs');
  const layer = (cls: string, href: string, opacity?: number) => {
    const img = document.createElementNS(SVG, 'image');
    img.setAttribute('class', cls);
    img.setAttribute('href', href);
    img.setAttribute('width', String(size.width));
    img.setAttribute('height', String(size.height));
    img.setAttribute('preserveAspectRatio', 'none');
    if (opacity !== undefined) {
      img.setAttribute('opacity', String(opacity));
      img.setAttribute('style', 'image-rendering:pixelated');
    }
    svg.append(img);
  };
  const photo = acceptedDataUrl(output.image_data);
  if (photo) layer('photo', photo);
  else {
    const bg = document.createElementNS(SVG, 'rect');
    bg.setAttribute('class', 'photo');
    bg.setAttribute('width', String(size.width));
    bg.setAttribute('height', String(size.height));
    bg.setAttribute('fill', 'rgba(128,128,128,0.15)');
    svg.append(bg);
  }
  const mask = acceptedDataUrl(output.mask_data);
  if (mask) layer('mask', mask, MASK_OPACITY);
  const gt = acceptedOutline(output.gt_outline);
  if (gt) {
    const g = document.createElementNS(SVG, 'g');
    g.setAttribute('transform', `scale(${size.width / gt.width} ${size.height / gt.height})`);
    g.append(svgDom(gtOutlineNode(gt.d, (1.5 * Math.max(gt.width, gt.height)) / CARD_WIDTH)));
    svg.append(g);
  }
  const unit = Math.max(size.width, size.height) / CARD_WIDTH;
  for (const node of glyphNodes(glyphs, unit)) {
    const dom = svgDom(node);
    const id = `${/\bbox\b/.test(node.attrs.class ?? '') ? 'box' : 'point'}:${node.attrs['data-index'] ?? ''}`;
    dom.dataset.glyph = id;
    byGlyph.set(id, [dom]);
    svg.append(dom);
  }
  return svg;
}

/** The *Open in Workbench* link: posts the card's log and line to the host, which opens the panel on it. */
function openLink(output: RolloutOutput, context: RendererContext<unknown>): HTMLElement | undefined {
  const log = output.log;
  const line = output.line;
  if (typeof log !== 'string' || log.length > MAX_LOG_CHARS || typeof line !== 'number' || !Number.isSafeInteger(line) || line < 1) return undefined;
  const wrap = el('span', 'segr1-open-wrap');
  const status = el('span', 'segr1-open-status');
  status.setAttribute('role', 'status');
  const post = context.postMessage?.bind(context);
  const button = el('button', 'segr1-open', 'Open in Workbench');
  button.type = 'button';
  button.title = `Open ${log}:${line} in the Seg-R1 workbench panel`;
  if (!post) {
    button.disabled = true;
    button.title = 'This notebook has no Seg-R1 kernel connected: run it in VS Code with the Seg-R1 Workbench extension';
  } else {
    button.addEventListener('click', () => {
      status.textContent = 'opening…';
      post({ type: 'open', log, line });
    });
  }
  statusByCard.set(`${log}\u0000${line}`, status);
  wrap.append(button, status);
  return wrap;
}

/** Render one rollout card. Text only via textContent; images only as checked data URLs. */
function renderRollout(output: RolloutOutput, into: HTMLElement, context: RendererContext<unknown>): void {
  while (into.firstChild) into.removeChild(into.firstChild);
  const root = el('div', 'segr1-rollout');
  const model = rolloutModel(output);
  const header = el('div', 'segr1-header');
  header.append(el('span', 'segr1-title', [output.step !== undefined ? `step ${output.step}` : '', output.group ? `group ${output.group}` : '', output.sample !== undefined ? `rollout ${output.sample}` : '', typeof output.log === 'string' && typeof output.line === 'number' ? `${output.log}:${output.line}` : ''].filter(Boolean).join(' · ')));
  const link = openLink(output, context);
  if (link) header.append(link);
  root.append(header);
  const body = el('div', 'segr1-body');
  // Every element of each glyph (its shape and its text spans), so a hover touches those, not every node.
  const byGlyph = new Map<string, Element[]>();
  const figure = el('div', 'segr1-figure');
  figure.append(picture(output, model, byGlyph));
  const caption = [typeof output.mask_source === 'string' ? `mask: ${output.mask_source.slice(0, 120)}` : '', acceptedOutline(output.gt_outline) ? 'white outline: GT' : ''].filter(Boolean).join(' · ');
  if (caption) figure.append(el('div', 'segr1-caption', caption));
  if (typeof output.no_mask === 'string') figure.append(el('div', 'segr1-nomask', output.no_mask.slice(0, 400)));
  const text = el('pre', 'segr1-text');
  const marked = markedText(model.pieces, true);
  text.append(marked.fragment);
  for (const [id, spans] of marked.spansByGlyph) byGlyph.set(id, [...(byGlyph.get(id) ?? []), ...spans]);
  let hovered: string | undefined;
  const hover = (id: string | undefined) => {
    if (id === hovered) return;
    for (const n of byGlyph.get(hovered ?? '') ?? []) n.classList.remove('hover');
    for (const n of byGlyph.get(id ?? '') ?? []) n.classList.add('hover');
    hovered = id;
  };
  root.addEventListener('pointerover', (e) => hover(((e.target as Element).closest('[data-glyph]') as HTMLElement | null)?.dataset.glyph));
  body.append(figure, text);
  root.append(body);
  root.append(valuesTable(output));
  const diags = el('ul', 'segr1-diags');
  const messages = [...model.answer.diagnostics, ...(Array.isArray(output.problems) ? output.problems.filter((p): p is string => typeof p === 'string').map((p) => ({ severity: 'warning', message: p })) : [])];
  for (const d of countRepeats(messages)) {
    const li = el('li', d.severity, `${d.severity === 'error' ? '✖' : d.severity === 'info' ? 'ℹ' : '⚠'} ${d.message}`);
    if (d.count > 1) li.append(el('span', 'segr1-count', ` ×${d.count}`));
    diags.append(li);
  }
  root.append(diags);
  into.append(root);
}

/** Rewards, total, advantage and the replay values (IoU, S-measure, intended) the panel shows. */
function valuesTable(output: RolloutOutput): HTMLTableElement {
  const table = el('table', 'segr1-rewards');
  const rewards = typeof output.rewards === 'object' && output.rewards !== null ? Object.entries(output.rewards) : [];
  const metrics = typeof output.metrics === 'object' && output.metrics !== null ? Object.entries(output.metrics) : [];
  const rows: Array<[string, unknown]> = [...rewards, ['total', output.reward], ['advantage', output.advantage], ...metrics];
  for (const [k, v] of rows.slice(0, 40)) {
    const tr = el('tr');
    tr.dataset.column = k;
    const n = finiteNumber(v);
    tr.append(el('th', undefined, k.slice(0, 60)), el('td', undefined, n !== undefined ? n.toFixed(3) : '—'));
    table.append(tr);
  }
  return table;
}

/** The header of a `group` query: how the cards below are sorted, the rewards' mean and σ. */
function renderGroup(h: GroupHeader, into: HTMLElement): void {
  while (into.firstChild) into.removeChild(into.firstChild);
  const root = el('div', 'segr1-group-header');
  const num = (v: unknown) => finiteNumber(v)?.toFixed(3) ?? '—';
  root.append(el('div', 'segr1-header', String(h.title ?? 'group').slice(0, 300)));
  const count = finiteNumber(h.count);
  root.append(el('div', 'segr1-group-stats', `${count ?? '—'} rollouts · sorted by ${String(h.sortedBy ?? 'advantage').slice(0, 64)} ↓ · reward mean ${num(h.mean)} · σ ${num(h.std)}`));
  if (h.zeroVariance === true) root.append(el('div', 'warning', '⚠ zero-variance group: every advantage is 0, this group teaches nothing'));
  into.append(root);
}

const STYLE = `
.segr1-rollout { font-family: var(--vscode-font-family); color: var(--vscode-foreground); border-top: 1px solid var(--vscode-editorWidget-border, rgba(128,128,128,0.35)); padding-top: 6px; }
.segr1-header { font-weight: 600; margin-bottom: 4px; display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
.segr1-open { font: inherit; font-weight: 400; color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: none; padding: 2px 8px; cursor: pointer; }
.segr1-open:hover { background: var(--vscode-button-hoverBackground); }
.segr1-open:disabled { opacity: 0.6; cursor: default; }
.segr1-open-status { font-weight: 400; opacity: 0.8; margin-left: 6px; }
.segr1-body { display: flex; gap: 12px; align-items: flex-start; }
.segr1-figure { flex: none; }
.segr1-caption { font-size: 90%; opacity: 0.8; max-width: ${CARD_WIDTH}px; }
.segr1-nomask { font-weight: 600; max-width: ${CARD_WIDTH}px; color: var(--vscode-editorWarning-foreground); }
.segr1-text { white-space: pre-wrap; max-width: 60ch; margin: 0; font-family: var(--vscode-editor-font-family); }
.segr1-text .think { opacity: 0.8; font-style: italic; }
.segr1-text .answer { font-weight: 600; }
.segr1-text .coord { border-bottom: 2px solid #E69F00; }
.segr1-text .hover { outline: 2px solid var(--vscode-focusBorder, #FFFFFF); }
.segr1-rollout g.glyph.hover circle, .segr1-rollout g.glyph.hover rect:last-child { stroke: #FFFFFF; }
.segr1-rewards td { text-align: right; font-variant-numeric: tabular-nums; padding-left: 12px; }
.segr1-rewards th { text-align: left; font-weight: 400; }
.segr1-diags { margin: 4px 0; padding-left: 1em; }
.segr1-count { font-weight: 600; }
.segr1-group-header { font-family: var(--vscode-font-family); color: var(--vscode-foreground); }
.segr1-group-stats { font-variant-numeric: tabular-nums; }
`;

/** Notebook renderer entry: rollout outputs become cards, group outputs their header. */
export const activate: ActivationFunction = (context) => {
  let styled = false;
  context.onDidReceiveMessage?.((m: unknown) => {
    if (typeof m !== 'object' || m === null) return;
    const { type, log, line, text } = m as Record<string, unknown>;
    if (type !== 'open/result' || typeof text !== 'string') return;
    const status = statusByCard.get(`${String(log)}\u0000${String(line)}`);
    if (status) status.textContent = text.slice(0, 300);
  });
  return {
    renderOutputItem(item: OutputItem, element: HTMLElement) {
      if (!styled) {
        const s = document.createElement('style');
        s.textContent = STYLE;
        document.head.append(s);
        styled = true;
      }
      try {
        if (item.mime === GROUP_MIME) renderGroup(item.json() as GroupHeader, element);
        else renderRollout(item.json() as RolloutOutput, element, context);
      } catch (e) {
        element.textContent = `Seg-R1 renderer: cannot render this output (${e instanceof Error ? e.message : String(e)})`;
      }
    },
  };
};
