import { createHash } from 'node:crypto';
import { PALETTE } from '../../shared/palette';
import type { Attribution } from './attribution';
import type { StepRow } from './collect';
import { attr, num, text } from './html';
import type { OverlayImage } from './overlay';
import { traceSvg } from './traceSvg';
import type { StepSeries } from '../traces/stepAggregate';

/** A rollout card: best or worst. Every string in it is model- or log-written and is escaped on the way out. */
export interface RolloutCard {
  readonly rank: 'best' | 'worst';
  readonly line: number;
  readonly step?: number;
  readonly sample?: number;
  readonly group?: string;
  readonly image?: string;
  /** The value the card was ranked by. */
  readonly value: number;
  readonly iou?: number;
  readonly components: ReadonlyArray<readonly [string, number | null]>;
  readonly total?: number;
  readonly advantage?: number;
  readonly reasoning?: string;
  readonly answer: string;
  /** Prompts in the model frame, one line each (`box [x1, y1, x2, y2]`, `+ point (x, y)`). */
  readonly prompts: readonly string[];
  readonly overlay?: OverlayImage;
  /** Why there is no image (unreadable, outside the root…). */
  readonly imageProblem?: string;
  /** Attribution label of this rollout, when attribution was given. */
  readonly label?: string;
}

/** A dataset table row from a `segr1 metrics --json` file. */
export interface MetricsFileRow {
  readonly name: string;
  readonly values: Readonly<Record<string, number | null>>;
}

/** Everything the HTML shows. */
export interface ReportModel {
  readonly title: string;
  readonly subtitle: string;
  readonly synthetic: boolean;
  readonly metricsFile?: MetricsFileRow;
  readonly steps: readonly StepRow[];
  readonly componentNames: readonly string[];
  readonly traces: readonly StepSeries[];
  readonly attribution?: Attribution;
  readonly rankedBy: 'IoU' | 'total reward';
  readonly cards: readonly RolloutCard[];
  readonly notes: readonly string[];
  /** Added to the footer only when the caller asks (`--timestamp`): the output is otherwise byte-for-byte reproducible. */
  readonly generatedAt?: string;
}

/** Columns of the dataset table, in the order the COD/SOD papers print them (Sα, Fβw, Eφ, MAE), then the IoU family. */
export const METRIC_COLUMNS: ReadonlyArray<readonly [key: string, head: string]> = [
  ['Smeasure', 'S<sub>α</sub>'],
  ['wFmeasure', 'F<sub>β</sub><sup>w</sup>'],
  ['meanEm', 'mE<sub>φ</sub>'],
  ['maxEm', 'maxE<sub>φ</sub>'],
  ['maxFm', 'maxF<sub>β</sub>'],
  ['MAE', 'M'],
  ['gIoU', 'gIoU'],
  ['cIoU', 'cIoU'],
];

const CSS = `
:root{color-scheme:light dark;--fg:#1f2328;--bg:#ffffff;--muted:#59636e;--line:#d1d9e0;--card:#f6f8fa}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;--line:#3d444d;--card:#151b23}}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;padding:16px 24px;max-width:1180px}
h1{font-size:20px;margin:0 0 2px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:14px;margin:0 0 6px}
.sub,.cap,.muted{color:var(--muted)}.cap{font-size:12px;margin:4px 0 8px}
.badge{display:inline-block;font-size:11px;font-weight:600;padding:1px 6px;border-radius:8px;background:#E69F00;color:#000;margin-left:6px;vertical-align:middle}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:12.5px}th,td{padding:3px 8px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}thead th{border-bottom:2px solid var(--line)}
.wide{overflow-x:auto}
.traces{display:flex;flex-wrap:wrap;gap:8px 16px}.trace{color:var(--fg)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:16px}
.card{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:10px 12px;min-width:0}
.card.best h3{color:#009E73}.card.worst h3{color:#D55E00}
.card .img{display:block;max-width:100%;height:auto;background:#000}
.row{display:flex;gap:12px;align-items:flex-start;flex-wrap:wrap}.row>*{min-width:0}
pre{white-space:pre-wrap;overflow-wrap:anywhere;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;background:var(--bg);border:1px solid var(--line);border-radius:4px;padding:6px 8px;margin:4px 0;max-height:220px;overflow:auto}
.legend{font-size:12px;display:flex;gap:10px;flex-wrap:wrap;margin:4px 0}.legend svg{vertical-align:middle}
.rank-head{margin:14px 0 6px}.label{font-weight:600}.problems li{font-size:12px;color:var(--muted)}
footer{margin-top:32px;font-size:12px;color:var(--muted)}
`;

/** The Content-Security-Policy of the report: nothing loads; images only from `data:`; the one stylesheet by nonce. */
export function reportCsp(nonce: string): string {
  return `default-src 'none'; img-src data:; style-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'`;
}

/** The whole report as one HTML document. Deterministic: the nonce is a hash of the body (no clock, no randomness). */
export function renderReport(m: ReportModel): string {
  const body = [header(m), metricsSection(m), tracesSection(m), m.attribution ? taxonomySection(m.attribution) : '', cardsSection(m), notesSection(m)].join('\n');
  // No script runs in the report, so the nonce guards only the stylesheet; hashing the content keeps it reproducible
  // while no text in the body can predict it (it depends on that very text).
  const nonce = createHash('sha256').update(CSS).update(body).digest('base64').slice(0, 24);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(reportCsp(nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta name="referrer" content="no-referrer">
<title>${text(m.title)}</title>
<style nonce="${text(nonce)}">${CSS}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function header(m: ReportModel): string {
  return `<header><h1>${text(m.title)}${m.synthetic ? '<span class="badge">SYNTHETIC</span>' : ''}</h1><div class="sub">${text(m.subtitle)}</div></header>`;
}

function metricsSection(m: ReportModel): string {
  const parts = ['<section id="metrics"><h2>Dataset metrics</h2>'];
  if (m.metricsFile) {
    const f = m.metricsFile;
    parts.push(`<p class="cap">Predictions scored by <code>segr1 metrics</code> (${text(f.name)}; PySODMetrics 1.6.2 semantics).</p>`);
    parts.push(`<table class="metrics-file"><thead><tr><th>dataset</th>${METRIC_COLUMNS.map(([, h]) => `<th>${h}</th>`).join('')}<th>images</th></tr></thead><tbody><tr><td>all</td>${METRIC_COLUMNS.map(([k]) => `<td>${num(f.values[k] ?? null, 3)}</td>`).join('')}<td>${num(f.values.count ?? null, 0)}</td></tr></tbody></table>`);
  }
  const scored = m.steps.some((s) => s.metrics);
  parts.push(`<p class="cap">${scored ? 'Per training step: the rollouts’ logged masks scored against the GT in the 768² reward frame (bilinear, &gt; 127, as the trainer sees it) with the metric suite of <code>segr1 metrics</code>; a rollout the training parser rejects counts as an empty prediction. ' : ''}Reward columns are the per-step means of the logged values, as in the reward traces.</p>`);
  const comps = m.componentNames;
  const head = ['step', 'rollouts', 'reward', ...comps.map(text), ...(scored ? [...METRIC_COLUMNS.map(([, h]) => h), 'scored'] : [])];
  parts.push(`<div class="wide"><table class="steps"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>`);
  for (const s of m.steps) {
    const cells = [String(s.step), String(s.rollouts), num(s.reward), ...comps.map((c) => num(s.components[c] ?? Number.NaN))];
    if (scored) cells.push(...METRIC_COLUMNS.map(([k]) => (s.metrics ? num((s.metrics as unknown as Record<string, number>)[k], 3) : '—')), s.metrics ? String(s.metrics.count) : '0');
    parts.push(`<tr data-step="${s.step}">${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`);
  }
  parts.push('</tbody></table></div></section>');
  return parts.join('');
}

function tracesSection(m: ReportModel): string {
  return `<section id="traces"><h2>Reward traces</h2><p class="cap">Per step: mean of every rollout’s logged value (line), 10–90 % band (shaded); hover a point for its value.</p><div class="traces">${m.traces.map(traceSvg).join('')}</div></section>`;
}

function taxonomySection(a: Attribution): string {
  const total = a.summary.reduce((s, [, n]) => s + n, 0);
  const parts = ['<section id="taxonomy"><h2>Failure taxonomy</h2><p class="cap">From <code>segr1 attribute</code>: what each rollout’s failure is attributed to.</p>'];
  parts.push('<table class="taxonomy"><thead><tr><th>label</th><th>rollouts</th><th>share</th><th></th><th>lines (first 8)</th></tr></thead><tbody>');
  for (const [label, n] of a.summary) {
    const share = total > 0 ? n / total : 0;
    const lines = a.rollouts.filter((r) => r.label === label).slice(0, 8).map((r) => r.line).join(', ');
    parts.push(`<tr data-label="${text(label)}"><td class="label">${text(label)}</td><td>${n}</td><td>${(share * 100).toFixed(1)} %</td><td><svg width="160" height="10" role="img" aria-label="${(share * 100).toFixed(1)} %"><rect width="160" height="10" fill="currentColor" fill-opacity="0.1"/><rect width="${(160 * share).toFixed(1)}" height="10" fill="${label === 'ok' ? '#009E73' : '#D55E00'}"/></svg></td><td>${text(lines)}</td></tr>`);
  }
  parts.push('</tbody></table>');
  if (a.problems.length) parts.push(`<ul class="problems">${a.problems.slice(0, 20).map((p) => `<li>${text(p)}</li>`).join('')}${a.problems.length > 20 ? `<li>… ${a.problems.length - 20} more</li>` : ''}</ul>`);
  parts.push('</section>');
  return parts.join('');
}

function legend(): string {
  const rgb = (c: readonly number[]) => `rgb(${c.join(',')})`;
  // A halo under the stroke, as on the image: a white GT outline must read on a light page too.
  const sw = (fill: string, stroke = 'none', halo = 'none') => `<svg width="14" height="14" aria-hidden="true"><rect x="2" y="2" width="10" height="10" fill="${fill}" stroke="${halo}" stroke-width="4"/><rect x="2" y="2" width="10" height="10" fill="${fill}" stroke="${stroke}" stroke-width="2"/></svg>`;
  return `<div class="legend"><span>${sw(rgb(PALETTE.mask))} logged mask</span> <span>${sw('none', rgb(PALETTE.gt), rgb(PALETTE.gtHalo))} GT outline</span> <span>${sw('none', PALETTE.box)} box</span> <span>${sw(PALETTE.positive)} + point</span> <span>${sw(PALETTE.negative)} − point</span></div>`;
}

function card(c: RolloutCard, rankedBy: ReportModel['rankedBy'], k: number): string {
  const facts = [`line ${c.line}`, c.step !== undefined ? `step ${c.step}` : '', c.sample !== undefined ? `sample ${c.sample}` : '', `${rankedBy} ${num(c.value)}`].filter(Boolean).join(' · ');
  const parts = [`<article class="card ${c.rank}" data-line="${c.line}" data-rank="${c.rank}"><h3>${c.rank === 'best' ? 'Best' : 'Worst'} ${k + 1} · ${text(facts)}</h3>`];
  if (c.label !== undefined) parts.push(`<div>attribution: <span class="label">${text(c.label)}</span></div>`);
  parts.push(`<div class="muted">${text([c.image ?? 'no image', c.group !== undefined ? `group ${c.group}` : ''].filter(Boolean).join(' · '))}</div>`);
  if (c.overlay) {
    const o = c.overlay;
    parts.push(`<svg class="img" viewBox="0 0 ${o.width} ${o.height}" width="${o.width}" height="${o.height}" role="img" aria-label="image with mask, GT outline and prompts"><image href="${o.dataUrl}" width="${o.width}" height="${o.height}"/>${o.glyphs}</svg>`);
  } else parts.push(`<p class="muted">${text(c.imageProblem ?? 'no image')}</p>`);
  const rows = [...c.components.map(([n, v]) => [n, num(v)] as const), ['total', num(c.total)] as const, ['advantage', num(c.advantage)] as const, ...(c.iou !== undefined ? [['IoU', num(c.iou)] as const] : [])];
  parts.push(`<div class="row"><table class="rewards"><thead><tr><th>reward</th><th>logged</th></tr></thead><tbody>${rows.map(([n, v]) => `<tr><td>${text(n)}</td><td>${v}</td></tr>`).join('')}</tbody></table>`);
  parts.push(`<div><strong>Prompts</strong> <span class="muted">(model frame)</span><pre class="prompts">${c.prompts.length ? c.prompts.map(text).join('\n') : 'none parsed'}</pre></div></div>`);
  parts.push(`<strong>Reasoning</strong><pre class="reasoning">${c.reasoning !== undefined ? text(c.reasoning) : '<span class="muted">no &lt;think&gt; block</span>'}</pre>`);
  parts.push(`<strong>Answer</strong><pre class="answer">${text(c.answer)}</pre></article>`);
  return parts.join('');
}

function cardsSection(m: ReportModel): string {
  const best = m.cards.filter((c) => c.rank === 'best');
  const worst = m.cards.filter((c) => c.rank === 'worst');
  return `<section id="rollouts"><h2>Best and worst rollouts</h2><p class="cap">Ranked by <strong>${m.rankedBy}</strong>${m.rankedBy === 'IoU' ? ' (the Seg-R1 reward’s IoU of the logged mask against the GT in the reward frame)' : ' (no rollout had a logged mask and a GT to compute IoU)'}; ties by log line.</p>${legend()}<h3 class="rank-head">Best (highest ${m.rankedBy})</h3><div class="cards">${best.map((c, k) => card(c, m.rankedBy, k)).join('')}</div><h3 class="rank-head">Worst (lowest ${m.rankedBy})</h3><div class="cards">${worst.map((c, k) => card(c, m.rankedBy, k)).join('') || '<p class="muted">no other rollout to show</p>'}</div></section>`;
}

function notesSection(m: ReportModel): string {
  const items = m.notes.map((n) => `<li>${text(n)}</li>`).join('');
  return `<footer>${items ? `<ul>${items}</ul>` : ''}<p>Written by <code>segr1 report</code>${m.generatedAt ? ` on ${text(m.generatedAt)}` : ''}. Self-contained: no network access is needed to view it.</p></footer>`;
}
