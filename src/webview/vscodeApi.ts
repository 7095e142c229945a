import type { PersistedState, WebviewMessage } from '../shared/protocol';

/** The subset of the webview API object we use. */
interface VsCodeApi {
  postMessage(msg: WebviewMessage): void;
  getState(): PersistedState | undefined;
  setState(s: PersistedState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** acquireVsCodeApi may be called once per page; everything goes through this instance. */
export const vscode: VsCodeApi = acquireVsCodeApi();
