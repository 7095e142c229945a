import { closeSync, fstatSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../logs/atomicFile';
import { checkInsideSync } from '../dataset/paths';
import { applyEdit, emptyStore, parseAnnotations, serializeAnnotations, type ParsedAnnotations } from './store';
import type { AnnotationEdit, AnnotationStore } from './types';

/** Where the annotations live, relative to the workspace folder (POSIX). */
export const ANNOTATIONS_FILE = '.segr1/annotations.json';

/**
 * Largest annotations file read: 16 MiB holds ~100,000 annotated rollouts; a larger file is not a hand-made
 * annotations file, and reading it would stall the extension host.
 */
export const MAX_ANNOTATIONS_BYTES = 16 * 1024 * 1024;

/** A loaded file: the parse result, the file's path and a fingerprint of what was read (for concurrent-change checks). */
export interface LoadedAnnotations extends ParsedAnnotations {
  readonly file: string;
  /** Size and mtime of what was read; undefined when the file does not exist. */
  readonly stamp?: string;
}

/** The annotations file of a workspace, refused (throws) when it or `.segr1/` leads outside the workspace. */
export function annotationsPath(workspace: string): string {
  const r = checkInsideSync(workspace, ANNOTATIONS_FILE);
  if (!r.ok && r.reason !== 'missing') throw new Error(`${join(workspace, ANNOTATIONS_FILE)}: ${r.detail}`);
  return r.ok ? r.path : join(workspace, ANNOTATIONS_FILE);
}

function stampOf(st: { size: number; mtimeMs: number; ino: number }): string {
  return `${st.size}:${st.mtimeMs}:${st.ino}`;
}

/** Read the workspace's annotations; a missing file is an empty store. Never throws for the file's content. */
export function loadAnnotations(workspace: string): LoadedAnnotations {
  const file = annotationsPath(workspace);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { file, store: emptyStore(), issues: [] };
    const message = `cannot be read: ${e instanceof Error ? e.message : String(e)}`;
    return { file, store: emptyStore(), issues: [{ file, path: '$', field: '', message }], readOnly: `${file} ${message}` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { file, store: emptyStore(), issues: [{ file, path: '$', field: '', message: 'is not a regular file' }], readOnly: `${file} is not a regular file` };
    // Size checked before anything is allocated.
    if (st.size > MAX_ANNOTATIONS_BYTES) {
      const message = `is ${st.size} bytes, over the ${MAX_ANNOTATIONS_BYTES}-byte cap for annotations; not read`;
      return { file, stamp: stampOf(st), store: emptyStore(), issues: [{ file, path: '$', field: '', message }], readOnly: `${file} ${message}` };
    }
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < st.size) {
      const n = readSync(fd, buf, got, st.size - got, got);
      if (n === 0) break;
      got += n;
    }
    const text = new TextDecoder('utf-8', { fatal: false }).decode(buf.subarray(0, got));
    return { file, stamp: stampOf(st), ...parseAnnotations(text, file) };
  } finally {
    closeSync(fd);
  }
}

function currentStamp(file: string): string | undefined {
  const st = statSync(file, { throwIfNoEntry: false });
  return st ? stampOf(st) : undefined;
}

/**
 * Apply edits to the workspace's annotations and write the file atomically (temp beside it, fsync, rename). The file
 * is re-read first and the edits replayed on what it holds now, so another window's or a git pull's change made since
 * this one loaded is merged, not overwritten (edits to the same field: last writer wins). If the file changes between
 * that read and the rename, the whole read–apply–write is retried. A file this version must not rewrite (invalid
 * JSON, a newer version, over the cap) is left alone and the call throws naming it. Returns the store written.
 */
export function updateAnnotations(workspace: string, edits: readonly AnnotationEdit[], opts: { readonly attempts?: number } = {}): AnnotationStore {
  const attempts = opts.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const loaded = loadAnnotations(workspace);
    if (loaded.readOnly) throw new Error(loaded.readOnly);
    let store = loaded.store;
    for (const e of edits) store = applyEdit(store, e);
    const text = serializeAnnotations(store);
    mkdirSync(join(workspace, '.segr1'), { recursive: true });
    // Re-check after creating the folder: `.segr1` may be a link made meanwhile.
    const file = annotationsPath(workspace);
    if (currentStamp(file) === loaded.stamp || attempt >= attempts) {
      if (currentStamp(file) !== loaded.stamp) throw new Error(`${file} kept changing while being written (${attempts} attempts); not written`);
      writeFileAtomic(file, text);
      return store;
    }
  }
}
