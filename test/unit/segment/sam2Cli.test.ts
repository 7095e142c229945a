import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRgb, readRaw } from '../../../src/core/image/io';
import { parseSegmentArgs } from '../../../src/cli/commands/segment';
import { writeFixture } from './sam2Fixtures';

const CLI = join(__dirname, '../../../../dist/cli.js');
const ROOT = mkdtempSync(join(tmpdir(), 'segr1-cli-'));
process.on('exit', () => rmSync(ROOT, { recursive: true, force: true }));

function cli(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, 'segment', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('argument errors are usage errors', () => {
  assert.match(String(parseSegmentArgs(['--image', 'a.png', '--out', 'm.png', '--box', '1,2,3'])), /--box needs 4/);
  assert.match(String(parseSegmentArgs(['--model', 'm', '--image', 'a.png', '--out', 'm.png'])), /give a prompt/);
  assert.match(String(parseSegmentArgs(['--model', 'm', '--image', 'a.png', '--out', 'm.png', '--point', '1,2,5'])), /label must be 0 or 1/);
  assert.match(String(parseSegmentArgs(['--model', 'm', '--image', 'a.png', '--out', 'm.png', '--box', '1,1,2,2', '--channels', 'hsv'])), /rgb or bgr/);
  const ok = parseSegmentArgs(['--model', 'm', '--image', 'a.png', '--out', 'm.png', '--box', '1,2,30,40', '--point', '5,6,0', '--point', '7,8,1', '--channels', 'bgr']);
  assert.deepEqual(typeof ok === 'object' && { box: ok.box, points: ok.points, channels: ok.channels }, { box: { x1: 1, y1: 2, x2: 30, y2: 40 }, points: [{ x: 5, y: 6, label: 0 }, { x: 7, y: 8, label: 1 }], channels: 'bgr' });
  assert.equal(cli(['--image', 'x']).code, 2);
});

test('segr1 segment writes the mask at original image pixels (folder discovery, cache reuse)', async () => {
  writeFixture('D', join(ROOT, 'models', 'ortD'));
  const img = join(ROOT, 'img.png');
  writeFileSync(img, await encodeRgb({ width: 512, height: 256, data: new Uint8Array(512 * 256 * 3).fill(90) }));
  const out = join(ROOT, 'mask.png');
  const args = ['--model', join(ROOT, 'models', 'ortD'), '--image', img, '--box', '64,32,448,224', '--out', out, '--cache', join(ROOT, 'cache'), '--channels', 'bgr'];
  const r1 = cli(args);
  assert.equal(r1.code, 0, r1.err);
  const s1 = JSON.parse(r1.out) as { family: string; area: number; embeddingCached: boolean; segmenter: string };
  assert.equal(s1.family, 'D');
  assert.equal(s1.area, (463 - 48 + 1) * (231 - 24 + 1));
  assert.equal(s1.embeddingCached, false);
  assert.match(s1.segmenter, /family D, BGR input/);
  const m = await readRaw(out);
  assert.deepEqual([m.width, m.height], [512, 256]);
  let area = 0;
  for (let i = 0; i < m.width * m.height; i++) area += m.data[i * m.channels]! === 255 ? 1 : 0;
  assert.equal(area, s1.area);
  assert.equal(m.data[(128 * 512 + 256) * m.channels], 255);
  assert.equal(m.data[(10 * 512 + 10) * m.channels], 0);
  const r2 = cli(args);
  assert.equal((JSON.parse(r2.out) as { embeddingCached: boolean }).embeddingCached, true);
  const bad = cli(['--model', join(ROOT, 'nowhere'), '--image', img, '--box', '1,1,9,9', '--out', out]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /no SAM2 export found/);
});
