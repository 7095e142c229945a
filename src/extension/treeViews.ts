import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Selection } from '../shared/protocol';
import { COMMANDS } from '../host/commands';
import type { GroupInfo } from '../host/logStructure';
import type { AttributionService } from './attributionService';
import { annotationMarks } from '../core/attribution/overrides';
import { countFormatFailures, escapeMarkdown, formatComponent, groupText, plainText, rolloutText, runText, stepText, summarize } from '../host/treeText';
import type { DatasetEntry, LogEntry, WorkspaceModel, WorkspaceProblem } from './workspaceModel';

/** Nodes of the Runs tree. */
export type RunNode =
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

/** A tree tooltip: Markdown built from escaped log text, with HTML and theme icons off. */
function tooltip(markdown: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString(markdown, false);
  md.supportHtml = false;
  md.isTrusted = false;
  return md;
}

/** Tree ids: stable across refreshes, so reveal() finds a row and expansion survives re-indexing. */
const nodeId = {
  log: (log: LogEntry) => `log\u0000${log.file}`,
  step: (log: LogEntry, step: number) => `step\u0000${log.file}\u0000${step}`,
  group: (log: LogEntry, g: GroupInfo) => `group\u0000${log.file}\u0000${g.ordinal}`,
  rollout: (log: LogEntry, index: number) => `rollout\u0000${log.file}\u0000${index}`,
};

/** The step key groupsOfStep() files a group under (records without a step: Infinity). */
const stepKey = (step: number) => (Number.isNaN(step) ? Number.POSITIVE_INFINITY : step);

/** Runs → steps → groups → rollouts, lazily expanded; short numbers in descriptions, all of them in tooltips. */
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
        const t = runText({
          name: ix.runs[0] ?? path.basename(path.dirname(n.log.file)),
          runs: ix.runs.length,
          path: n.log.rel,
          rollouts: ix.count,
          steps: n.log.structure.steps.length,
          groups: n.log.structure.groups.length,
          reward: summarize(ix.reward),
          advantage: summarize(ix.advantage),
          formatFailures: countFormatFailures(ix.components, undefined, ix.count),
        });
        const item = new vscode.TreeItem(t.label, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = nodeId.log(n.log);
        item.description = t.description;
        item.tooltip = tooltip(t.tooltip);
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
        const ix = n.log.index;
        const groups = n.log.structure.groupsOfStep(n.step);
        const members = groups.flatMap((g) => g.members);
        const t = stepText({ step: n.step, groups: groups.length, rollouts: members.length, reward: summarize(ix.reward, members), advantage: summarize(ix.advantage, members), formatFailures: countFormatFailures(ix.components, members, ix.count) });
        const item = new vscode.TreeItem(t.label, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = nodeId.step(n.log, n.step);
        item.description = t.description;
        item.tooltip = tooltip(t.tooltip);
        item.iconPath = new vscode.ThemeIcon('debug-step-over');
        return item;
      }
      case 'group': {
        const ix = n.log.index;
        const s = n.log.structure.rewardStats(n.group);
        const t = groupText({
          key: n.group.key,
          step: n.group.step,
          rollouts: n.group.members.length,
          mean: s.mean,
          std: s.std,
          zeroVariance: s.zeroVariance,
          reward: summarize(ix.reward, n.group.members),
          advantage: summarize(ix.advantage, n.group.members),
          formatFailures: countFormatFailures(ix.components, n.group.members, ix.count),
          path: n.log.rel,
          firstLine: ix.line[n.group.members[0] ?? 0] ?? 0,
        });
        const item = new vscode.TreeItem(t.label, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = nodeId.group(n.log, n.group);
        item.description = t.description;
        item.tooltip = tooltip(t.tooltip);
        item.iconPath = new vscode.ThemeIcon(s.zeroVariance ? 'circle-slash' : 'layers');
        return item;
      }
      case 'rollout': {
        const ix = n.log.index;
        const adv = ix.advantage[n.index]!;
        const t = rolloutText({
          sample: ix.sample[n.index]!,
          index: n.index,
          reward: ix.reward[n.index]!,
          advantage: adv,
          format: formatComponent(ix.components)?.[n.index] ?? Number.NaN,
          path: n.log.rel,
          line: ix.line[n.index]!,
        });
        const item = new vscode.TreeItem(t.label, vscode.TreeItemCollapsibleState.None);
        item.id = nodeId.rollout(n.log, n.index);
        item.description = t.description;
        item.tooltip = tooltip(t.tooltip);
        const ann = this.attribution?.annotationOf(n.log, n.index);
        const marks = ann ? annotationMarks(ann) : undefined;
        if (ann && marks) {
          // The note is the user's own text, but it sits in a file anyone can commit: shown as escaped text.
          const extra = [ann.label ? `label overridden: ${ann.label}` : '', ann.note ? `note: ${escapeMarkdown(plainText(ann.note))}` : '', ann.counterfactuals.length ? `${ann.counterfactuals.length} saved prompt${ann.counterfactuals.length === 1 ? '' : 's'}` : ''].filter(Boolean);
          item.description = `${item.description} · ${marks}`;
          item.tooltip = tooltip(`${t.tooltip}\n\n${extra.join('  \n')}`);
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

  /** Parents of step, group and rollout rows: what TreeView.reveal() walks up. */
  getParent(n: RunNode): RunNode | undefined {
    switch (n.kind) {
      case 'step':
      case 'problems':
        return n.kind === 'step' ? { kind: 'log', log: n.log } : this.logNode(n.file);
      case 'problem':
        return { kind: 'problems', file: n.file, problems: this.model.problemsOf(n.file) };
      case 'group':
        return { kind: 'step', log: n.log, step: stepKey(n.group.step) };
      case 'rollout':
        return { kind: 'group', log: n.log, group: n.log.structure.groupOf(n.index) };
      default:
        return undefined;
    }
  }

  /** The row of a rollout the panel shows, if its log is (still) indexed. */
  rolloutNode(s: Selection): RunNode | undefined {
    if (s.kind !== 'rollout') return undefined;
    const log = this.model.log(s.log);
    if (!log || s.index < 0 || s.index >= log.index.count) return undefined;
    return { kind: 'rollout', log, index: s.index };
  }

  private logNode(file: string): RunNode | undefined {
    const log = this.model.log(file);
    return log ? { kind: 'log', log } : undefined;
  }
}

/**
 * The Runs tree follows the panel: the rollout it shows gets revealed and selected, without taking focus, whenever
 * the tree is visible (and once more when it becomes visible). Selecting a row programmatically runs no command,
 * so the panel is not asked to open it again.
 */
export function followPanel(view: vscode.TreeView<RunNode>, tree: RunsTree, onDidShow: vscode.Event<{ readonly selection: Selection }>, current: () => Selection | undefined): vscode.Disposable {
  const reveal = (s: Selection | undefined) => {
    if (!s || !view.visible) return;
    const node = tree.rolloutNode(s);
    if (!node || node.kind !== 'rollout') return;
    if (view.selection.some((n) => n.kind === 'rollout' && n.log.file === node.log.file && n.index === node.index)) return;
    // A log re-indexed meanwhile may no longer hold the row: nothing to follow then.
    view.reveal(node, { select: true, focus: false, expand: false }).then(undefined, () => undefined);
  };
  return vscode.Disposable.from(
    onDidShow(({ selection }) => reveal(selection)),
    view.onDidChangeVisibility((e) => {
      if (e.visible) reveal(current());
    }),
  );
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
