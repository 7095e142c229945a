/**
 * Pixel-edge contours of a binary mask: the boundary between foreground and background pixels traced along pixel
 * edges into closed loops, so an exported outline is a vector that covers exactly the mask's pixels (no smoothing,
 * no half-pixel guesses). Outer boundaries run clockwise on screen (y down) and holes counter-clockwise, so the
 * loops together fill the mask under either fill rule.
 */

/** One closed loop: its corner vertices in pixel-edge coordinates (x in 0..width, y in 0..height), no repeat of the first. */
export type ContourLoop = ReadonlyArray<readonly [number, number]>;

/** Directions of a boundary edge: right, down, left, up (screen coordinates, y down). */
const DX = [1, 0, -1, 0] as const;
const DY = [0, 1, 0, -1] as const;

/**
 * Trace every boundary loop of `mask` (non-zero = foreground, row-major `width × height`). Each foreground pixel side
 * that faces background or the image border is one unit edge, directed with the foreground on its right; edges are
 * chained at their end vertices (at a vertex where two loops touch diagonally the tracer turns right, which keeps
 * diagonal neighbours in separate loops) and collinear runs are merged into one segment.
 */
export function maskContours(mask: ArrayLike<number>, width: number, height: number): ContourLoop[] {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) throw new Error(`maskContours: bad size ${width}×${height}`);
  if (mask.length < width * height) throw new Error(`maskContours: mask has ${mask.length} values, ${width}×${height} needs ${width * height}`);
  const fg = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && mask[y * width + x] !== 0;
  const W1 = width + 1;
  // Outgoing boundary edges per vertex, as a 4-bit set of directions (a vertex has at most two).
  const out = new Uint8Array(W1 * (height + 1));
  let remaining = 0;
  const add = (vertex: number, dir: number) => {
    out[vertex] = out[vertex]! | (1 << dir);
    remaining++;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!fg(x, y)) continue;
      // Clockwise around the pixel: top edge rightwards, right edge downwards, bottom leftwards, left upwards.
      if (!fg(x, y - 1)) add(y * W1 + x, 0);
      if (!fg(x + 1, y)) add(y * W1 + x + 1, 1);
      if (!fg(x, y + 1)) add((y + 1) * W1 + x + 1, 2);
      if (!fg(x - 1, y)) add((y + 1) * W1 + x, 3);
    }
  }
  const loops: ContourLoop[] = [];
  for (let start = 0; start < out.length && remaining > 0; start++) {
    while (out[start]) {
      const loop: Array<[number, number]> = [];
      const first = firstDir(out[start]!);
      let v = start;
      let prev = -1;
      // In-degree equals out-degree at every vertex, so the walk can only end back at its start: a closed loop.
      do {
        const set = out[v]!;
        // Turn right, else straight, else left: the right turn keeps pixels that touch at a corner in separate loops.
        const dir = prev < 0 ? first : [(prev + 1) % 4, prev, (prev + 3) % 4].find((d) => set & (1 << d));
        if (dir === undefined) throw new Error('maskContours: open boundary (internal error)');
        out[v] = set & ~(1 << dir);
        remaining--;
        if (dir !== prev) loop.push([v % W1, Math.floor(v / W1)]);
        prev = dir;
        v += DY[dir]! * W1 + DX[dir]!;
      } while (v !== start);
      // The start is a corner only if the walk arrives there heading another way than it left.
      if (prev === first) loop.shift();
      loops.push(loop);
    }
  }
  return loops;
}

function firstDir(set: number): number {
  for (let d = 0; d < 4; d++) if (set & (1 << d)) return d;
  return 0;
}

/** The loops as one SVG path `d` (absolute moves, `H`/`V` segments, each loop closed with `Z`). */
export function contourPath(loops: readonly ContourLoop[]): string {
  const parts: string[] = [];
  for (const loop of loops) {
    const first = loop[0];
    if (!first) continue;
    let s = `M${first[0]} ${first[1]}`;
    let [x, y] = first;
    // The last side, back to the first vertex, is the closing Z.
    for (let k = 1; k < loop.length; k++) {
      const p = loop[k]!;
      if (p[0] !== x) s += `H${p[0]}`;
      if (p[1] !== y) s += `V${p[1]}`;
      [x, y] = p;
    }
    parts.push(`${s}Z`);
  }
  return parts.join('');
}
