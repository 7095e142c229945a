import type { AnswerFormat } from '../completion/types';
import type { AttributionLabel } from '../signals/labels';

/**
 * Which rollout an annotation belongs to: the log (workspace-relative, POSIX) and the record's own identity, never its
 * line number, so an annotation survives appends, re-indexing and a rewritten log. A field the record does not have
 * (a log without run ids, say) is null and matches records without it.
 */
export interface AnnotationKey {
  readonly log: string;
  readonly run: string | null;
  readonly step: number | null;
  readonly group: string | null;
  readonly sample: number | null;
}

/** A prompt the user tried instead of the logged one, stored as answer text in the run's format and model frame. */
export interface Counterfactual {
  /** Unique within its rollout; what removal names. */
  readonly id: string;
  /** The whole answer as the model would have written it (e.g. `<bbox>[…]</bbox>, <points>[[…]]</points>, …`). */
  readonly answer: string;
  readonly format: AnswerFormat;
  /** The model frame the answer's coordinates are in. */
  readonly frame: { readonly width: number; readonly height: number };
  /** Fields this version does not know, kept on rewrite. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** Everything annotated on one rollout. */
export interface AnnotationEntry {
  readonly key: AnnotationKey;
  readonly note?: string;
  /** The user's attribution label, overriding the computed one. */
  readonly label?: AttributionLabel;
  /** Saved counterfactual prompts, ordered by id. */
  readonly counterfactuals: readonly Counterfactual[];
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** A problem found reading the file: never fatal to the other entries. */
export interface AnnotationIssue {
  readonly file: string;
  /** JSON path of the offending value (`$.entries[3].key.step`). */
  readonly path: string;
  /** The field at fault (`step`), or '' for the file as a whole. */
  readonly field: string;
  readonly message: string;
}

/** The file's content as read: valid entries by key, and what must survive a rewrite untouched. */
export interface AnnotationStore {
  readonly entries: ReadonlyMap<string, AnnotationEntry>;
  /** Entries that failed validation, kept verbatim so a rewrite never drops what the user wrote. */
  readonly invalid: readonly unknown[];
  /** Unknown top-level fields, kept on rewrite. */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** One change to the annotations, replayed on the file's latest content when written. */
export type AnnotationEdit =
  | { readonly kind: 'setNote'; readonly key: AnnotationKey; readonly text: string }
  | { readonly kind: 'removeNote'; readonly key: AnnotationKey }
  | { readonly kind: 'setLabel'; readonly key: AnnotationKey; readonly label: AttributionLabel }
  | { readonly kind: 'removeLabel'; readonly key: AnnotationKey }
  | { readonly kind: 'putCounterfactual'; readonly key: AnnotationKey; readonly counterfactual: Counterfactual }
  | { readonly kind: 'removeCounterfactual'; readonly key: AnnotationKey; readonly id: string };
