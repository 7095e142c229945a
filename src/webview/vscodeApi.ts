import type { PersistedState } from '../shared/protocol';
import type { RpcMessage } from '../shared/rpc';

/** The subset of the webview API object we use. */
interface VsCodeApi {
  postMessage(msg: RpcMessage): void;
  getState(): PersistedState | undefined;
  setState(s: PersistedState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** acquireVsCodeApi may be called once per page; everything goes through this instance. */
export const vscode: VsCodeApi = acquireVsCodeApi();
