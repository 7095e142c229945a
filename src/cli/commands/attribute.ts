import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { attributeLog, type AttributionReport } from '../../core/attribution/attributeLog';
import { ATTRIBUTION_LABELS, DEFAULT_THRESHOLDS } from '../../core/attribution/labels';
import { getRewardSet, listRewardSets } from '../../core/rewards/registry';
import { EmbeddingCache } from '../../core/segment/embeddingCache';
import type { Segmenter } from '../../core/segment/segmenter';
import { argsOrExit, err, out } from '../output';

const USAGE = `usage: segr1 attribute <log.jsonl> [--root <dir>] [--model <export>] [--reward <set>] [--tau-seg 0.5] [--delta 0.2] [--json <file>] [--jobs <n>]

Says why each rollout failed: one label by precedence, plus every flag that holds.
  format     the reward set's format component is 0, or no prompt could be parsed
  segmenter  the image's oracle IoU < tau-seg: even ideal prompts (derived from the GT) fail
  policy     the rollout's IoU < oracle IoU - delta: the prompts are the problem
  reward     its total reward exceeds a groupmate's by >= 0.05 while its IoU is lower by >= 0.1
  ok         none of the above
The oracle of an image is the best IoU of three prompt sets derived from its GT (box; box + most interior point;
box + 2 interior points + 1 background point), segmented with the segmenter in use. A rollout's IoU uses its
logged mask, else the segmenter; its total is the logged one, else the replayed one.
  --root <dir>     folder that image/gt paths are relative to (default: the log's folder); paths may not escape it
  --model <path>   SAM2 export (encoder file or folder with one pair); default: the classical fallback (not SAM2)
  --cache <dir>    SAM2 embedding cache directory (a re-run skips the encoder)
  --threads <n>    onnxruntime intra-op threads
  --reward <id>    reward set for the format component and replayed totals (default segr1-reference)
  --tau-seg <x>    segmenter threshold on the oracle IoU (default ${DEFAULT_THRESHOLDS.tauSeg})
  --delta <x>      policy margin below the oracle IoU (default ${DEFAULT_THRESHOLDS.delta})
  --json <file>    write {"summary": {...}, "images": {...}, "rollouts": [...]}
  --jobs <n>       worker threads for the classical fallback (default 1 = this thread); same output for any n`;

interface Args {
  log: string;
  reward: string;
  root?: string;
  model?: string;
  cache?: string;
  threads?: number;
  json?: string;
  tauSeg: number;
  delta: number;
  jobs: number;
}

/** Parse argv; a string is a usage error. */
export function parseAttributeArgs(argv: string[]): Args | string {
  const a: Partial<Args> = { reward: 'segr1-reference', tauSeg: DEFAULT_THRESHOLDS.tauSeg, delta: DEFAULT_THRESHOLDS.delta, jobs: 1 };
  const valued = new Set(['--reward', '--root', '--model', '--cache', '--threads', '--json', '--tau-seg', '--delta', '--jobs']);
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    if (valued.has(k)) {
      const v = argv[++i];
      if (v === undefined || v === '') return `${k} needs a value`;
      if (k === '--reward') a.reward = v;
      else if (k === '--root') a.root = v;
      else if (k === '--model') a.model = v;
      else if (k === '--cache') a.cache = v;
      else if (k === '--json') a.json = v;
      else {
        const n = Number(v);
        if (!Number.isFinite(n) || v.trim() === '') return `${k} needs a number, got '${v}'`;
        if (k === '--threads') {
          if (!Number.isInteger(n) || n < 0) return '--threads must be a non-negative integer';
          a.threads = n;
        } else if (k === '--jobs') {
          if (!Number.isInteger(n) || n < 1) return '--jobs must be a positive integer';
          a.jobs = n;
        } else if (k === '--tau-seg') a.tauSeg = n;
        else a.delta = n;
      }
    } else if (k.startsWith('--')) return `unknown option '${k}'`;
    else if (a.log === undefined) a.log = k;
    else return `unexpected argument '${k}'`;
  }
  if (!a.log) return 'a log file is required';
  return a as Args;
}

function fmt(v: number | null): string {
  return v === null ? '—' : Number.isNaN(v) ? 'NaN' : v.toFixed(4);
}

/** The readable table: one row per rollout, then the label counts and the engine that made the oracle. */
export function formatAttribution(report: AttributionReport): string {
  const lines = [`${'line'.padStart(6)}  ${'label'.padEnd(9)}  ${'IoU'.padStart(7)}  ${'oracle'.padStart(7)}  ${'total'.padStart(7)}  flags`];
  for (const r of report.rollouts) {
    lines.push(`${String(r.line).padStart(6)}  ${r.label.padEnd(9)}  ${fmt(r.iou).padStart(7)}  ${fmt(r.oracleIou).padStart(7)}  ${fmt(r.total).padStart(7)}  ${r.flags.join(',') || '—'}`);
  }
  const s = report.summary;
  lines.push(`${report.rollouts.length} rollouts attributed: ${ATTRIBUTION_LABELS.map((l) => `${l} ${s[l]}`).join(', ')}`);
  lines.push(`oracle of ${Object.keys(report.images).length} images segmented by: ${report.segmenter.label}`);
  return lines.join('\n');
}

/** The JSON contract: exactly summary, images (oracle IoUs by image path as in the log) and rollouts. */
export function attributionJson(report: AttributionReport): unknown {
  return {
    summary: report.summary,
    images: report.images,
    rollouts: report.rollouts.map((r) => ({ line: r.line, label: r.label, flags: r.flags, iou: r.iou, oracleIou: r.oracleIou })),
  };
}

async function openSegmenter(args: Args): Promise<Segmenter> {
  if (!args.model) {
    const { createClassicalSegmenter } = await import('../../core/segment/classical');
    return createClassicalSegmenter();
  }
  const { openSam2Export } = await import('./segment');
  // The image reaches the segmenter already in training's channel order (BGR, squashed to the reward frame), as replay feeds it.
  return openSam2Export(args.model, { channels: 'rgb', lazyEncoder: true, ...(args.cache ? { cache: new EmbeddingCache({ dir: args.cache }) } : {}), ...(args.threads !== undefined ? { threads: args.threads } : {}) });
}

/** `segr1 attribute`: exit 0 when every line was attributed, 1 when some line could not be, 2 on usage errors. */
export async function main(argv: string[]): Promise<number> {
  const args = argsOrExit('attribute', argv, USAGE, parseAttributeArgs);
  if (typeof args === 'number') return args;
  const rewardSet = getRewardSet(args.reward);
  if (!rewardSet) {
    err(`segr1 attribute: unknown reward set '${args.reward}' (known: ${listRewardSets().map((s) => s.id).join(', ')})`);
    return 2;
  }
  const root = resolve(args.root ?? dirname(resolve(args.log)));
  const segmenter = await openSegmenter(args);
  if (args.jobs > 1 && segmenter.info.kind !== 'classical') err('note: --jobs applies to the classical fallback; the SAM2 export runs on this thread');
  try {
    const { report, badLines } = await attributeLog(args.log, {
      rewardSet,
      root,
      segmenter,
      thresholds: { tauSeg: args.tauSeg, delta: args.delta },
      // Workers make their own classical segmenter; with a SAM2 export the pass stays on this thread.
      workers: args.jobs,
      onBadLine: (line, message) => err(`${args.log}:${line}: ${message}`),
      onNote: (m) => err(`note: ${m}`),
    });
    out(formatAttribution(report));
    if (args.json) writeFileSync(args.json, JSON.stringify(attributionJson(report), (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
    return badLines > 0 ? 1 : 0;
  } finally {
    await segmenter.dispose();
  }
}
