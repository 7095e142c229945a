import type { StrictParseResult } from './segr1Strict';

/** The answer families the parser knows. */
export type AnswerFormat = 'segr1' | 'segzero' | 'visionreasoner';

/** A half-open range [start, end) of UTF-16 offsets into the completion text. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** A prompt point as the model wrote it, in the model frame. */
export interface ParsedPoint {
  readonly x: number;
  readonly y: number;
  /** 1 = foreground, 0 = background. */
  readonly label: 0 | 1;
  /** Where the coordinate pair sits in the completion. */
  readonly span: Span;
  /** Where its label sits, when labels are written separately (Seg-R1). */
  readonly labelSpan?: Span;
  /** Seg-R1: more points than labels, and this one has none (`label` is then only a placeholder 1). */
  readonly unlabelled?: true;
}

/** A prompt box as the model wrote it, in the model frame. */
export interface ParsedBox {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  readonly span: Span;
}

/** Something off about a completion, with where it is. */
export interface ParseDiagnostic {
  /** Stable machine code, e.g. `labels-count-mismatch`, `missing-think-close`, `reference-would-stall`. */
  readonly code: string;
  readonly message: string;
  readonly severity: 'error' | 'warning' | 'info';
  readonly span?: Span;
}

/** A completion parsed into prompts, with spans for text ↔ glyph linking. */
export interface ParsedAnswer {
  readonly format: AnswerFormat;
  readonly think?: { readonly text: string; readonly span: Span };
  /** The span of the answer part (Seg-R1 tags or `<answer>` block). */
  readonly answerSpan?: Span;
  readonly boxes: readonly ParsedBox[];
  readonly points: readonly ParsedPoint[];
  readonly diagnostics: readonly ParseDiagnostic[];
  /** Seg-R1 only: where the point and label lists sit, so an edit can add or remove an entry in the model's style. */
  readonly lists?: SegR1Lists;
  /** Seg-R1 only: what the training code's own parser returns for this text (drives the reference rewards). */
  readonly reference?: StrictParseResult;
}

/** The Seg-R1 point and label lists a display parse read (the first block holding numbers, else the first block). */
export interface SegR1Lists {
  /** Content of the `<points>` block (between the tags), when there is one. */
  readonly points?: Span;
  /** Content of the `<labels>` block, when there is one. */
  readonly labels?: Span;
  /** Every number written in the labels list, in order (may be more or fewer than the points). */
  readonly labelSpans: readonly Span[];
}

/** Options of {@link parseCompletion}. */
export interface ParseOptions {
  /** Answer family; `auto` (default) detects it from the text. */
  readonly format?: AnswerFormat | 'auto';
  /** Model-frame size, to flag coordinates outside the image. */
  readonly frame?: { readonly width: number; readonly height: number };
}
