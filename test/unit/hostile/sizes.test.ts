import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { main as replayMain } from '../../../src/cli/commands/replay';
import { ByteLru } from '../../../src/core/cache/byteLru';
import { loadMaskGray } from '../../../src/core/image/grayscale';
import { DeclaredSizeError } from '../../../src/core/image/limits';
import { pngLayout } from '../../../src/core/image/pngRows';
import { resizeBilinearPil } from '../../../src/core/image/resize';
import { decodeRle, RleError } from '../../../src/core/image/rle';
import { boundedSnappy, checkColumnChunks, ParquetSizeError } from '../../../src/core/logs/trlParquet';
import { loadGtInFrame, loadGtPilL } from '../../../src/core/rewards/groundTruth';
import { acceptedDataUrl, MAX_DATA_URL_CHARS } from '../../../src/shared/dataUrl';
import { tempDir } from '../tempDir';
import { runCli } from '../cliCapture';

const HOSTILE = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'hostile', 'sizes');
const TRL = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'logs', 'trl-grpo', 'completions', 'completions_00001.parquet');

const run = (argv: string[]) => runCli(replayMain, argv);

test('replay: declared mask sizes are refused against the reward frame before decoding, named by file, line and field; the good line replays', async () => {
  const r = await run([join(HOSTILE, 'replay', 'rollouts.jsonl'), '--mask-only']);
  assert.equal(r.code, 1);
  assert.match(r.err, /(^|\/)rollouts\.jsonl:2: mask\.size \[46341,46341\] exceeds the image 768×768$/m);
  assert.match(r.err, /(^|\/)rollouts\.jsonl:3: mask\.counts: RLE runs cover more than 768×768 pixels$/m);
  assert.match(r.err, /(^|\/)rollouts\.jsonl:4: mask\.size \[20000,20000\] exceeds the image 768×768$/m);
  assert.match(r.err, /(^|\/)rollouts\.jsonl:5: field gt 'big-ihdr\.png': IHDR 20000×20000 exceeds the cap of \d+ pixels$/m);
  assert.match(r.out, /^1 rollouts replayed; differing .*: format 0, segment 0, total 0/m);
});

test('decodeRle: a size larger than the frame or the cap, or runs that do not add up, throw typed errors before the buffer', () => {
  assert.throws(() => decodeRle({ size: [46341, 46341], counts: [0, 2 ** 31] }, { frame: { width: 768, height: 768 } }), (e: unknown) => e instanceof DeclaredSizeError && e.field === 'mask.size [46341,46341]' && /exceeds the image 768×768/.test(e.message));
  assert.throws(() => decodeRle({ size: [46341, 46341], counts: [1] }), (e: unknown) => e instanceof DeclaredSizeError && /exceeds the cap/.test(e.message));
  assert.throws(() => decodeRle({ size: [1000, 1000], counts: [1] }, { maxPixels: 1000 }), DeclaredSizeError);
  assert.throws(() => decodeRle({ size: [768, 768], counts: [0, 2 ** 40] }), (e: unknown) => e instanceof RleError && e.field === 'mask.counts');
  assert.throws(() => decodeRle({ size: [2, 2], counts: 5 } as never), (e: unknown) => e instanceof RleError && /string or a list/.test(e.message));
});

test('PNG: a header declaring 20000×20000 is refused by the project’s PNG path before inflating, naming the file and IHDR', async () => {
  const file = join(HOSTILE, 'replay', 'big-ihdr.png');
  await assert.rejects(loadMaskGray(file), (e: unknown) => e instanceof DeclaredSizeError && e.message.startsWith(file) && /IHDR 20000×20000 exceeds the cap/.test(e.message));
  await assert.rejects(loadGtPilL(readFileSync(file)), (e: unknown) => e instanceof DeclaredSizeError && /IHDR 20000×20000/.test(e.message));
});

test('GT decoded into the reward frame is bit-identical to decoding it whole then resizing, for every PNG colour type and the fallback', async () => {
  const dir = tempDir('segr1-gt-frame-');
  const w = 1001;
  const h = 707;
  const rgba = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      const inside = (x - 500) ** 2 + (y - 350) ** 2 < 300 ** 2;
      rgba[i] = inside ? 250 : (x * 7) & 255;
      rgba[i + 1] = inside ? 200 : (y * 3) & 255;
      rgba[i + 2] = (x ^ y) & 255;
      rgba[i + 3] = 128 + (x & 127);
    }
  }
  const base = () => sharp(rgba, { raw: { width: w, height: h, channels: 4 } });
  const files: Record<string, Buffer> = {
    gray: await base().removeAlpha().toColourspace('b-w').png().toBuffer(),
    grayAlpha: await base().toColourspace('b-w').png().ensureAlpha().toBuffer(),
    rgb: await base().removeAlpha().png().toBuffer(),
    rgba: await base().png().toBuffer(),
    palette: await base().removeAlpha().png({ palette: true, colours: 200 }).toBuffer(),
    palette4bit: await base().removeAlpha().png({ palette: true, colours: 16 }).toBuffer(),
    sixteenBit: await base().removeAlpha().toColourspace('rgb16').png().toBuffer(),
    jpeg: await base().removeAlpha().jpeg().toBuffer(),
    side768: await base().removeAlpha().resize(768, 768, { fit: 'fill' }).toColourspace('b-w').png().toBuffer(),
  };
  // Which of them the row-streamed path takes (8-bit, non-interlaced): the rest go through sharp whole.
  const streamed = Object.entries(files).filter(([, b]) => pngLayout(b) !== undefined).map(([k]) => k);
  assert.deepEqual(streamed, ['gray', 'grayAlpha', 'rgb', 'rgba', 'palette', 'side768']);
  for (const [name, bytes] of Object.entries(files)) {
    const file = join(dir, `${name}.png`);
    writeFileSync(file, bytes);
    const whole = await loadGtPilL(file);
    const want = whole.width === 768 && whole.height === 768 ? whole : resizeBilinearPil(whole, 768, 768);
    const got = await loadGtInFrame(file, 768);
    assert.deepEqual([got.width, got.height], [768, 768], name);
    assert.ok(Buffer.from(got.data).equals(Buffer.from(want.data)), `${name}: the streamed GT differs`);
  }
});

test('ByteLru is bounded by bytes, evicts the least recently used, and keeps nothing larger than its budget', () => {
  const lru = new ByteLru<string, Uint8Array>(100, (v) => v.length);
  lru.set('a', new Uint8Array(40));
  lru.set('b', new Uint8Array(40));
  assert.ok(lru.get('a'));
  lru.set('c', new Uint8Array(40));
  assert.equal(lru.get('b'), undefined, 'b was least recently used');
  assert.ok(lru.get('a') && lru.get('c'));
  assert.equal(lru.bytes, 80);
  lru.set('huge', new Uint8Array(101));
  assert.equal(lru.get('huge'), undefined);
  assert.equal(lru.bytes, 80);
});

test('parquet: column chunks past the file and page sizes past the cap or Snappy’s ratio are refused before allocating', async () => {
  const { parquetMetadataAsync, snappyUncompress } = await import('hyparquet');
  const bytes = readFileSync(TRL);
  const md = await parquetMetadataAsync(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const columns = md.row_groups[0]!.columns;
  checkColumnChunks(columns, bytes.length);
  const lying = columns.map((c, i) => (i === 1 && c.meta_data ? { ...c, meta_data: { ...c.meta_data, total_compressed_size: 2n ** 40n } } : c));
  assert.throws(() => checkColumnChunks(lying, bytes.length), (e: unknown) => e instanceof ParquetSizeError && /^column '.+' total_compressed_size/.test(e.message) && /runs past the end/.test(e.message));
  const snappy = boundedSnappy(snappyUncompress);
  assert.throws(() => snappy(new Uint8Array(10), 2 ** 31 - 1), (e: unknown) => e instanceof ParquetSizeError && /exceeds the cap/.test(e.message));
  assert.throws(() => snappy(new Uint8Array(10), 100_000), (e: unknown) => e instanceof ParquetSizeError && /more than Snappy can expand/.test(e.message));
  // A real page still decompresses: 'abc' as a Snappy literal (length varint 3, literal tag (3−1)<<2).
  assert.deepEqual([...snappy(new Uint8Array([3, 8, 97, 98, 99]), 3)], [97, 98, 99]);
});

test('notebook renderer: a data URL over the cap is refused before it is matched or decoded', () => {
  const small = `data:image/jpeg;base64,${'A'.repeat(1000)}`;
  assert.equal(acceptedDataUrl(small), small);
  assert.equal(acceptedDataUrl(`data:image/png;base64,${'A'.repeat(MAX_DATA_URL_CHARS)}`), undefined);
  assert.equal(acceptedDataUrl('data:text/html;base64,AAAA'), undefined);
  assert.equal(acceptedDataUrl(5), undefined);
});
