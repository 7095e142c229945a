import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Selection } from '../shared/protocol';
import { COMMANDS, PANEL_VIEW_TYPE } from '../host/commands';
import { WorkbenchPanel } from './panel';
import { SegmenterService } from './segmenterService';
import { AttributionService } from './attributionService';
import { TracesPanel } from './tracesPanel';
import { exportImageView, exportReport, type ExportArgs } from './viewExport';
import { NOTEBOOK_TYPE, WorkbenchNotebookController, WorkbenchNotebookSerializer } from './workbenchNotebook';
import { DatasetsTree, RunsTree, followPanel } from './treeViews';
import { EVALUATION_SCHEME, PredictionEvaluator } from './evaluatePredictions';
import { openWalkthrough, trackWalkthrough } from './walkthrough';
import { createSampleWorkspace } from './sampleCommand';
import { compareRuns, compareSteps } from './compareCommands';
import { WorkspaceModel } from './workspaceModel';

/** When this bundle started evaluating: activation cost includes loading the module. */
const moduleStart = performance.now();

/** What activate() returns: used by the extension-host test suite and the activation benchmark. */
export interface WorkbenchApi {
  readonly model: WorkspaceModel;
  readonly activationMs: number;
  /** The open panel, if any. */
  panel(): WorkbenchPanel | undefined;
}

/** Activation: views and commands register at once; indexing starts in the background. */
export function activate(context: vscode.ExtensionContext): WorkbenchApi {
  const t0 = performance.now();
  // Output ▸ Seg-R1: what was indexed, how fast, and what was wrong with it, for a user asking why a run looks as it does.
  const output = vscode.window.createOutputChannel('Seg-R1', { log: true });
  context.subscriptions.push(output);
  const model = new WorkspaceModel(vscode.Uri.joinPath(context.globalStorageUri, 'logs').fsPath, output);
  const segmenters = new SegmenterService(context);
  const attribution = new AttributionService(model, segmenters);
  WorkbenchPanel.useAttribution(attribution);
  context.subscriptions.push(model, segmenters, attribution);
  const runsTree = new RunsTree(model, attribution);
  const runsView = vscode.window.createTreeView('segr1.runs', { treeDataProvider: runsTree, showCollapseAll: true });
  context.subscriptions.push(
    runsView,
    vscode.window.createTreeView('segr1.datasets', { treeDataProvider: new DatasetsTree(model), showCollapseAll: true }),
    followPanel(runsView, runsTree, WorkbenchPanel.onDidShow, () => WorkbenchPanel.current?.current),
    trackWalkthrough(model, WorkbenchPanel.onDidShow),
  );

  const evaluator = new PredictionEvaluator(model, vscode.Uri.joinPath(context.extensionUri, 'dist', 'evaluateWorker.js').fsPath);
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(EVALUATION_SCHEME, evaluator),
    vscode.commands.registerCommand(COMMANDS.evaluatePredictions, (target?: unknown, predictions?: unknown) => evaluator.run(target, predictions)),
    vscode.commands.registerCommand(COMMANDS.saveEvaluationJson, (uri?: vscode.Uri) => evaluator.saveJson(uri)),
  );

  const open = (selection?: Selection, beside = false) => WorkbenchPanel.show(context, model, segmenters, selection, beside);
  context.subscriptions.push(
    vscode.commands.registerCommand(COMMANDS.openWorkbench, () => {
      open(WorkbenchPanel.current?.current);
    }),
    vscode.commands.registerCommand(COMMANDS.openSelection, (s: Selection, opts?: { beside?: boolean }) => {
      open(s, opts?.beside === true);
    }),
    vscode.commands.registerCommand(COMMANDS.openRollout, async (s?: Selection) => {
      const target = s ?? (await pickRollout(model));
      if (target) open(target);
    }),
    vscode.commands.registerCommand(COMMANDS.inspectImage, (uri?: vscode.Uri) => {
      const file = uri?.fsPath ?? vscode.window.activeTextEditor?.document.uri.fsPath;
      if (!file) {
        void vscode.window.showWarningMessage('Seg-R1: choose an image in the Explorer to inspect.');
        return;
      }
      open({ kind: 'file', path: file });
    }),
    vscode.commands.registerCommand(COMMANDS.nextRollout, () => WorkbenchPanel.current?.navigate('rollout', 1)),
    vscode.commands.registerCommand(COMMANDS.previousRollout, () => WorkbenchPanel.current?.navigate('rollout', -1)),
    vscode.commands.registerCommand(COMMANDS.refresh, () => model.refresh()),
    vscode.commands.registerCommand(COMMANDS.chooseSegmenter, () => segmenters.choose()),
    vscode.commands.registerCommand(COMMANDS.exportImageView, (args?: ExportArgs) => exportImageView(WorkbenchPanel.current, args)),
    vscode.commands.registerCommand(COMMANDS.exportReport, (args?: ExportArgs) => exportReport(model, WorkbenchPanel.current, args)),
    vscode.commands.registerCommand(COMMANDS.openTraces, () => TracesPanel.show(context, model, attribution)),
    vscode.commands.registerCommand(COMMANDS.attributeFailures, async () => {
      try {
        // The taxonomy lives in the traces: open them so the result is on screen when the pass ends.
        TracesPanel.show(context, model, attribution);
        await attribution.run();
      } catch (e) {
        void vscode.window.showErrorMessage(`Seg-R1: attribution failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }),
    vscode.commands.registerCommand(COMMANDS.getStarted, () => openWalkthrough(model)),
    vscode.commands.registerCommand(COMMANDS.createSample, () => createSampleWorkspace(() => model.refresh())),
    vscode.commands.registerCommand(COMMANDS.reloadPanels, () => {
      WorkbenchPanel.current?.reload();
      TracesPanel.current?.reload();
    }),
    vscode.commands.registerCommand(COMMANDS.compareRuns, (arg?: unknown) => compareRuns(context, model, segmenters, arg)),
    vscode.commands.registerCommand(COMMANDS.compareSteps, (arg?: unknown) => compareSteps(context, model, segmenters, arg)),
    vscode.workspace.registerNotebookSerializer(NOTEBOOK_TYPE, new WorkbenchNotebookSerializer()),
    new WorkbenchNotebookController(model, segmenters),
    vscode.commands.registerCommand(COMMANDS.newNotebook, async () => {
      const doc = await vscode.workspace.openNotebookDocument(NOTEBOOK_TYPE, new WorkbenchNotebookSerializer().deserializeNotebook(new Uint8Array()));
      await vscode.window.showNotebookDocument(doc);
    }),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel) {
        WorkbenchPanel.revive(panel, context, model, segmenters);
      },
    }),
  );
  // Restricted Mode ignored workspace values of segr1.logs.overrides; once trusted they apply without a reload.
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => void model.refresh()));
  void model.refresh();
  void segmenters.discover();
  const activationMs = performance.now() - t0;
  // One line in the extension-host log: the activation benchmark reads it.
  console.log(`[segr1] activated: activate() ${activationMs.toFixed(1)} ms, module load + activate ${(performance.now() - moduleStart).toFixed(1)} ms`);
  return { model, activationMs, panel: () => WorkbenchPanel.current };
}

/** QuickPick a log (when several), then a rollout in it. */
async function pickRollout(model: WorkspaceModel): Promise<Selection | undefined> {
  await model.ready();
  const logs = model.logs;
  if (!logs.length) {
    void vscode.window.showInformationMessage('Seg-R1: no rollout logs (*.jsonl) in this workspace.');
    return undefined;
  }
  const log =
    logs.length === 1
      ? logs[0]
      : (await vscode.window.showQuickPick(logs.map((l) => ({ label: l.index.runs[0] ?? path.basename(l.file), description: l.rel, detail: `${l.index.count} rollouts`, log: l })), { title: 'Seg-R1: choose a run' }))?.log;
  if (!log) return undefined;
  const ix = log.index;
  const items = Array.from({ length: ix.count }, (_, i) => {
    const g = ix.group[i]!;
    const r = ix.reward[i]!;
    const a = ix.advantage[i]!;
    return {
      label: `step ${Number.isNaN(ix.step[i]!) ? '—' : ix.step[i]} · ${g >= 0 ? ix.groups[g] : '—'} · #${ix.sample[i]! >= 0 ? ix.sample[i] : i}`,
      description: `r ${Number.isNaN(r) ? '—' : r.toFixed(3)} · A ${Number.isNaN(a) ? '—' : a.toFixed(3)}`,
      detail: `line ${ix.line[i]}`,
      index: i,
    };
  });
  const pick = await vscode.window.showQuickPick(items, { title: `Seg-R1: open a rollout of ${log.rel}`, matchOnDescription: true, matchOnDetail: true });
  return pick ? { kind: 'rollout', log: log.file, index: pick.index } : undefined;
}

/** Nothing to release beyond context.subscriptions. */
export function deactivate(): void {}
