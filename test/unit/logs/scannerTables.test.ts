// Issue 15 item 4: the record scanner's key tables and slot layout are generated (scripts/scannerTables.mjs), not hand-counted.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LAYOUT_ID } from '../../../src/core/logs/scannerTables';

const REPO = join(__dirname, '..', '..', '..', '..');

test('the generated scanner tables are what scripts/scannerTables.mjs writes today', () => {
  const r = spawnSync(process.execPath, [join(REPO, 'scripts', 'scannerTables.mjs'), '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('the built recordScanner.wasm exports the layout hash the host was generated with, and no slot address by name', () => {
  const module = new WebAssembly.Module(readFileSync(join(__dirname, '..', '..', '..', 'src', 'core', 'logs', 'recordScanner.wasm')));
  const exportsOf = (WebAssembly.Module as unknown as { exports(m: WebAssembly.Module): Array<{ name: string }> }).exports;
  const names = exportsOf(module).map((e) => e.name);
  assert.deepEqual(names.sort(), ['LAYOUT_ID', 'memory', 'next', 'scan']);
  const ex = new WebAssembly.Instance(module, {}).exports as { LAYOUT_ID: WebAssembly.Global };
  assert.equal(ex.LAYOUT_ID.value, LAYOUT_ID);
});
