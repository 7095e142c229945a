// Issue 15 item 4: one column table drives the index builder, the cache layout and the worker's transfer list.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { IndexBuilder } from '../../../src/core/logs/indexBuilder';
import { checksum32, decodeIndex, encodeIndex, indexCachePath, indexRolloutLogCached } from '../../../src/core/logs/indexCache';
import { COL, columnBuffers, COLUMNS_SIGNATURE, INDEX_COLUMNS } from '../../../src/core/logs/indexColumns';
import { tempDir } from '../tempDir';

const META = { path: 'x.jsonl', size: 1000, mtimeMs: 0, scanned: 1000, nextLine: 4 };

test('the builder allocates, fills and finishes exactly the columns of the table', () => {
  const b = new IndexBuilder();
  for (let k = 0; k < 3000; k++) {
    b.row[COL.line] = k + 1;
    b.row[COL.offset] = k * 10;
    b.row[COL.reward] = k / 2;
    b.commit();
  }
  const ix = b.finish({ ...META, size: 30000, scanned: 30000, nextLine: 3001 });
  for (const c of INDEX_COLUMNS) {
    const col = ix[c.name];
    assert.equal(col.length, 3000, c.name);
    assert.equal(col.constructor.name, { u32: 'Uint32Array', i32: 'Int32Array', f64: 'Float64Array' }[c.kind], c.name);
  }
  assert.equal(ix.reward[2999], 1499.5);
  assert.equal(ix.line[2999], 3000);
});

test('commit resets the reused row: a field the parser did not set is stored as the column\'s "absent" value', () => {
  const b = new IndexBuilder();
  b.row[COL.line] = 1;
  b.row[COL.step] = 7;
  b.row[COL.run] = b.runId('r');
  b.row[COL.sample] = 2;
  b.commit();
  b.row[COL.line] = 2;
  b.commit();
  const ix = b.finish(META);
  assert.deepEqual([...ix.step], [7, Number.NaN]);
  assert.deepEqual([...ix.run], [0, -1]);
  assert.deepEqual([...ix.sample], [2, -1]);
  for (const c of INDEX_COLUMNS) if (c.name !== 'line') assert.ok(Object.is(ix[c.name][1], c.fill) || (Number.isNaN(c.fill) && Number.isNaN(ix[c.name][1]!)), c.name);
});

test('the transfer list holds every column\'s and component\'s buffer', () => {
  const b = new IndexBuilder();
  b.row[COL.line] = 1;
  b.componentColumn('iou').set(b.commit(), 0.5);
  const ix = b.finish(META);
  const buffers = columnBuffers(ix);
  for (const c of INDEX_COLUMNS) assert.ok(buffers.includes(ix[c.name].buffer as ArrayBuffer), c.name);
  assert.ok(buffers.includes(ix.components.get('iou')!.buffer as ArrayBuffer));
});

test('a cache written under another column table is rebuilt with the reason, never read with the wrong layout', async () => {
  const dir = tempDir('segr1-cols-');
  const log = join(dir, 'run.jsonl');
  writeFileSync(log, [1, 2, 3].map((k) => JSON.stringify({ step: k, group: 'g', sample: k, completion: 'x', reward: k })).join('\n') + '\n');
  const first = await indexRolloutLogCached(log);
  assert.equal(first.outcome, 'rebuilt');
  const cache = indexCachePath(log);
  const bytes = readFileSync(cache);
  const decoded = decodeIndex(bytes, log);
  assert.ok('index' in decoded, 'reason' in decoded ? decoded.reason : '');
  // Same bytes, header naming a table with the last two columns swapped, checksum made good again.
  const names = COLUMNS_SIGNATURE.split(',');
  const other = [...names.slice(0, -2), names.at(-1), names.at(-2)].join(',');
  const forged = Buffer.from(encodeIndex(decoded.index, decoded.sample).toString('latin1').replace(COLUMNS_SIGNATURE, other), 'latin1');
  forged.writeUInt32LE(checksum32(new Uint8Array(forged.buffer.slice(forged.byteOffset + 16, forged.byteOffset + forged.length))), 12);
  writeFileSync(cache, forged);
  const again = await indexRolloutLogCached(log);
  assert.equal(again.outcome, 'rebuilt');
  assert.match(again.reason ?? '', /'columns'/);
  assert.deepEqual([...again.index.reward], [1, 2, 3]);
  // A cache of the previous version (no column table in its header) is rebuilt too.
  writeFileSync(cache, Buffer.concat([Buffer.from('SR1IDX03'), bytes.subarray(8)]));
  const old = await indexRolloutLogCached(log);
  assert.equal(old.outcome, 'rebuilt');
  assert.match(old.reason ?? '', /version/);
  assert.equal((await indexRolloutLogCached(log)).outcome, 'hit');
});
