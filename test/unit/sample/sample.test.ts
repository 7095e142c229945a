import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { replayLog } from '../../../src/core/rewards/replay';
import { parseSegR1Strict } from '../../../src/core/completion/segr1Strict';
import { loadMaskGray } from '../../../src/core/image/grayscale';
import { readRaw } from '../../../src/core/image/io';
import { decodeRle } from '../../../src/core/image/rle';
import type { RolloutRecord } from '../../../src/core/logs/rollout';
import { groupAdvantages } from '../../../src/core/rewards/advantages';
import { getRewardSet } from '../../../src/core/rewards/registry';
import { loadGtPilL } from '../../../src/core/rewards/groundTruth';
import { createClassicalSegmenter } from '../../../src/core/segment/classical';
import { SAMPLE_PATHS, SEGR1_USER_PROMPT, type SampleConfig } from '../../../src/core/sample/config';
import { MALFORMED_KINDS } from '../../../src/core/sample/completionText';
import { segr1ReferenceScoring } from '../../../src/core/sample/scoring';
import { loadFrameImage } from '../../../src/core/image/frameImage';
import { segmentAnswer } from '../../../src/core/segment/segmentAnswer';
import { generateSampleWorkspace } from '../../../src/core/sample/workspace';

/** Small but complete: 8 images (one with two objects), 8 steps × 4 groups × 4 rollouts = 128 records. */
const SMALL: Partial<SampleConfig> = { seed: 7, imageCount: 8, steps: 8, groupsPerStep: 4 };
const scoring = segr1ReferenceScoring();
let tmp: string;
let ws: string;
let records: RolloutRecord[];

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'segr1-sample-'));
  ws = path.join(tmp, 'a');
  await generateSampleWorkspace(ws, { config: SMALL, scoring });
  const text = await fs.readFile(path.join(ws, SAMPLE_PATHS.rollouts), 'utf8');
  records = text.trimEnd().split('\n').map((l) => JSON.parse(l) as RolloutRecord);
});

after(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function listFiles(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(path.join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(root, r)));
    else out.push(r);
  }
  return out.sort();
}

test('same seed → byte-identical workspace; a different seed differs', async () => {
  const tiny: Partial<SampleConfig> = { seed: 3, imageCount: 2, steps: 2, groupsPerStep: 2 };
  const a = path.join(tmp, 'det-a'), b = path.join(tmp, 'det-b'), c = path.join(tmp, 'det-c');
  await generateSampleWorkspace(a, { config: tiny, scoring });
  await generateSampleWorkspace(b, { config: tiny, scoring });
  await generateSampleWorkspace(c, { config: { ...tiny, seed: 4 }, scoring });
  const files = await listFiles(a);
  assert.deepEqual(await listFiles(b), files);
  for (const f of files) assert.ok((await fs.readFile(path.join(a, f))).equals(await fs.readFile(path.join(b, f))), `${f} differs between equal seeds`);
  const img = `${SAMPLE_PATHS.images}/cod_0000.jpg`;
  assert.ok(!(await fs.readFile(path.join(a, img))).equals(await fs.readFile(path.join(c, img))), 'seed must matter');
});

test('idempotent: skips an identical sample, regenerates on --force or another seed', async () => {
  const tiny: Partial<SampleConfig> = { seed: 5, imageCount: 1, steps: 1, groupsPerStep: 1 };
  const d = path.join(tmp, 'idem');
  assert.equal((await generateSampleWorkspace(d, { config: tiny, scoring })).skipped, false);
  assert.equal((await generateSampleWorkspace(d, { config: tiny, scoring })).skipped, true);
  assert.equal((await generateSampleWorkspace(d, { config: tiny, scoring, force: true })).skipped, false);
  await fs.rm(path.join(d, SAMPLE_PATHS.masks, 'cod_0000.png'));
  assert.equal((await generateSampleWorkspace(d, { config: tiny, scoring })).skipped, false, 'a missing file means regenerate');
  assert.equal((await generateSampleWorkspace(d, { config: { ...tiny, seed: 6 }, scoring })).skipped, false);
  // A smaller sample over a larger one leaves no stale images behind; foreign files stay.
  await fs.writeFile(path.join(d, SAMPLE_PATHS.images, 'mine.jpg'), 'not ours');
  await generateSampleWorkspace(d, { config: { ...tiny, imageCount: 2 }, scoring });
  await generateSampleWorkspace(d, { config: tiny, scoring });
  assert.deepEqual((await fs.readdir(path.join(d, SAMPLE_PATHS.images))).sort(), ['cod_0000.jpg', 'mine.jpg']);
  assert.deepEqual(await fs.readdir(path.join(d, SAMPLE_PATHS.masks)), ['cod_0000.png']);
});

test('layout and counts: COD10K folders, one record per rollout, SYNTHETIC labels', async () => {
  const imgs = (await fs.readdir(path.join(ws, SAMPLE_PATHS.images))).sort();
  const gts = (await fs.readdir(path.join(ws, SAMPLE_PATHS.masks))).sort();
  assert.equal(imgs.length, 8);
  assert.deepEqual(gts, imgs.map((f) => f.replace(/\.jpg$/, '.png')));
  assert.equal(records.length, 8 * 4 * 4);
  const readme = await fs.readFile(path.join(ws, 'README.md'), 'utf8');
  assert.match(readme, /SYNTHETIC/);
  assert.match(await fs.readFile(path.join(ws, 'models/README.md'), 'utf8'), /SAM2/);
  const seen = new Set<string>();
  for (const r of records) {
    assert.match(r.run!, /SYNTHETIC/);
    assert.equal(r.task, 'cod');
    assert.equal(r.query, SEGR1_USER_PROMPT);
    assert.deepEqual(r.model_frame, { width: 768, height: 768 });
    assert.equal((r.extra as Record<string, unknown>)['synthetic'], true);
    assert.ok(r.sample! >= 0 && r.sample! < 4);
    assert.ok(!path.isAbsolute(r.image!) && !r.image!.includes('..'));
    await fs.access(path.join(ws, r.image!));
    await fs.access(path.join(ws, r.gt!));
    seen.add(`${r.step}/${r.group}/${r.sample}`);
  }
  assert.equal(seen.size, records.length, 'step/group/sample identifies a rollout');
  // The trainer state aggregates the same records.
  const state = JSON.parse(await fs.readFile(path.join(ws, SAMPLE_PATHS.trainerState), 'utf8')) as { log_history: Array<Record<string, number>> };
  assert.equal(state.log_history.length, 8);
  for (const e of state.log_history) {
    const step = records.filter((r) => r.step === e['step']);
    const mean = (f: (r: RolloutRecord) => number): number => step.reduce((a, r) => a + f(r), 0) / step.length;
    assert.ok(Math.abs(e['reward']! - mean((r) => r.reward!)) < 1e-5);
    assert.ok(Math.abs(e['rewards/format_reward']! - mean((r) => r.rewards!['format']!)) < 1e-5);
    assert.ok(Math.abs(e['rewards/segmentation_reward']! - mean((r) => r.rewards!['segment']!)) < 1e-5);
    for (const k of ['reward_std', 'completion_length', 'kl']) assert.equal(typeof e[k], 'number');
  }
});

test('GT masks are binary 0/255 and the size of their images', async () => {
  for (const f of await fs.readdir(path.join(ws, SAMPLE_PATHS.images))) {
    const img = await readRaw(path.join(ws, SAMPLE_PATHS.images, f));
    const gtFile = path.join(ws, SAMPLE_PATHS.masks, f.replace(/\.jpg$/, '.png'));
    // PNG colour type (IHDR byte 25) 0 = greyscale: the mask opens as PIL mode "L" like COD10K's.
    assert.equal((await fs.readFile(gtFile))[25], 0);
    const gt = await loadMaskGray(gtFile);
    assert.deepEqual([gt.width, gt.height], [img.width, img.height]);
    let fg = 0;
    for (const v of gt.data) {
      assert.ok(v === 0 || v === 255, `${f}: GT value ${v}`);
      if (v) fg++;
    }
    assert.ok(fg > 0.01 * gt.data.length && fg < 0.5 * gt.data.length, `${f}: object covers ${fg} px`);
  }
});

test('every completion parses in Seg-R1 format as intended, or is one of the deliberate malformations', () => {
  const kinds = new Set<string>();
  for (const r of records) {
    const extra = r.extra as { malformed?: string; intended: { boxes: number[][]; points: Array<{ x: number; y: number; label: number }> } };
    const ref = parseSegR1Strict(r.completion);
    const pts = extra.intended.points;
    switch (extra.malformed) {
      case undefined:
      case 'point-outside-image':
      case 'box-inverted':
        assert.ok(ref.think !== null && ref.points !== null && ref.labels !== null && ref.boxes !== null, r.completion);
        assert.deepEqual(ref.boxes, extra.intended.boxes);
        assert.deepEqual(ref.points, pts.map((p) => [p.x, p.y]));
        assert.deepEqual(ref.labels, pts.map((p) => p.label));
        assert.equal(r.rewards!['format'], 1);
        if (extra.malformed === 'point-outside-image') assert.ok(ref.points.some(([x, y]) => x >= 768 || y >= 768));
        else if (extra.malformed === 'box-inverted') assert.ok(ref.boxes[0]![2] < ref.boxes[0]![0]);
        else for (const [x, y] of ref.points) assert.ok(x < 768 && y < 768);
        break;
      case 'missing-think-close':
        assert.equal(ref.think, null);
        assert.ok(ref.points !== null && ref.boxes !== null);
        break;
      case 'labels-count-mismatch':
        assert.ok(ref.countMismatch, r.completion);
        break;
      case 'truncated':
        assert.equal(ref.labels, null);
        assert.ok(!r.completion.includes('</points>'));
        break;
      case 'decimals':
        assert.equal(ref.points, null);
        assert.equal(ref.boxes, null);
        break;
      default:
        assert.fail(`unknown malformation ${extra.malformed}`);
    }
    if (extra.malformed) {
      kinds.add(extra.malformed);
      if (!['point-outside-image', 'box-inverted'].includes(extra.malformed)) assert.equal(r.rewards!['format'], 0);
    }
  }
  assert.deepEqual([...kinds].sort(), [...MALFORMED_KINDS].sort(), 'each malformation appears');
  assert.ok(kinds.size / records.length < 0.2);
});

test('logged rewards and advantages equal re-scoring the logged masks with the reward code', async () => {
  const segr1Reference = getRewardSet('segr1-reference')!;
  const groups = new Map<string, RolloutRecord[]>();
  const gts = new Map<string, Awaited<ReturnType<typeof loadGtPilL>>>();
  for (const r of records) {
    let gt = gts.get(r.gt!);
    if (!gt) gts.set(r.gt!, (gt = await loadGtPilL(path.join(ws, r.gt!))));
    const fromLog = await segr1Reference.score({ completion: r.completion, gt, modelFrame: { kind: 'square', size: 768 }, ...(r.mask ? { loggedMask: decodeRle(r.mask) } : {}) });
    assert.deepEqual(fromLog.components, r.rewards);
    assert.equal(fromLog.total, r.reward);
    const key = `${r.step}/${r.group}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  for (const g of groups.values()) {
    assert.equal(g.length, 4);
    assert.deepEqual(g.map((r) => r.advantage), groupAdvantages(g.map((r) => r.reward!)).advantages);
  }
});

test('the logged masks are reproducible from the image files (training-time squash, same segmenter)', async () => {
  const seg = createClassicalSegmenter();
  const r = records.find((x) => x.mask && (x.extra as { intended: { boxes: unknown[] } }).intended.boxes.length > 1) ?? records[0]!;
  const enc = await seg.encode(await loadFrameImage(path.join(ws, r.image!), 768));
  const answer = (await getRewardSet('segr1-reference')!.score({ completion: r.completion, gt: await loadGtPilL(path.join(ws, r.gt!)), modelFrame: { kind: 'square', size: 768 }, segment: (a) => segmentAnswer(seg, enc, a) })).mask!;
  assert.deepEqual(answer.data, decodeRle(r.mask!).data);
});

test('segr1 replay reproduces the run when it has to re-segment (no logged masks)', async () => {
  const rewardSet = getRewardSet('segr1-reference')!;
  // Two complete groups without masks: replay segments the image files itself (classical segmenter, training path).
  const stripped = records.slice(0, 8).map(({ mask: _mask, ...r }) => JSON.stringify(r)).join('\n') + '\n';
  const file = path.join(ws, 'runs/no-masks.jsonl');
  await fs.writeFile(file, stripped);
  const seg = await replayLog(file, { rewardSet, root: ws, segmenter: createClassicalSegmenter() });
  await fs.rm(file);
  assert.equal(seg.badLines, 0);
  assert.deepEqual(seg.report.summary, { rollouts: 8, estimator: 'trl-group', differing: { format: 0, segment: 0, total: 0, advantage: 0 }, compared: { format: 8, segment: 8, total: 8, advantage: 8 }, nothingCompared: false, rewardWeights: [{ run: 'synthetic-segr1 (SYNTHETIC sample)', weights: { format: 1, segment: 1 }, from: 'default' }] });
  assert.ok(seg.report.rollouts.every((r) => r.components['segment']!.replayed !== null), 'segment was actually replayed');
});

test('quality improves over training: later steps score higher and miss less', () => {
  const meanOf = (steps: number[]): number => {
    const rs = records.filter((r) => steps.includes(r.step!));
    return rs.reduce((a, r) => a + r.reward!, 0) / rs.length;
  };
  const early = meanOf([1, 2]), late = meanOf([7, 8]);
  assert.ok(late > early + 0.15, `mean reward steps 1–2 ${early.toFixed(3)}, steps 7–8 ${late.toFixed(3)}`);
  const misses = (steps: number[]): number => records.filter((r) => steps.includes(r.step!) && (r.extra as { policy_target: string }).policy_target === 'miss').length;
  assert.ok(misses([1, 2]) > misses([7, 8]));
});
