// Reading a log from disk the way the log benches compare against: a raw sequential read, and the page-cache drop
// that makes "from disk" mean it on this VM.
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const CHUNK = 4 * 1024 * 1024;

/** Sequential read of the whole file in 4 MiB chunks (the index's and the search's chunk): the floor any streaming reader sits on. */
export function rawRead(file: string): { ms: number; bytes: number } {
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(CHUNK);
  let bytes = 0;
  let n: number;
  let sink = 0;
  const t0 = performance.now();
  while ((n = readSync(fd, buf, 0, CHUNK, bytes)) > 0) {
    bytes += n;
    sink ^= buf[n - 1]!;
  }
  const ms = performance.now() - t0;
  closeSync(fd);
  if (sink === -1) console.log(sink);
  return { ms, bytes };
}

/**
 * True when a virtio balloon with free page reporting (feature bit 5) is bound: the guest then hands pages it frees
 * back to the host about 2 s later, and the host must fault each one in again when it is reused.
 */
function freePageReporting(): boolean {
  const dir = '/sys/bus/virtio/drivers/virtio_balloon';
  try {
    return readdirSync(dir).some((d) => d.startsWith('virtio') && readFileSync(join(dir, d, 'features'), 'utf8')[5] === '1');
  } catch {
    return false;
  }
}
/** Whether dropped pages come back from the host slowly (each from-disk pass then waits 4 s after the drop). */
export const REPORTING = freePageReporting();

/**
 * Empty the page cache so the next read comes from disk; false when not allowed (not root, or a container).
 * On a VM with free page reporting the gigabyte of page cache just dropped is handed back to the host within a few
 * seconds, and reading the file into pages handed back costs ~1.4 s of kernel time per GB (measured: a raw read
 * right after the drop ran at 1.7–2.4 GB/s, one 2–5 s after it at 0.63–0.78 GB/s, every time). Without waiting,
 * a pass is caught by it at random — most often the longer one, the index — so every pass waits it out and all of
 * them start from the same state.
 */
export function dropPageCache(): boolean {
  try {
    spawnSync('sync');
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    if (REPORTING) spawnSync('sleep', ['4']);
    return true;
  } catch {
    return false;
  }
}
