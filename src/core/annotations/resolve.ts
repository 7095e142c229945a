import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { RolloutIndex } from '../logs/indexBuilder';
import { logPathProblem } from './store';
import type { AnnotationKey } from './types';

/**
 * Between annotation keys and a log's index: the key of record i, and the records a key names. Keys hold the record's
 * run, step, group and sample, never its line, so they resolve the same after an append or a re-index.
 */

/** A log's key path: workspace-relative, POSIX, symlinks resolved on both sides; throws for a log outside the workspace. */
export function logKeyPath(workspace: string, logFile: string): string {
  const real = (p: string) => {
    try {
      return realpathSync.native(p);
    } catch {
      return resolve(p);
    }
  };
  const rel = relative(real(workspace), real(resolve(workspace, logFile)));
  const posixRel = rel.split(sep).join('/');
  if (isAbsolute(rel) || logPathProblem(posixRel)) throw new Error(`log ${JSON.stringify(logFile)} is outside the workspace ${workspace}`);
  return posixRel;
}

/** The annotation key of record i of an index. */
export function annotationKeyOf(index: RolloutIndex, log: string, i: number): AnnotationKey {
  const run = index.run[i]!;
  const group = index.group[i]!;
  const step = index.step[i]!;
  const sample = index.sample[i]!;
  return {
    log,
    run: run >= 0 ? index.runs[run]! : null,
    step: Number.isNaN(step) ? null : step,
    group: group >= 0 ? index.groups[group]! : null,
    sample: sample >= 0 ? sample : null,
  };
}

/**
 * The records of an index a key names, in index order: one for a log whose run/step/group/sample are unique (the
 * index reports duplicates as issues), several when the log leaves them ambiguous. `log` is the index's key path.
 */
export function findAnnotated(index: RolloutIndex, log: string, key: AnnotationKey): number[] {
  if (key.log !== log) return [];
  const run = key.run === null ? -1 : index.runs.indexOf(key.run);
  const group = key.group === null ? -1 : index.groups.indexOf(key.group);
  if ((key.run !== null && run < 0) || (key.group !== null && group < 0)) return [];
  const out: number[] = [];
  for (let i = 0; i < index.count; i++) {
    if (index.run[i] !== run || index.group[i] !== group) continue;
    const s = index.step[i]!;
    if (key.step === null ? !Number.isNaN(s) : s !== key.step) continue;
    if (index.sample[i] !== (key.sample ?? -1)) continue;
    out.push(i);
  }
  return out;
}
