// Canvas pixels for the panel's e2e tests: what the canvas drew, read back in CSS pixels.
import type { FrameLocator } from 'playwright-core';

/** The slice of HTMLCanvasElement the page-side callbacks use (this tsconfig has no DOM lib). */
export interface CanvasLike {
  width: number;
  height: number;
  clientWidth: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

/** RGBA of the canvas at CSS-pixel positions (device-pixel aware). */
export async function pixels(view: FrameLocator, points: Array<[number, number]>): Promise<number[][]> {
  return view.locator('#image-canvas').evaluate((el, pts: Array<[number, number]>) => {
    const c = el as unknown as CanvasLike;
    const ctx = c.getContext('2d')!;
    const k = c.width / c.clientWidth;
    return pts.map(([x, y]) => Array.from(ctx.getImageData(Math.round(x * k), Math.round(y * k), 1, 1).data));
  }, points);
}

/** True when a pixel is within `tol` (sum of channel differences) of a colour. */
export function near(px: number[], rgb: [number, number, number], tol = 40): boolean {
  return Math.abs(px[0]! - rgb[0]) + Math.abs(px[1]! - rgb[1]) + Math.abs(px[2]! - rgb[2]) <= tol;
}
