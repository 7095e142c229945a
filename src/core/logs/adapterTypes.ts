import type { LogIssue } from './issues';
import type { RolloutRecord } from './rollout';

/** Rollout log formats the workbench reads; `canonical` is its own JSON Lines. */
export type RolloutFormat = 'canonical' | 'trl-parquet' | 'wandb-table' | 'verl' | 'easyr1-generations' | 'segr1-debug' | 'vlmr1-debug' | 'segzero-stdout';

/** Trainer metric formats: scalars per step, not rollouts. */
export type MetricsFormat = 'trainer-state' | 'easyr1-metrics';

/** Receives what an adapter reads, in log order. */
export interface RolloutSink {
  /** One rollout; `line` is the 1-based source line (or row) it started at, when the format has one. */
  record(r: RolloutRecord, line?: number, file?: string): void;
  /** A problem; an `error` on line 0 means the adapter could not read that file, in whole or in part (convert then reports the source as failed). */
  issue(i: LogIssue): void;
}

/** Options every adapter accepts. */
export interface AdapterOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (bytes: number, total: number) => void;
  /** Files a folder adapter must not read (the conversion's own output and temporaries). */
  readonly skipFile?: (path: string) => boolean;
}

/** Maps one tool's log (file or folder) to canonical rollout records, keeping unknown fields in `extra`. */
export interface RolloutAdapter {
  readonly name: RolloutFormat;
  /** What writes this format, for listings and the CLI. */
  readonly summary: string;
  read(path: string, sink: RolloutSink, opts?: AdapterOptions): Promise<void>;
}
