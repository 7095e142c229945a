/**
 * The wire types of the workbench panel: what its views carry (its channel is ./panelProtocol.ts; the traces' is
 * ./tracesProtocol.ts). The payloads are small DTOs of their own, never core types: the host maps core results onto
 * them (see `answerDto`).
 */
import type { AttributionLabel } from '../core/attribution/labels';

/** A half-open range [start, end) of UTF-16 offsets into a completion. */
export interface TextSpan {
  readonly start: number;
  readonly end: number;
}

/** A prompt edit made in the panel, in original-image pixels (the host re-validates it: `wellFormedEdits`). */
export type PromptEditDto =
  | { readonly kind: 'point'; readonly index: number; readonly x: number; readonly y: number }
  | { readonly kind: 'box'; readonly index: number; readonly x1: number; readonly y1: number; readonly x2: number; readonly y2: number }
  | { readonly kind: 'add-point'; readonly x: number; readonly y: number; readonly label: 0 | 1 }
  | { readonly kind: 'remove-point'; readonly index: number }
  | { readonly kind: 'flip-point'; readonly index: number };

/** Something off about a completion, with where it is (the reasoning view lists it). */
export interface DiagnosticDto {
  readonly code: string;
  readonly message: string;
  readonly severity: 'error' | 'warning' | 'info';
  readonly span?: TextSpan;
}

/** What the panel draws of a parsed answer: where the reasoning and the answer sit, and the parse diagnostics. */
export interface AnswerDto {
  readonly format: 'segr1' | 'segzero' | 'visionreasoner';
  readonly think?: { readonly span: TextSpan };
  readonly answerSpan?: TextSpan;
  readonly diagnostics: readonly DiagnosticDto[];
}

/** The answer as the panel draws it, from a full parse (which also holds prompts, lists and the training parse). */
export function answerDto(a: AnswerDto): AnswerDto {
  return {
    format: a.format,
    ...(a.think ? { think: { span: { start: a.think.span.start, end: a.think.span.end } } } : {}),
    ...(a.answerSpan ? { answerSpan: { start: a.answerSpan.start, end: a.answerSpan.end } } : {}),
    diagnostics: a.diagnostics.map((d) => ({ code: d.code, message: d.message, severity: d.severity, ...(d.span ? { span: { start: d.span.start, end: d.span.end } } : {}) })),
  };
}

/** One generated token with its log-probability and top-k alternatives, as the token view draws it. */
export interface TokenDto {
  readonly text: string;
  readonly logprob?: number;
  readonly top?: ReadonlyArray<{ readonly text: string; readonly logprob: number }>;
}

/** The engine kinds that make masks in the extension; set where the segmenter is chosen, never read from a label. */
export type SegmenterKind = 'sam2' | 'classical' | 'remote';

/** What the panel shows: one rollout of a log, or one dataset image without a rollout. */
export type Selection =
  | { readonly kind: 'rollout'; readonly log: string; readonly index: number }
  | { readonly kind: 'image'; readonly dataset: string; readonly stem: string }
  | { readonly kind: 'file'; readonly path: string };

/** A binary raster moved as an ArrayBuffer-backed typed array (never base64). */
export interface MaskPayload {
  readonly width: number;
  readonly height: number;
  /** 0/1 per pixel, row-major. */
  readonly data: Uint8Array;
}

/** A prompt glyph in original-image pixels, linked to its source text. */
export type Glyph =
  | {
      readonly kind: 'point';
      /** Index of the point in the parsed answer (shown as its number). */
      readonly index: number;
      readonly x: number;
      readonly y: number;
      readonly label: 0 | 1;
      /** Span of the coordinate pair in the completion. */
      readonly span: { readonly start: number; readonly end: number };
      readonly labelSpan?: { readonly start: number; readonly end: number };
      /** More points than labels and this one has none: drawn as unlabelled, not as a + point. */
      readonly unlabelled?: boolean;
    }
  | {
      readonly kind: 'box';
      readonly index: number;
      readonly x1: number;
      readonly y1: number;
      readonly x2: number;
      readonly y2: number;
      readonly span: { readonly start: number; readonly end: number };
    };

/** One reward component as logged and as recomputed by a reward set. */
export interface RewardRow {
  readonly name: string;
  readonly logged?: number;
  /** Recomputed values by reward set id (e.g. `segr1-reference`, `segr1-intended`). */
  readonly replayed: Readonly<Record<string, number>>;
}

/** A sibling rollout in the same GRPO group, for the group strip. */
export interface GroupMember {
  readonly index: number;
  readonly sample?: number;
  readonly reward?: number;
  readonly advantage?: number;
  /** Small mask for the thumbnail (nearest-downsampled), when one exists. */
  readonly thumb?: MaskPayload;
  /** True when the completion has parse errors. */
  readonly malformed: boolean;
  /** Logged reward components by name. */
  readonly components: Readonly<Record<string, number>>;
  /** Total recomputed with the intended reward (correct S-measure), for ranking inversions. */
  readonly intended?: number;
  /** Mask IoU with the GT in the reward frame, when replay computed it. */
  readonly iou?: number;
  /** Samples this rollout is ranked against wrongly: logged reward and intended quality disagree. */
  readonly inversions: readonly number[];
}

/** Everything the panel needs to draw one rollout or image. */
export interface ViewPayload {
  /** Increases with every view the host sends; a replay applies only to the view of its revision. */
  readonly revision: number;
  readonly selection: Selection;
  /** Title line, e.g. "run · step 7 · group g3 · rollout 2/4". */
  readonly title: string;
  /** True for the embedded synthetic sample, shown as a label. */
  readonly synthetic: boolean;
  readonly image?: {
    /** Encoded file bytes (JPEG/PNG/WebP), decoded by the webview with createImageBitmap. */
    readonly bytes: Uint8Array;
    readonly mime: string;
    readonly width: number;
    readonly height: number;
    readonly path: string;
  };
  readonly gt?: MaskPayload & { readonly path: string };
  /** Predicted mask, at any resolution: the webview scales it to the image. `kind`: who made it (the badge's class). */
  readonly mask?: MaskPayload & { readonly source: string; readonly kind: SegmenterKind | 'logged' };
  /**
   * Set when the training reward set's parser rejects the answer, so the trainer never segmented it: the canvas says
   * `reason` instead of drawing a mask and error map; a logged `mask`, if any, is only an opt-in overlay.
   */
  readonly noMask?: { readonly reason: string };
  readonly rollout?: {
    readonly completion: string;
    readonly answer: AnswerDto;
    /** Model frame the coordinates were written in. */
    readonly frame: { readonly width: number; readonly height: number };
    readonly step?: number;
    readonly group?: string;
    readonly sample?: number;
    readonly line: number;
    readonly query?: string;
    readonly rewards: readonly RewardRow[];
    readonly total: RewardRow;
    readonly advantage: RewardRow;
    /** Fields the schema does not name, shown verbatim as text. */
    readonly extra: ReadonlyArray<readonly [string, string]>;
    /** Per-token log-probabilities for the token view, or the notes saying why there are none. */
    readonly tokens?: TokenPayload;
  };
  readonly glyphs: readonly Glyph[];
  readonly group: readonly GroupMember[];
  /**
   * The rollouts on the same image across the run (per-image history), in step order: every one, or for a long run
   * whole steps spread evenly from the first to the last (the current rollout's step always among them).
   */
  readonly history?: ReadonlyArray<{ readonly index: number; readonly step: number; readonly reward?: number; readonly sample?: number }>;
  /** How many steps have rollouts on this image, when `history` shows only some of them. */
  readonly historySteps?: number;
  /** True when every reward in the group is equal (GRPO std ≈ 0: no learning signal). */
  readonly groupZeroVariance?: boolean;
  /** Present when the view shows a user-edited version of a rollout (prompts moved in the panel). */
  readonly edited?: { readonly originalCompletion: string; readonly edits: readonly PromptEditDto[] };
  /** Problems with this item (missing image, GT size mismatch, ...), shown above the canvas. */
  readonly problems: readonly string[];
  /** Position among its siblings, for the navigation label. */
  readonly position?: { readonly index: number; readonly count: number };
}

/** A completion's tokens as the log holds them (read by core/tokens), with where they came from and what was wrong. */
export interface TokenPayload {
  /** Absent when the record carries no usable per-token logprobs. */
  readonly tokens?: readonly TokenDto[];
  /** The field and shape read, e.g. `extra.logprobs.content (OpenAI/vLLM chat logprobs)`. */
  readonly source?: string;
  /** Problems with the field (or which fields would enable the view), shown above the tokens. */
  readonly notes: readonly string[];
}

/** Which engine makes masks right now; the badge text and, explicitly, its kind (the badge's class). */
export interface SegmenterBadge {
  readonly label: string;
  /** `logged`: the mask on screen is the run's; `none`: the trainer made no mask for the answer on screen (its parser rejected it). */
  readonly kind: SegmenterKind | 'logged' | 'none';
}

/** Recomputed rewards of a shown rollout and its group, sent after the view so it paints at once. */
export interface ViewReplay {
  /** The `revision` of the view this replay belongs to. */
  readonly revision: number;
  readonly selection: Selection;
  readonly rewards: readonly RewardRow[];
  readonly total: RewardRow;
  readonly advantage: RewardRow;
  readonly group: readonly GroupMember[];
  readonly groupZeroVariance: boolean;
}

/** A rollout's attribution label as the panel shows it: computed (when the pass has run) and the user's override. */
export interface RolloutAttribution {
  /** The attribution pass's result; absent until "Attribute Failures" has run on this log as it is now. */
  readonly computed?: {
    readonly label: AttributionLabel;
    readonly flags: readonly AttributionLabel[];
    /** Which numbers decided the label (tooltip text). */
    readonly explanation: string;
    /** The engine that segmented the oracle (the classical fallback says so). */
    readonly segmenter: string;
  };
  /** The label the user set in `.segr1/annotations.json`, overriding the computed one. */
  readonly override?: AttributionLabel;
  /** Why the annotations cannot be written (e.g. a file this version must not rewrite): the control is disabled. */
  readonly readOnly?: string;
}

/** One advantage estimator as the what-if table names it. */
export interface AdvantageEstimatorInfo {
  readonly id: string;
  readonly trainer: string;
  readonly scope: 'group' | 'batch';
  readonly formula: string;
  readonly source: string;
}

/** The advantages of the shown rollout's group under every estimator, from the logged rewards. */
export interface AdvantageWhatIf {
  /** The run's estimator id (`segr1.advantage.estimator`, `auto` resolved). */
  readonly run: string;
  readonly estimators: readonly AdvantageEstimatorInfo[];
  /** Components summed, in order; `total` alone when the log has no components. */
  readonly components: readonly string[];
  readonly totalOnly: boolean;
  /** Rollouts of the step the batch-scoped estimators normalise over. */
  readonly batchSize: number;
  /** The group, in log order: record index, sample, logged advantage, each estimator's, estimators whose sign flips. */
  readonly rows: ReadonlyArray<{ readonly index: number; readonly sample?: number; readonly logged?: number; readonly values: Readonly<Record<string, number>>; readonly flips: readonly string[] }>;
  /** While editing: the group's advantages under the run's estimator with the edited rollout's new reward. */
  readonly wouldBe?: {
    readonly edited: number;
    /** `flips`: the would-be advantage has the opposite sign to the logged one (else to the one before the edit). */
    readonly rows: ReadonlyArray<{ readonly index: number; readonly sample?: number; readonly logged?: number; readonly before: number; readonly after: number; readonly flips: boolean }>;
    readonly components: Readonly<Record<string, number | null>>;
    /** Components the re-score did not produce: their logged value was kept. */
    readonly kept: readonly string[];
  };
  /** Why there is no table (e.g. the log is not indexed); rows are then empty. */
  readonly note?: string;
  /** The reward weights the advantages were computed with (the run's logged `reward_weights`, as replay reads them), named. */
  readonly weights?: string;
}

/** The image's oracle mask (GT-derived prompts segmented with the segmenter in use), or why there is none. */
export interface OracleOverlay {
  readonly selection: Selection;
  /** Mask in the frame it was segmented in (the webview scales it to the image). */
  readonly mask?: MaskPayload;
  /** Best IoU of the three prompt sets, and the set that reached it. */
  readonly iou?: number;
  readonly kind?: string;
  readonly ious?: Readonly<Record<string, number>>;
  /** The engine that segmented it ("classical fallback — not SAM2" when no SAM2 export is loaded). */
  readonly segmenter: string;
  readonly classical: boolean;
  readonly reason?: string;
}

/** The state the webview persists with setState (survives hide/reveal and reload). */
export interface PersistedState {
  readonly selection?: Selection;
  readonly overlays: { readonly gt: boolean; readonly mask: boolean; readonly errors: boolean; readonly glyphs: boolean };
  readonly opacity: number;
  /** How the reasoning is drawn: as text, or token by token coloured by logprob or by top-k entropy. */
  readonly tokenMode?: 'text' | 'logprob' | 'entropy';
}

/** Compile-time exhaustiveness check for switches over a union. */
export function assertNever(x: never): never {
  throw new Error(`unhandled message: ${JSON.stringify(x)}`);
}

/** Stable string key of a selection (for equality and maps). */
export function selectionKey(s: Selection): string {
  switch (s.kind) {
    case 'rollout':
      return `rollout:${s.log}#${s.index}`;
    case 'image':
      return `image:${s.dataset}/${s.stem}`;
    case 'file':
      return `file:${s.path}`;
  }
}
