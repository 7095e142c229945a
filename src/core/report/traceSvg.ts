import { scaleLinear } from 'd3-scale';
import { stepTicks, yDomain } from '../traces/axes';
import type { StepSeries } from '../traces/stepAggregate';
import { coord, num, text } from './html';

/** Chart size and margins, the panel's (src/webview/traces.ts) so a report chart reads like the panel's. */
const W = 300;
const H = 150;
const M = { top: 18, right: 10, bottom: 22, left: 44 } as const;

/** Colour of the run's line: the panel's first run colour (Okabe–Ito blue). */
export const TRACE_COLOUR = '#0072B2';

/**
 * One per-step series as a standalone inline SVG: mean line with points, the 10–90 % band, step and value axes with
 * the panel's ticks (`stepTicks`, `yDomain` + d3's `nice()`), and a `<title>` per point holding the exact mean and
 * count. No script, no CSS beyond presentation attributes, so it renders under a `style-src` nonce CSP.
 */
export function traceSvg(s: StepSeries): string {
  if (s.steps.length === 0) return '';
  const first = s.steps[0]!;
  const last = s.steps[s.steps.length - 1]!;
  const x = scaleLinear().domain(first === last ? [first - 0.5, last + 0.5] : [first, last]).range([M.left, W - M.right]);
  const lo = Math.min(...s.lo.filter(Number.isFinite), ...s.mean.filter(Number.isFinite));
  const hi = Math.max(...s.hi.filter(Number.isFinite), ...s.mean.filter(Number.isFinite));
  const y = scaleLinear().domain(yDomain(lo, hi)).nice().range([H - M.bottom, M.top]);
  const parts: string[] = [];
  parts.push(`<svg class="trace" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${text(s.name)} per step" data-series="${text(s.name)}">`);
  parts.push(`<text x="${M.left}" y="12" font-size="11" font-weight="600" fill="currentColor">${text(s.name)}</text>`);
  // Axes: the panel's tick choices, drawn as plain lines and labels.
  const y0 = H - M.bottom;
  parts.push(`<g class="axis" font-size="9" fill="currentColor" stroke="none"><line x1="${M.left}" y1="${y0}" x2="${W - M.right}" y2="${y0}" stroke="currentColor" stroke-opacity="0.5"/>`);
  for (const t of stepTicks(first, last, 6)) {
    const px = coord(x(t));
    parts.push(`<line x1="${px}" y1="${y0}" x2="${px}" y2="${y0 + 4}" stroke="currentColor" stroke-opacity="0.5"/><text x="${px}" y="${y0 + 13}" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<text x="${M.left - 6}" y="${y0 + 14}" text-anchor="end" fill-opacity="0.7">step</text>`);
  parts.push(`<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${y0}" stroke="currentColor" stroke-opacity="0.5"/>`);
  const yFormat = y.tickFormat(4);
  for (const t of y.ticks(4)) {
    const py = coord(y(t));
    parts.push(`<line x1="${M.left - 4}" y1="${py}" x2="${M.left}" y2="${py}" stroke="currentColor" stroke-opacity="0.5"/><line x1="${M.left}" y1="${py}" x2="${W - M.right}" y2="${py}" stroke="currentColor" stroke-opacity="0.08"/><text x="${M.left - 6}" y="${py}" dy="3" text-anchor="end">${text(yFormat(t))}</text>`);
  }
  parts.push('</g>');
  // Band: upper edge left to right, lower edge back.
  const finite = s.steps.map((_, k) => k).filter((k) => Number.isFinite(s.lo[k]!) && Number.isFinite(s.hi[k]!));
  if (finite.length > 1) {
    const upper = finite.map((k) => `${coord(x(s.steps[k]!))},${coord(y(s.hi[k]!))}`);
    const lower = finite.reverse().map((k) => `${coord(x(s.steps[k]!))},${coord(y(s.lo[k]!))}`);
    parts.push(`<polygon class="band" points="${[...upper, ...lower].join(' ')}" fill="${TRACE_COLOUR}" fill-opacity="0.15" stroke="none"/>`);
  }
  const pts = s.steps.map((st, k) => ({ st, m: s.mean[k]!, n: s.n[k]!, lo: s.lo[k]!, hi: s.hi[k]! })).filter((p) => Number.isFinite(p.m));
  if (pts.length > 1) parts.push(`<polyline class="mean" points="${pts.map((p) => `${coord(x(p.st))},${coord(y(p.m))}`).join(' ')}" fill="none" stroke="${TRACE_COLOUR}" stroke-width="1.5"/>`);
  // Per-step points only while they stay apart (the panel's rule: at least 4 px a step).
  const dense = pts.length > (W - M.left - M.right) / 4;
  for (const p of pts) {
    const title = `step ${p.st}: mean ${num(p.m, 6)} (n ${p.n}; ${Math.round(s.band[0] * 100)}–${Math.round(s.band[1] * 100)} %: ${num(p.lo, 4)}…${num(p.hi, 4)})`;
    parts.push(`<circle class="pt" cx="${coord(x(p.st))}" cy="${coord(y(p.m))}" r="${dense ? 0 : 2}" fill="${TRACE_COLOUR}" data-step="${p.st}" data-mean="${p.m}" data-n="${p.n}"><title>${text(title)}</title></circle>`);
  }
  parts.push('</svg>');
  return parts.join('');
}
