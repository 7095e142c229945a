// The panel canvas's published render state, and the prompt edit several panel e2e tests start with.
import * as assert from 'node:assert/strict';
import type { FrameLocator, Page } from 'playwright-core';

/** What the canvas publishes about its last draw (see CanvasView.draw), as far as the e2e tests read it. */
export interface RenderState {
  imageWidth: number;
  imageHeight: number;
  scale: number;
  tx: number;
  ty: number;
  drawn: string[];
  glyphs: Array<{ id: string; kind: 'point' | 'box'; label?: number; x: number; y: number; x2?: number; y2?: number; note?: string }>;
  highlighted: string | null;
  /** True while the prompts are being edited. */
  editing?: boolean;
}

/** The canvas's render state, or undefined before its first draw. */
export async function renderState(view: FrameLocator): Promise<RenderState | undefined> {
  const raw = await view.locator('#image-canvas').getAttribute('data-render');
  return raw ? (JSON.parse(raw) as RenderState) : undefined;
}

/**
 * Turns on prompt editing and drags the first point glyph by (dx, dy) CSS pixels, then waits for the edited badge.
 * Returns the render state from before the drag.
 */
export async function dragFirstPoint(page: Page, view: FrameLocator, dx: number, dy: number): Promise<RenderState> {
  await view.locator('#edit-prompts').click();
  const before = await renderState(view);
  assert.ok(before, 'canvas has no render state');
  const p0 = before.glyphs.find((g) => g.kind === 'point');
  assert.ok(p0, 'no point to drag');
  const box = (await view.locator('#image-canvas').boundingBox())!;
  await page.mouse.move(box.x + p0.x, box.y + p0.y);
  await page.mouse.down();
  await page.mouse.move(box.x + p0.x + dx, box.y + p0.y + dy, { steps: 5 });
  await page.mouse.up();
  await view.locator('#edited-badge').waitFor({ state: 'visible', timeout: 60_000 });
  return before;
}
