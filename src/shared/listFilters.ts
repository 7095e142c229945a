/**
 * The rollout list's filters as plain data: the step picker's text, the format-failure choice, saved searches
 * (named filter chips), and the readers that turn a saved webview state or workspace state back into them.
 * Pure (no DOM, no Node): the webview, the host and the tests share it. Saved state is hostile input: it may come
 * from an older version, a hand-edited file or another extension, so every reader checks every field.
 */
import { ATTRIBUTION_LABELS, type AttributionLabel } from '../core/attribution/labels';
import { specProblem, type SearchSpec } from '../core/search/spec';
import { REWARD_SET_CHOICES } from './rewardSetChoices';

/** Which rollouts the format-failure filter keeps: every one, only those whose answer fails to parse, or the others. */
export type FailureFilter = 'all' | 'only' | 'hide';

/** A search the user saved as a filter chip; `active` chips restrict the rollout list. */
export interface SavedSearch {
  readonly name: string;
  readonly spec: SearchSpec;
  readonly active: boolean;
}

/** The search box as the user left it. */
export interface SearchBoxState {
  readonly pattern: string;
  readonly regex: boolean;
  readonly ignoreCase: boolean;
}

/** Saved searches kept per workspace; more are refused (each active chip costs a pass over the logs). */
export const MAX_SAVED_SEARCHES = 32;
/** Longest pattern or chip name kept from saved state. */
export const MAX_PATTERN_LENGTH = 1000;

const NUMBER = String.raw`[+-]?(?:\d+(?:\.\d*)?|\.\d+)`;
// "7", "3-5", "3 – 5", "3..5", "3:5", "3 to 5"; a minus sign is told from the range dash by the number pattern.
const RANGE = new RegExp(`^\\s*(${NUMBER})\\s*(?:(?:\\.\\.|[-–—:]|to)\\s*(${NUMBER})\\s*)?$`, 'i');

/**
 * The step picker's text as an inclusive step range: empty = all steps (undefined range), `7` = step 7, `3-5`,
 * `3–5`, `3..5`, `3:5` or `3 to 5` = steps 3 to 5 (ends swapped when given backwards). Anything else is an error
 * that says what was typed.
 */
export function parseStepRange(text: string): { readonly range?: readonly [number, number] } | { readonly error: string } {
  if (text.trim() === '') return {};
  const m = RANGE.exec(text);
  if (!m) return { error: `'${text.length > 40 ? `${text.slice(0, 40)}…` : text}' is not a step or a range (e.g. 7 or 3-5)` };
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return { error: `'${text}' is out of range` };
  return { range: a <= b ? [a, b] : [b, a] };
}

/** A step range as the step picker shows it: `7`, `3–5`, or empty for all steps. */
export function formatStepRange(range: readonly [number, number] | undefined): string {
  if (!range) return '';
  const f = (v: number) => (Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000));
  return range[0] === range[1] ? f(range[0]) : `${f(range[0])}–${f(range[1])}`;
}

/** Whether a rollout passes the format-failure filter; `failure` is 1, 0, or NaN while unknown (prompts not read yet). */
export function passesFailureFilter(failure: number, mode: FailureFilter): boolean {
  if (mode === 'only') return failure === 1;
  if (mode === 'hide') return failure !== 1;
  return true;
}

/** Filters that all must pass (AND): each takes a row number. No filter keeps every row. */
export function composeFilters(filters: ReadonlyArray<((row: number) => boolean) | undefined>): ((row: number) => boolean) | undefined {
  const fs = filters.filter((f): f is (row: number) => boolean => f !== undefined);
  if (fs.length === 0) return undefined;
  if (fs.length === 1) return fs[0];
  return (row) => fs.every((f) => f(row));
}

/** A stable key of a spec (for caches and for telling saved searches apart). */
export function specKey(spec: SearchSpec): string {
  return JSON.stringify([spec.pattern, spec.regex === true, spec.ignoreCase === true, spec.run ?? null, spec.step ?? null]);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A search spec from saved state, or undefined when it is not one the search would run. */
export function readSpec(v: unknown): SearchSpec | undefined {
  if (!isRecord(v) || typeof v.pattern !== 'string' || v.pattern.length > MAX_PATTERN_LENGTH) return undefined;
  const spec: SearchSpec = {
    pattern: v.pattern,
    regex: v.regex === true,
    ignoreCase: v.ignoreCase === true,
    ...(typeof v.run === 'string' ? { run: v.run } : {}),
    ...(typeof v.step === 'number' && Number.isFinite(v.step) ? { step: v.step } : {}),
  };
  return specProblem(spec) === undefined ? spec : undefined;
}

/**
 * Saved searches from workspace or webview state: entries that are not a named, runnable search are dropped, a
 * repeated name keeps its first entry, and at most MAX_SAVED_SEARCHES are kept.
 */
export function readSavedSearches(v: unknown): SavedSearch[] {
  if (!Array.isArray(v)) return [];
  const out: SavedSearch[] = [];
  const names = new Set<string>();
  for (const e of v) {
    if (out.length >= MAX_SAVED_SEARCHES) break;
    if (!isRecord(e) || typeof e.name !== 'string') continue;
    const name = e.name.trim().slice(0, MAX_PATTERN_LENGTH);
    const spec = readSpec(e.spec);
    if (name === '' || !spec || names.has(name)) continue;
    names.add(name);
    out.push({ name, spec, active: e.active === true });
  }
  return out;
}

/** The search box from webview state; anything unreadable is an empty literal search. */
export function readSearchBox(v: unknown): SearchBoxState {
  if (!isRecord(v)) return { pattern: '', regex: false, ignoreCase: false };
  const pattern = typeof v.pattern === 'string' && v.pattern.length <= MAX_PATTERN_LENGTH ? v.pattern : '';
  return { pattern, regex: v.regex === true, ignoreCase: v.ignoreCase === true };
}

/** The format-failure choice from saved state ('all' unless it is one of the three). */
export function readFailureFilter(v: unknown): FailureFilter {
  return v === 'only' || v === 'hide' ? v : 'all';
}

/** A saved step range: two finite numbers, low first; anything else is no range. */
export function readStepRange(v: unknown): [number, number] | undefined {
  if (!Array.isArray(v) || v.length !== 2) return undefined;
  const [a, b] = v as unknown[];
  if (typeof a !== 'number' || typeof b !== 'number' || !Number.isFinite(a) || !Number.isFinite(b)) return undefined;
  return a <= b ? [a, b] : [b, a];
}

/** The rollout list's sort, presets and scroll as saved in the webview state. */
export interface SavedListState {
  readonly sortKey: string;
  readonly sortDir: 1 | -1;
  /** "Worst/Best N": rows kept after sorting; 0 = all. */
  readonly limit: number;
  /** The presets' column and N as the user left them. */
  readonly presetColumn?: string;
  readonly n: number;
  readonly scrollTop: number;
}

/** Everything the traces view keeps across a hidden tab and a reload (VS Code's webview state). */
export interface SavedTracesState {
  readonly smoothing?: number;
  readonly range?: [number, number];
  readonly list?: SavedListState;
  /** The taxonomy filter on the list (a clicked bar segment or table cell). */
  readonly label?: { readonly label: AttributionLabel; readonly step?: number; readonly image?: string };
  readonly search: SearchBoxState;
  readonly failures: FailureFilter;
  /** Saved searches as last seen (the host's workspace state is the source; this shows them before it answers). */
  readonly saved: readonly SavedSearch[];
  /** The reward set "Largest replay Δ" replays with. */
  readonly replaySet?: string;
}

function finiteIn(v: unknown, lo: number, hi: number): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi ? v : undefined;
}

/** The list part of a saved state, or undefined when its sort key is not a string. */
export function readListState(v: unknown): SavedListState | undefined {
  if (!isRecord(v) || typeof v.sortKey !== 'string' || v.sortKey.length > MAX_PATTERN_LENGTH) return undefined;
  const limit = finiteIn(v.limit, 0, Number.MAX_SAFE_INTEGER);
  const n = finiteIn(v.n, 1, Number.MAX_SAFE_INTEGER);
  return {
    sortKey: v.sortKey,
    sortDir: v.sortDir === -1 ? -1 : 1,
    limit: limit === undefined ? 0 : Math.floor(limit),
    ...(typeof v.presetColumn === 'string' ? { presetColumn: v.presetColumn } : {}),
    n: n === undefined ? 20 : Math.floor(n),
    scrollTop: finiteIn(v.scrollTop, 0, Number.MAX_SAFE_INTEGER) ?? 0,
  };
}

/** The traces' saved webview state, every field checked; what cannot be read is left at its default. */
export function readTracesState(v: unknown): SavedTracesState {
  const o = isRecord(v) ? v : {};
  const smoothing = finiteIn(o.smoothing, 0, 0.99);
  const range = readStepRange(o.range);
  const list = readListState(o.list);
  const l = isRecord(o.label) ? o.label : undefined;
  const label =
    l && typeof l.label === 'string' && (ATTRIBUTION_LABELS as readonly string[]).includes(l.label)
      ? { label: l.label as AttributionLabel, ...(typeof l.step === 'number' && Number.isFinite(l.step) ? { step: l.step } : {}), ...(typeof l.image === 'string' ? { image: l.image } : {}) }
      : undefined;
  return {
    ...(smoothing === undefined ? {} : { smoothing }),
    ...(range ? { range } : {}),
    ...(list ? { list } : {}),
    ...(label ? { label } : {}),
    search: readSearchBox(o.search),
    failures: readFailureFilter(o.failures),
    saved: readSavedSearches(o.saved),
    ...(typeof o.replaySet === 'string' && REWARD_SET_CHOICES.some((c) => c.id === o.replaySet) ? { replaySet: o.replaySet } : {}),
  };
}
