import { promises as fsp, realpathSync } from 'node:fs';
import * as path from 'node:path';

/** Why a path named by a record, a setting or a webview was refused. */
export type PathRefusal = 'nul' | 'absolute' | 'escapes' | 'symlink' | 'loop' | 'missing';

/**
 * A path checked against a workspace root: `path` is root + the relative text (what the user wrote, for messages and
 * keys), `real` the same file with every symlink resolved (what to read).
 */
export type InsidePath =
  | { readonly ok: true; readonly path: string; readonly real: string }
  | { readonly ok: false; readonly reason: PathRefusal; readonly value: string; readonly detail: string };

/** Why a path from a log or settings cannot be used. */
export class UnsafePathError extends Error {
  constructor(readonly value: string, reason: string, readonly refusal?: PathRefusal) {
    super(`path '${value}' ${reason}`);
  }
}

/** The refusal as a message naming the field: `image "data/link.png" resolves outside the workspace (symlink)`. */
export function refusalMessage(field: string, r: Extract<InsidePath, { ok: false }>): string {
  return `${field} ${JSON.stringify(r.value)} ${r.detail}`;
}

/** Lexical checks (no file system): NUL bytes, absolute paths, `..` climbing out of the root. */
function lexical(root: string, rel: string): { base: string; full: string } | Extract<InsidePath, { ok: false }> {
  const no = (reason: PathRefusal, detail: string) => ({ ok: false as const, reason, value: rel, detail });
  if (rel.includes('\0')) return no('nul', 'contains a NUL byte');
  if (path.isAbsolute(rel) || /^[a-zA-Z]:[\\/]/.test(rel) || rel.startsWith('\\\\')) return no('absolute', 'is absolute; use a workspace-relative path');
  const base = path.resolve(root);
  const full = path.resolve(base, rel);
  if (!within(base, full)) return no('escapes', `points outside the workspace (${base})`);
  return { base, full };
}

function within(base: string, full: string): boolean {
  const back = path.relative(base, full);
  return !(back === '..' || back.startsWith(`..${path.sep}`) || path.isAbsolute(back));
}

/** Realpath of `p`; for a missing path, that of its nearest existing ancestor joined with the rest (a missing file under a symlinked folder still lands where the link points). */
type RealOf = (p: string) => { real: string; missing: boolean } | 'loop';

function realOfSync(p: string): { real: string; missing: boolean } | 'loop' {
  try {
    return { real: realpathSync.native(p), missing: false };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return 'loop';
    const parent = path.dirname(p);
    if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === p) return { real: p, missing: true };
    const up = realOfSync(parent);
    return up === 'loop' ? up : { real: path.join(up.real, path.basename(p)), missing: true };
  }
}

async function realOfAsync(p: string): Promise<{ real: string; missing: boolean } | 'loop'> {
  try {
    return { real: await fsp.realpath(p), missing: false };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return 'loop';
    const parent = path.dirname(p);
    if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === p) return { real: p, missing: true };
    const up = await realOfAsync(parent);
    return up === 'loop' ? up : { real: path.join(up.real, path.basename(p)), missing: true };
  }
}

function decide(rel: string, full: string, root: ReturnType<RealOf>, target: ReturnType<RealOf>): InsidePath {
  const no = (reason: PathRefusal, detail: string): InsidePath => ({ ok: false, reason, value: rel, detail });
  if (root === 'loop') return no('loop', 'cannot be checked: the workspace folder is a symlink loop');
  if (target === 'loop') return no('loop', 'is a symlink loop');
  // Checked even when missing: a file that does not exist yet under a symlinked folder would be created outside.
  if (!within(root.real, target.real)) return no('symlink', 'resolves outside the workspace (symlink)');
  if (target.missing) return no('missing', `not found (${full})`);
  return { ok: true, path: full, real: target.real };
}

/**
 * Resolve `rel` against the workspace `root` and refuse it unless it stays inside once every symlink is resolved (the
 * target's and the root's own): a relative path with no `..` can still name a link to a file anywhere.
 */
export function checkInsideSync(root: string, rel: string): InsidePath {
  const lex = lexical(root, rel);
  if ('ok' in lex) return lex;
  return decide(rel, lex.full, realOfSync(lex.base), realOfSync(lex.full));
}

/** checkInsideSync without blocking the extension host. */
export async function checkInside(root: string, rel: string): Promise<InsidePath> {
  const lex = lexical(root, rel);
  if ('ok' in lex) return lex;
  const [base, full] = await Promise.all([realOfAsync(lex.base), realOfAsync(lex.full)]);
  return decide(rel, lex.full, base, full);
}

/** checkInside for a path that may already be absolute (a webview's or a command's file): inside `root` once resolved. */
export async function checkAbsoluteInside(root: string, file: string): Promise<InsidePath> {
  const rel = path.isAbsolute(file) ? path.relative(path.resolve(root), file) : file;
  if (path.isAbsolute(rel)) return { ok: false, reason: 'escapes', value: file, detail: `points outside the workspace (${root})` };
  const r = await checkInside(root, rel);
  return r.ok ? r : { ...r, value: file };
}

/**
 * Resolve a log-supplied relative path against a root, refusing anything that would escape it: absolute paths, `..`
 * segments that climb out, symlinks that lead out, loops and NUL bytes. A path that does not exist yet is returned
 * (callers report it when they read). Logs are untrusted input.
 */
export function resolveInside(root: string, rel: string): string {
  const r = checkInsideSync(root, rel);
  if (r.ok) return r.path;
  if (r.reason === 'missing') return path.resolve(root, rel);
  throw new UnsafePathError(rel, r.detail, r.reason);
}

/**
 * Resolve a record's image/GT path: workspace-relative first (the canonical form), then relative to the
 * log's folder (logs copied around with their images). Never outside the workspace folder, symlinks resolved: a path
 * that leads out through a link is refused, not read. A missing file resolves (its reader reports it). The error reads
 * `"<path>" <why>`, for `<field> ` to precede it.
 */
export function resolveRecordPath(root: string, logFile: string, rel: string): { path: string } | { error: string; reason: PathRefusal } {
  let fallback: string | undefined;
  let refused: Extract<InsidePath, { ok: false }> | undefined;
  for (const base of [root, path.dirname(logFile)]) {
    const r = checkInsideSync(root, path.relative(root, path.resolve(base, rel)));
    if (r.ok) return { path: r.path };
    if (r.reason === 'missing') fallback ??= path.resolve(base, rel);
    else refused ??= r;
  }
  if (refused) return { error: `${JSON.stringify(rel)} ${refused.detail}`, reason: refused.reason };
  return fallback ? { path: fallback } : { error: `${JSON.stringify(rel)} cannot be resolved`, reason: 'missing' };
}

/**
 * The logs named by `segr1.logs.overrides` that open beside the discovered ones: each must exist inside the workspace
 * once symlinks are resolved (opening one writes its `.segr1/` cache beside it). Refused entries come back as messages
 * naming the entry.
 */
export function overrideLogs(root: string, overrides: ReadonlyArray<{ readonly path: string }>, discovered: readonly string[]): { rels: string[]; problems: string[] } {
  const rels: string[] = [];
  const problems: string[] = [];
  overrides.forEach((o, i) => {
    if (discovered.includes(o.path) || rels.includes(o.path)) return;
    const r = checkInsideSync(root, o.path);
    if (r.ok) rels.push(o.path);
    else if (r.reason !== 'missing') problems.push(`segr1.logs.overrides[${i}].path ${JSON.stringify(o.path)} ${r.detail}; not opened`);
  });
  return { rels, problems };
}

/** File name without directory and extension (how COD10K/DUTS pair images with masks). */
export function stemOf(file: string): string {
  const base = path.basename(file);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}
