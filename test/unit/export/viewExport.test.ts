import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../../../src/core/logs/atomicFile';
import { checkViewExport, exportFileName, MAX_EXPORT_BYTES, pngSize } from '../../../src/shared/viewExport';
import { buildViewSvg } from '../../../src/shared/viewSvg';
import { tempDir } from '../tempDir';

const enc = (s: string) => new TextEncoder().encode(s);

test('checkViewExport: a PNG of the view size passes; other sizes, other types and oversized data are refused', async () => {
  const png = new Uint8Array(await sharp({ create: { width: 40, height: 30, channels: 4, background: '#000' } }).png().toBuffer());
  assert.deepEqual(pngSize(png), { width: 40, height: 30 });
  assert.deepEqual(checkViewExport('png', png, { width: 40, minHeight: 20, maxHeight: 30 }), { ok: true, width: 40, height: 30 });
  assert.match((checkViewExport('png', png, { width: 40, minHeight: 31, maxHeight: 40 }) as { reason: string }).reason, /40×30, expected 40×31…40/);
  assert.match((checkViewExport('png', png, { width: 41, minHeight: 30, maxHeight: 30 }) as { reason: string }).reason, /expected 41×30/);
  const jpeg = new Uint8Array(await sharp({ create: { width: 40, height: 30, channels: 3, background: '#000' } }).jpeg().toBuffer());
  assert.match((checkViewExport('png', jpeg, { width: 40, minHeight: 30, maxHeight: 30 }) as { reason: string }).reason, /no PNG signature/);
  assert.match((checkViewExport('gif', png, { width: 40, minHeight: 30, maxHeight: 30 }) as { reason: string }).reason, /format/);
  assert.match((checkViewExport('png', 'not bytes', { width: 40, minHeight: 30, maxHeight: 30 }) as { reason: string }).reason, /expected bytes/);
  assert.match((checkViewExport('png', new Uint8Array(0), { width: 40, minHeight: 30, maxHeight: 30 }) as { reason: string }).reason, /empty/);
  // The cap is checked on the declared length before anything is parsed.
  const huge = new Uint8Array(new ArrayBuffer(MAX_EXPORT_BYTES + 1));
  assert.match((checkViewExport('png', huge, { width: 40, minHeight: 30, maxHeight: 30 }) as { reason: string }).reason, /exceeds/);
});

test('checkViewExport: the builder\'s SVG passes; script, event attributes, external references and bad UTF-8 do not', () => {
  const svg = buildViewSvg({ width: 10, height: 8, glyphs: [], toggles: { gt: true, mask: true, errors: false, glyphs: true }, opacity: 0.5, title: 'run · step 1' });
  const h = Number(/height="(\d+)"/.exec(svg)![1]);
  assert.equal(checkViewExport('svg', enc(svg), { width: 10, minHeight: h, maxHeight: h }).ok, true);
  assert.equal(checkViewExport('svg', enc(svg), { width: 11, minHeight: h, maxHeight: h }).ok, false);
  const head = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="${h}">`;
  for (const [bad, why] of [
    [`${head}<script>alert(1)</script></svg>`, /active element/],
    [`${head}<foreignObject/></svg>`, /active element/],
    [`${head}<rect onload="alert(1)"/></svg>`, /event attribute/],
    [`${head}<image href="https://example.com/x.png"/></svg>`, /only embedded/],
    [`${head}<use xlink:href="file:///etc/passwd"/></svg>`, /only embedded/],
    [`<html>${head}</svg>`, /does not start/],
  ] as const) {
    const r = checkViewExport('svg', enc(bad), { width: 10, minHeight: h, maxHeight: h });
    assert.equal(r.ok, false, bad);
    assert.match((r as { reason: string }).reason, why);
  }
  assert.match((checkViewExport('svg', new Uint8Array([0x3c, 0xff, 0xfe]), { width: 10, minHeight: h, maxHeight: h }) as { reason: string }).reason, /UTF-8/);
  // Words like "onx=" in escaped caption text are not attributes.
  const named = buildViewSvg({ width: 10, height: 8, glyphs: [], toggles: { gt: false, mask: false, errors: false, glyphs: false }, opacity: 0.5, title: 'run onload=1 href="x"' });
  assert.equal(checkViewExport('svg', enc(named), { width: 10, minHeight: 9, maxHeight: 1000 }).ok, true);
});

test('exportFileName: from the rollout title, sanitised', () => {
  assert.equal(exportFileName('cod-run · step 7 · group g3 · rollout 2', 'png'), 'cod-run_step_7_group_g3_rollout_2.png');
  assert.equal(exportFileName('../../etc/passwd · step 1', 'svg'), 'etc_passwd_step_1.svg');
  assert.equal(exportFileName('<script>a\u0000b</script>', 'png'), 'script_a_b_script.png');
  assert.equal(exportFileName('...', 'png'), 'view.png');
  assert.equal(exportFileName('CON', 'svg'), 'view_CON.svg');
  assert.ok(exportFileName('x'.repeat(500), 'png').length <= 124);
});

test('writeFileAtomic: bytes are written whole over an existing file, with no temporary left behind', () => {
  const dir = tempDir('view-export-');
  const target = join(dir, 'view.png');
  writeFileSync(target, 'old');
  const data = new Uint8Array(3 * 1024 * 1024 + 7).map((_, k) => (k * 31) & 255);
  writeFileAtomic(target, data);
  assert.deepEqual(new Uint8Array(readFileSync(target)), data);
  assert.deepEqual(readdirSync(dir), ['view.png']);
});
