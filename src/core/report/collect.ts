import { ByteLru } from '../cache/byteLru';
import { parseCompletion } from '../completion/parse';
import type { ParsedAnswer } from '../completion/types';
import { checkInsideSync, refusalMessage } from '../dataset/paths';
import { decodeRle } from '../image/rle';
import type { BinaryMask, GrayImage } from '../image/types';
import { RolloutReader } from '../logs/jsonlIndex';
import type { RolloutIndex } from '../logs/indexBuilder';
import type { RolloutRecord } from '../logs/rollout';
import { MetricSuite, type DatasetScores } from '../metrics/suite';
import { loadGtInFrame } from '../rewards/groundTruth';
import { maskTo255, SEGR1_REWARD_SIDE, segr1GtMask } from '../rewards/masks';
import { segr1Reference } from '../rewards/segr1';
import { aggregateByStep, type StepSeries } from '../traces/stepAggregate';

/**
 * What the report needs from one indexed log, computed through the functions the panel uses: the per-step series of
 * the traces view (`aggregateByStep` over the index columns), each rollout's IoU as the Seg-R1 reward computes it
 * on the logged mask (the panel's group strip), and the dataset metrics (`MetricSuite`, as `segr1 metrics`).
 */

/** Bytes of decoded GTs kept while reading a log (the replay's bound). */
const GT_CACHE_BYTES = 256 * 1024 * 1024;

/** One step's row of the metrics table. */
export interface StepRow {
  readonly step: number;
  /** Rollouts logged at this step. */
  readonly rollouts: number;
  /** Mean logged total reward and components (NaN-free means, as the traces). */
  readonly reward: number;
  readonly components: Readonly<Record<string, number>>;
  /** Dataset metrics over the rollouts scored (logged mask, or empty where the trainer made none); absent when none. */
  readonly metrics?: DatasetScores;
}

/** One rollout's facts the ranking needs. */
export interface RolloutFacts {
  /** Record index in the log's index. */
  readonly index: number;
  readonly line: number;
  /** IoU of the logged mask against the GT in the reward frame (the Seg-R1 reward's `iou`), when it could be computed. */
  readonly iou?: number;
  readonly reward: number;
}

/** Everything read from the log. */
export interface LogFacts {
  readonly traces: StepSeries[];
  readonly steps: StepRow[];
  readonly rollouts: RolloutFacts[];
  /** Counted reasons some rollouts have no IoU or were skipped ("12 rollouts without a logged mask: …"). */
  readonly notes: string[];
}

/** A record's file under the root, symlinks resolved; throws naming line and field when it resolves outside. */
export function insideRoot(root: string, line: number, field: string, rel: string): string {
  const c = checkInsideSync(root, rel);
  if (c.ok) return c.real;
  throw new Error(`line ${line}: ${c.reason === 'missing' ? `field ${field} ${JSON.stringify(rel)}: no such file` : refusalMessage(field, c)}`);
}

/** The model frame a record's coordinates are in: its own `model_frame`, else Seg-R1's 768² training frame. */
export function recordFrame(r: RolloutRecord): { width: number; height: number } {
  const f = r.model_frame;
  return f && f.width > 0 && f.height > 0 ? { width: f.width, height: f.height } : { width: SEGR1_REWARD_SIDE, height: SEGR1_REWARD_SIDE };
}

/** The parsed answer as the panel parses it (display parse, in the record's frame). */
export function parseRecord(r: RolloutRecord): ParsedAnswer {
  return parseCompletion(r.completion, { frame: recordFrame(r) });
}

/** Per-step reward and component series, exactly the traces view's (`runSeries` in src/host/tracesData.ts). */
export function rewardSeries(ix: RolloutIndex): StepSeries[] {
  const out = [aggregateByStep('reward', ix.step, ix.reward, ix.count)];
  for (const name of [...ix.components.keys()].sort()) out.push(aggregateByStep(`rewards/${name}`, ix.step, ix.components.get(name)!, ix.count));
  return out.filter((s) => s.steps.length > 0);
}

/** Read every record once: IoU per rollout and the per-step metric suites. Bad records are noted and skipped. */
export async function collectLog(ix: RolloutIndex, root: string, opts: { withMetrics: boolean }): Promise<LogFacts> {
  const traces = rewardSeries(ix);
  const gts = new ByteLru<string, GrayImage>(GT_CACHE_BYTES, (g) => g.data.byteLength);
  const suites = new Map<number, { suite: MetricSuite; n: number }>();
  const rollouts: RolloutFacts[] = [];
  const notes = new Map<string, number>();
  const note = (m: string) => notes.set(m, (notes.get(m) ?? 0) + 1);
  const reader = new RolloutReader(ix);
  try {
    for (let i = 0; i < ix.count; i++) {
      const line = ix.line[i]!;
      let iou: number | undefined;
      try {
        const r = await reader.read(i);
        let gt: GrayImage | undefined;
        if (typeof r.gt === 'string') {
          const p = insideRoot(root, line, 'gt', r.gt);
          gt = gts.get(p);
          if (!gt) {
            gt = await loadGtInFrame(p, SEGR1_REWARD_SIDE);
            gts.set(p, gt);
          }
        }
        const mask: BinaryMask | undefined = r.mask ? decodeRle(r.mask, { field: 'mask', frame: { width: SEGR1_REWARD_SIDE, height: SEGR1_REWARD_SIDE } }) : undefined;
        if (!gt) note('rollouts without a gt path: no IoU, not in the metrics table');
        else if (!mask) note('rollouts without a logged mask: no IoU, not in the metrics table (the report does not segment)');
        else {
          // The Seg-R1 reward's own IoU on the logged mask, as the panel's group strip computes it; undefined where the
          // training parser rejects the answer (the trainer segmented nothing, so its prediction is empty).
          const res = await segr1Reference.score({ completion: r.completion, gt, modelFrame: { kind: 'fixed', ...recordFrame(r) }, loggedMask: mask });
          iou = res.details.iou;
          if (opts.withMetrics && Number.isFinite(ix.step[i]!)) {
            const pred = iou === undefined ? { width: gt.width, height: gt.height, data: new Uint8Array(gt.data.length) } : maskTo255(mask);
            let s = suites.get(ix.step[i]!);
            if (!s) suites.set(ix.step[i]!, (s = { suite: new MetricSuite(), n: 0 }));
            s.suite.step(pred, maskTo255(segr1GtMask(gt)));
            s.n++;
          }
        }
      } catch (e) {
        note(`rollouts skipped: ${e instanceof Error ? e.message.replace(/^line \d+: /, '') : String(e)}`);
      }
      rollouts.push({ index: i, line, reward: ix.reward[i]!, ...(iou !== undefined ? { iou } : {}) });
    }
  } finally {
    await reader.close();
  }
  const steps: StepRow[] = [];
  const reward = traces.find((s) => s.name === 'reward');
  const counts = new Map<number, number>();
  for (let i = 0; i < ix.count; i++) if (Number.isFinite(ix.step[i]!)) counts.set(ix.step[i]!, (counts.get(ix.step[i]!) ?? 0) + 1);
  for (const step of [...counts.keys()].sort((a, b) => a - b)) {
    const components: Record<string, number> = {};
    for (const s of traces) if (s.name.startsWith('rewards/')) components[s.name.slice(8)] = meanAt(s, step);
    const suite = suites.get(step);
    steps.push({ step, rollouts: counts.get(step)!, reward: reward ? meanAt(reward, step) : Number.NaN, components, ...(suite ? { metrics: suite.suite.getResults() } : {}) });
  }
  return { traces, steps, rollouts, notes: [...notes].map(([m, n]) => `${n} ${m}`) };
}

function meanAt(s: StepSeries, step: number): number {
  const k = s.steps.indexOf(step);
  return k < 0 ? Number.NaN : s.mean[k]!;
}
