import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { AdapterOptions, RolloutAdapter, RolloutSink } from './adapterTypes';
import type { RolloutRecord } from './rollout';
import { forEachJsonLine } from './textLines';
import { describeValue } from './validateRecord';

/** verl's dump files are named by global step: `{rollout_data_dir}/{step}.jsonl`. */
export const VERL_FILE = /^(\d+)\.jsonl$/;

/** The dump files of a verl rollout_data_dir, in step order. */
export async function verlFiles(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => VERL_FILE.test(n));
  return names.sort((a, b) => Number(VERL_FILE.exec(a)![1]) - Number(VERL_FILE.exec(b)![1])).map((n) => join(dir, n));
}

/**
 * One verl dump line as a rollout. verl/trainer/ppo/ray_trainer.py `_dump_generations` writes
 * `input` (decoded prompt), `output` (decoded response), `gts`, `score` (summed token-level score), `step`
 * and every reward_extra_info column; numeric extras are reward components.
 */
export function verlRecord(o: Record<string, unknown>): RolloutRecord | undefined {
  if (typeof o.output !== 'string') return undefined;
  const rewards: Record<string, number | null> = {};
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'input' || k === 'output' || k === 'step' || k === 'uid') continue;
    // A score that is not a number is no reward, but its value stays in extra rather than vanishing.
    if (k === 'score') {
      if (typeof v !== 'number') extra[k] = v;
      continue;
    }
    if (k !== 'gts' && k !== 'request_id' && (typeof v === 'number' || typeof v === 'boolean')) rewards[k] = Number(v);
    else extra[k] = v;
  }
  const step = typeof o.step === 'number' ? o.step : undefined;
  return {
    ...(step !== undefined ? { step } : {}),
    ...(typeof o.uid === 'string' ? { group: o.uid } : {}),
    ...(typeof o.input === 'string' ? { query: o.input } : {}),
    completion: o.output,
    ...(typeof o.score === 'number' ? { reward: o.score } : {}),
    ...(Object.keys(rewards).length ? { rewards } : {}),
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}

/** verl `trainer.rollout_data_dir`: a folder of `{step}.jsonl` or one such file. */
export const verlAdapter: RolloutAdapter = {
  name: 'verl',
  summary: 'verl trainer.rollout_data_dir/{step}.jsonl (input, output, gts, score, step)',
  async read(path: string, sink: RolloutSink, opts: AdapterOptions = {}): Promise<void> {
    const files = (await stat(path)).isDirectory() ? (await verlFiles(path)).filter((f) => !opts.skipFile?.(f)) : [path];
    for (const file of files) {
      const name = basename(file);
      await forEachJsonLine(
        file,
        (v, line) => {
          const r = typeof v === 'object' && v !== null && !Array.isArray(v) ? verlRecord(v as Record<string, unknown>) : undefined;
          if (!r) {
            sink.issue({ line, file: name, severity: 'error', field: 'output', message: 'not a verl rollout line: no string `output`' });
            return;
          }
          const score = (v as Record<string, unknown>).score;
          if (score !== undefined && typeof score !== 'number') {
            sink.issue({ line, file: name, severity: 'warning', field: 'score', message: `expected a number, found ${describeValue(score)}; rollout kept without a reward` });
          }
          sink.record(r, line, name);
        },
        (i) => sink.issue({ ...i, file: name }),
        opts,
      );
    }
  },
};
