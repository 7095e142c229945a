import * as vscode from 'vscode';
import { annotationKeyOf, loadAnnotations, logKeyPath, lookupAnnotation, updateAnnotations, type AnnotationEntry, type LoadedAnnotations } from '../core/annotations';
import { effectiveLabel, labelOverrides } from '../core/attribution/overrides';
import { labelMeasured, measureLog, OracleCache, type AttributedRollout, type MeasuredRollout } from '../core/attribution/attributeLog';
import { DEFAULT_THRESHOLDS, type AttributionLabel } from '../core/attribution/labels';
import { taxonomyOf, type TaxonomyItem } from '../core/attribution/taxonomy';
import { getRewardSet } from '../core/rewards/registry';
import { disposeReplayPools } from '../core/rewards/replayPool';
import type { RolloutAttribution } from '../shared/protocol';
import type { TaxonomyPayload } from '../shared/tracesProtocol';
import type { SegmenterService } from './segmenterService';
import type { LogEntry, WorkspaceModel } from './workspaceModel';

/** The reward set whose format component and replayed totals the labels use (the CLI's default too). */
const REWARD_SET = 'segr1-reference';
/** Worker threads of a pass (replay's pool; the classical fallback only): 2 measured ~1.6–1.9× one thread. */
const ATTRIBUTION_WORKERS = 2;

/** `segr1.attribution.*` as set, falling back to the documented defaults for values that are not finite. */
export function readAttributionThresholds(): { tauSeg: number; delta: number } {
  const c = vscode.workspace.getConfiguration('segr1.attribution');
  const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) ? v : d);
  return { tauSeg: num(c.get('tauSeg'), DEFAULT_THRESHOLDS.tauSeg), delta: num(c.get('delta'), DEFAULT_THRESHOLDS.delta) };
}

/**
 * One log's measured numbers, valid while the log's index (size, mtime) is unchanged. The labels are pure over the
 * numbers, so a change of `segr1.attribution.*` relabels at once without measuring again.
 */
interface LogMeasurement {
  readonly stamp: string;
  readonly segmenter: string;
  /** Record index per log line. */
  readonly recordOfLine: ReadonlyMap<number, number>;
  readonly measured: readonly MeasuredRollout[];
  readonly unattributed: number;
  /** The labels under the thresholds they were last computed for. */
  labelled?: { readonly tauSeg: number; readonly delta: number; readonly byRecord: ReadonlyArray<AttributedRollout | undefined> };
}

/** A log's labels under the current thresholds. */
interface LogAttribution {
  readonly segmenter: string;
  readonly thresholds: { readonly tauSeg: number; readonly delta: number };
  /** Per record of the index (undefined: the line could not be attributed). */
  readonly byRecord: ReadonlyArray<AttributedRollout | undefined>;
  readonly unattributed: number;
}

function stampOf(log: LogEntry): string {
  return `${log.index.path}\0${log.index.size}\0${log.index.mtimeMs}`;
}

/**
 * The attribution pass in the editor: runs the core's per-rollout measurement and labelling over every indexed log
 * (progress, cancellable), keeps the result per log in memory until the log or the thresholds change, and joins it
 * with the label overrides of `.segr1/annotations.json` (read back from the file each time, so a reload or another
 * window's edit shows).
 */
export class AttributionService implements vscode.Disposable {
  private readonly cache = new Map<string, LogMeasurement>();
  /** Oracles of earlier passes (keyed by segmenter and the files' sizes and times): a re-run after the log grew segments only new images. */
  private readonly oracleCache = new OracleCache();
  /** Annotations per workspace folder as last read; dropped whenever the file changes (watcher) or is written here. */
  private readonly annotations = new Map<string, LoadedAnnotations>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Fires when a pass finishes or an override is written (views re-read labels). */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly model: WorkspaceModel,
    private readonly segmenters: SegmenterService,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/.segr1/annotations.json');
    const reread = () => {
      this.annotations.clear();
      this.changed.fire();
    };
    this.subscriptions.push(
      watcher,
      watcher.onDidChange(reread),
      watcher.onDidCreate(reread),
      watcher.onDidDelete(reread),
      // New thresholds relabel the measured numbers (valid() does it): views re-read the labels.
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('segr1.attribution')) this.changed.fire();
      }),
    );
  }

  /** The cached attribution of a log under the current thresholds, when it still describes the log as indexed now. */
  private valid(log: LogEntry): LogAttribution | undefined {
    const m = this.cache.get(log.file);
    if (!m) return undefined;
    if (m.stamp !== stampOf(log)) {
      this.cache.delete(log.file);
      return undefined;
    }
    const t = readAttributionThresholds();
    if (m.labelled?.tauSeg !== t.tauSeg || m.labelled.delta !== t.delta) {
      const byRecord: Array<AttributedRollout | undefined> = new Array(log.index.count).fill(undefined);
      for (const r of labelMeasured(m.measured, { ...DEFAULT_THRESHOLDS, ...t })) {
        const i = m.recordOfLine.get(r.line);
        if (i !== undefined) byRecord[i] = r;
      }
      m.labelled = { ...t, byRecord };
    }
    return { segmenter: m.segmenter, thresholds: { tauSeg: t.tauSeg, delta: t.delta }, byRecord: m.labelled.byRecord, unattributed: m.unattributed };
  }

  /** A pass under way: a second request (button and command) joins it rather than starting another. */
  private running?: Promise<boolean>;

  /** Run the pass over every indexed log (the command and the traces' button); resolves false when cancelled. */
  run(): Promise<boolean> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<boolean> {
    await this.model.ready();
    const logs = this.model.logs.filter((l) => l.index.count > 0);
    if (!logs.length) {
      void vscode.window.showInformationMessage('Seg-R1: no rollout logs to attribute in this workspace.');
      return false;
    }
    const rewardSet = getRewardSet(REWARD_SET)!;
    const { segmenter, label } = await this.segmenters.inUse();
    const total = logs.reduce((a, l) => a + l.index.count, 0);
    const done = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Seg-R1: attributing failures (oracle by ${label})`, cancellable: true }, async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      let seen = 0;
      const results = new Map<string, LogMeasurement>();
      for (const log of logs) {
        let unattributed = 0;
        let before = 0;
        let measured: MeasuredRollout[];
        try {
          // Replay's worker pool with the classical fallback (each worker makes its own); a SAM2 export stays here.
          ({ measured } = await measureLog(log.index.path, {
            rewardSet,
            root: log.folder.uri.fsPath,
            segmenter,
            signal: abort.signal,
            workers: ATTRIBUTION_WORKERS,
            oracleCache: this.oracleCache,
            onBadLine: (lineNo, message) => {
              unattributed++;
              // One bad line never hides the others: it is counted in the taxonomy and listed with the log's problems.
              this.model.addProblem({ file: log.file, line: lineNo, message: `not attributed: ${message}`, severity: 'warning' });
            },
            onProgress: (p) => {
              progress.report({ message: `${log.rel}: ${seen + p.rollouts}/${total} rollouts`, increment: ((p.rollouts - before) / total) * 100 });
              before = p.rollouts;
            },
          }));
        } catch (e) {
          if (token.isCancellationRequested) return undefined;
          throw e;
        }
        seen += measured.length;
        const recordOfLine = new Map<number, number>();
        for (let i = 0; i < log.index.count; i++) recordOfLine.set(log.index.line[i]!, i);
        results.set(log.file, { stamp: stampOf(log), segmenter: label, recordOfLine, measured, unattributed });
      }
      return results;
    });
    if (!done) return false;
    for (const [file, a] of done) this.cache.set(file, a);
    this.changed.fire();
    return true;
  }

  /** A workspace folder's annotations (read once until the file changes). */
  private annotationsOf(ws: string): LoadedAnnotations {
    let a = this.annotations.get(ws);
    if (!a) this.annotations.set(ws, (a = loadAnnotations(ws)));
    return a;
  }

  /** The annotation of one rollout, if any (the Runs tree decorates it). */
  annotationOf(log: LogEntry, index: number): AnnotationEntry | undefined {
    const ws = log.folder.uri.fsPath;
    try {
      return lookupAnnotation(this.annotationsOf(ws).store, annotationKeyOf(log.index, logKeyPath(ws, log.file), index));
    } catch {
      return undefined;
    }
  }

  /** Label overrides of a log by record index, read from its workspace's annotations file. */
  private overrides(log: LogEntry): Map<number, AttributionLabel> {
    const ws = log.folder.uri.fsPath;
    try {
      return labelOverrides(this.annotationsOf(ws).store, log.index, logKeyPath(ws, log.file));
    } catch {
      // A log outside the workspace has no annotations.
      return new Map();
    }
  }

  /** What the panel shows for one rollout: the computed label (when the pass has run) and the user's override. */
  labelOf(logFile: string, index: number): RolloutAttribution {
    const log = this.model.log(logFile);
    if (!log) return {};
    const valid = this.valid(log);
    const a = valid?.byRecord[index];
    const ws = log.folder.uri.fsPath;
    const loaded = this.annotationsOf(ws);
    let override: AttributionLabel | undefined;
    try {
      override = lookupAnnotation(loaded.store, annotationKeyOf(log.index, logKeyPath(ws, log.file), index))?.label;
    } catch {
      // A log outside the workspace has no annotations.
    }
    return {
      ...(a && valid ? { computed: { label: a.label, flags: a.flags, explanation: a.explanation, segmenter: valid.segmenter } } : {}),
      ...(override ? { override } : {}),
      ...(loaded.readOnly ? { readOnly: loaded.readOnly } : {}),
    };
  }

  /** Write (or, with null, remove) a rollout's label override; atomic and merged with the file's latest content. */
  setOverride(logFile: string, index: number, label: AttributionLabel | null): void {
    const log = this.model.log(logFile);
    if (!log) throw new Error(`log ${logFile} is not indexed`);
    const ws = log.folder.uri.fsPath;
    const key = annotationKeyOf(log.index, logKeyPath(ws, log.file), index);
    try {
      updateAnnotations(ws, [label === null ? { kind: 'removeLabel', key } : { kind: 'setLabel', key, label }]);
    } finally {
      this.annotations.delete(ws);
    }
    this.changed.fire();
  }

  /** Labels per record of a log (override applied) and the image of each, when the pass has run on it as it is now. */
  labels(log: LogEntry): { labels: Array<{ label: AttributionLabel; overridden: boolean } | undefined>; images: Array<string | undefined> } | undefined {
    const a = this.valid(log);
    if (!a) return undefined;
    const overrides = this.overrides(log);
    return {
      labels: a.byRecord.map((r, i) => effectiveLabel(r?.label, overrides.get(i))),
      images: a.byRecord.map((r) => r?.image),
    };
  }

  /** The taxonomy of every log the pass has run on (as it is now); undefined when none has. */
  taxonomy(): TaxonomyPayload | undefined {
    const items: TaxonomyItem[] = [];
    let any: LogAttribution | undefined;
    let unattributed = 0;
    for (const log of this.model.logs) {
      const a = this.valid(log);
      const l = a && this.labels(log);
      if (!a || !l) continue;
      any = a;
      unattributed += a.unattributed;
      l.labels.forEach((x, i) => {
        if (x) items.push({ step: log.index.step[i]!, ...(l.images[i] !== undefined ? { image: l.images[i] } : {}), label: x.label });
      });
    }
    if (!any) return undefined;
    return { taxonomy: taxonomyOf(items), segmenter: any.segmenter, thresholds: any.thresholds, unattributed };
  }

  dispose(): void {
    // The replay/attribution workers (kept warm between passes) go with the extension, not at their idle timeout.
    void disposeReplayPools();
    for (const d of this.subscriptions) d.dispose();
    this.changed.dispose();
  }
}
