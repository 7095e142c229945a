// The panel at the widths people give it: side by side with code (≈600 px), a narrow column (500 px) and a wide
// monitor. Nothing the researcher reads may be clipped: every reward row and column, the rollout number in the title.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleWorkspace, waitFor, withWorkbench } from './harness';

/** The slice of the DOM the page-side check uses (this tsconfig has no DOM lib). */
interface RectLike {
  left: number;
  right: number;
  width: number;
  height: number;
}
interface ElementLike {
  textContent: string | null;
  scrollWidth: number;
  clientWidth: number;
  parentElement: ElementLike | null;
  ownerDocument: DocumentLike;
  getBoundingClientRect(): RectLike;
}
interface DocumentLike {
  documentElement: ElementLike;
  defaultView: { getComputedStyle(el: ElementLike): { overflow: string; overflowX: string; overflowY: string } };
  querySelector(selector: string): ElementLike | null;
  querySelectorAll(selector: string): ArrayLike<ElementLike>;
}

/** What the page-side check reports about one element that must stay readable. */
interface Fit {
  what: string;
  ok: boolean;
  detail: string;
}

test('the panel fits 500 px to wide: rewards table unclipped, title keeps the rollout number', { timeout: 300_000 }, async () => {
  const workspace = sampleWorkspace();
  assert.ok(workspace, 'the sample workspace could not be generated (dist/cli.js missing?)');
  await withWorkbench({ name: 'layout', workspace, viewport: { width: 1700, height: 1000 } }, async (wb) => {
    await wb.runCommand('Seg-R1: Open Workbench');
    const view = wb.webviewFrame();
    await waitFor('the rollout title', async () => /rollout/.test((await view.locator('#title').textContent()) ?? ''), 60_000);
    await waitFor('replayed rewards', async () => (await view.locator('.reward-table thead th').count()) >= 3, 60_000);
    // Close the sidebar so the editor's width is the viewport's less the activity bar.
    await wb.page.keyboard.press('Control+B');
    for (const width of [1700, 680, 560]) {
      await wb.page.setViewportSize({ width, height: 1000 });
      await wb.page.waitForTimeout(800);
      const fits = await view.locator('body').evaluate((bodyEl): Fit[] => {
        const body = bodyEl as unknown as ElementLike;
        const out: Fit[] = [];
        const doc = body.ownerDocument;
        const visible = (el: ElementLike) => {
          // Visible = inside every scrolling/clipping ancestor's box (scrolling ancestors count as reachable).
          const r = el.getBoundingClientRect();
          let p = el.parentElement;
          while (p) {
            const s = doc.defaultView.getComputedStyle(p);
            const pr = p.getBoundingClientRect();
            const scrolls = /auto|scroll/.test(s.overflowX + s.overflowY);
            if (!scrolls && s.overflow !== 'visible' && (r.right > pr.right + 1 || r.left < pr.left - 1)) return false;
            p = p.parentElement;
          }
          return r.width > 0 && r.height > 0 && r.right <= doc.documentElement.clientWidth + 1;
        };
        const table = doc.querySelector('.reward-table');
        const host = table?.parentElement;
        out.push({ what: 'rewards table width', ok: !!table && !!host && table.scrollWidth <= host.clientWidth + 1, detail: `${table?.scrollWidth} in ${host?.clientWidth}` });
        for (const cell of Array.from(doc.querySelectorAll('.reward-table th, .reward-table td'))) {
          const ok = visible(cell) && cell.scrollWidth <= cell.clientWidth + 1;
          if (!ok) out.push({ what: `cell "${cell.textContent}"`, ok, detail: JSON.stringify(cell.getBoundingClientRect()) });
        }
        const title = doc.querySelector('#title');
        const tail = doc.querySelector('#title .title-tail');
        const tr = title?.getBoundingClientRect();
        const rr = tail?.getBoundingClientRect();
        out.push({ what: 'title keeps the rollout number', ok: !!tr && !!rr && /rollout \S+$/.test(tail?.textContent ?? '') && rr.right <= tr.right + 1 && rr.left >= tr.left - 1, detail: `${title?.textContent} (tail ${rr?.left}–${rr?.right} in ${tr?.left}–${tr?.right})` });
        return out;
      });
      await wb.screenshot(`width-${width}`);
      if (width < 760) {
        // One scrolling column: the rewards are reached by scrolling the panel, every row of them.
        await view.locator('.reward-table tr.advantage').scrollIntoViewIfNeeded();
        await wb.screenshot(`width-${width}-rewards`);
      }
      const bad = fits.filter((f) => !f.ok);
      assert.deepEqual(bad, [], `at ${width} px: ${JSON.stringify(bad, null, 1)}`);
    }
  });
});
