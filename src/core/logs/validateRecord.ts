import type { LogIssue } from './issues';
import type { CocoRle, RolloutRecord, RolloutToken } from './rollout';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Why a record path may not be used as is: absolute, or climbing out of the workspace with `..`; undefined when fine. */
export function unsafePathReason(p: string): string | undefined {
  // Windows drive and UNC paths count as absolute too: logs travel between machines.
  if (p.startsWith('/') || p.startsWith('\\') || /^[A-Za-z]:[\\/]/.test(p)) return 'absolute path; record paths must be workspace-relative';
  if (p.split(/[\\/]/).includes('..')) return "path escapes the workspace with '..'";
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function finite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** A value as an issue message names it: its JSON type and, for scalars, the value (Infinity and NaN by name, not JSON's null). */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return `number ${String(v)}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`;
}

function validToken(t: unknown): t is RolloutToken {
  if (!isObject(t) || typeof t.text !== 'string') return false;
  if (t.logprob !== undefined && typeof t.logprob !== 'number') return false;
  if (t.top === undefined) return true;
  return Array.isArray(t.top) && t.top.every((x) => isObject(x) && typeof x.text === 'string' && typeof x.logprob === 'number');
}

function validRle(m: unknown): m is CocoRle {
  if (!isObject(m) || !Array.isArray(m.size) || m.size.length !== 2 || !m.size.every((x) => Number.isInteger(x) && (x as number) >= 0)) return false;
  return typeof m.counts === 'string' || (Array.isArray(m.counts) && m.counts.every((x) => Number.isInteger(x) && (x as number) >= 0));
}

/**
 * Check one parsed JSON value against the canonical rollout schema. A field of the wrong type is reported
 * and kept verbatim in `extra` (never dropped); only a value that is not an object or has no `completion`
 * yields no record.
 */
export function validateRolloutJson(value: unknown, line: number): { record?: RolloutRecord; issues: LogIssue[] } {
  const issues: LogIssue[] = [];
  if (!isObject(value)) return { issues: [{ line, severity: 'error', message: `expected a JSON object, found ${describeValue(value)}` }] };
  const rec: Mutable<RolloutRecord> = { completion: '' };
  const extra: Record<string, unknown> = {};
  const wrong = (field: string, v: unknown, expected: string) => {
    issues.push({ line, severity: 'warning', field, message: `expected ${expected}, found ${describeValue(v)}; kept in extra` });
    extra[field] = v;
  };
  for (const [k, v] of Object.entries(value)) {
    switch (k) {
      case 'completion':
        if (typeof v === 'string') rec.completion = v;
        break;
      case 'run':
      case 'group':
        // Numeric ids are common (group 0..N); they name the same thing as their decimal text.
        if (typeof v === 'string') rec[k] = v;
        else if (finite(v)) rec[k] = String(v);
        else if (v !== null) wrong(k, v, 'a string');
        break;
      case 'step':
        if (finite(v)) rec.step = v;
        else if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) rec.step = Number(v);
        else if (v !== null) wrong(k, v, 'a number');
        break;
      case 'sample':
        if (Number.isInteger(v) && (v as number) >= 0) rec.sample = v as number;
        else if (v !== null) wrong(k, v, 'a non-negative integer');
        break;
      case 'image':
      case 'gt': {
        if (typeof v !== 'string') {
          if (v !== null) wrong(k, v, 'a path string');
          break;
        }
        rec[k] = v;
        const why = unsafePathReason(v);
        if (why) issues.push({ line, severity: 'error', field: k, message: `${why}: '${v}'` });
        break;
      }
      case 'task':
      case 'query':
        if (typeof v === 'string') rec[k] = v;
        else if (v !== null) wrong(k, v, 'a string');
        break;
      case 'tokens':
        if (Array.isArray(v) && v.every(validToken)) rec.tokens = v;
        else if (v !== null) wrong(k, v, 'an array of {text, logprob?, top?}');
        break;
      case 'model_frame':
        if (isObject(v) && finite(v.width) && finite(v.height) && v.width > 0 && v.height > 0) rec.model_frame = { width: v.width, height: v.height };
        else if (v !== null) wrong(k, v, '{width, height} with positive sizes');
        break;
      case 'rewards': {
        if (!isObject(v)) {
          if (v !== null) wrong(k, v, 'an object of reward components');
          break;
        }
        const rewards: Record<string, number | null> = {};
        for (const [name, r] of Object.entries(v)) {
          if (r === null || finite(r)) rewards[name] = r;
          else {
            issues.push({ line, severity: 'warning', field: `rewards.${name}`, message: `expected a number or null, found ${describeValue(r)}; kept in extra` });
            extra[`rewards.${name}`] = r;
          }
        }
        rec.rewards = rewards;
        break;
      }
      case 'reward':
      case 'advantage':
        if (finite(v)) rec[k] = v;
        else if (v !== null) wrong(k, v, 'a finite number');
        break;
      case 'mask':
        if (validRle(v)) rec.mask = v;
        else if (v !== null) wrong(k, v, 'a COCO RLE {size: [h, w], counts}');
        break;
      case 'extra':
        // A record written back by the workbench carries its extras nested; flatten them back.
        if (isObject(v)) Object.assign(extra, v);
        else extra[k] = v;
        break;
      default:
        extra[k] = v;
    }
  }
  if (typeof value.completion !== 'string') {
    const found = value.completion === undefined ? 'no completion field' : `completion is ${describeValue(value.completion)}`;
    issues.push({ line, severity: 'error', field: 'completion', message: `${found}; a rollout needs its completion text` });
    return { issues };
  }
  if (Object.keys(extra).length > 0) rec.extra = extra;
  return { record: rec, issues };
}
