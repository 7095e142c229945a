import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RUN_LABEL_MAX, countFormatFailures, escapeMarkdown, groupText, rolloutText, runText, shortenMiddle, stepText, summarize } from '../../../src/host/treeText';

/** Run names and group keys as a hostile log could write them. */
const HOSTILE = [
  '<img src=x onerror=alert(1)>',
  '[click](command:workbench.action.terminal.new)',
  '**bold** _it_ `code` # heading',
  'line one\nline two\r\n| a | b |',
  'evil\u202Egnp.exe',
  '$(alert) &amp; &#60;script&#62;',
  '    indented as code',
  '![img](https://example.invalid/x.png)',
  '\\[escaped\\]',
];

/** Every ASCII punctuation character of escaped text must be preceded by a backslash (that itself is escaped or an escape). */
function assertAllEscaped(md: string): void {
  for (let i = 0; i < md.length; i++) {
    const c = md[i]!;
    if (c === '\\') {
      i++; // the escaped character
      continue;
    }
    assert.ok(!/[!-/:-@[-`{-~]/.test(c), `unescaped ${JSON.stringify(c)} at ${i} in ${JSON.stringify(md)}`);
  }
}

const SUMMARY = summarize(Float64Array.from([1.5, 0.25, Number.NaN, 2]));
const NONE = { count: 0, logged: true };

test('escapeMarkdown: hostile names stay literal text on one line', () => {
  for (const name of HOSTILE) {
    const md = escapeMarkdown(name);
    assertAllEscaped(md);
    assert.ok(!/[\n\r\u202e]/u.test(md), `line break or bidi override kept in ${JSON.stringify(md)}`);
    // Unescaping gives back the visible text (controls and whitespace runs collapsed to one space).
    // eslint-disable-next-line no-control-regex -- the same controls the module strips
    assert.equal(md.replace(/\\(.)/gu, '$1'), name.replace(/[\u0000-\u001f\u202e]/gu, ' ').replace(/\s+/gu, ' ').trim());
  }
});

test('escapeMarkdown bounds a huge name', () => {
  const md = escapeMarkdown('a'.repeat(100_000));
  assert.ok(md.length <= 400, `${md.length} characters`);
  assert.match(md, /…/);
});

test('shortenMiddle keeps both ends and never splits a code point', () => {
  assert.equal(shortenMiddle('short', 18), 'short');
  const s = shortenMiddle('synthetic-segr1 (SYNTHETIC sample)', RUN_LABEL_MAX);
  assert.equal([...s].length, RUN_LABEL_MAX);
  assert.ok(s.startsWith('synthetic') && s.endsWith('sample)'), s);
  const emoji = shortenMiddle('😀'.repeat(40), 9);
  assert.equal([...emoji].length, 9);
  assert.ok(![...emoji].some((c) => c.length === 1 && c !== '…' && /[\ud800-\udfff]/u.test(c)), 'lone surrogate');
});

test('summarize skips NaN and uses the population σ', () => {
  assert.equal(SUMMARY.n, 3);
  assert.ok(Math.abs(SUMMARY.mean - 1.25) < 1e-12);
  assert.ok(Math.abs(SUMMARY.std - Math.sqrt(((0.25) ** 2 + 1 + 0.75 ** 2) / 3)) < 1e-12);
  assert.equal(SUMMARY.min, 0.25);
  assert.equal(SUMMARY.max, 2);
  const some = summarize(Float64Array.from([1, 5, 3]), [0, 2]);
  assert.deepEqual([some.n, some.mean, some.min, some.max], [2, 2, 1, 3]);
  assert.ok(Number.isNaN(summarize(new Float64Array(0)).mean));
});

test('format failures count logged format rewards of 0, "not logged" without a format component', () => {
  const components = new Map([['segment', Float64Array.from([0.5, 0.1, 0.9])], ['format', Float64Array.from([1, 0, 0])]]);
  assert.deepEqual(countFormatFailures(components, undefined, 3), { count: 2, logged: true });
  assert.deepEqual(countFormatFailures(components, [0, 1], 3), { count: 1, logged: true });
  assert.deepEqual(countFormatFailures(new Map([['segment', Float64Array.from([0])]]), undefined, 1), { count: 0, logged: false });
});

test('run row: short label and description, tooltip with every number, hostile name escaped', () => {
  for (const name of HOSTILE) {
    const t = runText({ name, runs: 2, path: `runs/${name}/rollouts.jsonl`, rollouts: 384, steps: 12, groups: 96, reward: SUMMARY, advantage: summarize(Float64Array.from([-1.2, 0.8])), formatFailures: { count: 7, logged: true } });
    assert.ok([...t.label].length <= RUN_LABEL_MAX, t.label);
    assert.ok(!/[\n\r\u202e]/u.test(t.label), `label ${JSON.stringify(t.label)}`);
    // The tooltip's own Markdown is `**` and hard breaks; the name and path from the log go in escaped, on their lines.
    const lines = t.tooltip.split('  \n');
    assert.equal(lines[0], `**${escapeMarkdown(name)}** (and 1 other run in this log)`);
    assert.equal(lines.at(-1), `log: ${escapeMarkdown(`runs/${name}/rollouts.jsonl`)}`);
    assert.ok(!/(^|[^\\])[<[]/u.test(t.tooltip), `unescaped < or [ in ${t.tooltip}`);
  }
  const t = runText({ name: 'synthetic-segr1 (SYNTHETIC sample)', runs: 1, path: 'runs/synthetic-segr1/rollouts.jsonl', rollouts: 384, steps: 12, groups: 96, reward: SUMMARY, advantage: summarize(Float64Array.from([-1.2, 0.8])), formatFailures: { count: 7, logged: true } });
  assert.equal(t.description, '12 steps · r̄ 1.25');
  for (const part of ['384 rollouts', '12 steps', '96 groups', 'mean 1.250', 'σ 0.736', 'format failures (logged format reward 0): 7 of 384', '+0.800', '-1.200', 'rollouts\\.jsonl']) assert.ok(t.tooltip.includes(part), `${part} missing from ${t.tooltip}`);
});

test('step and group rows keep r̄ and σ in a description short enough for the default sidebar', () => {
  const s = stepText({ step: 2, groups: 8, rollouts: 32, reward: SUMMARY, advantage: SUMMARY, formatFailures: NONE });
  assert.equal(s.label, 'step 2');
  assert.equal(s.description, '8 groups · r̄ 1.25');
  assert.equal(stepText({ step: Number.POSITIVE_INFINITY, groups: 1, rollouts: 1, reward: SUMMARY, advantage: SUMMARY, formatFailures: NONE }).label, 'no step');
  const g = groupText({ key: 'cod_0008@2', step: 2, rollouts: 4, mean: 1.375, std: 0.7071, zeroVariance: false, reward: SUMMARY, advantage: summarize(Float64Array.from([-1.37, 0.95])), formatFailures: { count: 1, logged: true }, path: 'runs/x/rollouts.jsonl', firstLine: 33 });
  assert.equal(g.label, 'group cod_0008@2');
  assert.equal(g.description, 'r̄ 1.38 · σ 0.71');
  assert.ok(g.description.length <= 18);
  for (const part of ['4 rollouts', 'mean 1.375', 'σ 0.707', '-1.370', '+0.950', '1 of 4', 'rollouts\\.jsonl:33', 'step 2']) assert.ok(g.tooltip.includes(part), `${part} missing from ${g.tooltip}`);
  const flat = groupText({ key: 'k', step: 1, rollouts: 4, mean: 1, std: 0, zeroVariance: true, reward: SUMMARY, advantage: SUMMARY, formatFailures: NONE, path: 'p', firstLine: 1 });
  assert.match(flat.description, /no signal/);
  assert.match(flat.tooltip, /teaches nothing/);
  const long = groupText({ key: `${'x'.repeat(200)}\n<b>`, step: 1, rollouts: 1, mean: 1, std: 0, zeroVariance: false, reward: SUMMARY, advantage: SUMMARY, formatFailures: NONE, path: 'p', firstLine: 1 });
  assert.ok(long.label.length <= 'group '.length + 22, long.label);
  assert.ok(!long.tooltip.includes('<b>') && long.tooltip.includes('\\<b\\>'), long.tooltip);
});

test('rollout row: reward, signed advantage, a format failure flagged, log line in the tooltip', () => {
  const r = rolloutText({ sample: 1, index: 5, reward: 0.907, advantage: -0.06, format: 0, path: 'runs/[x](y)/rollouts.jsonl', line: 34 });
  assert.equal(r.label, 'rollout 1');
  assert.equal(r.description, 'r 0.91 · A -0.06 · format 0');
  assert.match(r.tooltip, /format failure/);
  assert.ok(r.tooltip.includes('runs/\\[x\\]\\(y\\)/rollouts\\.jsonl:34'.replace(/\//gu, '\\/')), r.tooltip);
  const u = rolloutText({ sample: -1, index: 5, reward: Number.NaN, advantage: 0.5, format: Number.NaN, path: 'p', line: 2 });
  assert.equal(u.label, 'rollout 5');
  assert.equal(u.description, 'r — · A +0.50');
  assert.match(u.tooltip, /format reward: not logged/);
});
