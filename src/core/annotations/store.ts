import { posix } from 'node:path';
import { isAttributionLabel } from '../signals/labels';
import type { AnnotationEdit, AnnotationEntry, AnnotationIssue, AnnotationKey, AnnotationStore, Counterfactual } from './types';

/**
 * `.segr1/annotations.json`, pure side: parsing with per-entry validation, a stable serialization (entries sorted by
 * key, fields in a fixed order, unknown fields after them sorted by name, 2-space JSON) so two people's edits merge in
 * git like any other file, and edits applied to a store.
 */

/** Value of the file's `schema` field. */
export const ANNOTATIONS_SCHEMA = 'segr1-annotations';
/** The schema version this code writes; a file of a newer version is read but not rewritten. */
export const ANNOTATIONS_VERSION = 1;
/** Longest note kept (UTF-16 units): notes are sentences, not documents. */
export const MAX_NOTE_LENGTH = 65536;
/** Longest counterfactual answer kept: far above any model answer, far below a line cap. */
export const MAX_ANSWER_LENGTH = 65536;
/** Largest model frame side accepted: the pixel limit's side (16383). */
const MAX_FRAME_SIDE = 16383;

const ANSWER_FORMATS = new Set(['segr1', 'segzero', 'visionreasoner']);
const KEY_FIELDS = ['log', 'run', 'step', 'group', 'sample'] as const;
const ENTRY_FIELDS = new Set(['key', 'note', 'label', 'counterfactuals']);
const CF_FIELDS = new Set(['id', 'answer', 'format', 'frame']);
const TOP_FIELDS = new Set(['schema', 'version', 'entries']);

/** An empty store. */
export function emptyStore(): AnnotationStore {
  return { entries: new Map(), invalid: [], extra: {} };
}

/** Why a log path cannot be a key's (absolute, `..`, backslashes, NUL), or undefined when it is a normalised workspace-relative POSIX path. */
export function logPathProblem(log: string): string | undefined {
  if (log === '') return 'is empty';
  if (log.includes('\0')) return 'contains a NUL byte';
  if (log.includes('\\')) return 'contains a backslash; use a POSIX path (a/b.jsonl)';
  if (posix.isAbsolute(log) || /^[a-zA-Z]:/.test(log)) return 'is absolute; use a workspace-relative path';
  const norm = posix.normalize(log);
  if (norm === '..' || norm.startsWith('../')) return 'points outside the workspace';
  if (norm !== log) return `is not normalised (write ${JSON.stringify(norm)})`;
  return undefined;
}

/** The map key of an annotation key (the file's sort order is compareKeys, not this string's). */
export function keyId(k: AnnotationKey): string {
  return JSON.stringify([k.log, k.run, k.step, k.group, k.sample]);
}

function cmpNullable<T extends string | number>(a: T | null, b: T | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  // Code-unit order, as a plain sort gives: independent of locale, so every machine writes the same file.
  return String(a) < String(b) ? -1 : 1;
}

/** Stable order of keys: log, run, step (numeric), group, sample (numeric); null first. */
export function compareKeys(a: AnnotationKey, b: AnnotationKey): number {
  return cmpNullable(a.log, b.log) || cmpNullable(a.run, b.run) || cmpNullable(a.step, b.step) || cmpNullable(a.group, b.group) || cmpNullable(a.sample, b.sample);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function unknownFields(o: Record<string, unknown>, known: ReadonlySet<string>): Record<string, unknown> | undefined {
  const extra: Record<string, unknown> = {};
  let any = false;
  for (const [k, v] of Object.entries(o)) {
    if (known.has(k)) continue;
    extra[k] = v;
    any = true;
  }
  return any ? extra : undefined;
}

/** Validation failure of one entry: its JSON path and field. */
class EntryError extends Error {
  constructor(readonly path: string, readonly field: string, message: string) {
    super(message);
  }
}

function parseKey(v: unknown, at: string): AnnotationKey {
  if (!isRecord(v)) throw new EntryError(at, 'key', 'key must be an object {log, run, step, group, sample}');
  for (const f of KEY_FIELDS) if (!(f in v)) throw new EntryError(`${at}.${f}`, f, `key.${f} is missing (null when the record has none)`);
  const extraKeys = Object.keys(v).filter((k) => !(KEY_FIELDS as readonly string[]).includes(k));
  // A key with more fields would identify something this version cannot match: refuse rather than mismatch.
  if (extraKeys.length) throw new EntryError(`${at}.${extraKeys[0]!}`, extraKeys[0]!, `key has an unknown field '${extraKeys[0]!}'`);
  const { log, run, step, group, sample } = v;
  if (typeof log !== 'string') throw new EntryError(`${at}.log`, 'log', 'key.log must be a string');
  const why = logPathProblem(log);
  if (why) throw new EntryError(`${at}.log`, 'log', `key.log ${JSON.stringify(log)} ${why}`);
  if (run !== null && typeof run !== 'string') throw new EntryError(`${at}.run`, 'run', 'key.run must be a string or null');
  if (step !== null && !(typeof step === 'number' && Number.isFinite(step))) throw new EntryError(`${at}.step`, 'step', 'key.step must be a finite number or null');
  if (group !== null && typeof group !== 'string') throw new EntryError(`${at}.group`, 'group', 'key.group must be a string or null');
  if (sample !== null && !(typeof sample === 'number' && Number.isSafeInteger(sample) && sample >= 0)) throw new EntryError(`${at}.sample`, 'sample', 'key.sample must be an integer ≥ 0 or null');
  return { log, run, step, group, sample };
}

/** A counterfactual's problem, or undefined when it is valid (exported for callers that build one from user input). */
export function counterfactualProblem(c: Counterfactual): { field: string; message: string } | undefined {
  if (typeof c.id !== 'string' || c.id === '' || c.id.length > 200) return { field: 'id', message: 'id must be a non-empty string of at most 200 characters' };
  if (typeof c.answer !== 'string') return { field: 'answer', message: 'answer must be a string' };
  if (c.answer.length > MAX_ANSWER_LENGTH) return { field: 'answer', message: `answer is longer than ${MAX_ANSWER_LENGTH} characters` };
  if (!ANSWER_FORMATS.has(c.format)) return { field: 'format', message: `format must be one of ${[...ANSWER_FORMATS].join(', ')}` };
  const f = c.frame as unknown;
  const side = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x > 0 && x <= MAX_FRAME_SIDE;
  if (!isRecord(f) || !side(f.width) || !side(f.height)) return { field: 'frame', message: `frame must be {width, height}, integers in 1…${MAX_FRAME_SIDE}` };
  return undefined;
}

function parseCounterfactual(v: unknown, at: string): Counterfactual {
  if (!isRecord(v)) throw new EntryError(at, 'counterfactuals', 'a counterfactual must be an object {id, answer, format, frame}');
  const frame = isRecord(v.frame) ? { width: v.frame.width as number, height: v.frame.height as number } : (v.frame as Counterfactual['frame']);
  const extra = unknownFields(v, CF_FIELDS);
  const c: Counterfactual = { id: v.id as string, answer: v.answer as string, format: v.format as Counterfactual['format'], frame, ...(extra ? { extra } : {}) };
  const p = counterfactualProblem(c);
  if (p) throw new EntryError(`${at}.${p.field}`, p.field, p.message);
  return c;
}

function parseEntry(v: unknown, at: string): AnnotationEntry {
  if (!isRecord(v)) throw new EntryError(at, '', 'an entry must be an object {key, note?, label?, counterfactuals?}');
  const key = parseKey(v.key, `${at}.key`);
  let note: string | undefined;
  if (v.note !== undefined && v.note !== null) {
    if (typeof v.note !== 'string') throw new EntryError(`${at}.note`, 'note', 'note must be a string');
    if (v.note.length > MAX_NOTE_LENGTH) throw new EntryError(`${at}.note`, 'note', `note is longer than ${MAX_NOTE_LENGTH} characters`);
    note = v.note;
  }
  let label: AnnotationEntry['label'];
  if (v.label !== undefined && v.label !== null) {
    if (!isAttributionLabel(v.label)) throw new EntryError(`${at}.label`, 'label', 'label must be one of format, segmenter, policy, reward, ok');
    label = v.label;
  }
  const counterfactuals: Counterfactual[] = [];
  if (v.counterfactuals !== undefined && v.counterfactuals !== null) {
    if (!Array.isArray(v.counterfactuals)) throw new EntryError(`${at}.counterfactuals`, 'counterfactuals', 'counterfactuals must be an array');
    const ids = new Set<string>();
    v.counterfactuals.forEach((c, i) => {
      const cf = parseCounterfactual(c, `${at}.counterfactuals[${i}]`);
      if (ids.has(cf.id)) throw new EntryError(`${at}.counterfactuals[${i}].id`, 'id', `counterfactual id ${JSON.stringify(cf.id)} repeats`);
      ids.add(cf.id);
      counterfactuals.push(cf);
    });
  }
  const extra = unknownFields(v, ENTRY_FIELDS);
  return { key, ...(note !== undefined ? { note } : {}), ...(label ? { label } : {}), counterfactuals: sortById(counterfactuals), ...(extra ? { extra } : {}) };
}

const sortById = (c: Counterfactual[]) => c.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/** Whether a parsed file can be written back without losing meaning (false for a newer schema version). */
export interface ParsedAnnotations {
  readonly store: AnnotationStore;
  readonly issues: AnnotationIssue[];
  /** Why the file must not be rewritten by this version, if it must not. */
  readonly readOnly?: string;
}

/**
 * Parse the file's text. A bad entry is reported (file, JSON path, field) and kept aside verbatim; the others load.
 * Text that is not a JSON object at all yields no entries and `readOnly`, so nothing overwrites it.
 */
export function parseAnnotations(text: string, file: string): ParsedAnnotations {
  const issues: AnnotationIssue[] = [];
  const issue = (path: string, field: string, message: string) => issues.push({ file, path, field, message });
  let doc: unknown;
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    issue('$', '', `not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    return { store: emptyStore(), issues, readOnly: `${file} is not valid JSON; fix or remove it before annotating` };
  }
  if (!isRecord(doc)) {
    issue('$', '', 'the file must hold a JSON object {schema, version, entries}');
    return { store: emptyStore(), issues, readOnly: `${file} does not hold an annotations object; fix or remove it before annotating` };
  }
  let readOnly: string | undefined;
  if (doc.schema !== ANNOTATIONS_SCHEMA) issue('$.schema', 'schema', `schema should be ${JSON.stringify(ANNOTATIONS_SCHEMA)}`);
  if (typeof doc.version !== 'number' || !Number.isSafeInteger(doc.version) || doc.version < 1) issue('$.version', 'version', 'version must be an integer ≥ 1');
  else if (doc.version > ANNOTATIONS_VERSION) {
    issue('$.version', 'version', `version ${doc.version} is newer than this workbench's (${ANNOTATIONS_VERSION}); read as version ${ANNOTATIONS_VERSION}, not rewritten`);
    readOnly = `${file} was written by a newer workbench (version ${doc.version}); update to annotate`;
  }
  const entries = new Map<string, AnnotationEntry>();
  const invalid: unknown[] = [];
  if (doc.entries !== undefined && !Array.isArray(doc.entries)) {
    issue('$.entries', 'entries', 'entries must be an array');
    return { store: { entries, invalid, extra: unknownFields(doc, TOP_FIELDS) ?? {} }, issues, readOnly: readOnly ?? `${file}: entries is not an array; fix it before annotating` };
  }
  ((doc.entries as unknown[] | undefined) ?? []).forEach((v, i) => {
    try {
      const e = parseEntry(v, `$.entries[${i}]`);
      const id = keyId(e.key);
      if (entries.has(id)) throw new EntryError(`$.entries[${i}].key`, 'key', 'repeats the key of an earlier entry');
      // An entry that annotates nothing is valid but not kept: writing would drop it anyway.
      if (!isEmpty(e)) entries.set(id, e);
    } catch (err) {
      if (!(err instanceof EntryError)) throw err;
      issue(err.path, err.field, err.message);
      invalid.push(v);
    }
  });
  return { store: { entries, invalid, extra: unknownFields(doc, TOP_FIELDS) ?? {} }, issues, ...(readOnly ? { readOnly } : {}) };
}

function sortedExtra(extra: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(extra ?? {}).sort()) out[k] = extra![k];
  return out;
}

/** The file's text: entries sorted by key, fixed field order, unknown fields after the known ones, invalid entries last as read. */
export function serializeAnnotations(store: AnnotationStore): string {
  const entries: unknown[] = [...store.entries.values()]
    .filter((e) => !isEmpty(e))
    .sort((a, b) => compareKeys(a.key, b.key))
    .map((e) => ({
      key: { log: e.key.log, run: e.key.run, step: e.key.step, group: e.key.group, sample: e.key.sample },
      ...(e.note !== undefined ? { note: e.note } : {}),
      ...(e.label !== undefined ? { label: e.label } : {}),
      ...(e.counterfactuals.length
        ? { counterfactuals: e.counterfactuals.map((c) => ({ id: c.id, answer: c.answer, format: c.format, frame: { width: c.frame.width, height: c.frame.height }, ...sortedExtra(c.extra) })) }
        : {}),
      ...sortedExtra(e.extra),
    }));
  const doc = { schema: ANNOTATIONS_SCHEMA, version: ANNOTATIONS_VERSION, entries: [...entries, ...store.invalid], ...sortedExtra(store.extra) };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function isEmpty(e: AnnotationEntry): boolean {
  return e.note === undefined && e.label === undefined && e.counterfactuals.length === 0 && Object.keys(e.extra ?? {}).length === 0;
}

/** The annotations of one rollout, if any. */
export function lookupAnnotation(store: AnnotationStore, key: AnnotationKey): AnnotationEntry | undefined {
  return store.entries.get(keyId(key));
}

/** Check a key built by a caller before it is stored (the same rules as reading). */
export function checkKey(key: AnnotationKey): void {
  parseKey(key, '$key');
}

/** The store with one edit applied (a new store; the argument is not changed). Throws on an invalid key or value. */
export function applyEdit(store: AnnotationStore, edit: AnnotationEdit): AnnotationStore {
  checkKey(edit.key);
  const id = keyId(edit.key);
  const cur: AnnotationEntry = store.entries.get(id) ?? { key: edit.key, counterfactuals: [] };
  let next: AnnotationEntry;
  switch (edit.kind) {
    case 'setNote':
      if (edit.text.length > MAX_NOTE_LENGTH) throw new Error(`note is longer than ${MAX_NOTE_LENGTH} characters`);
      next = { ...cur, note: edit.text };
      break;
    case 'removeNote': {
      const { note: _drop, ...rest } = cur;
      next = rest;
      break;
    }
    case 'setLabel':
      if (!isAttributionLabel(edit.label)) throw new Error(`label ${JSON.stringify(edit.label)} is not one of format, segmenter, policy, reward, ok`);
      next = { ...cur, label: edit.label };
      break;
    case 'removeLabel': {
      const { label: _drop, ...rest } = cur;
      next = rest;
      break;
    }
    case 'putCounterfactual': {
      const p = counterfactualProblem(edit.counterfactual);
      if (p) throw new Error(`counterfactual ${p.field}: ${p.message}`);
      next = { ...cur, counterfactuals: sortById([...cur.counterfactuals.filter((c) => c.id !== edit.counterfactual.id), edit.counterfactual]) };
      break;
    }
    case 'removeCounterfactual':
      next = { ...cur, counterfactuals: cur.counterfactuals.filter((c) => c.id !== edit.id) };
      break;
  }
  const entries = new Map(store.entries);
  if (isEmpty(next)) entries.delete(id);
  else entries.set(id, next);
  return { ...store, entries };
}
