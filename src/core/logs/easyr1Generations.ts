import type { AdapterOptions, RolloutAdapter, RolloutSink } from './adapterTypes';
import type { RolloutRecord } from './rollout';
import { forEachTextLine, parseLoggedNumber } from './textLines';

const MARKERS = ['[prompt] ', '[output] ', '[ground_truth] ', '[score] '] as const;

/**
 * Parse EasyR1's `generations.log` (verl/utils/logger/gen_logger.py FileGenerationLogger:
 * `[prompt] {inp}\n[output] {out}\n[ground_truth] {lab}\n[score] {score}\n\n`). Seg-Zero's verl fork writes no such
 * file: its stdout is `segzero-stdout`.
 * Texts span lines, so a marker only counts in its turn: prompt, output, ground truth, score.
 */
export async function readGenerationsLog(path: string, sink: RolloutSink, opts: AdapterOptions = {}): Promise<void> {
  let part = -1;
  let startLine = 0;
  let texts: string[] = [];
  let index = 0;
  const flushIncomplete = (line: number) => {
    if (part >= 0) sink.issue({ line: startLine, severity: 'error', message: `sample cut off before its ${MARKERS[part + 1]?.trim() ?? 'end'} (next sample at line ${line})` });
  };
  await forEachTextLine(
    path,
    (text, line) => {
      const next = MARKERS[part + 1];
      if (part === -1 && !text.startsWith(MARKERS[0])) {
        if (text.trim() !== '') sink.issue({ line, severity: 'warning', message: 'text outside a [prompt]…[score] sample; skipped' });
        return;
      }
      if (next !== undefined && text.startsWith(next)) {
        part++;
        if (part === 0) startLine = line;
        texts[part] = text.slice(next.length);
      } else if (part < MARKERS.length - 1 && part >= 0 && text.startsWith(MARKERS[0]) && part !== 0) {
        // A new sample began before this one ended: the log was cut (or two writers interleaved).
        flushIncomplete(line);
        part = 0;
        startLine = line;
        texts = [text.slice(MARKERS[0].length)];
        return;
      } else if (part >= 0) {
        texts[part] += '\n' + text;
      }
      if (part === MARKERS.length - 1) {
        const r = blockRecord(texts, line, sink, { generation_index: index++ });
        sink.record(r, startLine);
        part = -1;
        texts = [];
      }
    },
    (i) => sink.issue(i),
    opts,
  );
  if (part >= 0) sink.issue({ line: startLine, severity: 'error', message: `last sample cut off before its ${MARKERS[part + 1]!.trim()}` });
}

/** EasyR1 validation samples. */
export const easyr1GenerationsAdapter: RolloutAdapter = {
  name: 'easyr1-generations',
  summary: 'EasyR1 generations.log ([prompt], [output], [ground_truth], [score])',
  read: readGenerationsLog,
};

/**
 * The rollout of one prompt / output / ground-truth / score block (EasyR1's `generations.log` and Seg-Zero's stdout
 * print the same four fields); a score that is not a number is a warning on `line`.
 */
export function blockRecord(texts: readonly string[], line: number, sink: RolloutSink, extra: Record<string, unknown>): RolloutRecord {
  const score = parseLoggedNumber(texts[3] ?? '');
  if (score === undefined) sink.issue({ line, severity: 'warning', field: 'reward', message: `score '${texts[3]}' is not a number` });
  return {
    query: texts[0] ?? '',
    completion: texts[1] ?? '',
    ...(score !== undefined ? { reward: score } : {}),
    extra: { ground_truth: texts[2] ?? '', ...extra },
  };
}
