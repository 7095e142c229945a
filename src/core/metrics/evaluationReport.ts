import type { FolderEvaluation } from './evaluateFolder';
import { fullSetTable } from './fullSetTable';

/** Where an evaluation's files came from (shown in the report's header). */
export interface EvaluationSource {
  /** Title, e.g. the dataset's name. */
  readonly title: string;
  /** Predictions folder as shown to the user (workspace-relative when possible). */
  readonly predDir: string;
  /** Ground-truth folder as shown. */
  readonly gtDir: string;
  /** Images folder as shown (ccm), if any. */
  readonly imagesDir?: string;
}

/** The paper's columns, in its order, with their PySODMetrics keys. */
const PAPER: ReadonlyArray<readonly [string, string]> = [
  ['Sm', 'Smeasure'],
  ['wFm', 'wFmeasure'],
  ['MAE', 'MAE'],
  ['adpEm', 'adpEm'],
  ['meanEm', 'meanEm'],
  ['maxEm', 'maxEm'],
  ['adpFm', 'adpFm'],
  ['meanFm', 'meanFm'],
  ['maxFm', 'maxFm'],
];

/** Per-image columns of the report (the paper's headline numbers plus the whole-object metrics). */
const PER_IMAGE: ReadonlyArray<readonly [string, string]> = [
  ['Sm', 'Smeasure'],
  ['wFm', 'wFmeasure'],
  ['MAE', 'MAE'],
  ['maxEm', 'maxEm'],
  ['maxFm', 'maxFm'],
  ['IoU', 'IoU'],
  ['HCE', 'HCE'],
  ['cm', 'cm'],
  ['ccm', 'ccm'],
];

/** Rows of the per-image table at most (a note says how many were left out; the JSON has them all). */
export const PER_IMAGE_ROWS = 500;

/**
 * Text that Markdown shows literally: the characters that could start HTML, an entity, a link, code, emphasis or
 * a table cell are backslash-escaped (few enough that the raw document stays readable), so a file name like
 * `<img onerror=…>` or `a|b` stays text in the preview.
 */
export function mdText(s: string): string {
  return s.replace(/[\\`*[\]<>|&~]/g, '\\$&').replace(/[\r\n]+/g, ' ');
}

function fmt(v: number | readonly string[] | undefined, key: string): string {
  if (typeof v !== 'number') return '-';
  if (Number.isNaN(v)) return 'NaN';
  // HCE counts corrections: an integer-like mean reads better with 2 decimals than 4.
  return key === 'HCE' ? v.toFixed(2) : v.toFixed(4);
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/**
 * The results document of "Evaluate predictions…": the paper's table first, then every other key grouped as the
 * stdout of `segr1 metrics --all`, notes, warnings (each naming its file) and a per-image table.
 */
export function evaluationMarkdown(e: FolderEvaluation, src: EvaluationSource): string {
  const out: string[] = [];
  out.push(`# Evaluation: ${mdText(src.title)}`, '');
  out.push(`- Predictions: ${mdText(src.predDir)}`, `- Ground truth: ${mdText(src.gtDir)}`);
  out.push(`- Images (ccm): ${src.imagesDir !== undefined ? mdText(src.imagesDir) : 'none'}`);
  const status = e.cancelled ? `**Cancelled**: ${e.scored} of ${e.pairs} pair(s) scored; the values below cover those only` : `${e.scored} of ${e.pairs} pair(s) scored`;
  out.push(`- ${status}`, '');
  out.push('## Paper metrics', '');
  out.push(row(PAPER.map(([h]) => h)), row(PAPER.map(() => '---:')), row(PAPER.map(([, k]) => fmt(e.dataset[k], k))), '');
  out.push('## Every metric (PySODMetrics names, as `segr1 metrics --all`)', '');
  out.push('```text', fullSetTable(e.dataset, e.keys, { cellsPerLine: 2 }), '```', '');
  if (e.notes.length > 0) {
    out.push('## Notes', '');
    for (const n of e.notes) out.push(`- ${mdText(n)}`);
    out.push('');
  }
  if (e.warnings.length > 0) {
    out.push(`## Warnings (${e.warnings.length})`, '');
    for (const w of e.warnings) out.push(`- ${mdText(w)}`);
    out.push('');
  }
  const stems = Object.keys(e.images);
  if (stems.length > 0) {
    out.push('## Per image', '');
    out.push(row(['image', ...PER_IMAGE.map(([h]) => h), 'notes']), row(['---', ...PER_IMAGE.map(() => '---:'), '---']));
    for (const stem of stems.slice(0, PER_IMAGE_ROWS)) {
      const im = e.images[stem]!;
      const notes = Array.isArray(im.notes) ? (im.notes as readonly string[]).map(mdText).join('; ') : '';
      out.push(row([mdText(stem), ...PER_IMAGE.map(([, k]) => fmt(im[k], k)), notes]));
    }
    if (stems.length > PER_IMAGE_ROWS) out.push('', `${stems.length - PER_IMAGE_ROWS} more image(s) not listed here; the saved JSON has every image.`);
    out.push('');
  }
  return out.join('\n');
}
