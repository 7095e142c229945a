import type { AdapterOptions, RolloutAdapter, RolloutSink } from './adapterTypes';
import type { RolloutRecord } from './rollout';
import { blockRecord } from './easyr1Generations';
import { forEachTextLine } from './textLines';

const MARKERS = ['[prompt] ', '[response] ', '[ground_truth] ', '[score] '] as const;
const COLOUR = '(?:\\x1b\\[[0-9;]*m)*';
/** Ray's prefix on every line a remote task prints, reaching the driver's stdout: `(main_task pid=N[, ip=…]) `, maybe coloured. */
export const RAY_PREFIX = new RegExp(`^${COLOUR}\\(([^()\\s]+(?: [^()\\s]+)* pid=\\d+(?:, ip=[^)]*)?)\\)${COLOUR} ?`);
/** verl's console logger line (aggregate_logger.py concat_dict_to_str): `step N: - k:v - …`. */
const STEP = /^step (\d+):/;

/** A line split into its Ray source (empty when unprefixed) and what the process printed. */
function splitRay(text: string): { source: string; body: string } {
  const m = RAY_PREFIX.exec(text);
  return m ? { source: m[1]!, body: text.slice(m[0].length) } : { source: '', body: text };
}

/**
 * Parse a captured stdout of Seg-Zero / VisionReasoner training (its verl fork writes no generations.log):
 * CustomRewardManager prints `num_examine` = 1 sample per reward call (verl/workers/reward/custom.py:68-73:
 * `print("[prompt]", prompt)`, `[response]`, `[ground_truth]`, `[score]`), and the console logger then prints
 * `step N: …` for that step, which gives the sample its step. Under Ray every line carries its process's prefix
 * (`(main_task pid=N) `) and other processes' lines fall between: a sample continues only with lines of the
 * process that began it. Texts span lines; a marker counts only in its turn, and a second `[ground_truth]`
 * before `[score]` means the first was the response's own line.
 */
export async function readSegZeroStdout(path: string, sink: RolloutSink, opts: AdapterOptions = {}): Promise<void> {
  let part = -1;
  let source = '';
  let startLine = 0;
  let texts: string[] = [];
  let pending: { r: RolloutRecord; line: number; source: string } | undefined;
  let index = 0;
  const flushPending = (step?: number) => {
    if (!pending) return;
    sink.record(step !== undefined ? { ...pending.r, step } : pending.r, pending.line);
    pending = undefined;
  };
  await forEachTextLine(
    path,
    (text, line) => {
      const { source: src, body } = splitRay(text);
      if (part === -1) {
        const step = STEP.exec(body);
        if (step && pending && src === pending.source) {
          flushPending(Number(step[1]));
          return;
        }
        if (body.startsWith(MARKERS[0])) {
          flushPending();
          part = 0;
          source = src;
          startLine = line;
          texts = [body.slice(MARKERS[0].length)];
        }
        // Everything else (config dump, warnings, progress bars) is not a sample.
        return;
      }
      if (src !== source) return;
      const next = MARKERS[part + 1];
      if (part === 2 && body.startsWith(MARKERS[2])) {
        texts[1] += '\n' + MARKERS[2] + texts[2];
        texts[2] = body.slice(MARKERS[2].length);
        return;
      }
      if (next !== undefined && body.startsWith(next)) {
        part++;
        texts[part] = body.slice(next.length);
      } else if (part >= 1 && body.startsWith(MARKERS[0])) {
        sink.issue({ line: startLine, severity: 'error', message: `sample cut off before its ${next?.trim() ?? 'end'} (next sample at line ${line})` });
        part = 0;
        startLine = line;
        texts = [body.slice(MARKERS[0].length)];
        return;
      } else {
        texts[part] += '\n' + body;
      }
      if (part === MARKERS.length - 1) {
        const r = blockRecord(texts, line, sink, { sample_index: index++, ...(source ? { ray_source: source } : {}) });
        pending = { r, line: startLine, source };
        part = -1;
        texts = [];
      }
    },
    (i) => sink.issue(i),
    opts,
  );
  flushPending();
  if (part >= 0) sink.issue({ line: startLine, severity: 'error', message: `last sample cut off before its ${MARKERS[part + 1]!.trim()}` });
}

/** Seg-Zero / VisionReasoner training stdout. */
export const segzeroStdoutAdapter: RolloutAdapter = {
  name: 'segzero-stdout',
  summary: 'Seg-Zero / VisionReasoner captured training stdout ([prompt], [response], [ground_truth], [score], step lines)',
  read: readSegZeroStdout,
};
