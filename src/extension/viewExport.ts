import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { writeFileAtomic } from '../core/logs/atomicFile';
import { buildReport } from '../core/report/buildReport';
import { checkViewExport, exportFileName, type ViewExportFormat } from '../shared/viewExport';
import { maxCaptionBand } from '../shared/viewSvg';
import type { WorkbenchPanel } from './panel';
import type { WorkspaceModel } from './workspaceModel';

/** Optional arguments of the export commands (tests and keybindings pass them; the UI asks instead). */
export interface ExportArgs {
  readonly format?: ViewExportFormat;
  /** Where to save, skipping the save dialog. */
  readonly target?: vscode.Uri | string;
}

const toUri = (t: vscode.Uri | string) => (typeof t === 'string' ? vscode.Uri.file(t) : t);

/** Where to save: the given target, else a save dialog on `name` in the first workspace folder. */
async function chooseTarget(args: ExportArgs | undefined, name: string, filters: Record<string, string[]>): Promise<vscode.Uri | undefined> {
  if (args?.target) return toUri(args.target);
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
  return vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(path.join(folder, name)), filters, saveLabel: 'Export' });
}

/** Write: a local file atomically (an existing file is only replaced by a complete one); other schemes through VS Code. */
async function save(target: vscode.Uri, data: Uint8Array): Promise<void> {
  if (target.scheme === 'file') writeFileAtomic(target.fsPath, data);
  else await vscode.workspace.fs.writeFile(target, data);
}

/** Say where it went, with Reveal (and `open`, when given): a dialog that closes silently leaves people unsure. */
async function confirm(message: string, target: vscode.Uri, open?: { label: string; run: () => Thenable<unknown> }): Promise<void> {
  const inWorkspace = vscode.workspace.getWorkspaceFolder(target) !== undefined;
  const choice = await vscode.window.showInformationMessage(`${message} ${vscode.workspace.asRelativePath(target)}`, ...(open ? [open.label] : []), 'Reveal');
  if (choice === 'Reveal') await vscode.commands.executeCommand(inWorkspace ? 'revealInExplorer' : 'revealFileInOS', target);
  else if (open && choice === open.label) await open.run();
}

/**
 * Seg-R1: Export Image View…: the panel renders the view on screen (PNG at the image's resolution, or SVG), the host
 * checks type, size and dimensions, asks where to save (named after the rollout) and writes atomically.
 */
export async function exportImageView(panel: WorkbenchPanel | undefined, args?: ExportArgs): Promise<vscode.Uri | undefined> {
  const view = panel?.shownView;
  if (!panel || !view) {
    void vscode.window.showWarningMessage('Seg-R1: open a rollout or image in the workbench to export its view.');
    return undefined;
  }
  const width = view.image?.width ?? view.gt?.width ?? view.mask?.width ?? 0;
  const height = view.image?.height ?? view.gt?.height ?? view.mask?.height ?? 0;
  if (!width || !height) {
    void vscode.window.showWarningMessage('Seg-R1: the view on screen has no image to export.');
    return undefined;
  }
  const format =
    args?.format ??
    (
      await vscode.window.showQuickPick(
        [
          { label: 'PNG', description: `${width}×${height} px, the image's own resolution, with the overlays that are on`, format: 'png' as const },
          { label: 'SVG', description: 'the image embedded; prompt glyphs and GT outline as vectors', format: 'svg' as const },
        ],
        { title: 'Export the image view as' },
      )
    )?.format;
  if (!format) return undefined;
  const rendered = await panel.renderExport(format);
  if (rendered.error !== undefined || !rendered.data) {
    void vscode.window.showErrorMessage(`Seg-R1: could not export the view: ${rendered.error ?? 'nothing was rendered'}`);
    return undefined;
  }
  const check = checkViewExport(format, rendered.data, { width, minHeight: height + 1, maxHeight: height + maxCaptionBand(width, height) });
  if (!check.ok) {
    void vscode.window.showErrorMessage(`Seg-R1: export refused: ${check.reason}`);
    return undefined;
  }
  const target = await chooseTarget(args, exportFileName(view.title, format), format === 'svg' ? { SVG: ['svg'] } : { PNG: ['png'] });
  if (!target) return undefined;
  try {
    await save(target, rendered.data);
  } catch (e) {
    void vscode.window.showErrorMessage(`Seg-R1: could not write ${target.fsPath}: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  void confirm(`Exported the view (${format.toUpperCase()}, ${check.width}×${check.height}) to`, target, { label: 'Open', run: () => vscode.commands.executeCommand('vscode.open', target) });
  return target;
}

/** The folder a log's image paths are relative to: its workspace folder when the first image is there, else the log's own. */
function reportRoot(folder: string, logFile: string, firstImage: string | undefined): string {
  if (firstImage === undefined || existsSync(path.join(folder, firstImage))) return folder;
  return path.dirname(logFile);
}

/**
 * Seg-R1: Export Report…: `segr1 report` (the same core function) on the log of the rollout on screen, or the only
 * log of the workspace, with progress; Cancel stops waiting and writes nothing.
 */
export async function exportReport(model: WorkspaceModel, panel: WorkbenchPanel | undefined, args?: ExportArgs): Promise<vscode.Uri | undefined> {
  await model.ready();
  const shown = panel?.current;
  const log = shown?.kind === 'rollout' ? model.log(shown.log) : model.logs.length === 1 ? model.logs[0] : undefined;
  if (!log) {
    void vscode.window.showWarningMessage(model.logs.length ? 'Seg-R1: open a rollout of the log to report in the workbench first.' : 'Seg-R1: no rollout log in this workspace to report.');
    return undefined;
  }
  const name = exportFileName(`${log.index.runs[0] ?? path.basename(log.file, path.extname(log.file))}-report`, 'html');
  const target = await chooseTarget(args, name, { HTML: ['html'] });
  if (!target) return undefined;
  const root = reportRoot(log.folder.uri.fsPath, log.file, log.index.images[0]);
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Seg-R1: report of ${log.rel}`, cancellable: true }, async (progress, token) => {
    progress.report({ message: 'scoring every logged mask and rendering…' });
    const cancelled = new Promise<'cancelled'>((resolve) => token.onCancellationRequested(() => resolve('cancelled')));
    // The core report has no cancellation point: Cancel abandons its result, so nothing is written.
    const built = buildReport({ input: log.index.path, root, maxSide: 384, top: 3, stepMetrics: true });
    built.catch(() => undefined);
    return Promise.race([built, cancelled]);
  }).then(
    (r) => r,
    (e: unknown) => new Error(e instanceof Error ? e.message : String(e)),
  );
  if (result === 'cancelled') return undefined;
  if (result instanceof Error) {
    void vscode.window.showErrorMessage(`Seg-R1: could not build the report of ${log.rel}: ${result.message}`);
    return undefined;
  }
  try {
    await save(target, new TextEncoder().encode(result.html));
  } catch (e) {
    void vscode.window.showErrorMessage(`Seg-R1: could not write ${target.fsPath}: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  const notes = result.notes.length ? ` (${result.notes.length} note${result.notes.length === 1 ? '' : 's'}: ${result.notes[0]}${result.notes.length > 1 ? ' …' : ''})` : '';
  void confirm(`Exported the report of ${log.rel}${notes} to`, target, { label: 'Open in Browser', run: () => vscode.env.openExternal(target) });
  return target;
}
