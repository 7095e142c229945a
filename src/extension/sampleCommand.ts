import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_SAMPLE_SEED, SAMPLE_PATHS } from '../core/sample/config';
import { segr1ReferenceScoring } from '../core/sample/scoring';
import { SampleOverwriteError, generateSampleWorkspace } from '../core/sample/workspace';

/** Subfolder the sample goes into when the chosen folder already holds files (the user's files stay untouched). */
export const SAMPLE_SUBFOLDER = 'segr1-sample';

/** Where the sample goes in a chosen folder: the folder itself when empty (or already a sample), else a subfolder. */
async function sampleTarget(chosen: string): Promise<string> {
  const entries = await fs.readdir(chosen).catch(() => [] as string[]);
  if (!entries.length || entries.includes(SAMPLE_PATHS.marker)) return chosen;
  return path.join(chosen, SAMPLE_SUBFOLDER);
}

/**
 * Seg-R1: Create Sample Workspace… — what `segr1 sample --out <dir>` does, from the UI: ask for a folder, write the
 * SYNTHETIC sample (dataset + simulated GRPO run) with progress, then open it (or re-index when it is already open).
 */
export async function createSampleWorkspace(refresh: () => Promise<void>): Promise<void> {
  const open = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  const picked = await vscode.window.showOpenDialog({
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    defaultUri: open?.uri,
    openLabel: 'Create the sample here',
    title: `Seg-R1: folder for the SYNTHETIC sample (a non-empty folder gets a ${SAMPLE_SUBFOLDER}/ subfolder)`,
  });
  const chosen = picked?.[0];
  if (!chosen || chosen.scheme !== 'file') return;
  const out = await sampleTarget(chosen.fsPath);
  let skipped: boolean;
  try {
    skipped = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Seg-R1: writing the SYNTHETIC sample workspace…' },
      async () => (await generateSampleWorkspace(out, { config: { seed: DEFAULT_SAMPLE_SEED }, scoring: segr1ReferenceScoring() })).skipped,
    );
  } catch (e) {
    const why = e instanceof SampleOverwriteError ? e.message : `${out}: ${e instanceof Error ? e.message : String(e)}`;
    void vscode.window.showErrorMessage(`Seg-R1: no sample written. ${why}`);
    return;
  }
  const inside = (vscode.workspace.workspaceFolders ?? []).some((f) => f.uri.scheme === 'file' && !path.relative(f.uri.fsPath, out).startsWith('..') && !path.isAbsolute(path.relative(f.uri.fsPath, out)));
  const done = skipped ? `${out} already holds the sample.` : `Sample written to ${out}.`;
  if (inside) {
    await refresh();
    void vscode.window.showInformationMessage(`Seg-R1: ${done} Its run is in the Runs view.`);
    return;
  }
  const choice = await vscode.window.showInformationMessage(`Seg-R1: ${done} Open it to see its run and dataset.`, 'Open Folder', 'Add to Workspace');
  if (choice === 'Open Folder') await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(out));
  else if (choice === 'Add to Workspace') vscode.workspace.updateWorkspaceFolders(vscode.workspace.workspaceFolders?.length ?? 0, 0, { uri: vscode.Uri.file(out) });
}
