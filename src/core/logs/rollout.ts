/** One token of a completion with its log-probability, for per-token views. */
export interface RolloutToken {
  readonly text: string;
  readonly logprob?: number;
  readonly top?: ReadonlyArray<{ readonly text: string; readonly logprob: number }>;
}

/** COCO run-length encoding (column-major); counts compressed (string) or raw run lengths. */
export interface CocoRle {
  readonly size: readonly [number, number];
  readonly counts: string | readonly number[];
}

/** The canonical rollout record: one JSON object per line of a canonical log. Unknown fields are kept in `extra`. */
export interface RolloutRecord {
  readonly run?: string;
  readonly step?: number;
  readonly group?: string;
  readonly sample?: number;
  /** Workspace-relative (or log-relative) image path. */
  readonly image?: string;
  readonly gt?: string;
  readonly task?: string;
  readonly query?: string;
  readonly completion: string;
  readonly tokens?: readonly RolloutToken[];
  /** Size of the image as the model saw it; else the run's configured frame. */
  readonly model_frame?: { readonly width: number; readonly height: number };
  /** Logged reward components by name. */
  readonly rewards?: Readonly<Record<string, number | null>>;
  readonly reward?: number;
  readonly advantage?: number;
  readonly mask?: CocoRle;
  /** Every field this schema does not name, kept verbatim. */
  readonly extra?: Readonly<Record<string, unknown>>;
}
