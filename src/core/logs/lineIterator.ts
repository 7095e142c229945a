import { open } from 'node:fs/promises';
import { DEFAULT_MAX_LINE_BYTES, abortError } from './lineScanner';

/** One line of a text file (CR of a CRLF stripped), or a line over the cap, counted but never held whole. */
export type TextLine = { readonly lineNo: number; readonly text: string } | { readonly lineNo: number; readonly overlongBytes: number };

/** Options of {@link readTextLines}. */
export interface TextLineOptions {
  /** Lines longer than this come as `overlongBytes` (default 64 MiB, as the index and convert). */
  readonly maxLineBytes?: number;
  /** Read size (default 1 MiB). */
  readonly chunkBytes?: number;
  readonly signal?: AbortSignal;
}

/**
 * The lines of a text file for a consumer that awaits between lines (replay scores a record before reading
 * the next), with the same cap as scanLines: a line over it is skipped while streaming, so a 600 MB line costs
 * one chunk of memory instead of a string V8 cannot hold.
 */
export async function* readTextLines(path: string, opts: TextLineOptions = {}): AsyncGenerator<TextLine> {
  const max = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(opts.chunkBytes ?? 1024 * 1024);
    let lineNo = 1;
    let carry: Buffer[] = [];
    let carryLen = 0;
    let skipping = false;
    const text = (b: Buffer) => b.toString('utf8', 0, b.length > 0 && b[b.length - 1] === 13 ? b.length - 1 : b.length);
    for (;;) {
      if (opts.signal?.aborted) throw abortError();
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      let s = 0;
      while (s < bytesRead) {
        const nl = buf.indexOf(10, s);
        const end = nl < 0 || nl >= bytesRead ? bytesRead : nl;
        const len = carryLen + end - s;
        if (len > max) {
          skipping = true;
          carry = [];
        } else if (!skipping) carry.push(Buffer.from(buf.subarray(s, end)));
        carryLen = len;
        if (end === bytesRead) break;
        yield skipping ? { lineNo, overlongBytes: carryLen } : { lineNo, text: text(carry.length === 1 ? carry[0]! : Buffer.concat(carry)) };
        carry = [];
        carryLen = 0;
        skipping = false;
        lineNo++;
        s = end + 1;
      }
    }
    if (skipping) yield { lineNo, overlongBytes: carryLen };
    else if (carryLen > 0) yield { lineNo, text: text(Buffer.concat(carry)) };
  } finally {
    await fh.close();
  }
}
