import type { AdapterOptions, RolloutAdapter, RolloutSink } from './adapterTypes';
import type { RolloutRecord } from './rollout';
import { forEachTextLine, parseLoggedNumber } from './textLines';

/** Block fields in the order Seg-R1's segmentation_reward writes them (seg-r1/src/open_r1/grpo.py, DEBUG=1). */
const FIELDS = ['Content', 'Points', 'Labels', 'IOU', 'Final Reward'] as const;
/** A field line: its indent, name and value. Only a line at the block's own indent (the writer's) is a field. */
const MARKER = /^( *)(Content|Points|Labels|IOU|Final Reward): ?(.*)$/;
const DASHES = /^( *)-{40}\s*$/;

/** Numbers of a numpy array repr (`[[120 340]\n [200 310]]`); undefined for `None` or no numbers. */
export function numpyNumbers(text: string): number[] | undefined {
  if (/^\s*None\s*$/.test(text)) return undefined;
  const nums = text.match(/-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?/g);
  return nums ? nums.map(Number) : undefined;
}

/**
 * Parse Seg-R1's debug `training.log`: per rollout an indented block `Content:` (the completion, may span
 * lines), `Points:` / `Labels:` (numpy reprs or None), `IOU: x.xx`, `Final Reward: x.xx` (the segmentation
 * reward, 0.7·IoU + 0.3·S-measure, rounded to 2 decimals), then 40 dashes. Field lines are the ones at the
 * writer's indent (that of the block's Content line), in their turn. No step or image is logged:
 * join to the dataset by order (see imageJoin).
 */
export async function readSegR1DebugLog(path: string, sink: RolloutSink, opts: AdapterOptions = {}): Promise<void> {
  let field = -1;
  let start = 0;
  // The writer's f-string indents every field line by the same spaces (12 in grpo.py); the Content line that
  // opens a block gives it. Model text inside the completion is written unindented after its first line, so a
  // `<think>` line that starts with `Points:` is text, not a field.
  let indent = '';
  // Per field, its lines as written (name included), so a field taken too early can be given back to the completion.
  let raw: string[][] = [];
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
    raw = [];
  };
  const begin = (text: string, f: number, value: string) => {
    field = f;
    values[f] = value;
    raw[f] = [text];
  };
  await forEachTextLine(
    path,
    (text, line) => {
      const m = MARKER.exec(text);
      const name = m?.[2];
      if (field === -1) {
        if (name === 'Content') {
          indent = m![1]!;
          start = line;
          begin(text, 0, m![3] ?? '');
        } else if (text.trim() !== '' && !DASHES.test(text)) sink.issue({ line, severity: 'warning', message: 'text outside a Content…Final Reward block; skipped' });
        return;
      }
      const ours = m !== null && m[1] === indent;
      const f = ours ? FIELDS.indexOf(name as (typeof FIELDS)[number]) : -1;
      if (f === field + 1) {
        begin(text, f, m![3] ?? '');
        return;
      }
      if (f === 0 && field > 0) {
        // A new block began before this one ended: the log was cut (or two ranks interleaved).
        finish(line, false);
        start = line;
        begin(text, 0, m![3] ?? '');
        return;
      }
      if (f >= 1 && f <= field) {
        // The writer's field again: the earlier one at this indent was the completion's own line. Give it back.
        for (let k = f; k <= field; k++) values[0] += '\n' + (raw[k] ?? []).join('\n');
        raw = raw.slice(0, f);
        values = values.slice(0, f);
        begin(text, f, m![3] ?? '');
        return;
      }
      if (field === FIELDS.length - 1 && DASHES.exec(text)?.[1] === indent) {
        finish(line, true);
        return;
      }
      raw[field]?.push(text);
      if (field <= 2) values[field] += '\n' + text;
      else sink.issue({ line, severity: 'warning', message: `text after ${FIELDS[field]} inside a block; skipped` });
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
