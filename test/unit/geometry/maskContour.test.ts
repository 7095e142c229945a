import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contourPath, maskContours, type ContourLoop } from '../../../src/shared/maskContour';

/** A mask from rows of '#' (foreground) and '.' (background). */
function mask(rows: string[]): { data: Uint8Array; width: number; height: number } {
  const width = rows[0]!.length;
  const data = new Uint8Array(width * rows.length);
  rows.forEach((r, y) => [...r].forEach((c, x) => (data[y * width + x] = c === '#' ? 1 : 0)));
  return { data, width, height: rows.length };
}

/** Signed area (shoelace, y down: clockwise on screen is positive). */
function area(loop: ContourLoop): number {
  let a = 0;
  for (let k = 0; k < loop.length; k++) {
    const [x1, y1] = loop[k]!;
    const [x2, y2] = loop[(k + 1) % loop.length]!;
    a += x1 * y2 - x2 * y1;
  }
  return a / 2;
}

/** Even-odd point-in-polygon at a pixel centre over all loops (what an SVG renderer fills). */
function inside(loops: readonly ContourLoop[], px: number, py: number): boolean {
  let c = false;
  for (const loop of loops) {
    for (let k = 0, j = loop.length - 1; k < loop.length; j = k++) {
      const [xi, yi] = loop[k]!;
      const [xj, yj] = loop[j]!;
      if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) c = !c;
    }
  }
  return c;
}

/** Every pixel centre is inside the traced outline exactly when the pixel is foreground. */
function assertCovers(m: { data: Uint8Array; width: number; height: number }): ContourLoop[] {
  const loops = maskContours(m.data, m.width, m.height);
  for (let y = 0; y < m.height; y++) for (let x = 0; x < m.width; x++) assert.equal(inside(loops, x + 0.5, y + 0.5), m.data[y * m.width + x] === 1, `pixel (${x}, ${y})`);
  // Only corners are kept: consecutive vertices always turn.
  for (const loop of loops) {
    for (let k = 0; k < loop.length; k++) {
      const a = loop[(k + loop.length - 1) % loop.length]!;
      const b = loop[k]!;
      const c = loop[(k + 1) % loop.length]!;
      assert.ok(!((a[0] === b[0] && b[0] === c[0]) || (a[1] === b[1] && b[1] === c[1])), `collinear vertex ${b.join(',')}`);
    }
  }
  return loops;
}

test('maskContours: a 2×2 square is one clockwise loop along its pixel edges', () => {
  const m = mask(['....', '.##.', '.##.', '....']);
  const loops = assertCovers(m);
  assert.deepEqual(loops, [[[1, 1], [3, 1], [3, 3], [1, 3]]]);
  assert.equal(contourPath(loops), 'M1 1H3V3H1Z');
  assert.equal(area(loops[0]!), 4);
});

test('maskContours: a ring has an outer loop and a counter-clockwise hole', () => {
  const m = mask(['#####', '#...#', '#...#', '#####']);
  const loops = assertCovers(m);
  assert.equal(loops.length, 2);
  const areas = loops.map(area).sort((a, b) => a - b);
  assert.deepEqual(areas, [-6, 20]);
});

test('maskContours: pixels touching at a corner stay separate loops; border pixels are closed by the border', () => {
  const m = mask(['#.', '.#']);
  const loops = assertCovers(m);
  assert.equal(loops.length, 2);
  assert.deepEqual(loops.map(area), [1, 1]);
  const full = mask(['###', '###']);
  assert.deepEqual(assertCovers(full), [[[0, 0], [3, 0], [3, 2], [0, 2]]]);
});

test('maskContours: an irregular blob with a notch, an island and a diagonal chain is traced exactly', () => {
  const m = mask(['.######.', '.#....#.', '.#.##.#.', '.#.##.#.', '.###..#.', '#......#', '.#....#.', '..#..#..']);
  assertCovers(m);
  assert.deepEqual(maskContours(new Uint8Array(0), 0, 0), []);
  assert.deepEqual(maskContours(new Uint8Array(9), 3, 3), []);
  assert.throws(() => maskContours(new Uint8Array(3), 2, 2), /needs 4/);
});
