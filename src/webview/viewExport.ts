/**
 * Renders the view on screen to a file's bytes for the host to save (the webview never writes files): the SVG from
 * the shared builder, and the PNG by rasterising that same SVG at one SVG unit per image pixel, so the PNG has the
 * image's own resolution whatever the zoom on screen.
 */
import type { ViewPayload } from '../shared/protocol';
import { buildViewSvg, captionLayout, type ExportToggles, type ViewSvgInput } from '../shared/viewSvg';

type Layer = OffscreenCanvas | HTMLCanvasElement;

/** What is on the canvas now: the view, its image-sized layers and which overlays are on. */
export interface ExportSource {
  readonly view: ViewPayload;
  readonly width: number;
  readonly height: number;
  /** GT resampled to the image raster. */
  readonly gt?: Uint8Array;
  /** Mask fill layer (the prediction, or the logged mask of a rejected answer when the user opted to see it). */
  readonly mask?: Layer;
  readonly errors?: Layer;
  readonly toggles: ExportToggles;
  readonly opacity: number;
}

const EMBEDDABLE = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/bmp']);

function dataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error ?? new Error('could not read the layer'));
    r.readAsDataURL(blob);
  });
}

async function layerPng(l: Layer): Promise<Blob> {
  if (l instanceof HTMLCanvasElement) {
    return new Promise((resolve, reject) => l.toBlob((b) => (b ? resolve(b) : reject(new Error('could not encode a layer'))), 'image/png'));
  }
  return l.convertToBlob({ type: 'image/png' });
}

/** The image file as a data URL; a format an SVG viewer may not read (TIFF, …) is re-encoded as PNG. */
async function imageUrl(image: NonNullable<ViewPayload['image']>): Promise<string> {
  const blob = new Blob([image.bytes as BlobPart], { type: image.mime });
  if (EMBEDDABLE.has(image.mime)) return dataUrl(blob);
  const bitmap = await createImageBitmap(blob);
  const c = new OffscreenCanvas(bitmap.width, bitmap.height);
  c.getContext('2d')!.drawImage(bitmap, 0, 0);
  bitmap.close();
  return dataUrl(await c.convertToBlob({ type: 'image/png' }));
}

/** Caption details: step, group, rollout, line and the mask's source, from the view (escaped by the builder). */
function details(view: ViewPayload): string[] {
  const r = view.rollout;
  const bits: string[] = [];
  if (r) {
    bits.push(`line ${r.line}`);
    if (r.total.logged !== undefined) bits.push(`reward ${r.total.logged.toFixed(3)}`);
  }
  if (view.mask && !view.noMask) bits.push(`mask: ${view.mask.source}`);
  if (view.noMask) bits.push(`no mask: ${view.noMask.reason}`);
  if (view.edited) bits.push(view.edited.edits.length ? 'prompts edited in the panel' : 're-segmented in the panel');
  if (view.synthetic) bits.push('SYNTHETIC sample');
  return bits.length ? [bits.join(' · ')] : [];
}

/** The SVG text of the view and its height (image plus caption band). */
export async function viewSvg(s: ExportSource): Promise<{ svg: string; height: number }> {
  const on = s.toggles;
  const input: ViewSvgInput = {
    width: s.width,
    height: s.height,
    ...(s.view.image ? { imageUrl: await imageUrl(s.view.image) } : {}),
    ...(on.mask && s.mask ? { maskUrl: await dataUrl(await layerPng(s.mask)) } : {}),
    ...(on.errors && s.errors ? { errorsUrl: await dataUrl(await layerPng(s.errors)) } : {}),
    ...(s.gt ? { gt: s.gt } : {}),
    glyphs: s.view.glyphs,
    toggles: on,
    opacity: s.opacity,
    title: s.view.title,
    details: details(s.view),
  };
  return { svg: buildViewSvg(input), height: s.height + captionLayout(input).band };
}

/** The PNG bytes: the SVG rasterised at the image's own pixel size (caption band below). */
export async function viewPng(s: ExportSource): Promise<Uint8Array> {
  const { svg, height } = await viewSvg(s);
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const c = new OffscreenCanvas(s.width, height);
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0, s.width, height);
    return new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
  } finally {
    URL.revokeObjectURL(url);
  }
}
