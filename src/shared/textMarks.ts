import type { Glyph } from './protocol';

/** A span of the completion with its role (CSS classes) and, for coordinates, the glyph it draws. */
export interface Mark {
  readonly start: number;
  readonly end: number;
  readonly cls: string;
  readonly glyph?: string;
}

/** Spans of think, answer and each coordinate/label, tagged with their glyph ids. */
export function buildMarks(text: string, glyphs: readonly Glyph[], think?: { readonly start: number; readonly end: number }, answer?: { readonly start: number; readonly end: number }): Mark[] {
  const marks: Mark[] = [];
  if (think) marks.push({ ...think, cls: 'think' });
  if (answer) marks.push({ ...answer, cls: 'answer' });
  for (const g of glyphs) {
    const id = `${g.kind}:${g.index}`;
    marks.push({ ...g.span, cls: g.kind === 'box' ? 'coord box' : g.label === 1 ? 'coord pos' : 'coord neg', glyph: id });
    if (g.kind === 'point' && g.labelSpan) marks.push({ ...g.labelSpan, cls: g.label === 1 ? 'coord label pos' : 'coord label neg', glyph: id });
  }
  return marks.filter((m) => m.start >= 0 && m.end <= text.length && m.end > m.start);
}

/** Cut the text at every mark boundary; each piece carries the classes of the marks covering it. */
export function segments(text: string, marks: readonly Mark[]): Array<{ text: string; classes: string[]; glyph?: string }> {
  const cuts = new Set<number>([0, text.length]);
  for (const m of marks) {
    cuts.add(m.start);
    cuts.add(m.end);
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  const out: Array<{ text: string; classes: string[]; glyph?: string }> = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    const a = sorted[i]!;
    const b = sorted[i + 1]!;
    if (b <= a) continue;
    const covering = marks.filter((m) => m.start <= a && m.end >= b);
    const classes = [...new Set(covering.flatMap((m) => m.cls.split(' ')))];
    // The innermost (shortest) glyph mark wins when a label span sits inside a larger one.
    const glyph = covering.filter((m) => m.glyph).sort((x, y) => x.end - x.start - (y.end - y.start))[0]?.glyph;
    out.push({ text: text.slice(a, b), classes, glyph });
  }
  return out;
}
