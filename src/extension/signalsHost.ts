import * as path from 'node:path';
import { getAdvantageEstimator, resolveAdvantageEstimator, type AdvantageRollout } from '../core/rewards/advantageEstimators';
import type { AttributionLabel } from '../core/signals/labels';
import { readSignalRollouts } from '../core/signals/signalLog';
import { advantageRolloutsOfIndex } from '../core/signals/signFlips';
import { canonicalComponent } from '../core/signals/advantageWhatIf';
import { componentWeights, weightsLabel, type LogRunConfig } from '../core/logs/runConfig';
import type { RolloutIndex } from '../core/logs/indexBuilder';
import { logRunConfig } from '../host/runConfigCache';
import type { SignalRollout } from '../core/signals/stepSignals';
import type { SignalsPayload } from '../shared/signalsProtocol';
import type { AttributionService } from './attributionService';
import { readSettings } from './settings';
import { pickAlternative, signalsPayload, type SignalsRun } from '../host/signalsData';
import { withDelayedProgress, type LogEntry, type WorkspaceModel } from './workspaceModel';

/** The reward set the run's estimator is resolved for when the log's format names no trainer (as replay's preset). */
const REWARD_SET = 'segr1-reference';

/** What reading a log gave, valid while the log (size, mtime) is unchanged. */
interface LogInputs {
  readonly stamp: string;
  readonly rollouts: SignalRollout[];
  readonly advantage: AdvantageRollout[];
  /** The log's reward weights and TRL advantage settings, as replay reads them. */
  readonly config: LogRunConfig;
  readonly problems: string[];
}

/** The runs' component weights (the index's components, as advantageRolloutsOfIndex orders them) and their label. */
function runWeights(index: RolloutIndex, config: LogRunConfig): { weights: (run: string) => number[]; weightsLabel: string } {
  const components = index.components.size ? [...index.components.keys()] : ['total'];
  const weights = (run: string) => componentWeights(config, run, components, canonicalComponent);
  const runs = index.runs.length ? index.runs : [''];
  return { weights, weightsLabel: [...new Set(runs.map((r) => weightsLabel(components, weights(r))))].join(' / ') };
}

const stampOf = (log: LogEntry) => `${log.index.path}\0${log.index.size}\0${log.index.mtimeMs}`;

/**
 * The traces' signals section on the host: reads each log's signal inputs once (GTs and logged masks; cached per log
 * until it changes), and sends the charts; a new alternative estimator or new attribution labels recompute from the
 * cache (the estimators and the step aggregation only).
 */
export class SignalsHost {
  private static readonly inputs = new Map<string, LogInputs>();
  /** Reads in flight, by the logs and versions they read. */
  private static readonly reading = new Map<string, Promise<boolean>>();
  private alternative: string | undefined;
  /** Bumped by each update, so a slow read never overwrites a newer payload. */
  private generation = 0;

  constructor(
    private readonly model: WorkspaceModel,
    private readonly attribution: AttributionService,
    private readonly show: (payload: SignalsPayload) => void,
  ) {}

  /** Read what is missing (progress after a moment, cancellable) and send the section. */
  async update(): Promise<void> {
    const gen = ++this.generation;
    const logs = this.model.logs.filter((l) => l.index.count > 0);
    const missing = logs.filter((l) => SignalsHost.inputs.get(l.file)?.stamp !== stampOf(l));
    if (missing.length) {
      // One read per log version, however many updates ask for it meanwhile (the page's ready, a log change, a
      // second traces panel): each would otherwise start its own pass and its own progress notification.
      const key = missing.map((l) => `${l.file}\u0000${String(stampOf(l))}`).join('\u0001');
      let read = SignalsHost.reading.get(key);
      if (!read) {
        read = this.readMissing(missing).finally(() => SignalsHost.reading.delete(key));
        SignalsHost.reading.set(key, read);
      }
      const done = await read;
      if (!done) return;
    }
    if (gen === this.generation) this.send(logs);
  }

  /** Read the signal inputs of these logs into the cache (progress after a moment, cancellable); false if cancelled. */
  private readMissing(missing: readonly LogEntry[]): Promise<boolean> {
    return withDelayedProgress('Seg-R1: reading reward-hacking signals', async (report, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      for (const log of missing) {
        report(log.rel);
        const problems: string[] = [];
        const rollouts = await readSignalRollouts(log.index, {
          root: log.folder.uri.fsPath,
          signal: abort.signal,
          onBadLine: (line, m) => problems.push(`${log.rel}:${line}: ${m}`),
        }).catch((e: unknown) => {
          if (e instanceof Error && e.name === 'AbortError') return undefined;
          throw e;
        });
        if (!rollouts) return false;
        const config = await logRunConfig(log.index, (m) => problems.push(m));
        SignalsHost.inputs.set(log.file, { stamp: stampOf(log), rollouts, advantage: advantageRolloutsOfIndex(log.index), problems, config });
      }
      return true;
    });
  }

  /** The picker changed: recompute the sign flips (and the rest, which is cheap) from the cache. */
  setAlternative(alternative: string): void {
    if (!getAdvantageEstimator(alternative)) return;
    this.alternative = alternative;
    this.send(this.model.logs.filter((l) => l.index.count > 0));
  }

  /** Attribution finished or an override changed: the reward-labelled share follows. */
  relabel(): void {
    this.send(this.model.logs.filter((l) => l.index.count > 0));
  }

  private send(logs: readonly LogEntry[]): void {
    // A hand-edited setting outside the enum falls back to auto, as the replay preset does.
    const chosen = readSettings().advantageEstimator;
    const setting = getAdvantageEstimator(chosen) ? chosen : 'auto';
    const runs: SignalsRun[] = [];
    for (const log of logs) {
      const inputs = SignalsHost.inputs.get(log.file);
      if (!inputs || inputs.stamp !== stampOf(log)) continue;
      const labels = this.labelsByLine(log);
      runs.push({
        log: log.file,
        label: log.index.runs[0] ?? path.basename(path.dirname(log.file)),
        rollouts: inputs.rollouts,
        advantage: inputs.advantage,
        base: resolveAdvantageEstimator(setting, REWARD_SET, log.format, inputs.config.trainer),
        ...runWeights(log.index, inputs.config),
        ...(labels ? { labels } : {}),
        problems: inputs.problems,
      });
    }
    if (!runs.length) return;
    this.alternative = pickAlternative(this.alternative, runs.map((r) => r.base.id));
    this.show(signalsPayload(runs, this.alternative));
  }

  /** Attribution labels (overrides applied) by log line, when the pass has run on the log as it is now. */
  private labelsByLine(log: LogEntry): Map<number, AttributionLabel> | undefined {
    const a = this.attribution.labels(log);
    if (!a) return undefined;
    const m = new Map<number, AttributionLabel>();
    a.labels.forEach((l, i) => {
      if (l) m.set(log.index.line[i]!, l.label);
    });
    return m;
  }
}
