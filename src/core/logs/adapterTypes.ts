import type { LogIssue } from './issues';
import type { RolloutRecord } from './rollout';

/** Rollout log formats the workbench reads; `canonical` is its own JSON Lines. */
export type RolloutFormat = 'canonical' | 'trl-parquet' | 'wandb-table' | 'verl' | 'easyr1-generations' | 'segr1-debug' | 'vlmr1-debug';

/** Trainer metric formats: scalars per step, not rollouts. */
export type MetricsFormat = 'trainer-state' | 'easyr1-metrics';

/** Receives what an adapter reads, in log order. */
export interface RolloutSink {
  /** One rollout; `line` is the 1-based source line (or row) it started at, when the format has one. */
  record(r: RolloutRecord, line?: number, file?: string): void;
  issue(i: LogIssue): void;
}

/** Options every adapter accepts. */
export interface AdapterOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (bytes: number, total: number) => void;
}

/** Maps one tool's log (file or folder) to canonical rollout records, keeping unknown fields in `extra`. */
export interface RolloutAdapter {
  readonly name: RolloutFormat;
  /** What writes this format, for listings and the CLI. */
  readonly summary: string;
  read(path: string, sink: RolloutSink, opts?: AdapterOptions): Promise<void>;
}
