import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A compiled WebAssembly kernel read from `file` in `dir` (pass `__dirname`: the bundle's folder in dist/, the
 * module's own in the unbundled test build), compiled on first call and remembered; undefined when the file is
 * missing or not valid WebAssembly, so the caller keeps to its JavaScript path.
 */
export function lazyKernelModule(dir: string, file: string): () => WebAssembly.Module | undefined {
  let compiled: WebAssembly.Module | null | undefined;
  return () => {
    if (compiled === undefined) {
      try {
        compiled = new WebAssembly.Module(readFileSync(join(dir, file)));
      } catch {
        compiled = null;
      }
    }
    return compiled ?? undefined;
  };
}
