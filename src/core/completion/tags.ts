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
