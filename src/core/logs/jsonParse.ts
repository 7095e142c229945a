import { PyException, pyJsonLoadsToJs } from '../python/semantics';
import type { LogIssue } from './issues';

/** Python's json.dumps writes these for float('nan') / float('inf'); JSON.parse rejects them. */
const NON_STANDARD = /NaN|Infinity/;

/** Replace bare NaN / Infinity / -Infinity tokens outside strings with null. */
function nullNonFinite(text: string): string {
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    for (const tok of ['-Infinity', 'Infinity', 'NaN']) {
      if (text.startsWith(tok, i)) {
        out += text.slice(last, i) + 'null';
        i += tok.length - 1;
        last = i + 1;
        break;
      }
    }
  }
  return out + text.slice(last);
}

/** Escape raw control characters inside string literals only (outside them a tab or CR is whitespace). */
function escapeControlsInStrings(text: string): string {
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!inString) {
      if (c === 34) inString = true;
      continue;
    }
    if (c === 92) i++;
    else if (c === 34) inString = false;
    else if (c < 32) {
      out += text.slice(last, i) + `\\u${c.toString(16).padStart(4, '0')}`;
      last = i + 1;
    }
  }
  return out + text.slice(last);
}

/** Parse one line of JSON Lines, accepting Python's NaN/Infinity (as null, with a warning); issues instead of throws. */
export function parseJsonLine(text: string, line: number): { value?: unknown; issues: LogIssue[] } {
  try {
    return { value: JSON.parse(text), issues: [] };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (NON_STANDARD.test(text)) {
      try {
        const value: unknown = JSON.parse(nullNonFinite(text));
        return { value, issues: [{ line, severity: 'warning', message: 'non-standard NaN/Infinity (Python json.dumps) read as null' }] };
      } catch {
        // Fall through to report the original error, which points at the real position.
      }
    }
    if (/control character/i.test(message)) {
      // Raw control characters inside strings are not JSON, but the text is otherwise whole: read it anyway.
      try {
        const value: unknown = JSON.parse(escapeControlsInStrings(text));
        return { value, issues: [{ line, severity: 'warning', message: 'raw control characters inside strings (not valid JSON) read as escaped' }] };
      } catch {
        // Not only control characters: report the original error.
      }
    }
    const truncated = /Unexpected end of JSON input|Unterminated string|end of data/i.test(message);
    return {
      issues: [{ line, severity: 'error', message: truncated ? `truncated JSON: the line ends mid-value after ${text.length} characters` : `invalid JSON: ${message}` }],
    };
  }
}

/**
 * One line of a log that Python wrote, read as Python reads it back: `json.loads` (NaN, Infinity and -Infinity as
 * those numbers, the 4300-digit int limit, duplicate keys last-wins). A UTF-8 BOM is tolerated at the start of the
 * file only (`lineNo` 1), as `open(..., encoding="utf-8-sig")` would; anywhere else it is an error, as in Python.
 * Throws an Error with Python's message (callers prefix the file and line).
 */
export function parsePythonJsonLine(text: string, lineNo: number): unknown {
  try {
    return pyJsonLoadsToJs(lineNo === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    if (e instanceof PyException) throw new Error(`not JSON as Python reads it (${e.type}: ${e.message})`, { cause: e });
    throw e;
  }
}
