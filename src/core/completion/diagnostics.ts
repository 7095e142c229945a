import type { ParseDiagnostic, ParsedBox, ParsedPoint, Span } from './types';

/** Collects diagnostics in order; a tiny helper so parsers read as a list of checks. */
export class DiagnosticSink {
  readonly items: ParseDiagnostic[] = [];

  /** Something that makes the answer unusable or scores 0. */
  error(code: string, message: string, span?: Span): void {
    this.items.push(span ? { code, message, severity: 'error', span } : { code, message, severity: 'error' });
  }

  /** Something the reference handles differently from what the model meant. */
  warning(code: string, message: string, span?: Span): void {
    this.items.push(span ? { code, message, severity: 'warning', span } : { code, message, severity: 'warning' });
  }

  /** Worth knowing, harmless. */
  info(code: string, message: string, span?: Span): void {
    this.items.push(span ? { code, message, severity: 'info', span } : { code, message, severity: 'info' });
  }
}

/** Value checks shared by every format: integers, signs, box orientation, frame bounds. */
export function checkGeometry(d: DiagnosticSink, boxes: readonly ParsedBox[], points: readonly ParsedPoint[], frame?: { width: number; height: number }): void {
  boxes.forEach((b, i) => {
    const vals = [b.x1, b.y1, b.x2, b.y2];
    if (vals.some((v) => !Number.isInteger(v))) d.warning('non-integer', `box ${i + 1} has non-integer coordinates; the Seg-R1 reference only parses non-negative integers`, b.span);
    if (vals.some((v) => v < 0)) d.warning('negative', `box ${i + 1} has a negative coordinate`, b.span);
    if (b.x2 < b.x1) d.warning('box-inverted', `box ${i + 1}: x2 < x1 (${b.x2} < ${b.x1})`, b.span);
    if (b.y2 < b.y1) d.warning('box-inverted', `box ${i + 1}: y2 < y1 (${b.y2} < ${b.y1})`, b.span);
    if (frame && (b.x1 > frame.width || b.x2 > frame.width || b.y1 > frame.height || b.y2 > frame.height || vals.some((v) => v < 0))) {
      d.warning('box-outside-image', `box ${i + 1} extends outside the ${frame.width}×${frame.height} frame`, b.span);
    }
  });
  points.forEach((p, i) => {
    if (!Number.isInteger(p.x) || !Number.isInteger(p.y)) d.warning('non-integer', `point ${i + 1} has non-integer coordinates; the Seg-R1 reference only parses non-negative integers`, p.span);
    if (p.x < 0 || p.y < 0) d.warning('negative', `point ${i + 1} has a negative coordinate`, p.span);
    if (frame && (p.x < 0 || p.y < 0 || p.x >= frame.width || p.y >= frame.height)) {
      d.warning('point-outside-image', `point ${i + 1} (${p.x}, ${p.y}) is outside the ${frame.width}×${frame.height} frame`, p.span);
    }
  });
}
