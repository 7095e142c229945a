import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { indexRolloutLog } from '../../core/logs/jsonlIndex';
import { ADVANTAGE_ESTIMATOR_IDS, getAdvantageEstimator, resolveAdvantageEstimator } from '../../core/rewards/advantageEstimators';
import { SIGNAL_INFO } from '../../core/signals/signalInfo';
import { readSignalRollouts } from '../../core/signals/signalLog';
import { componentWeights, readLogRunConfig, weightsLabel } from '../../core/logs/runConfig';
import { canonicalComponent } from '../../core/signals/advantageWhatIf';
import { advantageRolloutsOfIndex, signFlipShare, type SignFlipSeries } from '../../core/signals/signFlips';
import { stepSignals, type SignalSeries } from '../../core/signals/stepSignals';
import { argsOrExit, err, out } from '../output';

const USAGE = `usage: segr1 signals <log.jsonl> [--root <dir>] [--estimator <e>] [--alternative <e>] [--json]

Reward-hacking signals per training step of a canonical JSONL log, each with its threshold line:
  reward-iou-tau      mean within-group Kendall τ-b of total reward vs IoU (logged mask vs GT, 768² frame)
  flat-groups         share of groups whose rewards all agree (zero advantage)
  points-per-rollout  mean points of the parsed answers
  box-area-vs-gt      mean box area / GT tight-box area (image pixels)
and the share of rollouts whose advantage sign flips from --estimator to --alternative.
  --root <dir>          folder that image/gt paths are relative to (default: the log's folder); paths may not escape it
  --estimator <e>       the run's estimator: auto (default: the trainer of the log's reward set, trl-group) or one of
                        ${ADVANTAGE_ESTIMATOR_IDS.join(', ')}
  --alternative <e>     the estimator to compare with (default trl-gdpo)
  --json                print {"signals": [...], "signFlips": {...}} (NaN as null) instead of a table
The share of reward-labelled rollouts needs attribution labels: see 'segr1 attribute'.
Exit 0, or 2 on usage errors. Lines whose GT or mask cannot be read are named on stderr; the others still count.`;

interface Args {
  log: string;
  root?: string;
  estimator: string;
  alternative: string;
  json: boolean;
}

function parseArgs(argv: string[]): Args | string {
  const a: Args = { log: '', estimator: 'auto', alternative: 'trl-gdpo', json: false };
  const pos: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${k} needs a value`);
      return v;
    };
    try {
      if (k === '--json') a.json = true;
      else if (k === '--root') a.root = value();
      else if (k === '--estimator') a.estimator = value();
      else if (k === '--alternative') a.alternative = value();
      else if (k.startsWith('--')) return `unknown option '${k}'`;
      else pos.push(k);
    } catch (e) {
      return (e as Error).message;
    }
  }
  if (pos.length !== 1) return pos.length === 0 ? 'a log is required' : `unexpected argument '${pos[1]}'`;
  a.log = pos[0]!;
  if (a.estimator !== 'auto' && !getAdvantageEstimator(a.estimator)) return `--estimator: unknown estimator '${a.estimator}' (known: auto, ${ADVANTAGE_ESTIMATOR_IDS.join(', ')})`;
  if (!getAdvantageEstimator(a.alternative)) return `--alternative: unknown estimator '${a.alternative}' (known: ${ADVANTAGE_ESTIMATOR_IDS.join(', ')})`;
  return a;
}

/** JSON with NaN and ±Infinity as null (as a step with no unit left has no mean). */
function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? null : x), 1);
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : '—';
}

/** The signals as a table: one block per signal, a row per step, flagged steps marked. */
export function formatSignals(signals: readonly SignalSeries[], flips: SignFlipSeries, weights?: string): string {
  const lines: string[] = [];
  for (const s of signals) {
    const info = SIGNAL_INFO[s.id];
    lines.push(`${s.id}: ${info.title}`, `  threshold: ${s.thresholds.map((t) => `${t.side} ${t.value}`).join(', ')} (${info.why})`);
    s.steps.forEach((st, k) => lines.push(`  step ${String(st).padStart(5)}  ${fmt(s.mean[k]!).padStart(8)}  ${info.unit} ${s.n[k]}${s.excluded[k] ? ` (+${s.excluded[k]} left out)` : ''}${s.flag[k] ? '  ⚑ crosses' : ''}`));
    lines.push('');
  }
  lines.push(`sign flips ${flips.base} → ${flips.alternative}${weights ? ` (${weights})` : ''}`);
  flips.steps.forEach((st, k) => lines.push(`  step ${String(st).padStart(5)}  ${fmt(flips.mean[k]!).padStart(8)}  ${flips.flips[k]} of ${flips.n[k]} rollouts`));
  return lines.join('\n');
}

/** `segr1 signals`: exit 0, 2 on usage errors. */
export async function main(argv: string[]): Promise<number> {
  const args = argsOrExit('signals', argv, USAGE, parseArgs);
  if (typeof args === 'number') return args;
  if (!existsSync(args.log)) {
    err(`segr1 signals: no such file: ${args.log}`);
    return 2;
  }
  const index = await indexRolloutLog(args.log);
  if (index.notRollouts) {
    err(`segr1 signals: ${args.log}: ${index.notRollouts}`);
    return 2;
  }
  const rollouts = await readSignalRollouts(index, { root: args.root ?? dirname(args.log), onBadLine: (line, m) => err(`${args.log}:${line}: ${m}`) });
  // The run's weights and TRL advantage settings, read as replay reads them, so the flips are replay's advantages.
  const config = await readLogRunConfig(args.log, (i) => err(`${args.log}:${i.line}: field ${i.field ?? ''}: ${i.message}`));
  const base = resolveAdvantageEstimator(args.estimator, 'segr1-reference', undefined, config.trainer);
  const components = index.components.size ? [...index.components.keys()] : ['total'];
  const weightsOf = (run: string) => componentWeights(config, run, components, canonicalComponent);
  const flips = signFlipShare(advantageRolloutsOfIndex(index), base, getAdvantageEstimator(args.alternative)!, weightsOf);
  const runs = index.runs.length ? index.runs : [''];
  const weights = [...new Set(runs.map((r) => weightsLabel(components, weightsOf(r))))].join(' / ');
  const signals = stepSignals(rollouts);
  out(args.json ? toJson({ signals, signFlips: { ...flips, weights } }) : formatSignals(signals, flips, weights));
  return 0;
}
