import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { AdapterOptions, RolloutAdapter, RolloutSink } from './adapterTypes';
import type { RolloutRecord } from './rollout';
import { forEachTextLine, parseLoggedNumber } from './textLines';

/** `------------- {%d-%H-%M-%S-%f} Accuracy reward: {r} -------------` or `… Format reward …`. */
const HEADER = /^------------- (\S+) (?:Accuracy reward: (.*)|Format reward) -------------$/;
const KEY = /^(accu_reward_method|image_path|problem|Content|Solution|Has format): ?(.*)$/;

/** An image path as VLM-R1 prints it: a plain path, or the repr of a Python list of paths (first one kept). */
export function pythonPath(text: string): string | undefined {
  const t = text.trim();
  if (t === '' || t === 'None') return undefined;
  const m = /^\[\s*['"]([^'"]*)['"]/.exec(t);
  return m ? m[1] : t;
}

/**
 * Parse VLM-R1's DEBUG_MODE reward logs (src/open-r1-multimodal/src/open_r1/grpo_jsonl.py accuracy_reward:
 * header, `accu_reward_method:`, `image_path:`, `problem:`, `Content:`, `Solution:`; grpo.py writes only
 * Content and Solution; the `_format.txt` log has one header then `Content:` / `Has format:` pairs). Values
 * may span lines; a key only counts in its turn after the header. `image_path` is the batch's first image
 * (`kwargs["image_path"][0]`), so it may not be this rollout's.
 */
async function parseVlmR1Log(path: string, sink: RolloutSink, opts: AdapterOptions): Promise<void> {
  // One reward call logs every rollout with the call's first image_path and problem; its prompts differ by Solution.
  let blockKey: string | undefined;
  let blockSolution: string | undefined;
  let blockPrompt = 0;
  let blockWarned = false;
  let kind: 'accuracy' | 'format' | undefined;
  let time = '';
  let reward: number | undefined;
  let fields: Record<string, string> = {};
  let current: string | undefined;
  let start = 0;
  let headerLine = 0;
  const emit = () => {
    if (fields.Content === undefined) return;
    const extra: Record<string, unknown> = { time };
    for (const k of ['accu_reward_method', 'Solution', 'image_path'] as const) if (fields[k] !== undefined) extra[k.toLowerCase()] = fields[k];
    const image = fields.image_path !== undefined ? pythonPath(fields.image_path) : undefined;
    let r: RolloutRecord;
    let keepImage = true;
    if (kind === 'accuracy') {
      const key = `${fields.image_path ?? ''}\u0000${fields.problem ?? ''}`;
      if (key !== blockKey) {
        blockKey = key;
        blockPrompt = 0;
        blockWarned = false;
      } else if (fields.Solution !== blockSolution) blockPrompt++;
      blockSolution = fields.Solution;
      if (blockPrompt > 0 && (fields.image_path !== undefined || fields.problem !== undefined)) {
        // grpo_jsonl.py writes kwargs["image_path"][0] and kwargs["problem"][0] for every rollout of the call:
        // past the first prompt's group they name another prompt, so they are kept aside, not attached.
        keepImage = false;
        extra.call_first_image_path = extra.image_path;
        extra.call_first_problem = fields.problem;
        delete extra.image_path;
        if (!blockWarned) {
          sink.issue({ line: start, severity: 'warning', field: 'image', message: "a reward call's rollouts of a second prompt (another Solution) carry the call's first image_path and problem, as grpo_jsonl.py logs them; image and query left out from here to the call's end" });
          blockWarned = true;
        }
      }
    }
    if (kind === 'format') {
      const has = fields['Has format']?.trim();
      r = { completion: fields.Content, ...(has === 'True' || has === 'False' ? { rewards: { format: has === 'True' ? 1 : 0 } } : {}), extra };
    } else {
      r = {
        completion: fields.Content,
        ...(image !== undefined && keepImage ? { image } : {}),
        ...(fields.problem !== undefined && keepImage ? { query: fields.problem } : {}),
        ...(reward !== undefined ? { rewards: { accuracy: reward } } : {}),
        extra,
      };
    }
    sink.record(r, start, kind === 'format' ? basename(path) : undefined);
    fields = {};
    current = undefined;
  };
  await forEachTextLine(
    path,
    (text, line) => {
      const h = HEADER.exec(text);
      if (h) {
        if (kind === 'accuracy' && fields.Content !== undefined && fields.Solution === undefined) sink.issue({ line: headerLine, severity: 'warning', message: 'block has no Solution line' });
        emit();
        kind = h[2] === undefined ? 'format' : 'accuracy';
        time = h[1] ?? '';
        reward = h[2] === undefined ? undefined : parseLoggedNumber(h[2]);
        if (h[2] !== undefined && reward === undefined) sink.issue({ line, severity: 'warning', field: 'rewards.accuracy', message: `reward '${h[2]}' is not a number` });
        headerLine = line;
        fields = {};
        current = undefined;
        return;
      }
      if (kind === undefined) {
        if (text.trim() !== '') sink.issue({ line, severity: 'warning', message: 'text before the first reward header; skipped' });
        return;
      }
      const k = KEY.exec(text);
      if (kind === 'accuracy' && (current === 'Content' || current === 'Solution')) {
        // A completion may itself contain a line starting "Solution: "; the block's own Solution line is the last one.
        if (k?.[1] === 'Solution') {
          if (current === 'Solution') fields.Content += '\nSolution: ' + fields.Solution;
          current = 'Solution';
          fields.Solution = k[2] ?? '';
          return;
        }
        fields[current] += '\n' + text;
        return;
      }
      // Keys follow each other in a fixed order, so a completion line that merely looks like a key stays text.
      const allowed = kind === 'format' ? (current === undefined || current === 'Has format' ? ['Content'] : current === 'Content' ? ['Has format'] : []) : ['accu_reward_method', 'image_path', 'problem', 'Content'];
      if (k && allowed.includes(k[1]!)) {
        if (kind === 'format' && k[1] === 'Content') emit();
        current = k[1]!;
        if (current === 'Content') start = line;
        fields[current] = k[2] ?? '';
        return;
      }
      if (current !== undefined) fields[current] += '\n' + text;
    },
    (i) => sink.issue(i),
    opts,
  );
  emit();
}

/** The format log grpo_jsonl.py writes beside an accuracy log: `log_path.replace(".txt", "_format.txt")`. */
export function vlmr1FormatPath(accuracyPath: string): string | undefined {
  return accuracyPath.includes('.txt') ? accuracyPath.split('.txt').join('_format.txt') : undefined;
}

/** The accuracy log a `_format.txt` log belongs to, when that file exists and maps back to it. */
function accuracyPathOf(formatPath: string): string | undefined {
  if (!formatPath.endsWith('_format.txt')) return undefined;
  const acc = formatPath.split('_format.txt').join('.txt');
  return acc !== formatPath && vlmr1FormatPath(acc) === formatPath && existsSync(acc) ? acc : undefined;
}

/** A format log over this size is not held in memory for the join; its rollouts then come as records of their own. */
const MAX_JOIN_BYTES = 256 * 1024 * 1024;

/**
 * Parse VLM-R1's DEBUG_MODE reward logs. An accuracy log whose `_format.txt` sibling exists is joined with it:
 * both reward functions log the same completions, so each accuracy record takes the format result of the first
 * not yet used format entry with the same completion (the format reward is a function of the completion alone,
 * so equal completions are interchangeable, and ranks appending to one log in any order still pair up); format
 * entries left over come as records of their own. A `_format.txt` whose accuracy log exists yields nothing (its
 * rollouts are in that log's records).
 */
export async function readVlmR1DebugLog(path: string, sink: RolloutSink, opts: AdapterOptions = {}): Promise<void> {
  const acc = accuracyPathOf(path);
  if (acc !== undefined && opts.skipFile?.(acc) !== true) {
    sink.issue({ line: 0, severity: 'warning', message: `format rewards joined into the records of ${basename(acc)} (read that file); no records of its own` });
    return;
  }
  const fmt = vlmr1FormatPath(path);
  const fmtSize = fmt !== undefined && fmt !== path && existsSync(fmt) && opts.skipFile?.(fmt) !== true ? statSync(fmt).size : undefined;
  if (fmt === undefined || fmtSize === undefined) return parseVlmR1Log(path, sink, opts);
  if (fmtSize > MAX_JOIN_BYTES) {
    sink.issue({ line: 0, severity: 'warning', file: basename(fmt), message: `format log of ${fmtSize} bytes is over ${MAX_JOIN_BYTES} bytes: not joined; read it on its own` });
    return parseVlmR1Log(path, sink, opts);
  }
  const byContent = new Map<string, Array<{ r: RolloutRecord; line: number | undefined; used: boolean }>>();
  const order: Array<{ r: RolloutRecord; line: number | undefined; used: boolean }> = [];
  const fmtName = basename(fmt);
  await parseVlmR1Log(fmt, { record: (r, line) => {
    const e = { r, line, used: false };
    order.push(e);
    const q = byContent.get(r.completion);
    if (q) q.push(e);
    else byContent.set(r.completion, [e]);
  }, issue: (i) => sink.issue({ ...i, file: i.file ?? fmtName }) }, opts);
  let unmatched = 0;
  await parseVlmR1Log(path, {
    record: (r, line, file) => {
      const q = byContent.get(r.completion);
      const e = q?.find((x) => !x.used);
      if (!e) {
        unmatched++;
        sink.record(r, line, file);
        return;
      }
      e.used = true;
      const format = e.r.rewards?.format;
      sink.record({ ...r, rewards: { ...r.rewards, ...(format !== undefined ? { format } : {}) }, extra: { ...r.extra, format_time: e.r.extra?.time, format_source: `${fmtName}:${e.line ?? 0}` } }, line, file);
    },
    issue: (i) => sink.issue(i),
  }, opts);
  const left = order.filter((e) => !e.used);
  for (const e of left) sink.record(e.r, e.line, fmtName);
  if (unmatched > 0) sink.issue({ line: 0, severity: 'warning', file: basename(path), message: `${unmatched} accuracy records have no entry with the same Content in ${fmtName}: no format reward` });
  if (left.length > 0) sink.issue({ line: 0, severity: 'warning', file: fmtName, message: `${left.length} format entries have no accuracy record with the same Content (the accuracy log skips rewards over 1.0): records of their own` });
}

/** VLM-R1 DEBUG_MODE reward logs. */
export const vlmr1DebugAdapter: RolloutAdapter = {
  name: 'vlmr1-debug',
  summary: 'VLM-R1 DEBUG_MODE reward log at LOG_PATH (Accuracy reward / Format reward blocks)',
  read: readVlmR1DebugLog,
};
