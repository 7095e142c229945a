// The token view in a real VS Code, on the sample workspace with vLLM-chat-shaped `logprobs` written into its log:
// switch the reasoning to tokens (by logprob, by entropy), hover a token for its top-k, see the coordinate tokens'
// probability next to their glyph on the canvas and in its tooltip, expand a collapsed long thinking, read the
// "which fields" hint on a rollout without tokens, and find the per-step token traces.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openFromRunsTree, sampleCopy, showRunsTree, waitFor, webviewWith, withWorkbench } from './harness';
import { renderState } from './panelCanvas';
import { withChatLogprobs } from './tokenFixture';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Write tokens into every rollout but step 2's sample 2; step 2's sample 1 thinks six times as long (collapsed). */
function tokensWorkspace(): string {
  const ws = sampleCopy('segr1-tokens-');
  const log = join(ws, 'runs/synthetic-segr1/rollouts.jsonl');
  const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => {
    const r = JSON.parse(l) as Record<string, unknown>;
    if (r.step === 2 && r.sample === 2) return JSON.stringify(r);
    if (r.step === 2 && r.sample === 1) {
      const c = String(r.completion);
      const think = /<think>([\s\S]*?)(<\/think>|<bbox>)/.exec(c);
      if (think) r.completion = c.replace(think[1]!, think[1]!.repeat(6));
    }
    return JSON.stringify(withChatLogprobs(r));
  });
  writeFileSync(log, lines.join('\n') + '\n');
  return ws;
}

test('token view: tokens by logprob and entropy, top-k on hover, coordinate probabilities at the glyphs, token traces', { timeout: 420_000 }, async () => {
  const workspace = tokensWorkspace();
  await withWorkbench({ name: 'tokens', workspace, viewport: { width: 1500, height: 950 } }, async (wb) => {
    const { page } = wb;
    await openFromRunsTree(await showRunsTree(page), { step: 2, group: /cod_\d+@2/, sample: 1 });

    const view = wb.webviewFrame();
    await waitFor('the rollout title', async () => /step 2 · group cod_\d+@2 · rollout 1/.test((await view.locator('#title').textContent()) ?? ''), 60_000);
    // The coordinate tokens' joint probability is drawn beside each glyph, in text mode already.
    const state = await waitFor('glyphs with their token probability', async () => {
      const s = await renderState(view).catch(() => undefined);
      return s && s.glyphs.length && s.glyphs.every((g) => g.note) ? s : undefined;
    }, 60_000);
    for (const g of state.glyphs) assert.match(g.note!, /^p (\d\.\d\d|\de-\d+|0)$/, `${g.id}: ${g.note}`);
    await wb.screenshot('glyph-probabilities');

    // Tokens coloured by logprob, with the legend, the source named and the long thinking collapsed.
    await view.locator('#token-mode button[data-mode="logprob"]').click();
    const tokens = view.locator('#tokens .tok');
    await waitFor('tokens drawn', async () => (await tokens.count()) > 50, 15_000);
    assert.equal(await view.locator('#reasoning').isVisible(), false, 'the plain text gives way to the tokens');
    assert.match((await view.locator('#token-notes').textContent()) ?? '', /tokens from extra\.logprobs\.content \(OpenAI\/vLLM chat logprobs\)/);
    const legend = (await view.locator('#token-legend .legend-item').allTextContents()).map((t) => t.trim());
    assert.deepEqual(legend, ['p ≥ 0.9', '0.6–0.9', '0.3–0.6', '0.1–0.3', 'p < 0.1', 'no logprob', 'wrote a coordinate']);
    const expand = view.locator('#token-expand');
    assert.match((await expand.textContent()) ?? '', /… [\d,]+ more thinking tokens, mean H \d\.\d\d nats — show all/);
    assert.ok(await view.locator('#tokens .tok.lv0').count(), 'sure tokens');
    assert.ok((await view.locator('#tokens .tok.lv3').count()) + (await view.locator('#tokens .tok.lv4').count()), 'unsure tokens');
    await wb.screenshot('tokens-logprob');

    // Hover a coordinate token: its top-k in the tooltip, its glyph highlighted on the canvas. Retried: on a loaded
    // machine a single hover can land before layout settles.
    const coord = view.locator('#tokens .tok.coord').first();
    const glyph = await coord.getAttribute('data-glyph');
    assert.ok(glyph, 'a coordinate token is linked to a glyph');
    const tip = view.locator('#token-tip');
    const tipText = await waitFor('the token tooltip with the top-k', async () => {
      await page.mouse.move(5, 5);
      await sleep(200);
      await coord.hover();
      const t = (await tip.isVisible()) ? await tip.textContent() : undefined;
      return t && /entropy ≈ \d\.\d{3} nats \(top-5 hold [\d.]+%\)/.test(t) && /← sampled/.test(t) ? t : undefined;
    }, 45_000);
    assert.match(tipText, /wrote (point|box) \d+ \(its tokens: joint p /);
    await waitFor('the glyph highlighted from the token', async () => (await renderState(view))?.highlighted === glyph, 10_000);
    await wb.screenshot('token-hover');

    // Entropy colouring, then the whole thinking.
    await view.locator('#token-mode button[data-mode="entropy"]').click();
    await waitFor('entropy legend', async () => ((await view.locator('#token-legend').textContent()) ?? '').includes('H ≥ 2 nats'), 10_000);
    const collapsed = await tokens.count();
    await expand.click();
    await waitFor('every thinking token drawn', async () => (await tokens.count()) > collapsed + 100 && !(await expand.count()), 10_000);
    await wb.screenshot('tokens-entropy-expanded');

    // The glyph's canvas tooltip names how sure the model was of it.
    const target = state.glyphs.find((g) => g.kind === 'point') ?? state.glyphs[0]!;
    const canvasTitle = await waitFor('the glyph tooltip with the token probability', async () => {
      await view.locator('#image-canvas').hover({ position: { x: 2, y: 2 } });
      await view.locator('#image-canvas').hover({ position: { x: target.x, y: target.y } });
      const t = await view.locator('#image-canvas').getAttribute('title');
      return t && /written by \d+ tokens?.*joint p .*least sure/.test(t) ? t : undefined;
    }, 30_000);
    assert.match(canvasTitle, new RegExp(`joint p ${target.note!.slice(2).replace('.', '\\.')}`));

    // A rollout without tokens says which fields would enable the view (the mode stays on tokens).
    await view.locator('#image-canvas').hover({ position: { x: 2, y: 2 } });
    await view.locator('#title').click();
    await page.keyboard.press('n');
    await waitFor('rollout 2', async () => /rollout 2/.test((await view.locator('#title').textContent()) ?? ''), 60_000);
    await waitFor('the fields hint', async () => /logprobs\.content\[\].*top_logprobs/.test((await view.locator('#token-notes').textContent()) ?? ''), 15_000);
    assert.equal(await tokens.count(), 0);
    await wb.screenshot('no-tokens-hint');

    // Per-step traces of mean token entropy and coordinate-token logprob.
    await wb.runCommand('Seg-R1: Open Reward Traces');
    const traces = await waitFor('the traces webview', () => webviewWith(wb, 'figure[data-series="reward"]'), 90_000);
    for (const name of ['mean token entropy (top-k, nats)', 'coordinate token logprob']) {
      const fig = traces.locator(`figure[data-series="${name}"]`);
      await fig.waitFor({ timeout: 30_000 });
      await waitFor(`${name} points`, async () => (await fig.locator('circle.point').count()) === 12, 15_000);
    }
    await traces.locator('figure[data-series="mean token entropy (top-k, nats)"]').scrollIntoViewIfNeeded();
    await wb.screenshot('token-traces');
  });
});
