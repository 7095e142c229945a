// Failure attribution in a real VS Code: "Seg-R1: Attribute Failures" labels every rollout of the sample run, the
// traces show the taxonomy (stacked labels per step, counts per image), a bar segment filters the rollout list to that
// label and step, the panel shows the opened rollout's label, and a label override is written to
// .segr1/annotations.json and is still shown after the window reloads.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { frameWith, sampleCopy, waitFor, withWorkbench } from './harness';

test('attribution: taxonomy chart, click-through filter, panel label, override surviving a reload', { timeout: 600_000 }, async () => {
  const ws = sampleCopy('segr1-attr-ws-');
  const total = readFileSync(join(ws, 'runs/synthetic-segr1/rollouts.jsonl'), 'utf8').split('\n').filter(Boolean).length;
  const annotations = join(ws, '.segr1', 'annotations.json');

  await withWorkbench({ name: 'attribution', workspace: ws, viewport: { width: 1500, height: 1000 } }, async (wb) => {
    await wb.runCommand('Seg-R1: Attribute Failures');
    const traces = await frameWith(wb, '#taxonomy', 90_000);
    // The pass runs over 384 rollouts with the classical fallback (24 oracles): allow for a loaded machine.
    const segments = traces.locator('#taxonomy-chart rect.segment');
    await waitFor('the taxonomy chart', async () => (await segments.count()) > 0, 240_000);
    const note = (await traces.locator('#taxonomy-note').textContent()) ?? '';
    assert.match(note, new RegExp(`^${total} rollouts · τ_seg 0.5 · δ 0.2 · oracle by classical fallback — not SAM2`), note);
    // Every label is named in the legend (text, not colour alone), with its total; the totals add up to the run.
    const legend = await traces.locator('.taxonomy-legend .legend-item').allTextContents();
    assert.deepEqual(legend.map((t) => t.split(' ')[1]), ['format', 'segmenter', 'policy', 'reward', 'ok']);
    assert.equal(legend.reduce((a, t) => a + Number(t.split(' ')[2]), 0), total);
    // The per-image table: one row per image, the counts of a row add up to that image's rollouts.
    const imageRows = traces.locator('#taxonomy-images tbody tr');
    assert.ok((await imageRows.count()) > 1, 'per-image table rows');
    // The bars add up to the run too.
    const counts = await segments.evaluateAll((rs) => rs.map((r) => ({ step: Number(r.getAttribute('data-step')), label: r.getAttribute('data-label')!, n: Number(r.getAttribute('data-count')) })));
    assert.equal(counts.reduce((a, c) => a + c.n, 0), total);

    // Click the largest `policy` segment (else the largest of any label): the list shows exactly its rollouts.
    const target = [...counts].sort((a, b) => (b.label === 'policy' ? 1 : 0) - (a.label === 'policy' ? 1 : 0) || b.n - a.n)[0]!;
    await traces.locator(`#taxonomy-chart rect.segment[data-step="${target.step}"][data-label="${target.label}"]`).click();
    const count = traces.locator('#list-count');
    await waitFor(`list filtered to ${target.label} at step ${target.step}`, async () => (await count.textContent()) === `${target.n} of ${total} rollouts`, 20_000);
    const rows = traces.locator('#rollout-list .list-row');
    const shown = await rows.evaluateAll((rs) => rs.map((r) => [Number(r.getAttribute('data-step')), r.getAttribute('data-label')]));
    assert.ok(shown.length > 0 && shown.every(([s, l]) => s === target.step && l === target.label), `rows: ${JSON.stringify(shown)}`);
    assert.match((await traces.locator('#label-filter').textContent()) ?? '', new RegExp(`label ${target.label}`));
    await wb.screenshot('taxonomy');

    // Open the first listed rollout: the panel shows its label, the tooltip the numbers that decided it.
    await rows.first().click();
    const panel = await frameWith(wb, '#attribution-badge', 90_000);
    const badge = panel.locator('#attribution-badge');
    await waitFor('the label in the panel', async () => (await badge.textContent()) === target.label, 60_000);
    const why = (await badge.getAttribute('title')) ?? '';
    assert.match(why, target.label === 'policy' ? /IoU \d\.\d{3} < oracle IoU \d\.\d{3} − δ 0\.200/ : new RegExp(target.label), why);
    assert.match(why, /classical fallback — not SAM2/);

    // Override it: written to .segr1/annotations.json, shown as overridden with the computed label in the tooltip.
    const other = target.label === 'reward' ? 'ok' : 'reward';
    await panel.locator('#attribution-override').selectOption(other);
    await waitFor('the override in the panel', async () => (await badge.textContent()) === `${other} (overridden)`, 20_000);
    assert.match((await badge.getAttribute('title')) ?? '', new RegExp(`Overridden by you: ${other}\\. Computed label: ${target.label}:`));
    await waitFor('the annotations file', async () => existsSync(annotations) && readFileSync(annotations, 'utf8').includes(`"label": "${other}"`), 10_000);
    const stored = JSON.parse(readFileSync(annotations, 'utf8')) as { entries: Array<{ key: { log: string; step: number }; label?: string }> };
    assert.equal(stored.entries.length, 1);
    assert.equal(stored.entries[0]!.key.log, 'runs/synthetic-segr1/rollouts.jsonl');
    assert.equal(stored.entries[0]!.key.step, target.step);
    assert.equal(stored.entries[0]!.label, other);
    // The traces count the override: one rollout fewer under the clicked label.
    await waitFor('the filtered list without the relabelled rollout', async () => (await count.textContent()) === `${target.n - 1} of ${total} rollouts`, 20_000);

    // Reload the window: the in-memory pass is gone, the override is read back from the file.
    await wb.runCommand('Developer: Reload Window');
    await wb.page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    const revived = await frameWith(wb, '#attribution-badge', 120_000);
    await waitFor('the override after the reload', async () => (await revived.locator('#attribution-badge').textContent()) === `${other} (overridden)`, 90_000);
    assert.equal(await revived.locator('#attribution-override').inputValue(), other);
    // Attributing again brings the computed label back into the tooltip beside the override.
    await wb.runCommand('Seg-R1: Attribute Failures');
    await waitFor('the computed label beside the override', async () => new RegExp(`Computed label: ${target.label}:`).test((await (await frameWith(wb, '#attribution-badge')).locator('#attribution-badge').getAttribute('title')) ?? ''), 240_000);
    await wb.screenshot('override');
  });
});
