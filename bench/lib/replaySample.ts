import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SAMPLE_PATHS } from '../../src/core/sample/config';
import { segr1ReferenceScoring } from '../../src/core/sample/scoring';
import { generateSampleWorkspace } from '../../src/core/sample/workspace';

/** Where the replay and attribution benches keep the sample run (generated once, shared). */
export const DATA = resolve('bench/.data/replay');
/** The sample workspace: the root record paths resolve against. */
export const WS = join(DATA, 'sample');
/** The sample run copied this many times (as later steps) for the long-log figures: starting threads is noise there. */
export const SCALE = 8;

/** The default sample workspace (384 rollouts, 24 images), generated once; its rollout log. */
export async function ensureSample(): Promise<string> {
  const marker = join(DATA, '.complete-sample');
  if (!existsSync(marker)) {
    mkdirSync(DATA, { recursive: true });
    await generateSampleWorkspace(WS, { scoring: segr1ReferenceScoring() });
    writeFileSync(marker, '');
  }
  return join(WS, SAMPLE_PATHS.rollouts);
}

/** The sample log repeated SCALE times, each copy as later steps of the same run (so groups stay groups). */
export function scaledLog(log: string): string {
  const out = join(DATA, `rollouts-x${SCALE}.jsonl`);
  if (existsSync(out)) return out;
  const records = readFileSync(log, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { step: number; group: string });
  const steps = Math.max(...records.map((r) => r.step));
  const lines: string[] = [];
  for (let k = 0; k < SCALE; k++) for (const r of records) lines.push(JSON.stringify({ ...r, step: r.step + k * steps, group: `${r.group}#${k}` }));
  writeFileSync(out, lines.join('\n') + '\n');
  return out;
}
