import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeGrayPng, encodeRgb } from '../../../src/core/image/io';
import type { GrayImage, RgbImage } from '../../../src/core/image/types';
import { CCM_NEEDS_IMAGES, evaluateFolder, evaluationJson, type FolderEvaluation } from '../../../src/core/metrics/evaluateFolder';
import { evaluateInWorker } from '../../../src/core/metrics/evaluateWorker';
import { evaluationMarkdown } from '../../../src/core/metrics/evaluationReport';
import { FullSet } from '../../../src/core/metrics/fullSet';
import { SI_FULL_FOREGROUND_NOTE } from '../../../src/core/metrics/sizeInvariance';
import { tempDir } from '../tempDir';

const W = 40;
const H = 30;

/** A mask with a filled box (value 255) and a soft edge ramp in the prediction case. */
function box(x0: number, y0: number, x1: number, y1: number, soft = false): GrayImage {
  const data = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (x >= x0 && x < x1 && y >= y0 && y < y1) data[y * W + x] = soft ? 120 + ((x * 7 + y * 3) % 136) : 255;
  return { width: W, height: H, data };
}

function rgb(seed: number): RgbImage {
  const data = new Uint8Array(W * H * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + seed * 17) % 256;
  return { width: W, height: H, data };
}

interface Fixture {
  root: string;
  pred: string;
  gt: string;
  images: string;
  masks: Record<string, { pred: GrayImage; gt: GrayImage }>;
}

/** pred a,b,c,z; GT a,b,c,d (c all foreground); images for a and b only. */
async function fixture(): Promise<Fixture> {
  const root = tempDir('segr1-evalfolder-');
  const [pred, gt, images] = ['pred', 'GT', 'Imgs'].map((d) => join(root, d)) as [string, string, string];
  for (const d of [pred, gt, images]) mkdirSync(d);
  const masks: Fixture['masks'] = {
    a: { pred: box(5, 5, 20, 20, true), gt: box(6, 4, 22, 18) },
    b: { pred: box(10, 8, 30, 25, true), gt: box(12, 10, 28, 26) },
    c: { pred: box(0, 0, 35, 30, true), gt: box(0, 0, W, H) },
  };
  for (const [stem, m] of Object.entries(masks)) {
    writeFileSync(join(pred, `${stem}.png`), await encodeGrayPng(m.pred));
    writeFileSync(join(gt, `${stem}.png`), await encodeGrayPng(m.gt));
  }
  writeFileSync(join(pred, 'z.png'), await encodeGrayPng(box(1, 1, 5, 5)));
  writeFileSync(join(gt, 'd.png'), await encodeGrayPng(box(1, 1, 5, 5)));
  writeFileSync(join(images, 'a.png'), await encodeRgb(rgb(1)));
  writeFileSync(join(images, 'b.png'), await encodeRgb(rgb(2)));
  return { root, pred, gt, images, masks };
}

function expectedDataset(f: Fixture, withImages: readonly string[]): Record<string, number> {
  const set = new FullSet();
  for (const stem of ['a', 'b', 'c']) set.step(stem, f.masks[stem]!.pred, f.masks[stem]!.gt, withImages.includes(stem) ? rgb(stem === 'a' ? 1 : 2) : undefined);
  return set.results().values;
}

function sameValues(actual: Record<string, number>, expected: Record<string, number>): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const [k, v] of Object.entries(expected)) assert.ok(Object.is(actual[k], v), `${k}: ${actual[k]} vs ${v}`);
}

test('evaluateFolder pairs by stem, reports unmatched files by path, steps in stem order with progress, and equals FullSet over the pairs', async () => {
  const f = await fixture();
  const progress: string[] = [];
  const warned: string[] = [];
  const r = await evaluateFolder({ predDir: f.pred, gtDir: f.gt, imagesDir: f.images, onProgress: (d, t, s) => progress.push(`${d}/${t} ${s}`), warn: (m) => warned.push(m) });
  assert.deepEqual(progress, ['1/3 a', '2/3 b', '3/3 c']);
  assert.equal(r.pairs, 3);
  assert.equal(r.scored, 3);
  assert.equal(r.cancelled, false);
  assert.deepEqual(Object.keys(r.images), ['a', 'b', 'c']);
  assert.deepEqual(r.warnings, warned);
  assert.ok(r.warnings.some((w) => w.startsWith(join(f.pred, 'z.png')) && w.includes("no ground truth with stem 'z'")), r.warnings.join('\n'));
  assert.ok(r.warnings.some((w) => w.startsWith(join(f.gt, 'd.png')) && w.includes("no prediction with stem 'd'")), r.warnings.join('\n'));
  assert.ok(r.warnings.some((w) => w.startsWith(join(f.pred, 'c.png')) && w.includes("no image with stem 'c'")), r.warnings.join('\n'));
  sameValues(r.dataset, expectedDataset(f, ['a', 'b']));
  // Notes: the all-foreground GT is out of the si_* means (per image and dataset), ccm covers the pairs with an image.
  assert.deepEqual(r.images.c!.notes, [SI_FULL_FOREGROUND_NOTE]);
  assert.equal(r.images.c!.ccm, undefined);
  assert.equal(typeof r.images.a!.ccm, 'number');
  assert.ok(r.notes.some((n) => /1 image\(s\) with an all-foreground GT excluded/.test(n)), r.notes.join('\n'));
  assert.ok(r.notes.some((n) => n.startsWith('ccm over the 2 of 3 pair(s)')), r.notes.join('\n'));
  // The JSON is the shape `segr1 metrics --all --json` writes.
  assert.deepEqual(Object.keys(JSON.parse(evaluationJson(r)) as object), ['dataset', 'images', 'notes']);
});

test('evaluateFolder without images: ccm is absent and a note says why; a missing folder is named', async () => {
  const f = await fixture();
  const r = await evaluateFolder({ predDir: f.pred, gtDir: f.gt });
  assert.equal(r.dataset.ccm, undefined);
  assert.ok(r.notes.includes(CCM_NEEDS_IMAGES));
  sameValues(r.dataset, expectedDataset(f, []));
  await assert.rejects(evaluateFolder({ predDir: join(f.root, 'nope'), gtDir: f.gt }), (e: Error) => e.message === `predictions folder not found: ${join(f.root, 'nope')}`);
});

test('evaluateFolder stops at the next image once aborted and says how many were scored', async () => {
  const f = await fixture();
  const abort = new AbortController();
  const r = await evaluateFolder({ predDir: f.pred, gtDir: f.gt, signal: abort.signal, onProgress: (done) => done === 1 && abort.abort() });
  assert.equal(r.cancelled, true);
  assert.equal(r.scored, 1);
  assert.equal(r.dataset.count, 1);
  assert.deepEqual(Object.keys(r.images), ['a']);
  const md = evaluationMarkdown(r, { title: 't', predDir: 'pred', gtDir: 'GT' });
  assert.match(md, /\*\*Cancelled\*\*: 1 of 3 pair\(s\) scored/);
});

test('evaluateFolder with insideRoots refuses a file that links out of the roots, naming it, and scores the rest', async () => {
  const f = await fixture();
  const outside = tempDir('segr1-evalfolder-outside-');
  writeFileSync(join(outside, 'secret.png'), await encodeGrayPng(box(1, 1, 9, 9)));
  symlinkSync(join(outside, 'secret.png'), join(f.pred, 'd.png'));
  const r = await evaluateFolder({ predDir: f.pred, gtDir: f.gt, insideRoots: [f.root] });
  assert.equal(r.pairs, 4);
  assert.equal(r.scored, 3);
  assert.ok(r.warnings.some((w) => w.includes(`${join(f.pred, 'd.png')}: resolves outside the workspace`)), r.warnings.join('\n'));
});

test('evaluateInWorker gives the same result off this thread, with progress, and stops on abort', async () => {
  const f = await fixture();
  const script = join(__dirname, '..', '..', '..', 'src', 'core', 'metrics', 'evaluateWorker.js');
  const here = await evaluateFolder({ predDir: f.pred, gtDir: f.gt, imagesDir: f.images });
  const seen: number[] = [];
  const there = await evaluateInWorker(script, { predDir: f.pred, gtDir: f.gt, imagesDir: f.images, onProgress: (d) => seen.push(d) });
  assert.deepEqual(seen, [1, 2, 3]);
  sameValues(there.dataset, here.dataset);
  assert.deepEqual(there.images, here.images);
  assert.deepEqual(there.notes, here.notes);
  // The bundle the extension starts (dist/evaluateWorker.js) answers the same.
  const bundle = join(__dirname, '..', '..', '..', '..', 'dist', 'evaluateWorker.js');
  assert.ok(existsSync(bundle), `${bundle} is built`);
  const bundled = await evaluateInWorker(bundle, { predDir: f.pred, gtDir: f.gt, imagesDir: f.images });
  sameValues(bundled.dataset, here.dataset);
  const abort = new AbortController();
  const cut: FolderEvaluation = await evaluateInWorker(script, { predDir: f.pred, gtDir: f.gt, signal: abort.signal, onProgress: (d) => d === 1 && abort.abort() });
  assert.equal(cut.cancelled, true);
  assert.ok(cut.scored < 3, `scored ${cut.scored}`);
});

test('evaluationMarkdown: the paper table first, the grouped full set, notes and per-image rows; file names stay text', async () => {
  const f = await fixture();
  writeFileSync(join(f.pred, '<img src=x onerror=alert(1)>.png'), await encodeGrayPng(box(1, 1, 5, 5)));
  const r = await evaluateFolder({ predDir: f.pred, gtDir: f.gt, imagesDir: f.images });
  const md = evaluationMarkdown(r, { title: 'pred vs sample', predDir: 'pred', gtDir: 'GT', imagesDir: 'Imgs' });
  const lines = md.split('\n');
  const head = lines.findIndex((l) => l.startsWith('| Sm | wFm | MAE |'));
  assert.ok(head > 0 && head < lines.findIndex((l) => l.startsWith('## Every metric')), 'paper table comes first');
  assert.equal(lines[head + 2], `| ${[r.dataset.Smeasure, r.dataset.wFmeasure, r.dataset.MAE].map((v) => v!.toFixed(4)).join(' | ')} | ${['adpEm', 'meanEm', 'maxEm', 'adpFm', 'meanFm', 'maxFm'].map((k) => r.dataset[k]!.toFixed(4)).join(' | ')} |`);
  assert.match(md, /^FmeasureV2 +adp +mean +max +sample_bi +overall_bi$/m);
  assert.match(md, new RegExp(`HCE +${r.dataset.HCE!.toFixed(4)}`));
  assert.match(md, /all-foreground GT excluded/);
  assert.match(md, /^\| c \|.*excluded from si_\\\* metrics: the GT is all foreground/m);
  assert.ok(!/(^|[^\\])<img/m.test(md), 'a file name must not become HTML');
  assert.ok(md.includes('\\<img src=x onerror=alert(1)\\>'), 'escaped, still readable');
});
