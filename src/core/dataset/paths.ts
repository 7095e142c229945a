import * as path from 'node:path';

/** Why a path from a log or settings cannot be used. */
export class UnsafePathError extends Error {
  constructor(readonly value: string, reason: string) {
    super(`path '${value}' ${reason}`);
  }
}

/**
 * Resolve a log-supplied relative path against a root, refusing anything that would escape it:
 * absolute paths, `..` segments that climb out, and NUL bytes. Logs are untrusted input.
 */
export function resolveInside(root: string, rel: string): string {
  if (rel.includes('\0')) throw new UnsafePathError(rel, 'contains a NUL byte');
  if (path.isAbsolute(rel) || /^[a-zA-Z]:[\\/]/.test(rel)) throw new UnsafePathError(rel, 'is absolute; logs must use workspace-relative paths');
  const base = path.resolve(root);
  const full = path.resolve(base, rel);
  const back = path.relative(base, full);
  if (back === '..' || back.startsWith(`..${path.sep}`) || path.isAbsolute(back)) {
    throw new UnsafePathError(rel, `points outside the workspace (${base})`);
  }
  return full;
}

/** File name without directory and extension (how COD10K/DUTS pair images with masks). */
export function stemOf(file: string): string {
  const base = path.basename(file);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}
