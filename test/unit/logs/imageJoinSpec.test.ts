import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ADAPTERS } from '../../../src/core/logs/formats';
import { parseImageJoin } from '../../../src/core/logs/imageJoin';
import { logFiles } from './logFiles';

test('parseImageJoin: the three joins, list files relative to the base, and a precise message for anything else', () => {
  const dir = logFiles('segr1-join-').dir;
  writeFileSync(join(dir, 'order.txt'), 'Imgs/a.jpg\nImgs/b.jpg\n\n');
  writeFileSync(join(dir, 'keys.txt'), 'Imgs/camo_1.jpg\tthe owl\nImgs/camo_12.jpg\n');
  assert.deepEqual(parseImageJoin('column:image_path'), { by: 'column', column: 'image_path' });
  assert.deepEqual(parseImageJoin('order:order.txt:8', dir), { by: 'order', images: ['Imgs/a.jpg', 'Imgs/b.jpg'], groupSize: 8 });
  assert.deepEqual(parseImageJoin('prompt:keys.txt', dir), { by: 'prompt', items: [{ image: 'Imgs/camo_1.jpg', key: 'the owl' }, { image: 'Imgs/camo_12.jpg', key: 'camo_12' }] });
  for (const bad of ['order:order.txt:0', 'order:order.txt', 'order:order.txt:2.5', 'column:', 'column:a:b', 'rows:x', '', 'prompt:keys.txt:3']) {
    const r = parseImageJoin(bad, dir);
    assert.equal(typeof r, 'string', bad);
    assert.match(r as string, /expected column:<name>, prompt:<list.txt> or order:<list.txt>:<G>/, bad);
  }
  assert.match(parseImageJoin('order:missing.txt:8', dir) as string, /cannot read the image list 'missing.txt'/);
});

test('the segr1.logs.overrides format enum lists exactly the adapters', () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, { items: { properties: { format: { enum: string[] } } } }> } } };
  const listed = pkg.contributes.configuration.properties['segr1.logs.overrides']!.items.properties.format.enum;
  assert.deepEqual([...listed].sort(), Object.keys(ADAPTERS).sort());
});
