/**
 * The channel between the extension host and the compare webview (two runs, or two steps of one run, on the same
 * images): request and notification maps for an `RpcEndpoint` on each end.
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

/** Which rollout each side shows for an image: a record of that side's group instead of its best rollout. */
export interface ComparePick {
  readonly a?: number;
  readonly b?: number;
}

/** Requests the compare webview sends the host (over `RpcEndpoint`). */
export type CompareHostRequests = {
  /** An image's two rollouts as views (undefined when the comparison changed since `revision`). */
  readonly 'compare/pair': {
    readonly params: { readonly revision: number; readonly image: string; readonly pick?: ComparePick };
    readonly result: { readonly a: ComparePanelSide; readonly b: ComparePanelSide } | undefined;
  };
};

/** Notifications the host sends the compare webview. */
export type CompareHostNotifications = {
  readonly 'compare/show': ComparePayload;
  readonly error: { readonly message: string };
};

/** Notifications the compare webview sends the host. */
export type CompareWebviewNotifications = {
  /** The webview is listening (again, after it was hidden and rebuilt): send the comparison. */
  readonly ready: null;
  /** Recompare on another key (the better/worse lists and the statistics follow it). */
  readonly 'compare/metric': { readonly metric: string };
  /** Open one side's rollout in the workbench panel. */
  readonly 'compare/open': { readonly log: string; readonly index: number };
};
