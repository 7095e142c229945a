import { readLogRunConfig, type LogRunConfig } from '../core/logs/runConfig';
import type { RolloutIndex } from '../core/logs/indexBuilder';

/**
 * Each open log's run configuration (reward weights per run, TRL advantage settings), read once per version of the
 * file (its index's size and mtime) and shared by the panel's what-ifs and the traces' sign-flip chart.
 */

const cache = new Map<string, { stamp: string; config: Promise<LogRunConfig> }>();

/** The run configuration of the log `index` was built from; issues (unusable weights) go to `onIssue` once per version. */
export function logRunConfig(index: RolloutIndex, onIssue: (message: string) => void = () => undefined): Promise<LogRunConfig> {
  const stamp = `${index.size}\0${index.mtimeMs}`;
  const hit = cache.get(index.path);
  if (hit && hit.stamp === stamp) return hit.config;
  const config = readLogRunConfig(index.path, (i) => onIssue(`${index.path}:${i.line}: field ${i.field ?? ''}: ${i.message}`));
  cache.set(index.path, { stamp, config });
  // A failed read is retried next time rather than cached.
  config.catch(() => {
    if (cache.get(index.path)?.config === config) cache.delete(index.path);
  });
  return config;
}
