import type { Span } from './types';

/** One `<name>…` block: its open tag, its content, and whether `</name>` closed it. */
export interface TagBlock {
  readonly open: Span;
  readonly content: Span;
  readonly closed: boolean;
  /** The whole block including the close tag when present. */
  readonly span: Span;
}

/**
 * Every `<name>` occurrence; the content runs to the next `<` (so a truncated or unclosed block stops at the
 * next tag instead of swallowing it). Linear: each content scan ends at the next `<`, which starts the next block.
 */
export function findTagBlocks(text: string, name: string): TagBlock[] {
  const open = `<${name}>`;
  const close = `</${name}>`;
  const out: TagBlock[] = [];
  for (let o = text.indexOf(open); o >= 0; o = text.indexOf(open, o + 1)) {
    const cs = o + open.length;
    const lt = text.indexOf('<', cs);
    const ce = lt < 0 ? text.length : lt;
    const closed = lt >= 0 && text.startsWith(close, lt);
    out.push({ open: { start: o, end: cs }, content: { start: cs, end: ce }, closed, span: { start: o, end: closed ? ce + close.length : ce } });
  }
  return out;
}

/**
 * A JSON-style `"name": <value>` written instead of a tag (`{"bbox": [..], "points": [[..]], "labels": [..]}`):
 * the value's bracket-balanced extent as a block, so tag readers can take it. Unclosed values run to the end.
 */
export function findJsonKeyBlocks(text: string, name: string): TagBlock[] {
  const out: TagBlock[] = [];
  const key = `"${name}"`;
  for (let k = text.indexOf(key); k >= 0; k = text.indexOf(key, k + 1)) {
    let i = k + key.length;
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\t')) i++;
    if (text[i] !== ':') continue;
    i++;
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\t')) i++;
    if (text[i] !== '[') continue;
    let depth = 0;
    let j = i;
    for (; j < text.length; j++) {
      const c = text[j];
      if (c === '[') depth++;
      else if (c === ']' && --depth === 0) break;
      else if (c === '"' || c === '<') break;
    }
    const closed = j < text.length && text[j] === ']';
    const end = closed ? j + 1 : j;
    out.push({ open: { start: k, end: i }, content: { start: i, end }, closed, span: { start: k, end } });
    k = end - 1;
  }
  return out;
}
