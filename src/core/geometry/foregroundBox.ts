/** An inclusive pixel box: x2/y2 are the last foreground column/row. */
export interface InclusiveBox {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

/**
 * The tight inclusive box of a mask's foreground (values > `above`), or undefined when it has none. One pass, no
 * allocation: the oracle's box prompt and the hacking signals' GT box both come from here.
 */
export function foregroundBox(mask: { readonly width: number; readonly height: number; readonly data: ArrayLike<number> }, above: number): InclusiveBox | undefined {
  const { width, height, data } = mask;
  let x1 = width;
  let y1 = height;
  let x2 = -1;
  let y2 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (data[row + x]! <= above) continue;
      if (x < x1) x1 = x;
      if (x > x2) x2 = x;
      if (y < y1) y1 = y;
      y2 = y;
    }
  }
  return x2 < 0 ? undefined : { x1, y1, x2, y2 };
}
