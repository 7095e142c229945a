import type { PersistedState } from '../shared/protocol';
import type { RpcMessage } from '../shared/rpc';

/**
 * The subset of the webview API object the pages use. Every page script (workbench, traces, compare) goes through
 * this one wrapper: acquireVsCodeApi may be called once per page. State is typed per page by {@link webviewApi}.
 */
export interface VsCodeApi<Message = RpcMessage, State = unknown> {
  postMessage(msg: Message): void;
  getState(): State | undefined;
  setState(s: State): void;
}

declare function acquireVsCodeApi(): VsCodeApi<unknown, unknown>;

const api = acquireVsCodeApi();

/**
 * The page's API, speaking `RpcMessage` (the traces and compare channels). `State` is what the page stores; a page
 * reading it back must still check every field (it may come from an older version of the page).
 */
export function webviewApi<State>(): VsCodeApi<RpcMessage, State> {
  return api as VsCodeApi<RpcMessage, State>;
}

/** The workbench panel's API (its channel is `src/shared/panelProtocol.ts`; its state `PersistedState`). */
export const vscode: VsCodeApi<RpcMessage, PersistedState> = webviewApi<PersistedState>();
