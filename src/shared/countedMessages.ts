/**
 * Near-identical diagnostics collapsed into one line with a count: a completion with five unparseable coordinates
 * gets one "box 1, point 1, … has non-integer coordinates ×5", not five lines that differ in one number.
 */

/** One diagnostic as the parser reports it. */
export interface Message {
  readonly severity: string;
  readonly message: string;
}

/** One shown line: the message (subjects merged) and how many diagnostics it stands for. */
export interface CountedMessage extends Message {
  readonly count: number;
}

/** The numbered subject a diagnostic is about (`box 1`, `point 12`, `label 3`). */
const SUBJECT = /\b(box|point|label)\s+(\d+)\b/i;
/** Subjects listed before the rest are summarised as `…`. */
const MAX_SUBJECTS = 6;

/** Collapse diagnostics equal up to their numbered subject, in order of first appearance; counts say how many. */
export function countRepeats(messages: readonly Message[]): CountedMessage[] {
  const groups = new Map<string, { first: Message; subjects: string[]; count: number }>();
  for (const m of messages) {
    const text = String(m.message);
    const key = `${m.severity}\u0000${text.replace(SUBJECT, '\u0001')}`;
    const g = groups.get(key);
    const subject = SUBJECT.exec(text)?.[0];
    if (g) {
      g.count++;
      if (subject !== undefined && !g.subjects.includes(subject)) g.subjects.push(subject);
    } else groups.set(key, { first: { severity: m.severity, message: text }, subjects: subject === undefined ? [] : [subject], count: 1 });
  }
  return [...groups.values()].map(({ first, subjects, count }) => {
    if (count === 1 || subjects.length < 2) return { ...first, count };
    const listed = subjects.length > MAX_SUBJECTS ? `${subjects.slice(0, MAX_SUBJECTS).join(', ')}, …` : subjects.join(', ');
    // A function replacement: `$` in a subject is never read as a pattern.
    return { severity: first.severity, message: first.message.replace(SUBJECT, () => listed), count };
  });
}
