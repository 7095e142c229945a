import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { checkInside, overrideLogs, resolveRecordPath } from '../core/dataset/paths';

export { resolveRecordPath } from '../core/dataset/paths';
import sharp from 'sharp';
import { discoverDatasets, discoverLogs, type Dataset, type DatasetItem } from '../core/dataset/discover';
import type { RolloutIndex } from '../core/logs/jsonlIndex';
import { ADAPTERS, detectLogFormat, openRolloutLog, parseImageJoin, type ImageJoin, type OpenedLog } from '../core/logs';
import { readLogOverrides, type LogOverride } from './settings';
import { LogStructure } from '../host/logStructure';

/** A problem found in a workspace file, shown in the Problems panel and in the tree. */
export interface WorkspaceProblem {
  readonly file: string;
  /** 1-based line, when the problem is on a line. */
  readonly line?: number;
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

/** One indexed rollout log. */
export interface LogEntry {
  readonly folder: vscode.WorkspaceFolder;
  /** Absolute path of the source (file or folder); also the log id used in selections. */
  readonly file: string;
  /** The tool format it was read as (`canonical`, `trl-parquet`, `verl`, ...). */
  readonly format: string;
  /** Path relative to its workspace folder. */
  readonly rel: string;
  readonly index: RolloutIndex;
  readonly structure: LogStructure;
}

/** One discovered dataset with its workspace folder. */
export interface DatasetEntry {
  readonly folder: vscode.WorkspaceFolder;
  readonly dataset: Dataset;
}

/**
 * What the workspace holds for the workbench: datasets (image/GT pairs) and rollout logs (indexed, never
 * loaded whole), plus every problem found, published as diagnostics.
 */
export class WorkspaceModel implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after every refresh. */
  readonly onDidChange = this.changed.event;
  readonly diagnostics = vscode.languages.createDiagnosticCollection('segr1');
  private logsByFile = new Map<string, LogEntry>();
  private datasetsById = new Map<string, DatasetEntry>();
  private problemsByFile = new Map<string, WorkspaceProblem[]>();
  private refreshing?: Promise<void>;
  private readonly watcher: vscode.FileSystemWatcher;
  private pending?: NodeJS.Timeout;

  /** @param cacheDir where indexes and conversions of non-canonical logs are kept (extension storage). */
  constructor(
    private readonly cacheDir?: string,
    private readonly output?: vscode.LogOutputChannel,
  ) {
    this.watcher = vscode.workspace.createFileSystemWatcher('**/*.{jsonl,parquet,log,json,png,jpg,jpeg}');
    const soon = () => {
      clearTimeout(this.pending);
      this.pending = setTimeout(() => void this.refresh(), 500);
    };
    this.watcher.onDidCreate(soon);
    this.watcher.onDidChange(soon);
    this.watcher.onDidDelete(soon);
    this.configWatcher = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('segr1.logs')) soon();
    });
  }
  private readonly configWatcher: vscode.Disposable;

  get logs(): LogEntry[] {
    return [...this.logsByFile.values()];
  }

  get datasets(): DatasetEntry[] {
    return [...this.datasetsById.values()];
  }

  /** Problems for one file (tree warning items). */
  problemsOf(file: string): readonly WorkspaceProblem[] {
    return this.problemsByFile.get(file) ?? [];
  }

  log(file: string): LogEntry | undefined {
    return this.logsByFile.get(file);
  }

  dataset(id: string): DatasetEntry | undefined {
    return this.datasetsById.get(id);
  }

  /** The dataset item an absolute image path belongs to, if any. */
  findImage(file: string): { dataset: DatasetEntry; item: DatasetItem } | undefined {
    for (const d of this.datasetsById.values()) {
      for (const item of d.dataset.items) if (path.join(d.folder.uri.fsPath, item.image) === file) return { dataset: d, item };
    }
    return undefined;
  }

  /** Resolve once: concurrent callers share the same refresh. */
  ready(): Promise<void> {
    return this.refreshing ?? this.refresh();
  }

  /** Re-discover and re-index everything, with a progress notification when it takes a while. */
  refresh(): Promise<void> {
    const run = withDelayedProgress('Seg-R1: indexing workspace', (report, token) => this.scan(report, token));
    this.refreshing = run.finally(() => this.changed.fire());
    return this.refreshing;
  }

  /** One pass over every workspace folder: datasets, then each log through indexLog(); the result replaces the old one whole. */
  private async scan(report: (msg: string) => void, token: vscode.CancellationToken): Promise<void> {
    const found = new ScanFindings();
    const abort = new AbortController();
    token.onCancellationRequested(() => abort.abort());
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      await findDatasets(folder, found);
      for (const log of await findLogs(folder, found)) {
        if (token.isCancellationRequested) return;
        report(log.rel);
        await this.indexLog(log, found, abort.signal);
      }
    }
    this.adopt(found);
  }

  /** Index one log (detect or force its format, open it, record its problems); a log that fails becomes a problem, never an exception. */
  private async indexLog(log: LogToIndex, found: ScanFindings, signal: AbortSignal): Promise<void> {
    const { folder, root, rel, file } = log;
    try {
      const forced = log.override && overrideOptions(log.override, root, file, found.add);
      const format = forced?.format ?? (await rolloutFormat(rel, file, found.add));
      if (!format) return;
      const t0 = performance.now();
      const opened = await openRolloutLog(file, {
        signal,
        format,
        ...(forced?.imageJoin ? { imageJoin: forced.imageJoin } : {}),
        ...(this.cacheDir && format !== 'canonical' ? { cacheDir: this.cacheDir } : {}),
      });
      const ms = performance.now() - t0;
      if (opened.cacheReason !== undefined) this.output?.info(`${rel}: index cache not used (${opened.cacheReason}); rebuilt`);
      found.logs.set(file, { folder, file, rel, format: opened.format, index: opened.index, structure: new LogStructure(opened.index) });
      this.output?.info(indexSummary(rel, opened, ms));
      addIndexIssues(file, opened, found.add);
      found.checks.push(() => checkImagePaths(root, file, opened.index, found.add));
      addMissingImages(log, opened, Boolean(forced?.imageJoin), found.add);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.output?.error(`${rel}: cannot index: ${message}`);
      found.add({ file, message: `cannot index: ${message}`, severity: 'error' });
    }
  }

  /** Make a finished scan current and publish it; its file checks report later, never delaying the first view. */
  private adopt(found: ScanFindings): void {
    this.logsByFile = found.logs;
    this.datasetsById = found.datasets;
    this.problemsByFile = found.problems;
    this.publish();
    // File checks read image headers (one per dataset pair).
    void (async () => {
      for (const check of found.checks) await check().catch(() => undefined);
      if (this.problemsByFile !== found.problems) return; // a newer scan replaced this one
      this.publish();
      this.changed.fire();
    })();
  }

  /** Add a problem found later (e.g. while opening a rollout) and publish it. */
  addProblem(p: WorkspaceProblem): void {
    const list = this.problemsByFile.get(p.file) ?? [];
    if (list.some((q) => q.line === p.line && q.message === p.message)) return;
    list.push(p);
    this.problemsByFile.set(p.file, list);
    this.publish();
    this.changed.fire();
  }

  private publish(): void {
    this.diagnostics.clear();
    for (const [file, list] of this.problemsByFile) {
      this.diagnostics.set(
        vscode.Uri.file(file),
        list.map((p) => {
          const line = Math.max(0, (p.line ?? 1) - 1);
          const d = new vscode.Diagnostic(new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER), p.message, p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
          d.source = 'Seg-R1';
          return d;
        }),
      );
    }
  }

  dispose(): void {
    clearTimeout(this.pending);
    this.watcher.dispose();
    this.configWatcher.dispose();
    this.diagnostics.dispose();
    this.changed.dispose();
  }
}

/** What one scan collects; it replaces the model's state only once the scan completes. */
class ScanFindings {
  readonly logs = new Map<string, LogEntry>();
  readonly datasets = new Map<string, DatasetEntry>();
  readonly problems = new Map<string, WorkspaceProblem[]>();
  /** File-system checks run after the first publish. */
  readonly checks: Array<() => Promise<void>> = [];
  /** Record one problem under its file. */
  readonly add = (p: WorkspaceProblem): void => {
    const list = this.problems.get(p.file) ?? [];
    list.push(p);
    this.problems.set(p.file, list);
  };
}

/** One log a scan found, with the override the settings give it. */
interface LogToIndex {
  readonly folder: vscode.WorkspaceFolder;
  readonly root: string;
  /** Path relative to the workspace folder, as discovered or named in the overrides. */
  readonly rel: string;
  readonly file: string;
  readonly override?: LogOverride;
}

/** Record a folder's datasets, warn about images without a mask, and queue their size checks. */
async function findDatasets(folder: vscode.WorkspaceFolder, found: ScanFindings): Promise<void> {
  const root = folder.uri.fsPath;
  for (const d of await discoverDatasets(root)) {
    found.datasets.set(`${folder.name}/${d.id}`, { folder, dataset: d });
    for (const stem of d.unmatched.images) found.add({ file: path.join(root, d.imagesDir), message: `image '${stem}' has no mask in ${d.masksDir}`, severity: 'warning' });
    found.checks.push(() => checkDatasetSizes(root, d, found.add));
  }
}

/** The logs of a folder: discovered ones, then those only the overrides name; bad override entries become problems. */
async function findLogs(folder: vscode.WorkspaceFolder, found: ScanFindings): Promise<LogToIndex[]> {
  const root = folder.uri.fsPath;
  const overrides = readLogOverrides(folder);
  const discovered = await discoverLogs(root);
  // A log named in the overrides opens even when discovery passes it by (an unusual name or extension).
  const named = overrideLogs(root, overrides, discovered);
  for (const message of named.problems) found.add({ file: path.join(root, '.vscode', 'settings.json'), message, severity: 'error' });
  return [...discovered, ...named.rels].map((rel) => {
    const override = overrides.find((o) => o.path === rel);
    return { folder, root, rel, file: path.join(root, rel), ...(override ? { override } : {}) };
  });
}

/** The detected rollout format of a log, or undefined when it is not one (metrics files, other tools' logs). */
async function rolloutFormat(rel: string, file: string, add: (p: WorkspaceProblem) => void): Promise<string | undefined> {
  const detected = await detectLogFormat(file);
  if (detected.kind === 'metrics') return undefined; // charted by the traces view beside its run
  if (detected.kind === 'unknown') {
    // Only files that claim to be rollout logs by name deserve a problem; other *.log files are not ours.
    if (/\.jsonl$/.test(rel)) add({ file, message: `not a rollout log: ${detected.reason}`, severity: 'warning' });
    return undefined;
  }
  return detected.format;
}

/** The output-channel line for an indexed log: counts, problems, time and size. */
function indexSummary(rel: string, opened: OpenedLog, ms: number): string {
  const index = opened.index;
  const errors = index.issues.filter((i) => i.severity === 'error').length;
  return (
    `${rel}: ${index.count} rollouts (${opened.format}), ${index.runs.length} run(s), ${index.groups.length} groups, ` +
    `${errors} error(s) and ${index.issues.length - errors} warning(s); indexed in ${ms.toFixed(0)} ms` +
    (index.size ? ` (${(index.size / 1e6).toFixed(1)} MB)` : '')
  );
}

/** A log's own problems: canonical logs report by line of the file itself; converted ones by the source tool's own lines. */
function addIndexIssues(file: string, opened: OpenedLog, add: (p: WorkspaceProblem) => void): void {
  const issues = opened.format === 'canonical' ? opened.index.issues : opened.sourceIssues;
  for (const issue of issues) add({ file, line: issue.line || undefined, message: issue.field ? `${issue.field}: ${issue.message}` : issue.message, severity: issue.severity });
}

/** Warn when a converted log's rollouts name no image, saying which setting joins them to dataset images. */
function addMissingImages(log: LogToIndex, opened: OpenedLog, joined: boolean, add: (p: WorkspaceProblem) => void): void {
  const missing = opened.conversion?.withoutImage ?? 0;
  if (missing <= 0) return;
  add({
    file: log.file,
    message:
      `${missing} of ${opened.conversion!.records} rollouts name no image (${opened.format} logs do not${joined ? ', and the imagesBy join found none for them' : ''}): ` +
      `join them to dataset images with the setting segr1.logs.overrides, e.g. {"path": "${log.rel}", "imagesBy": "order:<images.txt>:<G>"}`,
    severity: 'warning',
  });
}

/**
 * A log's override as openRolloutLog options; what is wrong with it becomes a problem on the log (and that part of the
 * override is ignored), so a typo never hides the log.
 */
function overrideOptions(ov: LogOverride, root: string, file: string, add: (p: WorkspaceProblem) => void): { format?: string; imageJoin?: ImageJoin } {
  const out: { format?: string; imageJoin?: ImageJoin } = {};
  if (ov.format !== undefined) {
    if (ov.format in ADAPTERS) out.format = ov.format;
    else add({ file, message: `segr1.logs.overrides: format '${ov.format}' is not one of ${Object.keys(ADAPTERS).join(', ')}; detecting the format instead`, severity: 'error' });
  }
  if (ov.imagesBy !== undefined) {
    const j = parseImageJoin(ov.imagesBy, root, { confined: true });
    if (typeof j === 'string') add({ file, message: `segr1.logs.overrides: imagesBy: ${j}`, severity: 'error' });
    else out.imageJoin = j;
  }
  return out;
}

/** Items checked per dataset for GT/image size agreement (headers only; large datasets are sampled from the start). */
const SIZE_CHECK_LIMIT = 5000;

/** Report GT masks whose size differs from their image, and files sharp cannot read, on the GT / image file. */
async function checkDatasetSizes(root: string, d: Dataset, add: (p: WorkspaceProblem) => void): Promise<void> {
  const items = d.items.filter((i) => i.gt).slice(0, SIZE_CHECK_LIMIT);
  const size = async (rel: string) => {
    // Dataset folders may hold links; one leading out of the workspace is refused before sharp opens it.
    const where = await checkInside(root, rel);
    if (!where.ok) return new Error(where.detail);
    try {
      const m = await sharp(where.real).metadata();
      return m.width && m.height ? { width: m.width, height: m.height } : new Error('no image size in the header');
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  };
  for (let k = 0; k < items.length; k += 32) {
    await Promise.all(
      items.slice(k, k + 32).map(async (item) => {
        const [im, gt] = await Promise.all([size(item.image), size(item.gt!)]);
        if (im instanceof Error) add({ file: path.join(root, item.image), message: `unreadable image: ${im.message}`, severity: 'error' });
        if (gt instanceof Error) add({ file: path.join(root, item.gt!), message: `unreadable GT mask: ${gt.message}`, severity: 'error' });
        if (!(im instanceof Error) && !(gt instanceof Error) && (im.width !== gt.width || im.height !== gt.height)) {
          add({ file: path.join(root, item.gt!), message: `GT is ${gt.width}×${gt.height} but its image ${item.image} is ${im.width}×${im.height}`, severity: 'warning' });
        }
      }),
    );
  }
}

/** Report every distinct image path of a log that is missing or escapes the workspace, at the first line using it. */
async function checkImagePaths(root: string, file: string, index: RolloutIndex, add: (p: WorkspaceProblem) => void): Promise<void> {
  const firstLine = new Map<number, number>();
  for (let i = 0; i < index.count; i++) {
    const im = index.image[i]!;
    if (im >= 0 && !firstLine.has(im)) firstLine.set(im, index.line[i]!);
  }
  await Promise.all(
    [...firstLine].map(async ([im, line]) => {
      const rel = index.images[im]!;
      const resolved = resolveRecordPath(root, file, rel);
      // Absolute and `..` paths are already reported by the index at their line; what only the file system shows is not.
      if ('error' in resolved) {
        if (resolved.reason === 'symlink' || resolved.reason === 'loop') add({ file, line, message: `image ${resolved.error}`, severity: 'error' });
        return;
      }
      try {
        await fs.access(resolved.path);
      } catch {
        add({ file, line, message: `image: '${rel}' not found (looked in ${root} and beside the log)`, severity: 'error' });
      }
    }),
  );
}

/**
 * Run a task with a progress notification that only appears when it takes longer than 300 ms, so quick
 * refreshes do not flash a toast.
 */
export async function withDelayedProgress<T>(title: string, task: (report: (msg: string) => void, token: vscode.CancellationToken) => Promise<T>): Promise<T> {
  const cts = new vscode.CancellationTokenSource();
  let last = '';
  let reporter: ((msg: string) => void) | undefined;
  let done = false;
  const timer = setTimeout(() => {
    if (done) return;
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
      token.onCancellationRequested(() => cts.cancel());
      reporter = (m) => progress.report({ message: m });
      if (last) reporter(last);
      return new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          if (done) {
            clearInterval(poll);
            resolve();
          }
        }, 50);
      });
    });
  }, 300);
  try {
    return await task((m) => {
      last = m;
      reporter?.(m);
    }, cts.token);
  } finally {
    done = true;
    clearTimeout(timer);
    cts.dispose();
  }
}
