import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main, type ReplayReport } from '../../../src/cli/commands/replay';
import { getAdvantageEstimator } from '../../../src/core/rewards/advantageEstimators';
import { getRewardSet } from '../../../src/core/rewards/registry';
import { formatOfSource } from '../../../src/core/rewards/replay';
import { tempDir } from '../tempDir';
import { runCli } from '../cliCapture';

interface StrictCase {
  completion: string;
  solution: string;
  box_iou: number;
  thinking_format: number;
  segmentation_format: number;
  point_l1: number;
  box_l1: number;
  total: number;
  seg_total: number;
}
const strict = JSON.parse(readFileSync(join(__dirname, '../../../../test/fixtures/rewards/segzero_strict_corpus.json'), 'utf8')) as { cases: StrictCase[] };

test(`segzero-strict equals seg_restrict.py on ${strict.cases.length} crafted and generated rollouts`, async () => {
  const set = getRewardSet('segzero-strict');
  assert.ok(set, 'segzero-strict is registered');
  let differFromSeg = 0;
  for (const c of strict.cases) {
    const r = await set.score({ completion: c.completion, solution: c.solution, modelFrame: { kind: 'square', size: 840 } });
    const want = { box_iou: c.box_iou, thinking_format: c.thinking_format, segmentation_format: c.segmentation_format, point_l1: c.point_l1, box_l1: c.box_l1 };
    assert.deepEqual(r.components, want, `${JSON.stringify(c.completion)} | ${c.solution}`);
    assert.ok(Math.abs(r.total - c.total) <= 1e-6);
    if (c.total !== c.seg_total) differFromSeg++;
  }
  // The corpus exercises where seg.py and seg_restrict.py part (key names, non-list values).
  assert.ok(differFromSeg > 50, `${differFromSeg} rollouts score differently under seg.py`);
});

/** Run the replay CLI, capturing its output. */
const run = (argv: string[]) => runCli(main, argv);

const SOL = '<box>(100,120),(400,380)</box><points>(200,200),(300,300)</points>';
const answer = (bbox: string, p1 = '[200, 200]', p2 = '[300, 300]') => `<think>a</think><answer>{"bbox": ${bbox}, "points_1": ${p1}, "points_2": ${p2}}</answer>`;

/** Two runs reusing group names and steps, a group of one, and a verl-style source. */
function writeLog(dir: string, source?: string): string {
  const rows = [
    { run: 'r1', step: 1, group: 'g', completion: answer('[100, 120, 400, 380]') },
    { run: 'r1', step: 1, group: 'g', completion: answer('[0, 0, 10, 10]') },
    { run: 'r1', step: 1, group: 'g', completion: answer('"abcd"') },
    { run: 'r2', step: 1, group: 'g', completion: answer('[100, 120, 400, 380]') },
    { run: 'r2', step: 1, group: 'g', completion: answer('[101, 120, 400, 380]', '[0, 0]') },
    { run: 'r2', step: 1, group: 'solo', completion: answer('[100, 120, 400, 380]') },
  ];
  const p = join(dir, 'log.jsonl');
  writeFileSync(p, rows.map((r, i) => JSON.stringify({ ...r, solution: SOL, ...(source ? { extra: { source: `${source}:${i + 1}` } } : {}) })).join('\n') + '\n');
  return p;
}

test('replay --advantage: every estimator, the default per reward set and log format, named in the summary', async () => {
  const dir = tempDir('segr1-adv-');
  const log = writeLog(dir);
  const set = getRewardSet('segzero-strict')!;
  const comps = await Promise.all(
    readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map(async (l) => {
        const r = JSON.parse(l) as { run: string; step: number; group: string; completion: string };
        const s = await set.score({ completion: r.completion, solution: SOL, modelFrame: { kind: 'square', size: 840 } });
        return { run: r.run, step: r.step, group: r.group, components: set.components.map((n) => s.components[n]!) };
      }),
  );
  for (const [flag, id] of [[[], 'verl-grpo'], [['--advantage', 'auto'], 'verl-grpo'], ...['trl-group', 'trl-batch', 'trl-none', 'trl-gdpo', 'verl-grpo', 'verl-drgrpo', 'verl-rloo'].map((e) => [['--advantage', e], e])] as Array<[string[], string]>) {
    const json = join(dir, `${id}.json`);
    const r = await run([log, '--reward', 'segzero-strict', '--json', json, ...flag]);
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(readFileSync(json, 'utf8')) as ReplayReport;
    assert.equal(report.summary.estimator, id);
    assert.match(r.out, new RegExp(`advantages by ${id}$`));
    const want = getAdvantageEstimator(id)!.estimate(comps);
    report.rollouts.forEach((x, i) => assert.equal(x.advantage.replayed, want[i], `${id} rollout ${i}`));
  }
  // Groups are per run: r1's "g" and r2's "g" are separate, so r2's solo rollout under verl-grpo is r / (1 + 1e-6).
  const grpo = JSON.parse(readFileSync(join(dir, 'verl-grpo.json'), 'utf8')) as ReplayReport;
  const solo = grpo.rollouts[5]!.advantage.replayed!;
  assert.equal(solo, Math.fround(5 / Math.fround(1 + Math.fround(1e-6))));
  // segr1 sets default to TRL; a verl-converted log to verl whatever the set.
  const canon = await run([log, '--reward', 'segzero', '--json', join(dir, 'seg.json')]);
  assert.equal((JSON.parse(readFileSync(join(dir, 'seg.json'), 'utf8')) as ReplayReport).summary.estimator, 'verl-grpo', canon.err);
  const trlLog = writeLog(tempDir('segr1-adv-trl-'), 'completions_00001.parquet');
  await run([trlLog, '--reward', 'segzero-strict', '--json', join(dir, 'trl.json')]);
  assert.equal((JSON.parse(readFileSync(join(dir, 'trl.json'), 'utf8')) as ReplayReport).summary.estimator, 'trl-group');
});

test('replay --advantage refuses unknown or missing names (exit 2, naming the known ones)', async () => {
  const log = writeLog(tempDir('segr1-adv-bad-'));
  const bad = await run([log, '--reward', 'segzero-strict', '--advantage', 'grpo']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /unknown advantage estimator 'grpo' \(known: auto, trl-group, .*verl-rloo\)/);
  const missing = await run([log, '--advantage']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /--advantage needs an estimator/);
});

test('the format a converted record came from, by its source file', () => {
  assert.equal(formatOfSource('completions_00012.parquet:7'), 'trl-parquet');
  assert.equal(formatOfSource('media/table/completions_3_abc.table.json:2'), 'wandb-table');
  assert.equal(formatOfSource('rollout_data/12.jsonl:4'), 'verl');
  assert.equal(formatOfSource('generations.log:40'), 'easyr1-generations');
  assert.equal(formatOfSource('training.log:3'), undefined);
  assert.equal(formatOfSource(undefined), undefined);
});
