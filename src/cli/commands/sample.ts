/** `segr1 sample --out <dir> [--seed N] [--force]`: write the SYNTHETIC sample workspace (dataset + training run). */
import * as path from 'node:path';
import { DEFAULT_SAMPLE_SEED } from '../../core/sample/config';
import { segr1ReferenceScoring } from '../../core/sample/scoring';
import { SampleOverwriteError, generateSampleWorkspace, type SampleSummary } from '../../core/sample/workspace';
import { err, out } from '../output';

const USAGE = `usage: segr1 sample --out <dir> [--seed N] [--force]

Writes a SYNTHETIC sample workspace: a COD10K-style camouflage dataset (images + exact GT masks) and a
simulated Seg-R1 GRPO run (rollouts.jsonl + trainer_state.json) scored by the workbench's own reward code,
with masks from the classical fallback segmenter (not SAM2). Skips when the same version and seed are
already there, unless --force. In a folder that holds no sample, an existing file at one of the sample's paths
(e.g. README.md) is never overwritten without --force.`;

/** Parsed command line of `segr1 sample`. */
export interface SampleArgs {
  readonly out: string;
  readonly seed: number;
  readonly force: boolean;
}

/** Parse the arguments; returns an error message instead of throwing so `main` can print usage. */
export function parseSampleArgs(argv: readonly string[]): SampleArgs | { error: string } | { help: true } {
  let out: string | undefined;
  let seed = DEFAULT_SAMPLE_SEED;
  let force = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string | undefined => (a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i]);
    if (a === '--help' || a === '-h') return { help: true };
    else if (a === '--force') force = true;
    else if (a === '--out' || a.startsWith('--out=')) out = value();
    else if (a === '--seed' || a.startsWith('--seed=')) {
      const v = value();
      if (v === undefined || !/^\d+$/.test(v) || Number(v) > 0xffffffff) return { error: `--seed needs an integer in [0, 2^32), got '${v ?? ''}'` };
      seed = Number(v);
    } else return { error: `unknown argument '${a}'` };
  }
  if (!out) return { error: '--out <dir> is required' };
  return { out, seed, force };
}

/** Entry point used by cli.ts. */
export async function main(argv: string[]): Promise<number> {
  const args = parseSampleArgs(argv);
  if ('help' in args) {
    out(USAGE);
    return 0;
  }
  if ('error' in args) {
    err(`segr1 sample: ${args.error}\n\n${USAGE}`);
    return 2;
  }
  const dir = path.resolve(args.out);
  const t0 = performance.now();
  let summary: SampleSummary;
  try {
    summary = await generateSampleWorkspace(dir, { config: { seed: args.seed }, force: args.force, scoring: segr1ReferenceScoring() });
  } catch (e) {
    if (!(e instanceof SampleOverwriteError)) throw e;
    err(`segr1 sample: ${e.message}`);
    return 1;
  }
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  if (summary.skipped) {
    out(`segr1 sample: ${dir} already holds this SYNTHETIC sample (seed ${args.seed}); nothing written (--force to regenerate).`);
    return 0;
  }
  const c = summary.config;
  const ms = (k: string): string => `${((summary.timings[k] ?? 0) / 1000).toFixed(1)} s`;
  out(`segr1 sample: wrote the SYNTHETIC sample workspace to ${dir} in ${seconds} s (seed ${c.seed})`);
  out(`  dataset   ${c.imageCount} images + exact GT masks in datasets/synthetic-cod/{Imgs,GT} (${ms('dataset')})`);
  out(`  run       ${summary.rollouts} rollouts (${c.steps} steps × ${c.groupsPerStep} groups × ${c.groupSize}) in runs/synthetic-segr1/rollouts.jsonl + trainer_state.json (${ms('run')})`);
  if (summary.firstStepReward !== undefined && summary.lastStepReward !== undefined) {
    out(`  reward    mean ${summary.firstStepReward.toFixed(3)} at step 1 → ${summary.lastStepReward.toFixed(3)} at step ${c.steps} (segr1-reference, classical masks — not SAM2)`);
  }
  out(`  files     ${summary.files.length} written, README.md says what is SYNTHETIC`);
  return 0;
}
