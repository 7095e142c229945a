import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Selection } from '../shared/protocol';
import { COMMANDS } from './commands';
import type { GroupInfo } from './logStructure';
import type { AttributionService } from './attributionService';
import { annotationMarks } from '../core/attribution/overrides';
import type { DatasetEntry, LogEntry, WorkspaceModel, WorkspaceProblem } from './workspaceModel';

/** Nodes of the Runs tree. */
type RunNode =
  | { kind: 'log'; log: LogEntry }
  | { kind: 'problems'; file: string; problems: readonly WorkspaceProblem[] }
  | { kind: 'problem'; file: string; problem: WorkspaceProblem }
  | { kind: 'step'; log: LogEntry; step: number }
  | { kind: 'group'; log: LogEntry; group: GroupInfo }
  | { kind: 'rollout'; log: LogEntry; index: number };

/** Nodes of the Datasets tree. */
type DatasetNode =
  | { kind: 'dataset'; entry: DatasetEntry }
  | { kind: 'problems'; entries: ReadonlyArray<{ file: string; problem: WorkspaceProblem }> }
  | { kind: 'problem'; file: string; problem: WorkspaceProblem }
  | { kind: 'image'; entry: DatasetEntry; stem: string };

const fmt = (v: number, d = 3) => (Number.isNaN(v) ? '—' : v.toFixed(d));

function problemsItem(problems: readonly WorkspaceProblem[]): vscode.TreeItem {
  const item = new vscode.TreeItem(`${problems.length} problem${problems.length === 1 ? '' : 's'}`, vscode.TreeItemCollapsibleState.Collapsed);
  item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  item.tooltip = 'Lines that could not be read or reference missing files; every other record still opens.';
  return item;
}

function problemItem(file: string, p: WorkspaceProblem): vscode.TreeItem {
  const item = new vscode.TreeItem(p.line ? `line ${p.line}: ${p.message}` : p.message, vscode.TreeItemCollapsibleState.None);
  item.iconPath = new vscode.ThemeIcon(p.severity === 'error' ? 'error' : 'warning');
  item.tooltip = `${file}${p.line ? `:${p.line}` : ''}\n${p.message}`;
  const line = Math.max(0, (p.line ?? 1) - 1);
  item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(file), { selection: new vscode.Range(line, 0, line, 0) }] };
  return item;
}

/** Runs → steps → groups → rollouts, lazily expanded, with counts and reward summaries in descriptions. */
export class RunsTree implements vscode.TreeDataProvider<RunNode> {
  private readonly changed = new vscode.EventEmitter<RunNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly model: WorkspaceModel,
    private readonly attribution?: AttributionService,
  ) {
    model.onDidChange(() => this.changed.fire(undefined));
    attribution?.onDidChange(() => this.changed.fire(undefined));
  }

  getTreeItem(n: RunNode): vscode.TreeItem {
    switch (n.kind) {
      case 'log': {
        const ix = n.log.index;
        const item = new vscode.TreeItem(ix.runs[0] ?? path.basename(path.dirname(n.log.file)), vscode.TreeItemCollapsibleState.Collapsed);
        item.description = `${ix.count} rollouts · ${n.log.structure.steps.length} steps · ${n.log.structure.groups.length} groups`;
        item.tooltip = n.log.rel;
        item.resourceUri = vscode.Uri.file(n.log.file);
        item.iconPath = new vscode.ThemeIcon('graph-line');
        item.contextValue = 'segr1.log';
        return item;
      }
      case 'problems':
        return problemsItem(n.problems);
      case 'problem':
        return problemItem(n.file, n.problem);
      case 'step': {
        const groups = n.log.structure.groupsOfStep(n.step);
        const rewards = groups.flatMap((g) => g.members.map((m) => n.log.index.reward[m]!)).filter((r) => !Number.isNaN(r));
        const mean = rewards.length ? rewards.reduce((a, b) => a + b, 0) / rewards.length : Number.NaN;
        const item = new vscode.TreeItem(Number.isFinite(n.step) ? `step ${n.step}` : 'no step', vscode.TreeItemCollapsibleState.Collapsed);
        item.description = `${groups.length} groups · r̄ ${fmt(mean)}`;
        item.iconPath = new vscode.ThemeIcon('debug-step-over');
        return item;
      }
      case 'group': {
        const s = n.log.structure.rewardStats(n.group);
        const flat = s.zeroVariance;
        const item = new vscode.TreeItem(`group ${n.group.key}`, vscode.TreeItemCollapsibleState.Collapsed);
        item.description = `${n.group.members.length} rollouts · r̄ ${fmt(s.mean)} · σ ${fmt(s.std)}${flat ? ' · no signal' : ''}`;
        item.tooltip = flat ? 'All rewards equal: GRPO advantages are all 0, the group teaches nothing.' : undefined;
        item.iconPath = new vscode.ThemeIcon(flat ? 'circle-slash' : 'layers');
        return item;
      }
      case 'rollout': {
        const ix = n.log.index;
        const sample = ix.sample[n.index]!;
        const item = new vscode.TreeItem(`rollout ${sample >= 0 ? sample : n.index}`, vscode.TreeItemCollapsibleState.None);
        const adv = ix.advantage[n.index]!;
        item.description = `r ${fmt(ix.reward[n.index]!)} · A ${Number.isNaN(adv) ? '—' : (adv >= 0 ? '+' : '') + adv.toFixed(3)}`;
        item.tooltip = `${n.log.rel}:${ix.line[n.index]}`;
        const ann = this.attribution?.annotationOf(n.log, n.index);
        const marks = ann ? annotationMarks(ann) : undefined;
        if (ann && marks) {
          item.description = `${item.description} · ${marks}`;
          item.tooltip = `${item.tooltip}${ann.label ? `\nlabel overridden: ${ann.label}` : ''}${ann.note ? `\nnote: ${ann.note}` : ''}${ann.counterfactuals.length ? `\n${ann.counterfactuals.length} saved prompt${ann.counterfactuals.length === 1 ? '' : 's'}` : ''}`;
        }
        item.iconPath = new vscode.ThemeIcon(Number.isNaN(adv) ? 'circle-outline' : adv > 0 ? 'arrow-up' : adv < 0 ? 'arrow-down' : 'dash');
        const selection: Selection = { kind: 'rollout', log: n.log.file, index: n.index };
        item.command = { command: COMMANDS.openRollout, title: 'Open Rollout', arguments: [selection] };
        item.contextValue = 'segr1.rollout';
        return item;
      }
    }
  }

  getChildren(n?: RunNode): RunNode[] {
    if (!n) return this.model.logs.map((log) => ({ kind: 'log', log }));
    switch (n.kind) {
      case 'log': {
        const problems = this.model.problemsOf(n.log.file);
        const steps: RunNode[] = n.log.structure.steps.map((step) => ({ kind: 'step', log: n.log, step }));
        return problems.length ? [{ kind: 'problems', file: n.log.file, problems }, ...steps] : steps;
      }
      case 'problems':
        return n.problems.map((problem) => ({ kind: 'problem', file: n.file, problem }));
      case 'step':
        return n.log.structure.groupsOfStep(n.step).map((group) => ({ kind: 'group', log: n.log, group }));
      case 'group':
        return n.group.members.map((index) => ({ kind: 'rollout', log: n.log, index }));
      default:
        return [];
    }
  }
}

/** Datasets → images, with problems (images without masks, size mismatches) as warning items. */
export class DatasetsTree implements vscode.TreeDataProvider<DatasetNode> {
  private readonly changed = new vscode.EventEmitter<DatasetNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly model: WorkspaceModel) {
    model.onDidChange(() => this.changed.fire(undefined));
  }

  getTreeItem(n: DatasetNode): vscode.TreeItem {
    switch (n.kind) {
      case 'dataset': {
        const d = n.entry.dataset;
        const item = new vscode.TreeItem(d.name, vscode.TreeItemCollapsibleState.Collapsed);
        const withGt = d.items.filter((i) => i.gt).length;
        item.description = `${d.items.length} images · ${withGt} with GT`;
        item.tooltip = `${d.imagesDir} + ${d.masksDir}`;
        item.iconPath = new vscode.ThemeIcon('file-media');
        item.contextValue = 'segr1.dataset';
        return item;
      }
      case 'problems':
        return problemsItem(n.entries.map((e) => e.problem));
      case 'problem':
        return problemItem(n.file, n.problem);
      case 'image': {
        const it = n.entry.dataset.items.find((i) => i.stem === n.stem)!;
        const item = new vscode.TreeItem(n.stem, vscode.TreeItemCollapsibleState.None);
        item.description = it.gt ? undefined : 'no GT';
        item.resourceUri = vscode.Uri.file(path.join(n.entry.folder.uri.fsPath, it.image));
        const selection: Selection = { kind: 'image', dataset: `${n.entry.folder.name}/${n.entry.dataset.id}`, stem: n.stem };
        item.command = { command: COMMANDS.openSelection, title: 'Inspect', arguments: [selection] };
        item.contextValue = 'segr1.image';
        return item;
      }
    }
  }

  getChildren(n?: DatasetNode): DatasetNode[] {
    if (!n) return this.model.datasets.map((entry) => ({ kind: 'dataset', entry }));
    if (n.kind === 'dataset') {
      const root = n.entry.folder.uri.fsPath;
      const files = [path.join(root, n.entry.dataset.imagesDir), ...n.entry.dataset.items.flatMap((i) => [path.join(root, i.image), ...(i.gt ? [path.join(root, i.gt)] : [])])];
      const entries = files.flatMap((file, k) => this.model.problemsOf(file).map((p) => ({ file, problem: k === 0 ? p : { ...p, message: `${path.basename(file)}: ${p.message}` } })));
      const images: DatasetNode[] = n.entry.dataset.items.map((i) => ({ kind: 'image', entry: n.entry, stem: i.stem }));
      return entries.length ? [{ kind: 'problems', entries }, ...images] : images;
    }
    if (n.kind === 'problems') return n.entries.map((e) => ({ kind: 'problem', file: e.file, problem: e.problem }));
    return [];
  }
}
