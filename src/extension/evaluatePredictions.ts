import { realpath } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { checkAbsoluteInside, refusalMessage } from '../core/dataset/paths';
import { unwritableTarget, writeFileAtomic } from '../core/logs/atomicFile';
import { evaluationJson, type FolderEvaluation } from '../core/metrics/evaluateFolder';
import { evaluationMarkdown } from '../core/metrics/evaluationReport';
import { evaluateInWorker } from '../core/metrics/evaluateWorker';
import type { DatasetEntry, WorkspaceModel } from './workspaceModel';

/*
 * "Evaluate Predictions…": a folder of predicted masks against a dataset's GT (and its images, for ccm), every
 * full-set metric on a worker thread, results as a read-only Markdown document with a Save JSON action. Only reads
 * files (and writes the JSON where the user says), so it runs in Restricted Mode too.
 */

/** URI scheme of the read-only results documents. */
export const EVALUATION_SCHEME = 'segr1-evaluation';

/** A finished evaluation, kept while its document may be open (for Save JSON). */
interface Shown {
  readonly result: FolderEvaluation;
  readonly markdown: string;
  /** Where the Save dialog starts. */
  readonly defaultJson: string;
}

/** Serves results documents and runs evaluations. */
export class PredictionEvaluator implements vscode.TextDocumentContentProvider {
  private readonly shown = new Map<string, Shown>();
  private next = 1;

  constructor(
    private readonly model: WorkspaceModel,
    private readonly workerScript: string,
  ) {}

  /** Markdown of a results document. */
  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.shown.get(uri.toString())?.markdown ?? `This evaluation is no longer available (${uri.path}); run Evaluate Predictions… again.`;
  }

  /**
   * The command. `target`: a Datasets tree node (its dataset), a folder URI (the predictions, from the Explorer), or
   * nothing (palette). `predictions`: the predictions folder when the caller already knows it.
   */
  async run(target?: unknown, predictions?: unknown): Promise<void> {
    let dataset = datasetOf(target);
    // From the Explorer the second argument is the list of selected resources, not a predictions folder.
    let pred = predictions instanceof vscode.Uri ? predictions : target instanceof vscode.Uri ? target : undefined;
    if (!dataset) dataset = await this.chooseDataset(pred);
    if (!dataset) return;
    const root = dataset.folder.uri.fsPath;
    pred ??= (
      await vscode.window.showOpenDialog({
        canSelectFolders: true,
        canSelectFiles: false,
        canSelectMany: false,
        defaultUri: vscode.Uri.file(path.join(root, dataset.dataset.id)),
        openLabel: 'Evaluate',
        title: `Folder of predicted masks to score against ${dataset.dataset.name}/${path.basename(dataset.dataset.masksDir)}`,
      })
    )?.[0];
    if (!pred) return;
    const folders = await this.confine(pred.fsPath, dataset);
    if (typeof folders === 'string') {
      void vscode.window.showErrorMessage(`Seg-R1: ${folders}`);
      return;
    }
    const shownPred = path.relative(root, pred.fsPath) || '.';
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Seg-R1: evaluating ${shownPred}`, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        let last = 0;
        return evaluateInWorker(this.workerScript, {
          ...folders,
          signal: abort.signal,
          onProgress: (done, total, stem) => {
            progress.report({ message: `${done}/${total} · ${stem}`, increment: ((done - last) / Math.max(1, total)) * 100 });
            last = done;
          },
        });
      },
    ).then(
      (r) => r,
      (e: unknown) => {
        void vscode.window.showErrorMessage(`Seg-R1: evaluating ${pred.fsPath} failed: ${e instanceof Error ? e.message : String(e)}`);
        return undefined;
      },
    );
    if (!result) return;
    if (result.scored === 0 && !result.cancelled) {
      const why = result.pairs === 0 ? `no file in ${pred.fsPath} has a GT mask with the same stem in ${folders.gtDir}` : (result.warnings[0] ?? 'every pair failed');
      void vscode.window.showErrorMessage(`Seg-R1: nothing could be scored: ${why}`);
      return;
    }
    const source = { title: `${path.basename(pred.fsPath)} vs ${dataset.dataset.name}`, predDir: shownPred, gtDir: dataset.dataset.masksDir, imagesDir: dataset.dataset.imagesDir };
    const uri = vscode.Uri.from({ scheme: EVALUATION_SCHEME, path: `/${path.basename(pred.fsPath)} evaluation ${this.next++}.md` });
    this.shown.set(uri.toString(), { result, markdown: evaluationMarkdown(result, source), defaultJson: path.join(path.dirname(pred.fsPath), `${path.basename(pred.fsPath)}-metrics.json`) });
    if (result.cancelled) {
      const pick = await vscode.window.showInformationMessage(`Seg-R1: evaluation cancelled: ${result.scored} of ${result.pairs} image(s) scored.`, 'Show Partial Results');
      if (pick !== 'Show Partial Results') return;
    }
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
    if (!result.cancelled) {
      const sm = result.dataset.Smeasure;
      const pick = await vscode.window.showInformationMessage(`Seg-R1: ${result.scored} image(s) scored${sm !== undefined ? ` · Sm ${sm.toFixed(4)}` : ''}.`, 'Save JSON…');
      if (pick) await this.saveJson(uri);
    }
  }

  /** Save the JSON of a results document (the shape of `segr1 metrics --all --json`), written atomically. */
  async saveJson(uri?: vscode.Uri): Promise<void> {
    const key = (uri ?? vscode.window.activeTextEditor?.document.uri)?.toString();
    const shown = key !== undefined ? this.shown.get(key) : undefined;
    if (!shown) {
      void vscode.window.showWarningMessage('Seg-R1: open an evaluation results document first (Evaluate Predictions…).');
      return;
    }
    const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(shown.defaultJson), filters: { JSON: ['json'] }, title: 'Save the evaluation as JSON' });
    if (!target) return;
    const why = unwritableTarget(target.fsPath);
    if (why) {
      void vscode.window.showErrorMessage(`Seg-R1: cannot save: ${why}`);
      return;
    }
    try {
      writeFileAtomic(target.fsPath, evaluationJson(shown.result));
      void vscode.window.showInformationMessage(`Seg-R1: saved ${target.fsPath}`);
    } catch (e) {
      void vscode.window.showErrorMessage(`Seg-R1: writing ${target.fsPath} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** One dataset: the only one, else the user's pick (datasets sharing most stems with the predictions first). */
  private async chooseDataset(pred: vscode.Uri | undefined): Promise<DatasetEntry | undefined> {
    // Right after activation the first scan may still be running: its datasets are the ones to offer.
    await this.model.ready();
    const all = this.model.datasets.filter((d) => d.dataset.items.some((i) => i.gt));
    if (all.length === 0) {
      void vscode.window.showErrorMessage('Seg-R1: no dataset with ground-truth masks in this workspace (folders such as Imgs/ + GT/); nothing to evaluate against.');
      return undefined;
    }
    if (all.length === 1) return all[0];
    const stems = pred ? await predictionStems(pred.fsPath) : new Set<string>();
    const shared = (d: DatasetEntry): number => d.dataset.items.filter((i) => i.gt && stems.has(i.stem)).length;
    const ranked = all.map((d) => ({ d, n: shared(d) })).sort((a, b) => b.n - a.n);
    const pick = await vscode.window.showQuickPick(
      ranked.map(({ d, n }) => ({ label: d.dataset.name, description: d.dataset.id, detail: pred ? `${n} of ${d.dataset.items.length} stems match the predictions` : `${d.dataset.items.length} images`, d })),
      { title: 'Evaluate predictions against which dataset?' },
    );
    return pick?.d;
  }

  /** The folders to read, real paths, each refused (with a message naming it) unless inside a workspace folder. */
  private async confine(predPath: string, d: DatasetEntry): Promise<{ predDir: string; gtDir: string; imagesDir: string; insideRoots: string[] } | string> {
    const roots = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    const inside = async (field: string, file: string): Promise<string> => {
      let refusal: string | undefined;
      for (const root of roots) {
        const r = await checkAbsoluteInside(root, file);
        if (r.ok) return r.real;
        refusal ??= refusalMessage(field, r);
      }
      throw new Error(refusal ?? `${field} ${JSON.stringify(file)} is not inside a workspace folder`);
    };
    try {
      const droot = d.folder.uri.fsPath;
      const predDir = await inside('predictions folder', predPath);
      const gtDir = await inside('GT folder', path.join(droot, d.dataset.masksDir));
      const imagesDir = await inside('images folder', path.join(droot, d.dataset.imagesDir));
      const insideRoots = await Promise.all(roots.map((r) => realpath(r).catch(() => r)));
      return { predDir, gtDir, imagesDir, insideRoots };
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  }
}

/** The dataset of a Datasets tree node, if `target` is one. */
function datasetOf(target: unknown): DatasetEntry | undefined {
  if (typeof target !== 'object' || target === null || !('kind' in target) || !('entry' in target)) return undefined;
  const n = target as { kind: unknown; entry: DatasetEntry };
  return n.kind === 'dataset' || n.kind === 'image' ? n.entry : undefined;
}

/** Stems of the mask files in a folder (empty when unreadable), to rank datasets. */
async function predictionStems(dir: string): Promise<Set<string>> {
  try {
    const names = await vscode.workspace.fs.readDirectory(vscode.Uri.file(dir));
    return new Set(names.filter(([, t]) => t === vscode.FileType.File).map(([n]) => n.replace(/\.[^.]*$/, '')));
  } catch {
    return new Set();
  }
}
