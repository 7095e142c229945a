import type { AdapterOptions, RolloutAdapter, RolloutSink } from './adapterTypes';
import type { RolloutRecord } from './rollout';
import { forEachTextLine, parseLoggedNumber } from './textLines';

/** Block fields in the order Seg-R1's segmentation_reward writes them (seg-r1/src/open_r1/grpo.py, DEBUG=1). */
const FIELDS = ['Content', 'Points', 'Labels', 'IOU', 'Final Reward'] as const;
const MARKER = /^\s*(Content|Points|Labels|IOU|Final Reward): ?(.*)$/;
const DASHES = /^\s*-{40}\s*$/;

/** Numbers of a numpy array repr (`[[120 340]\n [200 310]]`); undefined for `None` or no numbers. */
export function numpyNumbers(text: string): number[] | undefined {
  if (/^\s*None\s*$/.test(text)) return undefined;
  const nums = text.match(/-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?/g);
  return nums ? nums.map(Number) : undefined;
}

/**
 * Parse Seg-R1's debug `training.log`: per rollout an indented block `Content:` (the completion, may span
 * lines), `Points:` / `Labels:` (numpy reprs or None), `IOU: x.xx`, `Final Reward: x.xx` (the segmentation
 * reward, 0.7·IoU + 0.3·S-measure, rounded to 2 decimals), then 40 dashes. No step or image is logged:
 * join to the dataset by order (see imageJoin).
 */
export async function readSegR1DebugLog(path: string, sink: RolloutSink, opts: AdapterOptions = {}): Promise<void> {
  let field = -1;
  let start = 0;
  let values: string[] = [];
  let index = 0;
  const finish = (line: number, complete: boolean) => {
    if (field < 0) return;
    if (!complete) sink.issue({ line: start, severity: 'error', message: `block cut off after ${FIELDS[field]} (expected ${FIELDS[field + 1] ?? '40 dashes'} before line ${line})` });
    else {
      const points = numpyNumbers(values[1] ?? 'None');
      const labels = numpyNumbers(values[2] ?? 'None');
      const iou = parseLoggedNumber(values[3] ?? '');
      const final = parseLoggedNumber(values[4] ?? '');
      const pairs: number[][] = [];
      if (points) for (let k = 0; k + 1 < points.length; k += 2) pairs.push([points[k]!, points[k + 1]!]);
      const r: RolloutRecord = {
        completion: values[0] ?? '',
        ...(final !== undefined ? { rewards: { segmentation_reward: final } } : {}),
        extra: { iou: iou ?? null, points: points ? pairs : null, labels: labels ?? null, debug_index: index++ },
      };
      sink.record(r, start);
    }
    field = -1;
    values = [];
  };
  await forEachTextLine(
    path,
    (text, line) => {
      const m = MARKER.exec(text);
      const expected = FIELDS[field + 1];
      if (m && m[1] === expected) {
        field++;
        if (field === 0) start = line;
        values[field] = m[2] ?? '';
        return;
      }
      if (m && m[1] === 'Content' && field >= 0 && field < FIELDS.length - 1 && field !== 0) {
        finish(line, false);
        field = 0;
        start = line;
        values = [m[2] ?? ''];
        return;
      }
      if (field === FIELDS.length - 1 && DASHES.test(text)) {
        finish(line, true);
        return;
      }
      if (field === 0 || field === 1 || field === 2) values[field] += '\n' + text;
      else if (field === -1 && text.trim() !== '' && !DASHES.test(text)) sink.issue({ line, severity: 'warning', message: 'text outside a Content…Final Reward block; skipped' });
    },
    (i) => sink.issue(i),
    opts,
  );
  if (field >= 0) finish(Number.NaN, false);
}

/** Seg-R1 DEBUG=1 reward log. */
export const segr1DebugAdapter: RolloutAdapter = {
  name: 'segr1-debug',
  summary: 'Seg-R1 DEBUG=1 training.log (Content, Points, Labels, IOU, Final Reward, 40 dashes)',
  read: readSegR1DebugLog,
};
