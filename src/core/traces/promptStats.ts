import type { ParsedAnswer } from '../completion/types';

/** What a rollout asked the segmenter for: where reward hacking shows first (e.g. fewer and fewer points). */
export interface PromptStats {
  readonly points: number;
  /** Positive points / all points; NaN without points. */
  readonly positiveFraction: number;
  readonly boxes: number;
  /** Mean box area as a fraction of the model frame; NaN without boxes. */
  readonly boxAreaFraction: number;
  /** Whitespace-separated words in the `<think>` text; 0 without one. */
  readonly thinkWords: number;
}

/** Prompt statistics of one parsed answer in its model frame. */
export function promptStats(a: ParsedAnswer, frame: { readonly width: number; readonly height: number }): PromptStats {
  const pos = a.points.filter((p) => p.label === 1).length;
  const area = frame.width * frame.height;
  let boxArea = 0;
  for (const b of a.boxes) boxArea += (Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1)) / area;
  const think = a.think?.text.trim() ?? '';
  return {
    points: a.points.length,
    positiveFraction: a.points.length ? pos / a.points.length : Number.NaN,
    boxes: a.boxes.length,
    boxAreaFraction: a.boxes.length ? boxArea / a.boxes.length : Number.NaN,
    thinkWords: think ? think.split(/\s+/).length : 0,
  };
}
