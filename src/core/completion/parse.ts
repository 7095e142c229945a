import { parseSegZero, parseVisionReasoner } from './jsonAnswers';
import { parseSegR1 } from './segr1Lenient';
import type { AnswerFormat, ParseDiagnostic, ParseOptions, ParsedAnswer } from './types';

/** Guess the answer family from the text: `<answer>[` VisionReasoner, `<answer>{` Seg-Zero, tags Seg-R1. */
export function detectFormat(text: string): AnswerFormat {
  const a = text.indexOf('<answer>');
  if (a >= 0) {
    let i = a + 8;
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text[i] === '[') return 'visionreasoner';
    if (text[i] === '{') return 'segzero';
  }
  if (text.includes('<points>') || text.includes('<bbox>') || text.includes('<labels>')) return 'segr1';
  if (text.includes('"bbox_2d"') || text.includes('"point_2d"')) return 'visionreasoner';
  if (text.includes('"labels"') || text.includes('"points"')) return 'segr1';
  if (text.includes('"points_1"') || text.includes('"bbox"')) return 'segzero';
  return 'segr1';
}

/**
 * Parse a completion into prompts with spans and diagnostics. Never throws: any internal failure becomes an
 * `internal-error` diagnostic on an empty answer, so one strange completion never breaks a log view.
 */
export function parseCompletion(input: string, options: ParseOptions = {}): ParsedAnswer {
  // Callers hand over JSON-decoded log fields; a non-string must not escape as an exception.
  const text = typeof input === 'string' ? input : String(input ?? '');
  const format = !options.format || options.format === 'auto' ? safeDetect(text) : options.format;
  try {
    switch (format) {
      case 'segr1':
        return parseSegR1(text, options.frame);
      case 'segzero':
        return parseSegZero(text, options.frame);
      case 'visionreasoner':
        return parseVisionReasoner(text, options.frame);
      default:
        return parseSegR1(text, options.frame);
    }
  } catch (e) {
    const diagnostic: ParseDiagnostic = { code: 'internal-error', message: `parser failed: ${e instanceof Error ? e.message : String(e)}`, severity: 'error' };
    return { format, boxes: [], points: [], diagnostics: [diagnostic] };
  }
}

function safeDetect(text: string): AnswerFormat {
  try {
    return detectFormat(text);
  } catch {
    return 'segr1';
  }
}
