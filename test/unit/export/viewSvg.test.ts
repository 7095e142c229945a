import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Glyph } from '../../../src/shared/protocol';
import { buildViewSvg, captionLayout, escapeXml, legendEntries, maxCaptionBand, type ViewSvgInput } from '../../../src/shared/viewSvg';

const HOSTILE = '</text><script>alert(1)</script><image href="https://evil.example/x.png" onload="x()"/> & \u0001\u001b[31m ]]>';
const PNG_URL = 'data:image/png;base64,iVBORw0KGgo=';
const span = { start: 0, end: 1 };
const GLYPHS: Glyph[] = [
  { kind: 'point', index: 0, x: 1.5, y: 1.5, label: 1, span },
  { kind: 'point', index: 1, x: 2.5, y: 0.5, label: 0, span },
  { kind: 'point', index: 2, x: 0.5, y: 2.5, label: 1, span, unlabelled: true },
  { kind: 'box', index: 0, x1: 0, y1: 0, x2: 4, y2: 3, span },
];
/** A 4×4 GT with a 2×2 square at (1, 1). */
const GT = new Uint8Array([0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
const ALL_ON = { gt: true, mask: true, errors: true, glyphs: true };

function input(over: Partial<ViewSvgInput> = {}): ViewSvgInput {
  return { width: 4, height: 4, imageUrl: 'data:image/jpeg;base64,/9j/4A==', maskUrl: PNG_URL, errorsUrl: PNG_URL, gt: GT, glyphs: GLYPHS, toggles: ALL_ON, opacity: 0.45, title: `${HOSTILE} · step 3 · group g1 · rollout 2`, details: [`line 7 · mask: ${HOSTILE}`], ...over };
}

test('buildViewSvg: text from the log is escaped, never markup', () => {
  const svg = buildViewSvg(input());
  assert.ok(!svg.includes('<script'), 'no script element');
  assert.ok(!svg.includes('evil.example/x.png"'), 'no external href attribute');
  assert.ok(!/<[^>]*\sonload=/.test(svg), 'no event attribute in any tag');
  assert.ok(!svg.includes('\u0001') && !svg.includes('\u001b'), 'no XML-forbidden control characters');
  assert.ok(svg.includes('&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(svg.includes('&amp; \uFFFD\uFFFD[31m ]]&gt;'));
  // The title appears whole in <title>; the caption rows (shortened to the width) hold only escaped text.
  assert.ok(svg.includes(`<title>${escapeXml(input().title)}</title>`));
  for (const m of svg.matchAll(/<text class="caption-line"[^>]*>([^<]*)<\/text>/g)) assert.ok(!/[<>"]/.test(m[1]!), m[1]);
  const wide = buildViewSvg(input({ width: 4000, height: 4, gt: undefined }));
  assert.ok(wide.split('&lt;script&gt;').length - 1 >= 2, 'the hostile name is in the caption too, escaped');
  assert.equal(escapeXml(`a"b'c`), 'a&quot;b&apos;c');
});

test('buildViewSvg: image, layers, outline, glyphs and caption in order, at the image size plus the caption band', () => {
  const svg = buildViewSvg(input());
  const band = captionLayout(input()).band;
  assert.match(svg, new RegExp(`^<\\?xml[^>]*\\?>\\n<svg xmlns="http://www.w3.org/2000/svg" width="4" height="${4 + band}" viewBox="0 0 4 ${4 + band}"`));
  const order = ['class="photo"', 'class="mask"', 'class="errors"', 'class="gt-outline"', 'class="glyphs"', 'class="caption"'].map((k) => svg.indexOf(k));
  assert.ok(order.every((i) => i > 0), `all parts present: ${order.join(',')}`);
  assert.deepEqual([...order].sort((a, b) => a - b), order);
  assert.match(svg, /<image class="mask" href="data:image\/png;base64,iVBORw0KGgo=" x="0" y="0" width="4" height="4" preserveAspectRatio="none" opacity="0.45"/);
  // The GT outline is the vector path of the square's pixel edges, drawn white over a black halo.
  assert.equal(svg.match(/<path d="M1 1H3V3H1Z" stroke="rgb\(0,0,0\)"/g)?.length, 1);
  assert.equal(svg.match(/<path d="M1 1H3V3H1Z" stroke="rgb\(255,255,255\)"/g)?.length, 1);
  // Glyphs: one group per prompt, + with a cross, − with a bar, numbered from 1.
  assert.equal(svg.match(/<g class="glyph point positive" data-index="0" data-label="1"><circle cx="1.50" cy="1.50"/g)?.length, 1);
  assert.equal(svg.match(/<g class="glyph point negative" data-index="1" data-label="0">/g)?.length, 1);
  assert.equal(svg.match(/<g class="glyph point unlabelled" data-index="2">/g)?.length, 1);
  assert.equal(svg.match(/<g class="glyph box" data-index="0"><rect x="0" y="0" width="4" height="3"/g)?.length, 1);
  assert.match(svg, /data-label="1"><circle[^>]*\/><path d="M-2.50 1.50H5.50M1.50 -2.50V5.50"/);
  assert.match(svg, /data-label="0"><circle[^>]*\/><path d="M-1.50 0.50H6.50"/);
  assert.match(svg, />1<\/text><\/g>/);
  assert.match(svg, />2<\/text><\/g>/);
  const legend = legendEntries(input()).map((e) => e.label);
  assert.deepEqual(legend, ['+ point', '− point', '? point: no label', 'box', 'predicted mask', 'GT outline', 'TP', 'FP', 'FN']);
  for (const l of legend) assert.ok(svg.includes(`>${escapeXml(l)}</text></g>`), l);
});

test('buildViewSvg: overlays toggled off are left out of the picture and the legend', () => {
  const svg = buildViewSvg(input({ toggles: { gt: false, mask: true, errors: false, glyphs: false } }));
  for (const k of ['class="errors"', 'class="gt-outline"', 'class="glyphs"', 'GT outline', '>TP<', '+ point']) assert.ok(!svg.includes(k), k);
  assert.ok(svg.includes('class="mask"') && svg.includes('predicted mask'));
  const bare = buildViewSvg(input({ imageUrl: undefined, maskUrl: undefined, errorsUrl: undefined, gt: undefined, glyphs: [] }));
  assert.match(bare, /<rect class="photo" width="4" height="4"/);
  assert.ok(!bare.includes('class="legend-item"'));
});

test('buildViewSvg: only base64 data:image URLs are embedded, and sizes must agree', () => {
  assert.throws(() => buildViewSvg(input({ imageUrl: 'https://example.com/a.png' })), /image: expected a base64 data:image URL/);
  assert.throws(() => buildViewSvg(input({ maskUrl: 'data:image/png;base64,AAAA" onload="x' })), /mask layer/);
  assert.throws(() => buildViewSvg(input({ errorsUrl: 'javascript:alert(1)' })), /error layer/);
  assert.throws(() => buildViewSvg(input({ gt: new Uint8Array(15) })), /GT has 15 pixels, the image 16/);
  assert.throws(() => buildViewSvg(input({ width: 0 })), /bad image size/);
});

test('captionLayout: a long title keeps its run and rollout, the legend wraps to the image width, the band stays bounded', () => {
  const title = `${'very-long-run-name-'.repeat(10)} · step 12 · group g7 · rollout 3`;
  const typical = 'synthetic-segr1 (SYNTHETIC sample) · step 1 · group cod_0000@1 · rollout 0';
  const wide = captionLayout(input({ width: 2000, height: 100, title: typical, details: ['line 1'] }));
  assert.deepEqual(wide.lines, ['synthetic-segr1 (SYNTHETIC sample) · step 1 · group cod_0000@1', 'rollout 0', 'line 1']);
  assert.equal(wide.titleRows, 2);
  assert.ok(wide.legendRows.length <= 2, `${wide.legendRows.length} legend rows`);
  const narrow = captionLayout(input({ width: 200, height: 100, gt: new Uint8Array(200 * 100), title }));
  // Each part on its own row; the run name shortened in the middle; the rollout still named.
  assert.match(narrow.lines[0]!, /^very-long-run.*…/);
  assert.ok(narrow.lines.slice(0, narrow.titleRows).some((l) => l.includes('rollout 3')) || narrow.lines[narrow.titleRows - 1]!.endsWith('…'));
  assert.ok(narrow.titleRows <= 3);
  assert.ok(narrow.legendRows.length >= 3, `${narrow.legendRows.length} legend rows`);
  assert.deepEqual(narrow.legendRows.flat().map((e) => e.label), legendEntries(input()).map((e) => e.label));
  assert.ok(narrow.lines.length + narrow.legendRows.length > wide.lines.length + wide.legendRows.length && narrow.band <= maxCaptionBand(200, 100));
  const svg = buildViewSvg(input({ width: 200, height: 100, gt: new Uint8Array(200 * 100), title }));
  assert.match(svg, new RegExp(`width="200" height="${100 + narrow.band}"`));
  // Every legend row sits inside the band.
  const ys = [...svg.matchAll(/<g class="legend-item"><(?:circle cx="[\d.]+" cy|rect x="[\d.]+" y)="([\d.]+)"/g)].map((m) => Number(m[1]));
  assert.equal(ys.length, 9);
  assert.ok(ys.every((y) => y > 100 && y < 100 + narrow.band), ys.join(','));
});
