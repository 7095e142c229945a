import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Names the workbench gives its temporaries: `.<target>.segr1-<pid>-<random>.tmp`, beside the target. */
const TEMP_NAME = /^\..*\.segr1-\d+-[0-9a-z]+\.tmp$/;
/** What earlier versions of convert left behind when a conversion failed: `<target>.<pid>.<random>.tmp`. */
const OLD_TEMP_NAME = /\.jsonl\.\d+\.[0-9a-z]+\.tmp$/;

/** Whether a file name is one of the workbench's temporaries (never read as input: it is a half-written output). */
export function isWorkbenchTemp(name: string): boolean {
  return TEMP_NAME.test(name) || OLD_TEMP_NAME.test(name);
}

/** Why `target` cannot be written as a file (a folder, or a folder that does not exist), or undefined when it can be. */
export function unwritableTarget(target: string): string | undefined {
  const st = statSync(target, { throwIfNoEntry: false });
  if (st?.isDirectory()) return `${target} is a folder; name a file to write (e.g. ${join(target, 'rollouts.jsonl')})`;
  if (st && !st.isFile()) return `${target} exists and is not a regular file`;
  const dir = statSync(dirname(target), { throwIfNoEntry: false });
  if (!dir?.isDirectory()) return `the folder of ${target} does not exist`;
  return undefined;
}

/**
 * A file written beside its target under a temporary name and renamed over it only once complete and
 * synced, so the target is either the old file or the whole new one, never a half-written mix. The
 * temporary is created exclusively (`wx`) in the target's folder: the rename stays on one file system.
 */
export class AtomicFile {
  /** The temporary's path (for listings; removed by commit or discard). */
  readonly tempPath: string;
  private fd: number | undefined;

  constructor(readonly target: string) {
    this.tempPath = join(dirname(target), `.${basename(target)}.segr1-${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`);
    this.fd = openSync(this.tempPath, 'wx');
  }

  /** Append text (UTF-8). */
  write(text: string): void {
    if (this.fd === undefined) throw new Error(`${this.target}: write after commit or discard`);
    writeSync(this.fd, text);
  }

  /** Append bytes (all of them: a short write is continued). */
  writeBytes(data: Uint8Array): void {
    if (this.fd === undefined) throw new Error(`${this.target}: write after commit or discard`);
    for (let at = 0; at < data.length; ) at += writeSync(this.fd, data, at, data.length - at);
  }

  /** fsync, close and rename over the target. */
  commit(): void {
    if (this.fd === undefined) throw new Error(`${this.target}: commit after commit or discard`);
    const fd = this.fd;
    this.fd = undefined;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(this.tempPath, this.target);
    syncFolder(dirname(this.target));
  }

  /** Close and remove the temporary; the target is left as it was. Safe to call more than once, or after commit. */
  discard(): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd === undefined) return;
    try {
      closeSync(fd);
    } finally {
      try {
        unlinkSync(this.tempPath);
      } catch {
        // Already gone: nothing left behind.
      }
    }
  }
}

/** Make a rename durable; best effort, since some platforms and file systems cannot fsync a folder. */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // The file's own bytes are synced; only the rename's durability is left to the OS.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Write a whole file atomically (temp beside it, fsync, rename). */
export function writeFileAtomic(target: string, text: string | Uint8Array): void {
  const f = new AtomicFile(target);
  try {
    if (typeof text === 'string') f.write(text);
    else f.writeBytes(text);
    f.commit();
  } finally {
    f.discard();
  }
}
