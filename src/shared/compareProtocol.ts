/**
 * Messages between the extension host and the compare webview (two runs, or two steps of one run, on the same
 * images). Every message is keyed by `type`; handlers switch on it and end in `assertNever`.
 */
import type { Comparison, ImageDelta } from '../core/compare/compare';

export type { Comparison, ImageDelta };
import type { ViewPayload } from './protocol';

/** One side of a comparison in the editor: a step of an indexed log. */
export interface CompareSideRef {
  /** The log's id in selections (its source path). */
  readonly log: string;
  readonly step: number;
}

/** What the compare view draws before an image is selected. */
export interface ComparePayload {
  /** Increases with every comparison the host sends; image answers carry it so a stale one is dropped. */
  readonly revision: number;
  readonly a: CompareSideRef & { readonly label: string };
  readonly b: CompareSideRef & { readonly label: string };
  /** The core's comparison (the numbers `segr1 compare` prints for the same two sides). */
  readonly comparison: Comparison;
  /** Positions in `comparison.images`, largest |Δ| of the metric first (NaN last): the "All" list's order. */
  readonly byChange: readonly number[];
  /** Warnings of loading the sides (no IoU component, rollouts without an image, ...). */
  readonly warnings: readonly string[];
  readonly synthetic: boolean;
}

/** One rollout a side can show for an image (the group at that step). */
export interface CompareMember {
  readonly index: number;
  readonly sample: number;
  readonly reward: number;
}

/** One side of the selected image: the rollout on screen and the others of its group. */
export interface ComparePanelSide {
  readonly view?: ViewPayload;
  /** Why there is no view (the rollout could not be read). */
  readonly error?: string;
  readonly members: readonly CompareMember[];
  /** The record shown (default: the best rollout by logged reward). */
  readonly shown?: number;
}

/** Host → compare webview. */
export type CompareHostMessage =
  | { readonly type: 'compare/show'; readonly payload: ComparePayload }
  | { readonly type: 'compare/pair'; readonly revision: number; readonly id: number; readonly image: string; readonly a: ComparePanelSide; readonly b: ComparePanelSide }
  | { readonly type: 'error'; readonly message: string };

/** Compare webview → host. */
export type CompareWebviewMessage =
  | { readonly type: 'ready' }
  /** Show an image's two rollouts; `pick` chooses a record per side instead of the best one. */
  | { readonly type: 'compare/select'; readonly revision: number; readonly id: number; readonly image: string; readonly pick?: { readonly a?: number; readonly b?: number } }
  /** Recompare on another key (the better/worse lists and the statistics follow it). */
  | { readonly type: 'compare/metric'; readonly metric: string }
  /** Open one side's rollout in the workbench panel. */
  | { readonly type: 'compare/open'; readonly log: string; readonly index: number };
