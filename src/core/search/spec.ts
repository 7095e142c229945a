/**
 * What a search looks for, and the pure pieces every search path shares: the matcher over a decoded completion
 * and the rollout-list filter a saved search becomes. No Node built-ins: the webview may import this module.
 */

/** A search over the completions of a run, as the user typed it (and as a saved search is stored). */
export interface SearchSpec {
  /** The text to find, or a JavaScript regular expression source when `regex` is set. */
  readonly pattern: string;
  readonly regex?: boolean;
  readonly ignoreCase?: boolean;
  /** Only rollouts of this run (the record's `run`). */
  readonly run?: string;
  /** Only rollouts of this optimizer step. */
  readonly step?: number;
}

/** Match offsets kept per completion; further matches are only counted (a one-letter search must not fill memory). */
export const MAX_OFFSETS_PER_COMPLETION = 1000;

/** The matches of one completion: [start, end) pairs in UTF-16 code units of the decoded text, and the total count. */
export interface CompletionMatches {
  /** start0, end0, start1, end1 … for the first MAX_OFFSETS_PER_COMPLETION matches. */
  readonly offsets: number[];
  readonly count: number;
}

/** A compiled search: finds the matches in one decoded completion. */
export interface Matcher {
  /** The matches in `text`, or undefined when there are none. */
  match(text: string): CompletionMatches | undefined;
}

/** Characters a regular expression gives a meaning to, escaped so a literal search can run as a regex. */
function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Why a spec cannot run (empty pattern, regex syntax), or undefined when it can. */
export function specProblem(spec: SearchSpec): string | undefined {
  if (spec.pattern.length === 0) return 'the search pattern is empty';
  if (spec.regex) {
    try {
      new RegExp(spec.pattern, 'gu');
    } catch (e) {
      return `invalid regular expression /${spec.pattern}/: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  return undefined;
}

/**
 * The matcher of a spec. A regex runs with flags `gu` (+`i`): JavaScript syntax, code-point semantics, offsets
 * still in UTF-16 units. Empty matches are not hits (a pattern like `a*` would otherwise match everywhere).
 * A case-sensitive literal uses indexOf; an ignore-case literal runs as an escaped regex with `iu` (Unicode
 * simple case folding). Throws on a spec that specProblem rejects.
 */
export function compileMatcher(spec: SearchSpec): Matcher {
  const problem = specProblem(spec);
  if (problem) throw new Error(problem);
  if (!spec.regex && !spec.ignoreCase) return literalMatcher(spec.pattern);
  const source = spec.regex ? spec.pattern : escapeRegExp(spec.pattern);
  return regexMatcher(new RegExp(source, spec.ignoreCase ? 'giu' : 'gu'));
}

function literalMatcher(needle: string): Matcher {
  return {
    match(text) {
      let at = text.indexOf(needle);
      if (at < 0) return undefined;
      const offsets: number[] = [];
      let count = 0;
      while (at >= 0) {
        if (count < MAX_OFFSETS_PER_COMPLETION) offsets.push(at, at + needle.length);
        count++;
        // Non-overlapping, as a regex with the same text would report them.
        at = text.indexOf(needle, at + needle.length);
      }
      return { offsets, count };
    },
  };
}

function regexMatcher(re: RegExp): Matcher {
  return {
    match(text) {
      re.lastIndex = 0;
      const offsets: number[] = [];
      let count = 0;
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        const end = m.index + m[0].length;
        if (end === m.index) {
          // Step over an empty match (a whole code point, as the `u` flag requires).
          const c = text.charCodeAt(m.index);
          re.lastIndex = m.index + (c >= 0xd800 && c <= 0xdbff ? 2 : 1);
          if (re.lastIndex > text.length) break;
          continue;
        }
        if (count < MAX_OFFSETS_PER_COMPLETION) offsets.push(m.index, end);
        count++;
      }
      return count === 0 ? undefined : { offsets, count };
    },
  };
}

/** The fields of a rollout a saved search looks at (a `RolloutRecord` has them). */
export interface SearchableRollout {
  readonly completion: string;
  readonly run?: string;
  readonly step?: number;
}

/**
 * A saved search as a filter of the rollout list: true when the rollout is of the spec's run and step (when set)
 * and its completion has a match. The same matcher the search uses, so the list and the results agree.
 */
export function searchFilter(spec: SearchSpec): (r: SearchableRollout) => boolean {
  const m = compileMatcher(spec);
  return (r) => (spec.run === undefined || r.run === spec.run) && (spec.step === undefined || r.step === spec.step) && m.match(r.completion) !== undefined;
}

/**
 * A literal needle that can be looked for in the raw JSON bytes of a line before decoding: printable ASCII without
 * `"` or `\`, which no JSON writer needs to escape. Other writers' optional escapes of such characters (`\/`,
 * `\u003c` …) are caught by the caller's escape check. Undefined when the spec needs the decoded text.
 */
export function rawNeedle(spec: SearchSpec): string | undefined {
  if (spec.regex || spec.ignoreCase) return undefined;
  for (let i = 0; i < spec.pattern.length; i++) {
    const c = spec.pattern.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return undefined;
  }
  return spec.pattern;
}
