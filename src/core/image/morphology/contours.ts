/**
 * `cv2.findContours(mask, cv2.RETR_TREE, cv2.CHAIN_APPROX_NONE)` as OpenCV 4.6 computes it for an 8-bit image
 * (imgproc/src/contours.cpp: cv::findContours → cvFindContours_Impl → cvFindNextContour / icvFetchContourEx /
 * icvTraceContour, then cvTreeToNodeSeq): Suzuki–Abe border following on the image padded with a zero frame, with
 * OpenCV's own parent search (bounding-rect candidates per mark value, confirmed by re-tracing) and its output order
 * (depth-first over a tree whose children are prepended, so siblings come out newest first). HCE splits these borders
 * at shared pixels, so the point order and the contour order both change its count: they are mirrored, not just the
 * point sets.
 */

/** The borders of a mask in `cv2.findContours` order. */
export interface Contours {
  /** Each border's points x0, y0, x1, y1, … in image coordinates, in OpenCV's order. */
  readonly contours: Int32Array[];
  /** Four entries per border: next sibling, previous sibling, first child, parent (−1 for none), as cv2's hierarchy. */
  readonly hierarchy: Int32Array;
}

interface Node {
  readonly isHole: boolean;
  /** Origin (where tracing started), padded coordinates. */
  readonly ox: number;
  readonly oy: number;
  /** Bounding rect of the points, padded coordinates. */
  rx: number;
  ry: number;
  rw: number;
  rh: number;
  parent: Node | null;
  /** Next node in the same mark-value list (`_CvContourInfo.next`). */
  next: Node | null;
  firstChild: Node | null;
  hNext: Node | null;
  hPrev: Node | null;
  points: number[];
  index: number;
}

/** OpenCV's chain-code steps (`icvCodeDeltas`): 0 = +x, then counter-clockwise in image coordinates. */
const CODE_DX = [1, 1, 0, -1, -1, -1, 0, 1] as const;
const CODE_DY = [0, -1, -1, -1, 0, 1, 1, 1] as const;
/** Last chain index the neighbour search may reach (`MAX_SIZE - 1`). */
const MAX_S = 15;

function node(isHole: boolean, ox: number, oy: number, parent: Node | null): Node {
  return { isHole, ox, oy, rx: 0, ry: 0, rw: 0, rh: 0, parent, next: null, firstChild: null, hNext: null, hPrev: null, points: [], index: -1 };
}

/** `CV_INIT_3X3_DELTAS` duplicated to 16 entries, for a padded row stride. */
function deltas(step: number): Int32Array {
  const d = [1, -step + 1, -step, -step - 1, -1, step - 1, step, step + 1];
  return Int32Array.from([...d, ...d]);
}

/** Marks a border with `nbd` (right-bound pixels with `nbd | 0x80`) and records its points (`icvFetchContourEx`). */
function fetchContour(img: Int8Array, d: Int32Array, i0: number, info: Node, nbd: number): void {
  const right = (nbd | 0x80) << 24 >> 24;
  let px = info.ox;
  let py = info.oy;
  const pts = info.points;
  let s = info.isHole ? 0 : 4;
  const sStart = s;
  let i1: number;
  do {
    s = (s - 1) & 7;
    i1 = i0 + d[s]!;
  } while (img[i1] === 0 && s !== sStart);
  if (s === sStart) {
    img[i0] = right;
    pts.push(px - 1, py - 1);
  } else {
    let i3 = i0;
    for (;;) {
      const sEnd = s;
      s = Math.min(s, MAX_S);
      let i4 = i3;
      while (s < MAX_S) {
        i4 = i3 + d[++s]!;
        if (img[i4] !== 0) break;
      }
      s &= 7;
      // "(unsigned)(s - 1) < (unsigned)s_end": the step wrapped past the right-hand neighbour.
      if (s >= 1 && s - 1 < sEnd) img[i3] = right;
      else if (img[i3] === 1) img[i3] = nbd;
      pts.push(px - 1, py - 1);
      px += CODE_DX[s]!;
      py += CODE_DY[s]!;
      if (i4 === i0 && i3 === i1) break;
      i3 = i4;
      s = (s + 4) & 7;
    }
  }
  // The rect OpenCV keeps (updated at each direction change) is the bounding box of all the points.
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let k = 0; k < pts.length; k += 2) {
    const x = pts[k]! + 1;
    const y = pts[k + 1]! + 1;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  info.rx = x0;
  info.ry = y0;
  info.rw = x1 - x0 + 1;
  info.rh = y1 - y0 + 1;
}

/** Whether re-tracing the border from `i0` meets `stop` as the last border a raster scan reaches there (`icvTraceContour`). */
function traceContour(img: Int8Array, d: Int32Array, i0: number, stop: number, isHole: boolean): boolean {
  let s = isHole ? 0 : 4;
  const sStart = s;
  let i1: number;
  do {
    s = (s - 1) & 7;
    i1 = i0 + d[s]!;
  } while (img[i1] === 0 && s !== sStart);
  let i3 = i0;
  if (s === sStart) return i3 === stop;
  for (;;) {
    s = Math.min(s, MAX_S);
    let i4 = i3;
    while (s < MAX_S) {
      i4 = i3 + d[++s]!;
      if (img[i4] !== 0) break;
    }
    if (i3 === stop) {
      if (!(img[i3]! & 0x80)) return true;
      let t = s;
      for (;;) {
        t = (t - 1) & 7;
        if (img[i3 + d[t]!] !== 0) break;
        if (t === 0) return true;
      }
    }
    if (i4 === i0 && i3 === i1) break;
    i3 = i4;
    s = (s + 4) & 7;
  }
  return false;
}

/** All borders of a mask (non-zero = foreground), in OpenCV 4.6's RETR_TREE / CHAIN_APPROX_NONE output. */
export function findContoursTree(mask: Uint8Array, width: number, height: number): Contours {
  const W = width + 2;
  const H = height + 2;
  const img = new Int8Array(W * H);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if (mask[y * width + x]) img[(y + 1) * W + x + 1] = 1;
  }
  const d = deltas(W);
  const frame = node(true, 0, 0, null);
  const table: (Node | null)[] = new Array<Node | null>(128).fill(null);
  let nbd = 2;
  let lnbdX = 0;
  let lnbdY = 1;
  // cvFindNextContour's scan: img_size excludes the last padded row and column.
  for (let y = 1, x = 1, prev = 0; y < H - 1; y++, x = 1, prev = 0, lnbdX = 0, lnbdY = y) {
    const row = y * W;
    for (; x < W - 1; x++) {
      let p = 0;
      for (; x < W - 1 && (p = img[row + x]!) === prev; x++);
      if (x >= W - 1) break;
      let isHole = false;
      let found = true;
      if (!(prev === 0 && p === 1)) {
        if (p !== 0 || prev < 1) found = false;
        else {
          if (prev & -2) lnbdX = x - 1;
          isHole = true;
        }
      }
      if (!found) {
        prev = p;
        if (prev & -2) lnbdX = x;
        continue;
      }
      let par: Node = frame;
      if (lnbdX > 0) {
        let cand: Node | null = null;
        for (let cur = table[img[lnbdY * W + lnbdX]! & 0x7f] ?? null; cur; cur = cur.next) {
          if (lnbdX - cur.rx >= 0 && lnbdX - cur.rx < cur.rw && lnbdY - cur.ry >= 0 && lnbdY - cur.ry < cur.rh) {
            if (cand && traceContour(img, d, cand.oy * W + cand.ox, row + lnbdX, cand.isHole)) break;
            cand = cur;
          }
        }
        if (!cand) throw new Error('findContours: no border found left of a new border (corrupt scan state)');
        par = cand.isHole === isHole ? (cand.parent ?? frame) : cand;
      }
      const ox = x - (isHole ? 1 : 0);
      lnbdX = ox;
      const lval = nbd;
      nbd = (nbd + 1) & 127;
      if (nbd === 0) nbd = 3;
      const info = node(isHole, ox, y, par);
      fetchContour(img, d, row + ox, info, lval);
      info.next = table[lval] ?? null;
      table[lval] = info;
      // cvInsertNodeIntoTree: prepend to the parent's children.
      info.hNext = par.firstChild;
      if (par.firstChild) par.firstChild.hPrev = info;
      par.firstChild = info;
      // The next scan resumes at x + 1 with prev re-read from the (now marked) image.
      prev = img[row + x]!;
    }
  }
  return flatten(frame);
}

/** cvTreeToNodeSeq order (pre-order, depth first) and cv2's hierarchy rows. */
function flatten(frame: Node): Contours {
  const order: Node[] = [];
  const visit: Node[] = [];
  for (let c = frame.firstChild; c; c = c.hNext) visit.push(c);
  visit.reverse();
  while (visit.length > 0) {
    const n = visit.pop()!;
    n.index = order.length;
    order.push(n);
    const kids: Node[] = [];
    for (let c = n.firstChild; c; c = c.hNext) kids.push(c);
    for (let k = kids.length - 1; k >= 0; k--) visit.push(kids[k]!);
  }
  const hierarchy = new Int32Array(order.length * 4);
  order.forEach((n, i) => {
    hierarchy[i * 4] = n.hNext ? n.hNext.index : -1;
    hierarchy[i * 4 + 1] = n.hPrev ? n.hPrev.index : -1;
    hierarchy[i * 4 + 2] = n.firstChild ? n.firstChild.index : -1;
    hierarchy[i * 4 + 3] = n.parent && n.parent !== frame ? n.parent.index : -1;
  });
  return { contours: order.map((n) => Int32Array.from(n.points)), hierarchy };
}
