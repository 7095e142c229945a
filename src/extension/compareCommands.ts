import * as path from 'node:path';
import * as vscode from 'vscode';
import { rolloutsByImage, stepsSharingImages } from '../core/compare/pairing';
import type { CompareSideRef } from '../shared/compareProtocol';
import { ComparePanel } from './comparePanel';
import type { SegmenterService } from './segmenterService';
import type { LogEntry, WorkspaceModel } from './workspaceModel';

/** What the Runs tree hands a context-menu command on a run row. */
interface RunNodeArg {
  readonly kind: string;
  readonly log?: { readonly file: string };
}

/** The log a command was invoked on from the Runs tree, if any. */
function logOfArg(model: WorkspaceModel, arg: unknown): LogEntry | undefined {
  const n = arg as RunNodeArg | undefined;
  return n && typeof n === 'object' && n.kind === 'log' && n.log ? model.log(n.log.file) : undefined;
}

const runName = (l: LogEntry): string => l.index.runs[0] ?? path.basename(path.dirname(l.file));

async function pickLog(logs: readonly LogEntry[], title: string): Promise<LogEntry | undefined> {
  if (logs.length === 1) return logs[0];
  const pick = await vscode.window.showQuickPick(
    logs.map((l) => ({ label: runName(l), description: l.rel, detail: `${l.index.count} rollouts · ${l.structure.steps.filter(Number.isFinite).length} steps`, log: l })),
    { title },
  );
  return pick?.log;
}

/** Pick a step of `log`: every step with its image and rollout count, the last first (the CLI's default side). */
async function pickStep(log: LogEntry, title: string): Promise<number | undefined> {
  const steps = log.structure.steps.filter(Number.isFinite);
  const items = [...steps].reverse().map((s) => {
    const byImage = rolloutsByImage(log.index, s);
    const rollouts = [...byImage.values()].reduce((n, m) => n + m.length, 0);
    return { label: `step ${s}`, description: `${byImage.size} images · ${rollouts} rollouts`, step: s };
  });
  if (!items.length) {
    void vscode.window.showInformationMessage(`Seg-R1: ${log.rel} logs no step to compare.`);
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { title, matchOnDescription: false }))?.step;
}

/** Pick the second side's step: the steps of `log` that share images with the first side, most shared first. */
async function pickSecondStep(first: LogEntry, step: number, log: LogEntry, title: string): Promise<number | undefined> {
  const options = stepsSharingImages(first.index, step, log.index);
  if (!options.length) {
    void vscode.window.showInformationMessage(`Seg-R1: ${log.rel} has no other step to compare with step ${step}.`);
    return undefined;
  }
  const items = options.map((o) => ({ label: `step ${o.step}`, description: o.shared ? `${o.shared} images in common` : 'no image in common', step: o.step }));
  return (await vscode.window.showQuickPick(items, { title }))?.step;
}

/** "Seg-R1: Compare Steps…": two steps of one run (the run a tree row was invoked on, or one picked). */
export async function compareSteps(context: vscode.ExtensionContext, model: WorkspaceModel, segmenters: SegmenterService, arg?: unknown): Promise<void> {
  await model.ready();
  const logs = model.logs;
  if (!logs.length) {
    void vscode.window.showInformationMessage('Seg-R1: no rollout logs in this workspace to compare.');
    return;
  }
  const log = logOfArg(model, arg) ?? (await pickLog(logs, 'Seg-R1: compare two steps of which run?'));
  if (!log) return;
  const a = await pickStep(log, `Seg-R1: compare steps of ${runName(log)}: first step (a)`);
  if (a === undefined) return;
  const b = await pickSecondStep(log, a, log, `Seg-R1: compare step ${a} with (b)`);
  if (b === undefined) return;
  open(context, model, segmenters, { log: log.file, step: a }, { log: log.file, step: b });
}

/** "Seg-R1: Compare Runs…": a step of one run against a step of another. */
export async function compareRuns(context: vscode.ExtensionContext, model: WorkspaceModel, segmenters: SegmenterService, arg?: unknown): Promise<void> {
  await model.ready();
  const logs = model.logs;
  if (logs.length < 2) {
    const choice = await vscode.window.showInformationMessage('Seg-R1: comparing runs needs two rollout logs in the workspace; compare two steps of the one there is instead?', 'Compare Steps…');
    if (choice) await compareSteps(context, model, segmenters, arg);
    return;
  }
  const first = logOfArg(model, arg) ?? (await pickLog(logs, 'Seg-R1: compare which run (a)?'));
  if (!first) return;
  const second = await pickLog(logs.filter((l) => l !== first), `Seg-R1: compare ${runName(first)} with which run (b)?`);
  if (!second) return;
  const a = await pickStep(first, `Seg-R1: step of ${runName(first)} (a)`);
  if (a === undefined) return;
  const b = await pickSecondStep(first, a, second, `Seg-R1: step of ${runName(second)} to compare with step ${a} (b)`);
  if (b === undefined) return;
  open(context, model, segmenters, { log: first.file, step: a }, { log: second.file, step: b });
}

function open(context: vscode.ExtensionContext, model: WorkspaceModel, segmenters: SegmenterService, a: CompareSideRef, b: CompareSideRef): void {
  ComparePanel.show(context, model, segmenters, a, b);
}
