import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAttributeArgs } from '../../../src/cli/commands/attribute';
import { tempDir } from '../tempDir';

const CLI = join(__dirname, '../../../../dist/cli.js');

function cli(args: string[], cwd?: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', ...(cwd ? { cwd } : {}) });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('argument errors are usage errors', () => {
  assert.match(String(parseAttributeArgs([])), /a log file is required/);
  assert.match(String(parseAttributeArgs(['x.jsonl', '--tau-seg', 'abc'])), /--tau-seg needs a number/);
  assert.match(String(parseAttributeArgs(['x.jsonl', '--delta'])), /--delta needs a value/);
  assert.match(String(parseAttributeArgs(['x.jsonl', '--bogus'])), /unknown option/);
  const ok = parseAttributeArgs(['x.jsonl', '--tau-seg', '0.6', '--delta', '0.1', '--reward', 'segr1-intended', '--root', 'r']);
  assert.deepEqual(typeof ok === 'object' && [ok.tauSeg, ok.delta, ok.reward, ok.root], [0.6, 0.1, 'segr1-intended', 'r']);
  assert.equal(cli(['attribute', 'x.jsonl', '--reward', 'nope']).code, 2);
});

test('segr1 attribute on the sample workspace writes the JSON contract and a table', () => {
  const ws = join(tempDir('segr1-attr-cli-'), 'ws');
  const s = cli(['sample', '--out', ws]);
  assert.equal(s.code, 0, s.err);
  const log = join(ws, 'runs/synthetic-segr1/rollouts.jsonl');
  // One hostile line appended: reported with file:line and field, the 384 others still attributed.
  writeFileSync(log, readFileSync(log, 'utf8') + '{"completion": "<think>x</think>", "gt": "../../etc/passwd", "image": "a.png"}\n');
  const json = join(ws, 'attr.json');
  const r = cli(['attribute', 'runs/synthetic-segr1/rollouts.jsonl', '--root', '.', '--json', json], ws);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /rollouts\.jsonl:385: .*gt/);
  const out = JSON.parse(readFileSync(json, 'utf8')) as {
    summary: Record<string, number>;
    images: Record<string, { oracle: Record<string, number> }>;
    rollouts: Array<{ line: number; label: string; flags: string[]; iou: number | null; oracleIou: number | null }>;
  };
  assert.deepEqual(Object.keys(out), ['summary', 'images', 'rollouts']);
  assert.deepEqual(Object.keys(out.summary), ['format', 'segmenter', 'policy', 'reward', 'ok']);
  assert.equal(Object.values(out.summary).reduce((a, b) => a + b, 0), 384);
  const images = Object.keys(out.images);
  assert.ok(images.length > 0 && images.every((k) => k.startsWith('datasets/')), 'keyed by the image path as written in the log');
  for (const { oracle } of Object.values(out.images)) {
    assert.deepEqual(Object.keys(oracle), ['box', 'box+point', 'box+points', 'best']);
    assert.equal(oracle.best, Math.max(oracle.box!, oracle['box+point']!, oracle['box+points']!));
  }
  assert.equal(out.rollouts.length, 384);
  const first = out.rollouts[0]!;
  assert.deepEqual(Object.keys(first), ['line', 'label', 'flags', 'iou', 'oracleIou']);
  for (const x of out.rollouts) {
    assert.ok(['format', 'segmenter', 'policy', 'reward', 'ok'].includes(x.label));
    assert.equal(x.label === 'ok' ? x.flags.length === 0 : x.flags[0] === x.label, true);
  }
  // The table names the engine that made the oracle, and the counts.
  assert.match(r.out, /oracle of \d+ images segmented by: classical fallback — not SAM2/);
  assert.match(r.out, new RegExp(`384 rollouts attributed: format ${out.summary.format}, segmenter ${out.summary.segmenter}`));
});

test('control characters from the log are escaped on the terminal', () => {
  const ws = tempDir('segr1-attr-esc-');
  writeFileSync(join(ws, 'log.jsonl'), '{"completion": "x", "gt": "\\u001b[31mred.png"}\n');
  const r = cli(['attribute', join(ws, 'log.jsonl'), '--root', ws]);
  assert.equal(r.code, 1);
  assert.ok(!r.err.includes('\u001b'), r.err);
  assert.match(r.err, /log\.jsonl:1: /);
});
