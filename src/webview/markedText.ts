import type { Segment } from '../shared/textMarks';

/** The completion's pieces as DOM, and the text spans of each glyph (for hover linking). */
export interface MarkedText {
  readonly fragment: DocumentFragment;
  readonly spansByGlyph: Map<string, HTMLElement[]>;
}

/**
 * One node per piece, built into a detached fragment and attached once by the caller: linear in the pieces, text only
 * through text nodes (completions are model output). Unmarked pieces stay bare text nodes unless `spanEvery`.
 */
export function markedText(pieces: readonly Segment[], spanEvery = false): MarkedText {
  const fragment = document.createDocumentFragment();
  const spansByGlyph = new Map<string, HTMLElement[]>();
  for (const p of pieces) {
    if (!spanEvery && !p.classes.length && !p.glyph) {
      fragment.append(document.createTextNode(p.text));
      continue;
    }
    const span = document.createElement('span');
    const cls = p.classes.join(' ');
    if (cls) span.className = cls;
    span.append(document.createTextNode(p.text));
    if (p.glyph) {
      span.dataset.glyph = p.glyph;
      const list = spansByGlyph.get(p.glyph);
      if (list) list.push(span);
      else spansByGlyph.set(p.glyph, [span]);
    }
    fragment.append(span);
  }
  return { fragment, spansByGlyph };
}
