// SAM2 in the panel: a (tiny, generated) SAM2 export in the workspace's models/ folder is found, loaded in the
// segmentation worker, used to re-segment an edited rollout, and named on the badge — never the fallback label.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeFixture } from '../unit/segment/sam2Fixtures';
import { sampleCopy, waitFor, withWorkbench } from './harness';

test('a SAM2 export in models/ re-segments edited prompts and is named on the badge', { timeout: 300_000 }, async () => {
  const ws = sampleCopy('segr1-sam2-ws-');
  // Family A (samexporter names): logits positive inside the prompt box, so the mask is checkable.
  writeFixture('A', join(ws, 'models', 'tiny-sam2'));
  await withWorkbench({ name: 'sam2', workspace: ws, viewport: { width: 1500, height: 950 } }, async (wb) => {
    await wb.runCommand('Seg-R1: Open Workbench');
    const view = wb.webviewFrame();
    const badge = view.locator('#segmenter-badge');
    // The first rollout shows its logged mask; the loaded engine is announced on the badge before any edit.
    await waitFor('SAM2 named on the badge', async () => /SAM2/.test((await badge.textContent()) ?? '') || /logged/.test((await badge.textContent()) ?? '') || undefined, 90_000);
    // The export is loaded once the badge's tooltip names it as the segmenter for re-segmenting.
    await waitFor('SAM2 loaded (badge tooltip)', async () => (/SAM2/.test((await badge.getAttribute('title')) ?? '') ? true : undefined), 90_000);
    // Re-segment on demand: the logged mask gives way to SAM2's, named on the badge. The button appears with the first
    // rollout on screen (a click before it would have nothing to act on), so one click must do.
    await view.locator('#resegment').click({ timeout: 90_000 });
    await waitFor(
      're-segmented with SAM2',
      async () => {
        const t = (await badge.textContent()) ?? '';
        return /SAM2/.test(t) && (await view.locator('#edited-badge').textContent()) === 'RE-SEGMENTED' ? t : undefined;
      },
      90_000,
    ).catch(async (e: Error) => {
      throw new Error(`${e.message}; badge "${await badge.textContent()}", tooltip "${await badge.getAttribute('title')}"`, { cause: e });
    });
    await view.locator('#edit-prompts').click();
    const p = await waitFor('a point glyph on the canvas', async () => {
      const raw = await view.locator('#image-canvas').getAttribute('data-render');
      const state = raw ? (JSON.parse(raw) as { glyphs: Array<{ kind: string; x: number; y: number }> }) : undefined;
      return state?.glyphs.find((g) => g.kind === 'point');
    }, 60_000);
    const box = (await view.locator('#image-canvas').boundingBox())!;
    const page = wb.page;
    await page.mouse.move(box.x + p.x, box.y + p.y);
    await page.mouse.down();
    await page.mouse.move(box.x + p.x + 10, box.y + p.y + 10, { steps: 3 });
    await page.mouse.up();
    // The badge already reads RE-SEGMENTED: wait for the dragged prompt's own view (EDITED, title no longer loading).
    await waitFor('the edited view', async () => ((await view.locator('#edited-badge').textContent()) === 'EDITED' && !/^Loading/.test((await view.locator('#title').textContent()) ?? '') ? true : undefined), 90_000);
    const label = await waitFor('SAM2 mask label', async () => {
      const t = (await badge.textContent()) ?? '';
      return /SAM2/.test(t) ? t : undefined;
    }, 90_000);
    assert.doesNotMatch(label, /classical/);
    const render = JSON.parse((await view.locator('#image-canvas').getAttribute('data-render'))!) as { drawn: string[] };
    assert.ok(render.drawn.includes('mask'), 'no mask drawn after the SAM2 re-segmentation');
    await wb.screenshot('sam2-edited');
  });
});
