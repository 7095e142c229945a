/**
 * Writing the simulated answers out as Seg-R1 completions: the reasoning text, the exact tag format
 * `<think> … </think> <bbox>[x1,y1,x2,y2]</bbox>, <points>[[x,y],…]</points>, <labels>[1,0,…]</labels>`, and the
 * deliberate malformations real runs show.
 */
import type { FrameBox, FrameObject, FramePoint, PolicyAnswer } from './policy';
import { Rng } from './random';
import type { Palette } from './scene';

/** The kinds of broken completion the sample run contains on purpose (each appears at least once). */
export const MALFORMED_KINDS = ['missing-think-close', 'labels-count-mismatch', 'truncated', 'decimals', 'point-outside-image', 'box-inverted'] as const;

/** One deliberate malformation. */
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

/** Where a frame position is, in words ("upper left", "center", …). */
export function placeWords(x: number, y: number, frame: number): string {
  const col = x < frame / 3 ? 'left' : x > (2 * frame) / 3 ? 'right' : 'center';
  const row = y < frame / 3 ? 'upper' : y > (2 * frame) / 3 ? 'lower' : 'middle';
  if (row === 'middle') return col === 'center' ? 'center' : `middle ${col}`;
  return col === 'center' ? `${row} center` : `${row} ${col}`;
}

/**
 * The `<think>` text: what the image looks like, where the object is and how it differs, and the prompting plan.
 * Early in training the text is vaguer and sometimes wrong about the place; it always describes the answer
 * the completion actually gives.
 */
export function reasoningText(rng: Rng, palette: Palette, objects: readonly FrameObject[], answer: PolicyAnswer, frame: number, p: number): string {
  const s: string[] = [];
  s.push(rng.pick([
    `The image shows ${palette.words} ground covered in a mottled, noisy texture.`,
    `This looks like a close-up of ${palette.words} terrain with irregular blotches.`,
    `The scene is a textured surface in ${palette.words} tones; nothing stands out at first glance.`,
    `Most of the frame is ${palette.words} background with fine speckles and larger patches.`,
  ]));
  const where = placeWords(answer.aim[0], answer.aim[1], frame);
  if (answer.target === 'miss') {
    s.push(rng.pick([
      `There may be something hidden in the ${where}, where the pattern seems slightly different.`,
      `I think the object is in the ${where}, although its outline is hard to make out.`,
      `The ${where} part looks a bit smoother, which could be the camouflaged object.`,
    ]));
  } else {
    const o = objects[0]!.source;
    if (p < 0.35 && rng.chance(0.5)) {
      s.push(`Something seems to blend in around the ${where}; it is ${o.tone} than the ground.`);
    } else {
      s.push(`Looking closely, there is a ${o.shape} shape in the ${where} that is ${o.tone} than its surroundings, with ${o.texture}.`);
      if (rng.chance(0.3 + 0.5 * p)) s.push('A faint darker rim traces its outline, which is where the boundary should go.');
    }
    if (objects.length > 1) {
      const o2 = objects[1]!;
      const where2 = placeWords(o2.centroid[0], o2.centroid[1], frame);
      s.push(answer.boxes.length > 1
        ? `A second, smaller shape with the same texture sits in the ${where2}, so I will box both objects separately.`
        : `There might be a second shape in the ${where2} as well.`);
    }
  }
  const nPos = answer.points.filter((q) => q.label === 1).length, nNeg = answer.points.length - nPos;
  s.push(rng.pick([
    `I will put a bounding box around it, ${nPos} foreground point${nPos === 1 ? '' : 's'} on its body and ${nNeg} background point${nNeg === 1 ? '' : 's'} on the ground inside the box.`,
    `The box should cover the whole object; ${nPos} positive point${nPos === 1 ? ' marks' : 's mark'} the object and ${nNeg} negative point${nNeg === 1 ? ' marks' : 's mark'} the background near its edges.`,
    `To outline it I use a tight box with ${nPos} object point${nPos === 1 ? '' : 's'} and ${nNeg} background point${nNeg === 1 ? '' : 's'}.`,
  ]));
  return s.join(' ');
}

/** Render an answer in Seg-R1's exact format; `spaced` writes list items with a space after commas (both parse). */
export function renderCompletion(think: string, boxes: readonly FrameBox[], points: readonly FramePoint[], spaced: boolean): string {
  const sep = spaced ? ', ' : ',';
  const box = (b: FrameBox): string => `<bbox>[${b.join(sep)}]</bbox>`;
  const pts = `<points>[${points.map((q) => `[${q.x}${sep}${q.y}]`).join(sep)}]</points>`;
  const labels = `<labels>[${points.map((q) => q.label).join(sep)}]</labels>`;
  return `<think> ${think} </think> ${boxes.map(box).join(', ')}, ${pts}, ${labels}`;
}

/** The prompts a completion finally writes, and its text. */
export interface WrittenCompletion {
  readonly text: string;
  readonly boxes: readonly FrameBox[];
  readonly points: readonly FramePoint[];
}

/**
 * Write the answer, broken the given way when `kind` is set. Geometric kinds (a point outside the image, an
 * inverted box) still parse; textual kinds break the reference parser in the way named.
 */
export function writeCompletion(rng: Rng, think: string, answer: PolicyAnswer, frame: number, kind?: MalformedKind): WrittenCompletion {
  const spaced = rng.chance(0.3);
  let boxes = answer.boxes.map((b): FrameBox => [...b]);
  let points = [...answer.points];
  switch (kind) {
    case undefined:
      return { text: renderCompletion(think, boxes, points, spaced), boxes, points };
    case 'point-outside-image': {
      const i = Math.max(0, points.findIndex((q) => q.label === 1));
      const q = points[i]!;
      points = points.map((o, j) => (j === i ? { ...q, x: frame + rng.int(3, 40) } : o));
      return { text: renderCompletion(think, boxes, points, spaced), boxes, points };
    }
    case 'box-inverted': {
      boxes = boxes.map((b, j): FrameBox => (j === 0 ? [b[2], b[1], b[0], b[3]] : b));
      return { text: renderCompletion(think, boxes, points, spaced), boxes, points };
    }
    case 'missing-think-close':
      return { text: renderCompletion(think, boxes, points, spaced).replace(' </think>', ''), boxes, points };
    case 'labels-count-mismatch': {
      const full = renderCompletion(think, boxes, points, spaced);
      const labels = points.slice(0, Math.max(1, points.length - 1)).map((q) => q.label);
      if (labels.length === points.length) labels.push(0);
      return { text: full.replace(/<labels>\[[^\]]*\]<\/labels>/, `<labels>[${labels.join(spaced ? ', ' : ',')}]</labels>`), boxes, points };
    }
    case 'truncated': {
      // Hit max_completion_length in the middle of the points list.
      const full = renderCompletion(think, boxes, points, spaced);
      const start = full.indexOf('<points>') + 9, end = full.indexOf('</points>');
      return { text: full.slice(0, rng.int(start, Math.max(start, end - 1))), boxes, points };
    }
    case 'decimals': {
      const dec = (v: number): string => (v + rng.int(1, 9) / 10).toFixed(1);
      const sep = spaced ? ', ' : ',';
      const text = `<think> ${think} </think> ${boxes.map((b) => `<bbox>[${b.map(dec).join(sep)}]</bbox>`).join(', ')}, <points>[${points.map((q) => `[${dec(q.x)}${sep}${dec(q.y)}]`).join(sep)}]</points>, <labels>[${points.map((q) => q.label).join(sep)}]</labels>`;
      return { text, boxes, points };
    }
  }
}

/**
 * A rough token count of a completion (words, numbers and punctuation marks): the sample has no tokenizer,
 * and TRL's `completion_length` only needs to move the way real lengths do.
 */
export function estimateTokens(text: string): number {
  return (text.match(/[A-Za-z]+|\d|[^\sA-Za-z\d]/g) ?? []).length;
}
