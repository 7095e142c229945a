import type { ImageDelta } from './compare';

/**
 * Which rollouts stand for an image on each side of a comparison of log steps, and in which order the compare view
 * lists the images. Pure: reads only the index's columns.
 */

/**
 * The columns of a rollout index pairing reads (a `RolloutIndex` has them; tests pass small fakes). Declared here, not
 * picked from `RolloutIndex`, so the compare webview can import this module without the index's Node-only code.
 */
export interface PairingIndex {
  readonly count: number;
  readonly step: Float64Array;
  readonly image: Int32Array;
  readonly images: readonly string[];
  readonly reward: Float64Array;
  readonly sample: Int32Array;
}

/** The rollouts of each image (the record's image path, as `loadLogSide` keys them) at one step, in log order. */
export function rolloutsByImage(index: PairingIndex, step: number): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (let i = 0; i < index.count; i++) {
    if (index.step[i] !== step) continue;
    const image = index.images[index.image[i]!];
    if (image === undefined) continue;
    const list = out.get(image);
    if (list) list.push(i);
    else out.set(image, [i]);
  }
  return out;
}

/**
 * The rollout shown for an image: the one with the highest logged reward (NaN rewards last), ties to the lower
 * sample number, then to the earlier record. Undefined for no rollouts.
 */
export function bestRollout(index: PairingIndex, members: readonly number[]): number | undefined {
  let best: number | undefined;
  for (const i of members) {
    if (best === undefined || better(index, i, best)) best = i;
  }
  return best;
}

function better(index: PairingIndex, i: number, j: number): boolean {
  const ri = index.reward[i]!;
  const rj = index.reward[j]!;
  if (Number.isNaN(ri) !== Number.isNaN(rj)) return Number.isNaN(rj);
  if (!Number.isNaN(ri) && ri !== rj) return ri > rj;
  const si = index.sample[i]!;
  const sj = index.sample[j]!;
  // An absent sample (-1) sorts after any logged one.
  if (si !== sj) return si >= 0 && (sj < 0 || si < sj);
  return i < j;
}

/**
 * For one step, every other step with the number of images they share (a step of another run for `other`), most
 * shared first, then by step: what "Compare Steps…" offers as the second side.
 */
export function stepsSharingImages(index: PairingIndex, step: number, other: PairingIndex = index): Array<{ step: number; shared: number }> {
  const mine = new Set(rolloutsByImage(index, step).keys());
  const byStep = new Map<number, Set<string>>();
  for (let i = 0; i < other.count; i++) {
    const s = other.step[i]!;
    const image = other.images[other.image[i]!];
    if (Number.isNaN(s) || image === undefined || (other === index && s === step)) continue;
    let set = byStep.get(s);
    if (!set) byStep.set(s, (set = new Set()));
    if (mine.has(image)) set.add(image);
  }
  return [...byStep].map(([s, set]) => ({ step: s, shared: set.size })).sort((x, y) => y.shared - x.shared || x.step - y.step);
}

/**
 * The compare view's order, as positions in `images`: largest |Δ| of `metric` first (NaN deltas last), ties by image name, so the images that
 * moved most, either way, come first.
 */
export function orderByChange(images: readonly ImageDelta[], metric: string): number[] {
  const size = (d: ImageDelta): number => {
    const v = d.delta[metric];
    return v === undefined || Number.isNaN(v) ? -1 : Math.abs(v);
  };
  const name = (i: number): string => images[i]!.image;
  return images.map((_, i) => i).sort((x, y) => size(images[y]!) - size(images[x]!) || (name(x) < name(y) ? -1 : name(x) > name(y) ? 1 : 0));
}
