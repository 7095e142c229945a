import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../tempDir';

/** A fresh temp folder and a writer of numbered .jsonl files in it, for tests that index small logs. */
export function logFiles(prefix: string): { dir: string; file(content: string | Buffer): string } {
  const dir = tempDir(prefix);
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
