import * as vscode from 'vscode';
import { WALKTHROUGH_CONTEXT, WALKTHROUGH_FULL_ID } from '../host/commands';
import type { ShownSelection } from './panel';
import type { WorkspaceModel } from './workspaceModel';

/**
 * Opens the Seg-R1 walkthrough (Seg-R1: Get Started). VS Code ticks an `onContext:` step only when the key changes
 * after the walkthrough is registered, which can be seconds after a workspace that already has runs was indexed:
 * the key is set again (off, then on) so a workspace with runs shows step 1 done.
 */
export async function openWalkthrough(model: WorkspaceModel): Promise<void> {
  if (model.logs.some((l) => l.index.count > 0)) {
    await vscode.commands.executeCommand('setContext', WALKTHROUGH_CONTEXT.hasRuns, false);
    await vscode.commands.executeCommand('setContext', WALKTHROUGH_CONTEXT.hasRuns, true);
  }
  await vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_FULL_ID, false);
}

/**
 * Sets the context keys that tick walkthrough steps off: a workspace with runs, a rollout shown in the panel, a second
 * rollout of the same group (the user compared the group), a rollout shown with prompt edits.
 */
export function trackWalkthrough(model: WorkspaceModel, onDidShow: vscode.Event<ShownSelection>): vscode.Disposable {
  const set = (key: string, value: boolean) => void vscode.commands.executeCommand('setContext', key, value);
  let last: { log: string; group: number; index: number } | undefined;
  return vscode.Disposable.from(
    model.onDidChange(() => set(WALKTHROUGH_CONTEXT.hasRuns, model.logs.some((l) => l.index.count > 0))),
    onDidShow(({ selection, edited }) => {
      if (selection.kind !== 'rollout') return;
      const log = model.log(selection.log);
      if (!log) return;
      set(WALKTHROUGH_CONTEXT.rolloutShown, true);
      if (edited) set(WALKTHROUGH_CONTEXT.promptEdited, true);
      const group = log.structure.groupOf(selection.index).ordinal;
      if (last && last.log === selection.log && last.group === group && last.index !== selection.index) set(WALKTHROUGH_CONTEXT.groupCompared, true);
      last = { log: selection.log, group, index: selection.index };
    }),
  );
}
