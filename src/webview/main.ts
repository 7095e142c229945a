// The workbench panel's page: one RpcEndpoint to the host (src/shared/panelProtocol.ts) and the PanelApp that
// draws the views. The page says `ready` last, with the selection its state kept.
import { RpcEndpoint } from '../shared/rpc';
import { PanelApp, type PanelPageRpc } from './panelApp';
import { vscode } from './vscodeApi';

const rpc: PanelPageRpc = new RpcEndpoint((m) => vscode.postMessage(m));
const app = new PanelApp(document.getElementById('app')!, rpc, vscode);
window.addEventListener('message', (e: MessageEvent<unknown>) => void rpc.receive(e.data));
window.addEventListener('keydown', (e) => app.onKey(e));
const restored = app.restored;
rpc.notify('ready', restored ? { restored } : {});
