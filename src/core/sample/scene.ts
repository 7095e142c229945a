import type { GrayImage, RgbImage } from '../image/types';
import { valueNoise } from './noise';
import { Rng } from './random';

/** An earthy colour ramp the textures are painted with; `words` feed the synthetic reasoning text. */
export interface Palette {
  readonly name: string;
  readonly words: string;
  readonly stops: ReadonlyArray<readonly [number, number, number]>;
}

/** The background palettes (natural ground covers a camouflaged animal would sit on). */
export const PALETTES: readonly Palette[] = [
  { name: 'sand', words: 'sandy tan and pale ochre', stops: [[122, 98, 66], [168, 140, 98], [196, 172, 128], [150, 128, 90]] },
  { name: 'moss', words: 'mossy olive and dark loam', stops: [[58, 66, 38], [92, 104, 56], [124, 128, 74], [78, 80, 52]] },
  { name: 'bark', words: 'bark brown and umber', stops: [[64, 46, 34], [104, 78, 56], [138, 108, 80], [88, 66, 48]] },
  { name: 'lichen', words: 'slate grey and lichen green', stops: [[84, 88, 82], [120, 126, 112], [152, 156, 136], [102, 110, 96]] },
  { name: 'clay', words: 'reddish clay and dry grass', stops: [[116, 72, 52], [156, 108, 74], [184, 150, 102], [132, 96, 66]] },
  { name: 'leaf', words: 'leaf litter in rust and khaki', stops: [[92, 62, 36], [134, 100, 56], [162, 136, 84], [108, 90, 54]] },
];

/** One hidden object: where it is and how it differs from its surroundings (pixel coordinates). */
export interface SceneObject {
  /** Tight bounding box of the object's GT pixels, inclusive. */
  readonly bbox: readonly [number, number, number, number];
  /** Centroid of the object's GT pixels. */
  readonly centroid: readonly [number, number];
  /** GT pixel count. */
  readonly area: number;
  /** Shape, in words ("rounded", "elongated", "lobed"). */
  readonly shape: string;
  /** How its tone differs, in words ("slightly darker", "a little warmer"). */
  readonly tone: string;
  /** How its texture differs, in words. */
  readonly texture: string;
}

/** A synthetic camouflage scene: the image, its exact binary GT (0/255) and what is in it. */
export interface Scene {
  readonly image: RgbImage;
  readonly gt: GrayImage;
  readonly palette: Palette;
  readonly objects: readonly SceneObject[];
}

/** A closed blob: an ellipse whose radius is perturbed by a few low harmonics. */
interface Blob {
  readonly cx: number;
  readonly cy: number;
  readonly rx: number;
  readonly ry: number;
  readonly angle: number;
  readonly harmonics: ReadonlyArray<{ readonly k: number; readonly a: number; readonly phase: number }>;
}

/**
 * Paint one scene: multi-octave value-noise ground in an earthy palette, one or two blobs textured from the
 * same palette with shifted tone and grain, a soft dark rim inside each blob and a faint contact shadow
 * outside it — camouflaged, yet with enough cue for a colour/texture model or a careful eye.
 */
export function paintScene(seed: number, index: number, width: number, height: number, objectCount: 1 | 2): Scene {
  const rng = Rng.derive(seed, 0x5ce9e, index);
  const palette = rng.pick(PALETTES);
  const minSide = Math.min(width, height);
  const ground = valueNoise(rng, width, height, minSide * rng.uniform(0.18, 0.3), 6, rng.uniform(0.5, 0.6));
  const blobs = placeBlobs(rng, width, height, objectCount);
  const data = new Uint8Array(width * height * 3);
  const gt = new Uint8Array(width * height);
  // Per-pixel signed distance-like value to the nearest blob edge (positive inside), for shading.
  const inside = new Float32Array(width * height).fill(-Infinity);
  const owner = new Int8Array(width * height).fill(-1);
  blobs.forEach((b, i) => {
    const [x0, y0, x1, y1] = blobReach(b, width, height);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const d = blobDepth(b, x + 0.5, y + 0.5);
        const p = y * width + x;
        if (d > inside[p]!) { inside[p] = d; owner[p] = i; }
      }
    }
  });
  const looks = blobs.map(() => objectLook(rng));
  // Object texture only where the object can be: its reach rectangle, not the whole frame.
  const objectNoise = blobs.map((b, i) => {
    const look = looks[i]!;
    const [x0, y0, x1, y1] = blobReach(b, width, height);
    return { x0, y0, w: x1 - x0 + 1, noise: valueNoise(rng, x1 - x0 + 1, y1 - y0 + 1, minSide * look.cellScale, 5, look.persistence) };
  });
  // Mild illumination falloff across the frame, so "brighter" is never a global giveaway.
  const lx = rng.uniform(-1, 1), ly = rng.uniform(-1, 1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const light = 1 + 0.08 * (lx * (x / width - 0.5) + ly * (y / height - 0.5));
      let [r, g, b] = ramp(palette, ground[p]!);
      const d = inside[p]!;
      const o = owner[p]!;
      if (o >= 0 && d >= 0) {
        gt[p] = 255;
        const look = looks[o]!;
        const on = objectNoise[o]!;
        // Half the local ground tone, half its own texture: it takes on the colours around it (camouflage)
        // while its grain and statistics still differ.
        const t = look.blend * ground[p]! + (1 - look.blend) * on.noise[(y - on.y0) * on.w + (x - on.x0)]!;
        const [orr, og, ob] = ramp(palette, t);
        // Soft dark rim just inside the outline, fading over a few pixels: the edge a viewer can find.
        const rim = 1 - look.rimDepth * Math.exp(-d / look.rimWidth);
        r = (orr + look.shift[0]) * look.gain * rim;
        g = (og + look.shift[1]) * look.gain * rim;
        b = (ob + look.shift[2]) * look.gain * rim;
      } else if (o >= 0) {
        const shadow = 1 - 0.07 * Math.exp(d / 6);
        r *= shadow; g *= shadow; b *= shadow;
      }
      const grain = (rng.next() - 0.5) * 10;
      data[3 * p] = clampByte(r * light + grain);
      data[3 * p + 1] = clampByte(g * light + grain);
      data[3 * p + 2] = clampByte(b * light + grain);
    }
  }
  const objects = blobs.map((b, i) => describe(b, i, gt, owner, inside, width, height, looks[i]!));
  return { image: { width, height, data }, gt: { width, height, data: gt }, palette, objects };
}

interface Look {
  readonly blend: number;
  readonly shift: readonly [number, number, number];
  readonly gain: number;
  readonly cellScale: number;
  readonly persistence: number;
  readonly rimDepth: number;
  readonly rimWidth: number;
  readonly tone: string;
  readonly texture: string;
}

function objectLook(rng: Rng): Look {
  const gain = rng.uniform(0.88, 1.08);
  const warm = rng.uniform(-8, 8);
  const shift: [number, number, number] = [warm, rng.uniform(-4, 4), -warm + rng.uniform(-4, 4)];
  const tone = `${gain < 0.95 ? 'slightly darker' : gain > 1.02 ? 'slightly lighter' : 'about the same brightness'} and ${warm > 3 ? 'a little warmer' : warm < -3 ? 'a little cooler' : 'similar in hue'}`;
  const fine = rng.chance(0.5);
  return {
    blend: rng.uniform(0.4, 0.6),
    shift,
    gain,
    cellScale: fine ? rng.uniform(0.05, 0.09) : rng.uniform(0.1, 0.16),
    persistence: fine ? rng.uniform(0.6, 0.7) : rng.uniform(0.45, 0.55),
    rimDepth: rng.uniform(0.1, 0.18),
    rimWidth: rng.uniform(2.5, 5),
    tone,
    texture: fine ? 'finer, more speckled mottling' : 'blotchier, coarser patches',
  };
}

function placeBlobs(rng: Rng, width: number, height: number, count: number): Blob[] {
  const minSide = Math.min(width, height);
  const blobs: Blob[] = [];
  for (let attempt = 0; blobs.length < count && attempt < 50; attempt++) {
    const scale = count === 1 ? rng.uniform(0.16, 0.3) : rng.uniform(0.11, 0.18);
    const aspect = rng.uniform(0.6, 1.5);
    const rx = minSide * scale * Math.sqrt(aspect), ry = (minSide * scale) / Math.sqrt(aspect);
    const reach = Math.max(rx, ry) * 1.3;
    const cx = rng.uniform(reach, width - reach), cy = rng.uniform(reach, height - reach);
    const harmonics = [2, 3, 4, 5].map((k) => ({ k, a: rng.uniform(0, k === 2 ? 0.14 : 0.08), phase: rng.uniform(0, 2 * Math.PI) }));
    const b: Blob = { cx, cy, rx, ry, angle: rng.uniform(0, Math.PI), harmonics };
    const clear = blobs.every((o) => Math.hypot(o.cx - cx, o.cy - cy) > 1.35 * (Math.max(o.rx, o.ry) + Math.max(rx, ry)));
    if (clear) blobs.push(b);
  }
  return blobs;
}

/** Depth inside the blob in pixels (negative outside), from the perturbed radius along the ray. */
function blobDepth(b: Blob, x: number, y: number): number {
  const dx = x - b.cx, dy = y - b.cy;
  const c = Math.cos(b.angle), s = Math.sin(b.angle);
  const u = (dx * c + dy * s) / b.rx, v = (-dx * s + dy * c) / b.ry;
  const rho = Math.hypot(u, v);
  const theta = Math.atan2(v, u);
  let r = 1;
  for (const h of b.harmonics) r += h.a * Math.cos(h.k * theta + h.phase);
  return (r - rho) * Math.sqrt(b.rx * b.ry);
}

function blobReach(b: Blob, width: number, height: number): [number, number, number, number] {
  const m = Math.max(b.rx, b.ry) * 1.5 + 30;
  return [Math.max(0, Math.floor(b.cx - m)), Math.max(0, Math.floor(b.cy - m)), Math.min(width - 1, Math.ceil(b.cx + m)), Math.min(height - 1, Math.ceil(b.cy + m))];
}

function describe(b: Blob, i: number, gt: Uint8Array, owner: Int8Array, inside: Float32Array, width: number, height: number, look: Look): SceneObject {
  let x0 = width, y0 = height, x1 = -1, y1 = -1, sx = 0, sy = 0, area = 0;
  const [rx0, ry0, rx1, ry1] = blobReach(b, width, height);
  for (let y = ry0; y <= ry1; y++) {
    for (let x = rx0; x <= rx1; x++) {
      const p = y * width + x;
      if (gt[p] === 255 && owner[p] === i && inside[p]! >= 0) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        sx += x; sy += y; area++;
      }
    }
  }
  const elong = Math.max(b.rx, b.ry) / Math.min(b.rx, b.ry);
  const lobed = b.harmonics.some((h) => h.k >= 3 && h.a > 0.06);
  const shape = elong > 1.35 ? 'elongated' : lobed ? 'lobed, irregular' : 'rounded';
  return { bbox: [x0, y0, x1, y1], centroid: [area ? sx / area : b.cx, area ? sy / area : b.cy], area, shape, tone: look.tone, texture: look.texture };
}

function ramp(p: Palette, t: number): [number, number, number] {
  const n = p.stops.length - 1;
  const f = Math.min(n - 1e-6, Math.max(0, t * n));
  const i = Math.floor(f);
  const a = p.stops[i]!, b = p.stops[i + 1]!;
  const u = f - i;
  return [a[0] + (b[0] - a[0]) * u, a[1] + (b[1] - a[1]) * u, a[2] + (b[2] - a[2]) * u];
}

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}
