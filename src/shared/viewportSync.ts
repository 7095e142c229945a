/**
 * Synchronized zoom and pan between two image canvases: one panel's view transform mapped onto another so both show
 * the same part of the image at the same zoom relative to fit. Pure math, shared by the compare webview and its tests.
 */

/** Image → screen transform of a canvas: X = x·scale + tx (CSS pixels). */
export interface ViewTransform {
  readonly scale: number;
  readonly tx: number;
  readonly ty: number;
}

/** A canvas and the image it shows, in CSS and image pixels. */
export interface Viewport {
  readonly canvasWidth: number;
  readonly canvasHeight: number;
  readonly imageWidth: number;
  readonly imageHeight: number;
}

/** Share of the canvas a fitted image fills (the canvas view leaves a small margin). */
export const FIT_MARGIN = 0.96;

/** The scale at which the whole image fits the canvas, as the canvas view fits it. */
export function fitScale(v: Viewport): number {
  if (!v.imageWidth || !v.imageHeight || !v.canvasWidth || !v.canvasHeight) return 1;
  return Math.min(v.canvasWidth / v.imageWidth, v.canvasHeight / v.imageHeight) * FIT_MARGIN;
}

/**
 * The transform of `to` that shows what `from` shows: the image point at the canvas centre of `from` (as a fraction
 * of the image) at the centre of `to`, zoomed by the same factor over each canvas's fit. For equal canvases and
 * images this is the same transform; images of different size (two runs at different resolutions) stay aligned
 * by relative position. An empty viewport on either side returns the transform unchanged.
 */
export function syncTransform(t: ViewTransform, from: Viewport, to: Viewport): ViewTransform {
  if (!from.imageWidth || !from.imageHeight || !to.imageWidth || !to.imageHeight || !to.canvasWidth || !to.canvasHeight || !(t.scale > 0)) return t;
  const zoom = t.scale / fitScale(from);
  const nx = (from.canvasWidth / 2 - t.tx) / t.scale / from.imageWidth;
  const ny = (from.canvasHeight / 2 - t.ty) / t.scale / from.imageHeight;
  const scale = zoom * fitScale(to);
  return { scale, tx: to.canvasWidth / 2 - nx * to.imageWidth * scale, ty: to.canvasHeight / 2 - ny * to.imageHeight * scale };
}
