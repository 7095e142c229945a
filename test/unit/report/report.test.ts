import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { encodeRle } from '../../../src/core/image/rle';
import { parseAttribution } from '../../../src/core/report/attribution';
import { buildReport, pickBestWorst } from '../../../src/core/report/buildReport';
import { main } from '../../../src/cli/commands/report';
import { tempDir } from '../tempDir';

/**
 * A small workspace whose every number is known by hand: GTs are 768² with the top half foreground (the reward frame,
 * so nothing is resampled), and the logged masks cover the top half (IoU 1), the top quarter (IoU 0.5), the bottom
 * half (IoU 0) and the top 3/8 (IoU 0.75).
 */
const SIDE = 768;
const HOSTILE = '<script>alert(1)</script> </style> "><img src=x onerror=alert(1)> line\u2028separator \u001b[31mred';
const EVIL_NAME = 'evil<b>"name.png';

function rows(from: number, to: number): ReturnType<typeof encodeRle> {
  const data = new Uint8Array(SIDE * SIDE);
  for (let y = from; y < to; y++) data.fill(1, y * SIDE, (y + 1) * SIDE);
  return encodeRle({ width: SIDE, height: SIDE, data });
}

function completion(think: string): string {
  return `<think> ${think} </think> <bbox>[10,10,700,380]</bbox>, <points>[[100,100],[600,600]]</points>, <labels>[1,0]</labels>`;
}

async function png(path: string, width: number, height: number, fill: (x: number, y: number) => number, channels: 1 | 3): Promise<void> {
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.fill(fill(x, y), (y * width + x) * channels, (y * width + x + 1) * channels);
  await sharp(data, { raw: { width, height, channels } }).png().toFile(path);
}

async function workspace(withMasks = true): Promise<string> {
  const root = tempDir('segr1-report-');
  mkdirSync(join(root, 'data/Imgs'), { recursive: true });
  mkdirSync(join(root, 'data/GT'), { recursive: true });
  mkdirSync(join(root, 'runs'), { recursive: true });
  // A large photo (it must come out downscaled) and one with a hostile file name.
  await png(join(root, 'data/Imgs/big.png'), 1600, 1200, (x, y) => (x * 7 + y * 3) % 256, 3);
  await png(join(root, 'data/Imgs', EVIL_NAME), 64, 48, (x) => x * 4, 3);
  for (const n of ['big.png', EVIL_NAME]) await png(join(root, 'data/GT', n), SIDE, SIDE, (_x, y) => (y < SIDE / 2 ? 255 : 0), 1);
  const rec = (step: number, sample: number, image: string, think: string, mask: ReturnType<typeof encodeRle> | undefined, format: number, segment: number) =>
    JSON.stringify({ run: 'fixture', step, group: `g${step}`, sample, image: `data/Imgs/${image}`, gt: `data/GT/${image}`, completion: completion(think), model_frame: { width: SIDE, height: SIDE }, rewards: { format, segment }, reward: format + segment, advantage: 0, ...(withMasks && mask ? { mask } : {}) });
  const lines = [
    rec(1, 0, 'big.png', 'the whole top half', rows(0, 384), 1, 0.9), // line 1: IoU 1
    rec(1, 1, EVIL_NAME, HOSTILE, rows(0, 192), 1, 0.5), // line 2: IoU 0.5
    rec(2, 0, 'big.png', 'the bottom', rows(384, 768), 0, 0.1), // line 3: IoU 0
    rec(2, 1, 'big.png', 'most of the top', rows(0, 288), 1, 0.7), // line 4: IoU 0.75
    rec(2, 2, 'big.png', 'no mask logged', undefined, 1, 0.2), // line 5: no IoU
  ];
  writeFileSync(join(root, 'runs/rollouts.jsonl'), lines.join('\n') + '\n');
  return root;
}

const ATTRIBUTION = JSON.stringify({
  summary: { format: 1, segmenter: 0, policy: 2, reward: 0, ok: 2, weird: 'x' },
  images: {},
  rollouts: [{ line: 3, label: 'policy', flags: ['far'], iou: 0, oracleIou: 0.9 }, { line: '2', label: 'ok' }, 5, { line: 1, label: '<b>ok</b>' }],
});

function cell(html: string, step: number): string[] {
  const row = new RegExp(`<tr data-step="${step}">(.*?)</tr>`).exec(html);
  assert.ok(row, `row of step ${step}`);
  return [...row[1]!.matchAll(/<td>(.*?)<\/td>/g)].map((m) => m[1]!);
}

test('report: metrics table, reward traces with the per-step means, best/worst by IoU, no taxonomy without attribution', async () => {
  const root = await workspace();
  const { html } = await buildReport({ input: root, top: 2 });
  // step | rollouts | reward | format | segment | Sα Fβw mEφ maxEφ maxFβ M gIoU cIoU | scored
  const s1 = cell(html, 1);
  const s2 = cell(html, 2);
  assert.deepEqual(s1.slice(0, 5), ['1', '2', '1.7000', '1.0000', '0.7000']);
  assert.deepEqual(s2.slice(0, 5), ['2', '3', '1.0000', '0.6667', '0.3333']);
  // MAE, gIoU, cIoU by hand: step 1 = (0 + 0.25)/2, (1 + 0.5)/2, 576/768; step 2 = (1 + 0.125)/2 (the bottom-half mask is wrong everywhere), (0 + 0.75)/2, 288/1152.
  assert.deepEqual(s1.slice(10), ['0.125', '0.750', '0.750', '2']);
  assert.deepEqual(s2.slice(10), ['0.563', '0.375', '0.250', '2']);
  // One SVG per series, each point carrying its exact mean.
  for (const [series, means] of [['reward', [1.7, 1.0]], ['rewards/format', [1, 2 / 3]], ['rewards/segment', [0.7, 1 / 3]]] as const) {
    const svg = new RegExp(`<svg class="trace"[^>]*data-series="${series.replace('/', '\\/')}".*?</svg>`).exec(html);
    assert.ok(svg, series);
    const got = [...svg[0].matchAll(/data-mean="([^"]+)"/g)].map((m) => Number(m[1]));
    assert.equal(got.length, 2, series);
    got.forEach((v, k) => assert.ok(Math.abs(v - means[k]!) < 1e-12, `${series} step ${k + 1}: ${v}`));
    assert.match(svg[0], />step</);
  }
  // Best: IoU 1 (line 1), 0.75 (line 4); worst first: IoU 0 (line 3), 0.5 (line 2). Line 5 has no IoU.
  const cards = [...html.matchAll(/data-line="(\d+)" data-rank="(best|worst)"/g)].map((m) => `${m[2]}:${m[1]}`);
  assert.deepEqual(cards, ['best:1', 'best:4', 'worst:3', 'worst:2']);
  assert.ok(/Ranked by <strong>IoU<\/strong>/.test(html), '/Ranked by <strong>IoU<\\/strong>/');
  assert.ok(!/id="taxonomy"/.test(html), '/id="taxonomy"/');
  // Overlays: the glyphs of the answer (one box, a + and a − point) over the embedded image.
  assert.ok(/class="glyph box"/.test(html), '/class="glyph box"/');
  assert.ok(/class="glyph point positive"/.test(html), '/class="glyph point positive"/');
  assert.ok(/class="glyph point negative"/.test(html), '/class="glyph point negative"/');
});

test('report: the taxonomy section appears iff attribution is given, read defensively, labels on the cards', async () => {
  const root = await workspace();
  const file = join(root, 'attribute.json');
  writeFileSync(file, ATTRIBUTION);
  const { html } = await buildReport({ input: root, top: 2, attribution: file });
  assert.ok(/id="taxonomy"/.test(html), '/id="taxonomy"/');
  const labels = [...html.matchAll(/<tr data-label="([^"]+)"><td class="label">[^<]*<\/td><td>(\d+)<\/td>/g)].map((m) => `${m[1]}=${m[2]}`);
  assert.deepEqual(labels, ['format=1', 'segmenter=0', 'policy=2', 'reward=0', 'ok=2']);
  assert.ok(/summary\.weird: expected a non-negative integer count/.test(html), '/summary\\.weird: expected a non-negative integer count/');
  assert.ok(/rollouts\[1\]\.line: expected a positive integer/.test(html), '/rollouts\\[1\\]\\.line: expected a positive integer/');
  assert.ok(/rollouts\[2\]: expected an object/.test(html), '/rollouts\\[2\\]: expected an object/');
  assert.ok(/attribution: <span class="label">&lt;b&gt;ok&lt;\/b&gt;<\/span>/.test(html), '/attribution: <span class="label">&lt;b&gt;ok&lt;\\/b&gt;<\\/span>/');
  assert.ok(/attribution: <span class="label">policy<\/span>/.test(html), '/attribution: <span class="label">policy<\\/span>/');
  const a = parseAttribution('{"summary": 3, "rollouts": {}}', 'a.json');
  assert.deepEqual(a.summary, []);
  assert.deepEqual(a.problems, ['a.json: summary: expected an object of counts per label', 'a.json: rollouts: expected an array']);
  assert.throws(() => parseAttribution('[1]', 'b.json'), /b\.json: expected a JSON object/);
  assert.throws(() => parseAttribution('{', 'c.json'), /c\.json: not JSON/);
});

test('report: model-written text and file names are inert text', async () => {
  const root = await workspace();
  const { html } = await buildReport({ input: root, top: 2 });
  assert.ok(!/<script/i.test(html), '/<script/i');
  assert.ok(!/<img/i.test(html), '/<img/i');
  assert.ok(!/<[^>]*onerror/i.test(html), 'no tag carries an onerror attribute');
  assert.ok(!/<b>/.test(html), '/<b>/');
  for (const c of ['\u2028', '\u2029', '\u001b']) assert.ok(!html.includes(c), `no raw U+${c.charCodeAt(0).toString(16)}`);
  assert.equal(html.match(/<\/style>/g)?.length, 1, 'only the stylesheet closes a style element');
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt; &lt;/style&gt; &quot;&gt;&lt;img src=x onerror=alert(1)&gt; line&#x2028;separator \\x1b[31mred'));
  assert.ok(html.includes('data/Imgs/evil&lt;b&gt;&quot;name.png'));
});

test('report: strict CSP, nothing external, images downscaled, size bounded, same bytes twice', async () => {
  const root = await workspace();
  const a = await buildReport({ input: root, top: 2, maxSide: 200 });
  const b = await buildReport({ input: root, top: 2, maxSide: 200 });
  assert.equal(a.html, b.html);
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(a.html);
  assert.ok(csp);
  assert.match(csp[1]!, /^default-src 'none'; img-src data:; style-src 'nonce-[A-Za-z0-9+/]+'; base-uri 'none'; form-action 'none'$/);
  const nonce = /'nonce-([^']+)'/.exec(csp[1]!)![1]!;
  assert.ok(a.html.includes(`<style nonce="${nonce}">`));
  // Outside the embedded images' base64 (whose '/' runs mean nothing), no URL, no import, no src attribute.
  const bare = a.html.replace(/data:image\/jpeg;base64,[A-Za-z0-9+/=]+/g, 'data:');
  assert.ok(!/https?:|ftp:|file:|\/\/[a-z]|url\(|@import|<[^>]*\ssrc=/i.test(bare), 'no external URL');
  assert.ok(!/ style="/.test(a.html), 'no inline style attribute (the CSP would block it)');
  for (const m of a.html.matchAll(/href="([^"]*)"/g)) assert.match(m[1]!, /^data:image\/jpeg;base64,/);
  const urls = [...a.html.matchAll(/href="data:image\/jpeg;base64,([^"]+)"/g)];
  assert.equal(urls.length, 4);
  for (const u of urls) {
    const meta = await sharp(Buffer.from(u[1]!, 'base64')).metadata();
    assert.ok(Math.max(meta.width!, meta.height!) <= 200, `${meta.width}×${meta.height}`);
  }
  assert.ok(/viewBox="0 0 200 150"/.test(a.html), 'the 1600×1200 photo at 200 px');
  assert.ok(a.html.length < 200_000, `${a.html.length} bytes`);
  await assert.rejects(buildReport({ input: root, maxSide: 100_000 }), /--max-side/);
});

test('report: without logged masks the rollouts are ranked by total reward, and it says so', async () => {
  const root = await workspace(false);
  const { html } = await buildReport({ input: join(root, 'runs/rollouts.jsonl'), root, top: 1 });
  assert.ok(/Ranked by <strong>total reward<\/strong>/.test(html), '/Ranked by <strong>total reward<\\/strong>/');
  const cards = [...html.matchAll(/data-line="(\d+)" data-rank="(best|worst)"/g)].map((m) => `${m[2]}:${m[1]}`);
  assert.deepEqual(cards, ['best:1', 'worst:3']);
  assert.ok(!/<th>cIoU<\/th>/.test(html), '/<th>cIoU<\\/th>/');
});

test('pickBestWorst: ties broken by line, the two ends never overlap, NaN left out', () => {
  const r = (line: number, reward: number, iou?: number) => ({ index: line - 1, line, reward, ...(iou !== undefined ? { iou } : {}) });
  const p = pickBestWorst([r(1, 1, 0.5), r(2, 2, 0.5), r(3, 0, 0.9), r(4, 5)], 3);
  assert.equal(p.rankedBy, 'IoU');
  assert.deepEqual(p.best.map((x) => x.line), [3, 1, 2]);
  assert.deepEqual(p.worst, []);
  const q = pickBestWorst([r(1, 1), r(2, Number.NaN), r(3, 1), r(4, 0)], 1);
  assert.equal(q.rankedBy, 'total reward');
  assert.deepEqual([q.best.map((x) => x.line), q.worst.map((x) => x.line)], [[1], [4]]);
  // Many rollouts at IoU 0: the worst are the earliest of them, as the best are among equals.
  const t = pickBestWorst([r(1, 0, 0), r(2, 0, 0), r(3, 0, 0), r(4, 0, 1)], 2);
  assert.deepEqual([t.best.map((x) => x.line), t.worst.map((x) => x.line)], [[4, 1], [2, 3]]);
});

test('segr1 report (CLI): usage errors exit 2, a report is written whole', async () => {
  const root = await workspace();
  const out = join(root, 'report.html');
  assert.equal(await main([root]), 2);
  assert.equal(await main([root, '--out', out, '--max-side', '9']), 2);
  assert.equal(await main([join(root, 'nope'), '--out', out]), 1);
  assert.ok(!existsSync(out));
  assert.equal(await main([root, '--out', out, '--top', '1']), 0);
  assert.match(readFileSync(out, 'utf8'), /^<!DOCTYPE html>[\s\S]*<\/html>\n$/);
});
