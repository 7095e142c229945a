import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { resolveAdvantageEstimator } from '../../core/rewards/advantageEstimators';
import { getRewardSet, listRewardSets } from '../../core/rewards/registry';
import type { Segmenter } from '../../core/segment/segmenter';
import { REPLAY_TOLERANCE, differs, replayLog, usesMasks, type Compared, type ReplayProgress, type ReplayReport } from '../../core/rewards/replay';
import { err, out } from '../output';

export { REPLAY_TOLERANCE, differs, replayLog, type Compared, type ReplayOptions, type ReplayReport, type ReplayedRollout } from '../../core/rewards/replay';

const USAGE = `usage: segr1 replay <log.jsonl> [--reward segr1-reference|segr1-intended|segzero|segzero-strict|visionreasoner] [--advantage <estimator>] [--root <dir>] [--json <file>] [--mask-only] [--all] [--jobs <n>]

Recomputes every reward component of every rollout and compares it with what the log says.
The predicted mask is the record's logged 'mask' (COCO RLE, in the reward frame) when present; otherwise the
classical segmenter (not SAM2) segments the record's image, squashed to the reward frame, with the answer's prompts.
  --reward <id>   reward set (default segr1-reference); segzero/visionreasoner use a 'solution' field when present
  --advantage <e> advantage estimator: auto (default: the log format's trainer, else the reward set's: segr1-* trl-group,
                  segzero/segzero-strict/visionreasoner verl-grpo), trl-group, trl-batch, trl-none, trl-gdpo, verl-grpo,
                  verl-drgrpo, verl-rloo
  --root <dir>    folder that image/gt paths are relative to (default: the log's folder); paths may not escape it
  --json <file>   write {"summary": ..., "rollouts": [...]}
  --mask-only     never segment: rollouts without a logged mask get no segment/total/advantage replay
  --all           print every rollout, not only those that differ
  --jobs <n>      worker threads (default 1 = this thread; try 2 on long logs); same numbers and order for any n
Values differ when |logged - replayed| > 1e-6. Advantages are recomputed from the replayed components with the estimator,
weighting each run's components by the 'reward_weights' its records carry (TRL's GRPOConfig.reward_weights: a list aligned
with the record's 'rewards' keys, or a {"name": weight} map; also read from 'extra.reward_weights'), else by 1.`;

/** Worker threads by default: two already give most of the gain, and replay shares the machine with the editor. */
// One thread by default: a one-shot command pays the workers' start and cold JIT once (the pool keeps them only within
// a process), which a 384-rollout sample does not earn back; workers pay off on long logs, so they are opted into.
const DEFAULT_JOBS = 1;

function fmt(v: number | null): string {
  return v === null ? '—' : Number.isNaN(v) ? 'NaN' : v.toFixed(6);
}

/** Text table: one row per value of each rollout shown, then the summary. */
export function formatReport(report: ReplayReport, all: boolean): string {
  const lines: string[] = [];
  for (const r of report.rollouts) {
    const rows: Array<[string, Compared]> = [...Object.entries(r.components), ['total', r.total], ['advantage', r.advantage]];
    if (!all && !rows.some(([, c]) => differs(c))) continue;
    lines.push(`line ${r.line}`);
    for (const [name, c] of rows) {
      const d = c.logged !== null && c.replayed !== null ? c.replayed - c.logged : null;
      lines.push(`  ${name.padEnd(20)} logged ${fmt(c.logged).padStart(10)}  replayed ${fmt(c.replayed).padStart(10)}  diff ${fmt(d).padStart(10)}${differs(c) ? '  ≠' : ''}`);
    }
  }
  const { compared, differing } = report.summary;
  const d = Object.entries(differing).map(([k, v]) => `${k} ${compared[k] === 0 ? 'not compared' : v}`).join(', ');
  // Before the summary line, which stays the last line of the report.
  if (report.summary.nothingCompared) {
    lines.push('nothing compared: no rollout has both a logged and a replayed value (no logged rewards or advantages, or nothing replayable: no gt path, mask or solution); "differing" proves nothing');
  }
  lines.push(`${report.summary.rollouts} rollouts replayed; differing (|Δ| > ${REPLAY_TOLERANCE}): ${d}; advantages by ${report.summary.estimator}${weightsText(report.summary.rewardWeights)}`);
  return lines.join('\n');
}

/** The reward weights of the summary line: nothing when every run used 1; else each distinct set and where it came from. */
export function weightsText(runs: ReplayReport['summary']['rewardWeights']): string {
  const used = runs.filter((r) => r.from !== 'default');
  if (used.length === 0) return '';
  const sets = new Map<string, string[]>();
  for (const r of used) {
    const k = `${Object.keys(r.weights)
      .sort()
      .map((n) => `${n} ${r.weights[n]}`)
      .join(', ')} (${r.from === 'log' ? 'from the log' : 'given'})`;
    sets.set(k, [...(sets.get(k) ?? []), r.run ?? '(no run)']);
  }
  const rest = runs.length - used.length;
  const parts = [...sets].map(([k, rs]) => (runs.length === 1 ? k : `${k} for ${rs.length === 1 ? `run ${rs[0]}` : `${rs.length} runs`}`));
  return ` with reward weights ${parts.join('; ')}${rest > 0 ? `; 1 for ${rest} other run${rest === 1 ? '' : 's'}` : ''}`;
}

interface Args {
  log: string;
  reward: string;
  advantage: string;
  root?: string;
  json?: string;
  maskOnly: boolean;
  all: boolean;
  jobs: number;
}

function parseArgs(argv: string[]): Args | string {
  const a: Partial<Args> = { reward: 'segr1-reference', advantage: 'auto', maskOnly: false, all: false, jobs: DEFAULT_JOBS };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const value = (): string | undefined => argv[++i];
    if (k === '--reward') a.reward = value();
    else if (k === '--advantage') a.advantage = value();
    else if (k === '--root') a.root = value();
    else if (k === '--json') a.json = value();
    else if (k === '--mask-only') a.maskOnly = true;
    else if (k === '--all') a.all = true;
    else if (k === '--jobs') a.jobs = Number(value());
    else if (k.startsWith('--')) return `unknown option '${k}'`;
    else if (a.log === undefined) a.log = k;
    else return `unexpected argument '${k}'`;
  }
  if (!a.log) return 'a log file is required';
  if (!a.reward) return '--reward needs an id';
  if (!a.advantage) return '--advantage needs an estimator';
  if (argv.includes('--json') && !a.json) return '--json needs a file';
  if (argv.includes('--root') && !a.root) return '--root needs a folder';
  if (!Number.isInteger(a.jobs) || a.jobs! < 1) return '--jobs must be a positive integer';
  return a as Args;
}

/** `segr1 replay`: exit 0 when every line replayed, 1 when some line could not be, 2 on usage errors. */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out(USAGE);
    return 0;
  }
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    err(`segr1 replay: ${args}\n\n${USAGE}`);
    return 2;
  }
  const rewardSet = getRewardSet(args.reward);
  if (!rewardSet) {
    err(`segr1 replay: unknown reward set '${args.reward}' (known: ${listRewardSets().map((s) => s.id).join(', ')})`);
    return 2;
  }
  try {
    resolveAdvantageEstimator(args.advantage, rewardSet.id);
  } catch (e) {
    err(`segr1 replay: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  let segmenter: Segmenter | undefined;
  if (!args.maskOnly && usesMasks(rewardSet)) {
    const { createClassicalSegmenter } = await import('../../core/segment/classical');
    segmenter = createClassicalSegmenter();
  }
  const root = resolve(args.root ?? dirname(resolve(args.log)));
  const progress = new StderrProgress(process.stderr.isTTY === true);
  try {
    const { report, badLines, segmented } = await replayLog(args.log, {
      rewardSet,
      root,
      estimator: args.advantage,
      ...(segmenter ? { segmenter, workerSegmenter: 'classical' as const } : {}),
      workers: args.jobs,
      onBadLine: (line, message) => progress.around(() => err(`${args.log}:${line}: ${message}`)),
      onNote: (m) => progress.around(() => err(`note: ${m}`)),
      onIssue: (i) => progress.around(() => err(`${args.log}:${i.line}: field ${i.field ?? '?'}: ${i.message}`)),
      ...(progress.enabled ? { onProgress: (p: ReplayProgress) => progress.show(p) } : {}),
    });
    progress.clear();
    if (segmenter && segmented > 0) err(`note: ${segmented} masks not in the log came from the ${segmenter.info.label}, so their segment values differ from a SAM2 run`);
    out(formatReport(report, args.all));
    if (args.json) writeFileSync(args.json, JSON.stringify(report, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
    return badLines > 0 ? 1 : 0;
  } finally {
    progress.clear();
    await segmenter?.dispose();
  }
}

/** A one-line progress indicator on stderr, redrawn in place; only on a terminal (never in a pipe or a file). */
class StderrProgress {
  private shown = false;

  /** `enabled`: whether stderr is a terminal. */
  constructor(readonly enabled: boolean) {}

  /** Redraw the line. */
  show(p: ReplayProgress): void {
    if (!this.enabled) return;
    const pct = p.totalBytes > 0 ? Math.floor((100 * p.bytesRead) / p.totalBytes) : 100;
    process.stderr.write(`\r\x1b[2Kreplay: ${p.rollouts} rollouts, ${pct}%`);
    this.shown = true;
  }

  /** Erase the line. */
  clear(): void {
    if (!this.shown) return;
    process.stderr.write('\r\x1b[2K');
    this.shown = false;
  }

  /** Print a message without tearing the progress line. */
  around(print: () => void): void {
    this.clear();
    print();
  }
}
