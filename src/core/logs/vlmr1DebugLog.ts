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
export async function readVlmR1DebugLog(path: string, sink: RolloutSink, opts: AdapterOptions = {}): Promise<void> {
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
    if (kind === 'format') {
      const has = fields['Has format']?.trim();
      r = { completion: fields.Content, ...(has === 'True' || has === 'False' ? { rewards: { format: has === 'True' ? 1 : 0 } } : {}), extra };
    } else {
      r = {
        completion: fields.Content,
        ...(image !== undefined ? { image } : {}),
        ...(fields.problem !== undefined ? { query: fields.problem } : {}),
        ...(reward !== undefined ? { rewards: { accuracy: reward } } : {}),
        extra,
      };
    }
    sink.record(r, start);
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

/** VLM-R1 DEBUG_MODE reward logs. */
export const vlmr1DebugAdapter: RolloutAdapter = {
  name: 'vlmr1-debug',
  summary: 'VLM-R1 DEBUG_MODE reward log at LOG_PATH (Accuracy reward / Format reward blocks)',
  read: readVlmR1DebugLog,
};
