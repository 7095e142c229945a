/**
 * The JSON `segr1 attribute` writes, read defensively: the report shows whatever part of it is well formed and says
 * what was not. Contract: `{"summary": {"format": n, "segmenter": n, "policy": n, "reward": n, "ok": n},
 * "images": {...}, "rollouts": [{"line": n, "label": "...", "flags": [...], "iou": x, "oracleIou": x}]}`.
 */

/** Labels in the order the taxonomy is shown (cause before consequence; `ok` last). */
export const ATTRIBUTION_LABELS = ['format', 'segmenter', 'policy', 'reward', 'ok'] as const;

/** One attributed rollout. */
export interface AttributedRollout {
  /** 1-based line of the rollout in its log. */
  readonly line: number;
  readonly label: string;
  readonly flags: readonly string[];
  readonly iou?: number;
  readonly oracleIou?: number;
}

/** The parts of an attribution file the report uses. */
export interface Attribution {
  /** Count per label: the contract's five first, then any other label the file names, in file order. */
  readonly summary: ReadonlyArray<readonly [string, number]>;
  readonly rollouts: readonly AttributedRollout[];
  /** What was skipped, each naming the field (`rollouts[3].line: expected a positive integer`). */
  readonly problems: readonly string[];
}

/** Cap on rollout entries read: the report lists a few per label; a hostile file may hold millions. */
const MAX_ROLLOUTS = 1_000_000;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parse the attribution JSON text; never throws for a well-formed JSON value of the wrong shape (problems say why). */
export function parseAttribution(json: string, file: string): Attribution {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (e) {
    throw new Error(`${file}: not JSON (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  const problems: string[] = [];
  if (!isRecord(v)) throw new Error(`${file}: expected a JSON object with "summary" and "rollouts"`);
  const summary: Array<[string, number]> = [];
  if (isRecord(v.summary)) {
    const keys = [...ATTRIBUTION_LABELS.filter((k) => k in (v.summary as object)), ...Object.keys(v.summary).filter((k) => !(ATTRIBUTION_LABELS as readonly string[]).includes(k))];
    for (const k of keys) {
      const n = v.summary[k];
      if (typeof n === 'number' && Number.isInteger(n) && n >= 0) summary.push([k, n]);
      else problems.push(`${file}: summary.${k}: expected a non-negative integer count`);
    }
  } else problems.push(`${file}: summary: expected an object of counts per label`);
  const rollouts: AttributedRollout[] = [];
  if (Array.isArray(v.rollouts)) {
    const list = v.rollouts as unknown[];
    if (list.length > MAX_ROLLOUTS) problems.push(`${file}: rollouts: ${list.length} entries, only the first ${MAX_ROLLOUTS} read`);
    for (let k = 0; k < Math.min(list.length, MAX_ROLLOUTS); k++) {
      const r = list[k];
      const at = `${file}: rollouts[${k}]`;
      if (!isRecord(r)) {
        problems.push(`${at}: expected an object`);
        continue;
      }
      if (typeof r.line !== 'number' || !Number.isInteger(r.line) || r.line < 1) {
        problems.push(`${at}.line: expected a positive integer`);
        continue;
      }
      if (typeof r.label !== 'string') {
        problems.push(`${at}.label: expected a string`);
        continue;
      }
      const flags = Array.isArray(r.flags) ? r.flags.filter((f): f is string => typeof f === 'string') : [];
      rollouts.push({
        line: r.line,
        label: r.label,
        flags,
        ...(typeof r.iou === 'number' ? { iou: r.iou } : {}),
        ...(typeof r.oracleIou === 'number' ? { oracleIou: r.oracleIou } : {}),
      });
    }
  } else if (v.rollouts !== undefined) problems.push(`${file}: rollouts: expected an array`);
  return { summary, rollouts, problems };
}
