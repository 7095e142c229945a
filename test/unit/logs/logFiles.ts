import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temp folder and a writer of numbered .jsonl files in it, for tests that index small logs. */
export function logFiles(prefix: string): { dir: string; file(content: string | Buffer): string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let n = 0;
  return {
    dir,
    file(content) {
      const p = join(dir, `log${n++}.jsonl`);
      writeFileSync(p, content);
      return p;
    },
  };
}

/** A canonical record line with a minimal completion plus the given fields. */
export const rec = (o: Record<string, unknown>): string => JSON.stringify({ completion: '<think>x</think>', ...o });
