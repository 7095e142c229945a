/**
 * The channel between the extension host (src/extension/panel.ts, sequenced by panelSession.ts) and the workbench
 * panel's webview (src/webview/main.ts → panelApp.ts): request and notification maps for an `RpcEndpoint` on each
 * end. The payloads (`ViewPayload` and friends) are the wire DTOs of src/shared/protocol.ts.
 *
 * ## Message sequence
 *
 * ```
 *  webview (one page lifetime = one endpoint)              host (PanelSession)
 *  ─────────────────────────────────────────               ────────────────────────────────────────────────
 *  ready {restored?}  ──────────────────────────────────▶  page is listening: flush the queue (badge first);
 *                                                           if the latest request has no view on this page
 *                                                           (none yet / page rebuilt), run it again with its
 *                                                           edits; with no request at all, open `restored`
 *                                                           (checked like any webview selection) or the default
 *                     ◀──────────────────────────────────  segmenter/didChange {badge, kind}
 *                     ◀──────────────────────────────────  view/loading {revision, selection, label}
 *                     ◀──────────────────────────────────  view/show  ViewPayload (revision = the request's seq)
 *                     ◀──────────────────────────────────  view/attribution, view/advantage {revision, …}
 *                     ◀──────────────────────────────────  view/replayed ViewReplay (same revision; rewards
 *                                                           recomputed after the view painted)
 *  view/select | view/navigate | view/edit  ────────────▶  claims the next seq AT ONCE (before any await), with
 *    (Re-segment = view/edit with the view's own edits)     its edits: the newest request wins, in arrival order
 *                     ◀──────────────────────────────────  view/loading, view/show, … as above
 *                     ◀──────────────────────────────────  reply {revision, shown}: shown=false when a newer
 *                                                           request superseded it; a failed build rejects it
 *  oracle/request     ──────────────────────────────────▶  reply {revision, oracle} for the view on screen
 *  attribution/override, source/open, export/choose  ───▶  reply null, or an error the page shows
 *  export/render (host → page request) ◀────────────────   reply {data}: the view on screen as PNG/SVG bytes
 * ```
 *
 * - `seq` / `revision`: one counter per panel. Every request (webview or host: tree click, traces, navigation, a
 *   page restore) takes the next value when it arrives; a build whose seq is no longer the latest is dropped, and
 *   so are its replay, advantage and attribution pushes. The webview applies `view/replayed`, `view/advantage` and
 *   `view/attribution` only to the view of the same revision (a replay that overtakes its view's image decode is
 *   kept until that view is on screen).
 * - Page away (hidden without retainContextWhenHidden, or Reload): the host forgets the page's endpoint (its
 *   requests' replies could not arrive) and queues pushes — only the newest `view/show` — until the next `ready`.
 *   A request made meanwhile (e.g. from the Runs tree) becomes the latest and is built when the page is back.
 * - Edits (prompt moves, or a re-segment: empty edits) belong to the request that carried them, never to the panel:
 *   a page that comes back shows the latest request with its edits; opening the rollout already requested (Open
 *   Workbench, a reveal) keeps them instead of rebuilding it without.
 * - Lifecycle messages of the boot script (`webview/error`, `webview/reload`) are not RPC messages; the host hands
 *   them to its WebviewRecovery.
 */
import type { AttributionLabel } from '../core/attribution/labels';
import type { AdvantageWhatIf, OracleOverlay, PromptEditDto, RolloutAttribution, SegmenterBadge, Selection, ViewPayload, ViewReplay } from './protocol';

/** What the host answers a request that changes the view. */
export interface ViewAck {
  /** The request's seq: the revision its view carries. */
  readonly revision: number;
  /** False when a newer request superseded it before its view was sent (or the page went away meanwhile). */
  readonly shown: boolean;
}

/** Requests the panel webview sends the host. */
export type PanelHostRequests = {
  /** Show a selection (the group and history strips, Revert). */
  readonly 'view/select': { readonly params: { readonly selection: Selection }; readonly result: ViewAck };
  /** Move by rollout or group (image) from the view on screen; null when there is nowhere to go. */
  readonly 'view/navigate': { readonly params: { readonly unit: 'rollout' | 'image' | 'group'; readonly direction: 1 | -1 }; readonly result: ViewAck | null };
  /** Re-score a rollout with moved prompts (image pixels): new text, new mask, new rewards. Empty edits re-segment. */
  readonly 'view/edit': { readonly params: { readonly selection: Selection; readonly edits: readonly PromptEditDto[] }; readonly result: ViewAck };
  /** Open the rollout's line in its log beside the panel. */
  readonly 'source/open': { readonly params: { readonly selection: Selection }; readonly result: null };
  /** Toolbar: export the image view (the host asks PNG or SVG) or a report of the shown rollout's log. */
  readonly 'export/choose': { readonly params: { readonly what: 'image' | 'report' }; readonly result: null };
  /** Override the rollout's attribution label (null: remove the override), stored in `.segr1/annotations.json`. */
  readonly 'attribution/override': { readonly params: { readonly selection: Selection; readonly label: AttributionLabel | null }; readonly result: null };
  /** Segment the shown rollout's image oracle (its GT's prompts) with the segmenter in use; null when the view changed. */
  readonly 'oracle/request': { readonly params: { readonly selection: Selection }; readonly result: { readonly revision: number; readonly oracle: OracleOverlay } | null };
};

/** Requests the host sends the panel webview. */
export type PanelWebviewRequests = {
  /** Render the view on screen as a file (PNG at the image's own resolution, or SVG); the host checks and saves it. */
  readonly 'export/render': { readonly params: { readonly format: 'png' | 'svg' }; readonly result: { readonly data: Uint8Array } };
};

/** Notifications the host pushes to the panel webview. */
export type PanelHostNotifications = {
  /** A request is being built; `label` names it in the user's words (run · step · group · rollout). */
  readonly 'view/loading': { readonly revision: number; readonly selection: Selection; readonly label: string };
  readonly 'view/show': ViewPayload;
  readonly 'view/replayed': ViewReplay;
  /** The engine used for re-segmenting and edits changed (or the page just came up). */
  readonly 'segmenter/didChange': SegmenterBadge;
  /** The shown rollout's label (sent after the view, again when the pass finishes or the override changes). */
  readonly 'view/attribution': { readonly revision: number; readonly attribution: RolloutAttribution };
  /** The group's advantages under every estimator (after the view; again with `wouldBe` once an edit is re-scored). */
  readonly 'view/advantage': { readonly revision: number; readonly whatIf: AdvantageWhatIf };
  /** Something the host could not do for a request it made itself (a tree click, a restore): shown above the canvas. */
  readonly error: { readonly message: string };
};

/** Notifications the panel webview sends the host. */
export type PanelWebviewNotifications = {
  /** The page is listening (again, after it was hidden or reloaded); `restored`: the selection its state kept. */
  readonly ready: { readonly restored?: Selection };
};
