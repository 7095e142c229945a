import { parseJsonLine } from './jsonParse';
import type { LogIssue } from './issues';
import { scanLines, type ScanOptions } from './lineScanner';

/**
 * Call `fn` with every line of a text log as a string (CR stripped), streaming, plus an unterminated last
 * line. Lines over the cap are reported through `onIssue` and skipped.
 */
export async function forEachTextLine(path: string, fn: (text: string, lineNo: number) => void, onIssue: (i: LogIssue) => void, opts: ScanOptions = {}): Promise<void> {
  const decode = (buf: Buffer, s: number, e: number) => {
    if (e > s && buf[e - 1] === 13) e--;
    return buf.toString('utf8', s, e);
  };
  const res = await scanLines(
    path,
    { offset: 0, lineNo: 1 },
    {
      line: (buf, s, e, lineNo) => fn(decode(buf, s, e), lineNo),
      overlong: (lineNo, _o, bytes) => onIssue({ line: lineNo, severity: 'error', message: `line of ${bytes} bytes exceeds the cap on one line; skipped` }),
    },
    opts,
  );
  if (res.tail) fn(decode(res.tail.bytes, 0, res.tail.bytes.length), res.nextLineNo);
  if (res.overlongTail !== undefined) onIssue({ line: res.nextLineNo, severity: 'error', message: `last line of ${res.overlongTail} bytes exceeds the cap on one line; skipped` });
}

/** Call `fn` with every parsed JSON object line of a JSON Lines file; bad lines become issues. */
export async function forEachJsonLine(path: string, fn: (value: unknown, lineNo: number) => void, onIssue: (i: LogIssue) => void, opts: ScanOptions = {}): Promise<void> {
  await forEachTextLine(
    path,
    (text, lineNo) => {
      if (text.trim() === '') return;
      const p = parseJsonLine(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, lineNo);
      for (const i of p.issues) onIssue(i);
      if (p.value !== undefined) fn(p.value, lineNo);
    },
    onIssue,
    opts,
  );
}

/** A number from a log's text rendering of one (Python float repr, `nan`, `tensor(0.5)`); undefined when none. */
export function parseLoggedNumber(text: string): number | undefined {
  const t = text.trim();
  const m = /^(?:tensor\()?\s*(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|-?inf|nan)/i.exec(t);
  if (!m) return undefined;
  const v = Number(m[1]);
  return Number.isFinite(v) ? v : undefined;
}
