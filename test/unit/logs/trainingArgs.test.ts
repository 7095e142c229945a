import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RolloutSink } from '../../../src/core/logs/adapterTypes';
import { readAdapter } from '../../../src/core/logs/formats';
import type { LogIssue } from '../../../src/core/logs/issues';
import type { RolloutRecord } from '../../../src/core/logs/rollout';
import { PickleError, findTrainingArgs, plainValue, readTrainingArgs, storedZipEntry, unpickle } from '../../../src/core/logs/trainingArgs';
import { tempDir } from '../tempDir';

const FIX = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'logs');
const ARGS = join(FIX, 'trl-args');
// Made by test/fixtures/gen/logs_trl_args.py: real GRPOConfig objects saved with torch.save, as the Trainer does.
const cases = JSON.parse(readFileSync(join(ARGS, 'cases.json'), 'utf8')) as { cases: Record<string, { reward_weights: number[] | null }>; fields: Record<string, Record<string, unknown>> };

test('training_args.bin: every plain field reads as Python reads it back (torch.load)', async () => {
  for (const [name, want] of Object.entries(cases.fields)) {
    const r = await readTrainingArgs(join(ARGS, name, 'training_args.bin'));
    assert.ok(!('error' in r), name);
    assert.equal(r.cls, 'trl.trainer.grpo_config GRPOConfig');
    assert.ok(Object.keys(want).length > 150);
    for (const [k, v] of Object.entries(want)) assert.deepEqual(plainValue(r.fields.get(k)), v, `${name}.${k}`);
  }
});

/** A TRL output_dir: the real trl-grpo run's completions and trainer_state, plus `args` at `where` (relative). */
function runWith(args: string | undefined, where = 'training_args.bin'): string {
  const dir = tempDir('segr1-trlargs-');
  cpSync(join(FIX, 'trl-grpo', 'completions'), join(dir, 'completions'), { recursive: true });
  copyFileSync(join(FIX, 'trl-grpo', 'trainer_state.json'), join(dir, 'trainer_state.json'));
  if (args) {
    mkdirSync(join(dir, where, '..'), { recursive: true });
    copyFileSync(join(ARGS, args, 'training_args.bin'), join(dir, where));
  }
  return dir;
}

async function collect(path: string): Promise<{ records: RolloutRecord[]; issues: LogIssue[] }> {
  const records: RolloutRecord[] = [];
  const issues: LogIssue[] = [];
  const sink: RolloutSink = { record: (r) => records.push(r), issue: (i) => issues.push(i) };
  await readAdapter('trl-parquet').read(path, sink);
  return { records, issues };
}

test("TRL parquet run: reward_weights from the run's training_args.bin weigh the total and travel with each record", async () => {
  for (const [name, where] of [
    ['weights', 'training_args.bin'],
    ['weights', 'checkpoint-2/training_args.bin'],
    ['ints', 'training_args.bin'],
  ] as const) {
    const w = cases.cases[name]!.reward_weights!;
    const { records, issues } = await collect(runWith(name, where));
    assert.deepEqual(issues.filter((i) => i.severity === 'error'), []);
    assert.ok(records.length > 0);
    for (const r of records) {
      assert.deepEqual(r.extra?.reward_weights, { format_reward: w[0], segmentation_reward: w[1] }, `${name} at ${where}`);
      const f = r.rewards!.format_reward;
      const s = r.rewards!.segmentation_reward;
      if (f === null || s === null || f === undefined || s === undefined) continue;
      assert.ok(Math.abs(r.reward! - (w[0]! * f + w[1]! * s)) < 1e-9);
    }
  }
});

test('a newer checkpoint wins over older ones; the output_dir’s own file over both', async () => {
  const dir = runWith('ints', 'checkpoint-10/training_args.bin');
  mkdirSync(join(dir, 'checkpoint-9'));
  copyFileSync(join(ARGS, 'weights', 'training_args.bin'), join(dir, 'checkpoint-9', 'training_args.bin'));
  assert.equal(await findTrainingArgs(dir), join(dir, 'checkpoint-10', 'training_args.bin'));
  copyFileSync(join(ARGS, 'weights', 'training_args.bin'), join(dir, 'training_args.bin'));
  assert.equal(await findTrainingArgs(dir), join(dir, 'training_args.bin'));
});

test('no weights, None, a wrong count or a broken file: weights 1, and an issue naming the file and field where one is due', async () => {
  for (const name of [undefined, 'none'] as const) {
    const { records, issues } = await collect(runWith(name));
    assert.deepEqual(issues.filter((i) => /training_args/.test(i.file ?? '')), []);
    assert.ok(records.every((r) => r.extra?.reward_weights === undefined));
  }
  const three = await collect(runWith('three'));
  const bad = three.issues.find((i) => i.file === 'training_args.bin');
  assert.deepEqual([bad?.severity, bad?.field], ['error', 'reward_weights']);
  assert.match(bad!.message, /3 weights for 2 reward functions \(format_reward, segmentation_reward\).*weights 1 used/);
  assert.ok(three.records.every((r) => r.extra?.reward_weights === undefined));
  const dir = runWith(undefined);
  writeFileSync(join(dir, 'training_args.bin'), 'not a zip at all');
  const broken = await collect(dir);
  assert.match(broken.issues.find((i) => i.file === 'training_args.bin')?.message ?? '', /not a zip file.*reward weights 1 assumed/);
  assert.ok(broken.records.length > 0, 'the rollouts still read');
});

test('hostile pickles and zips are refused with the place, never run or over-allocated', () => {
  const enc = (...b: number[]) => Uint8Array.from(b);
  // BINUNICODE declaring 4 GiB in a 10-byte pickle.
  assert.throws(() => unpickle(enc(0x80, 2, 0x58, 0xff, 0xff, 0xff, 0xff, 0x61, 0x62, 0x2e)), (e: unknown) => e instanceof PickleError && /runs past the end/.test(e.message));
  // INST / OBJ (protocol 0 object creation) and EXT are not followed.
  assert.throws(() => unpickle(enc(0x80, 2, 0x69)), /opcode 0x69/);
  assert.throws(() => unpickle(enc(0x80, 2, 0x82, 1)), /opcode 0x82/);
  assert.throws(() => unpickle(enc(0x80, 2, 0x68, 5, 0x2e)), /memo 5 was never stored/);
  assert.throws(() => unpickle(enc(0x80, 2, 0x4e)), /no STOP/);
  assert.throws(() => unpickle(enc(0x65)), /no MARK/);
  // A GLOBAL + REDUCE names the callable and is never called: os.system stays a name.
  const g = new TextEncoder().encode('cos\nsystem\n');
  const o = unpickle(Uint8Array.from([0x80, 2, ...g, 0x58, 2, 0, 0, 0, 0x6c, 0x73, 0x85, 0x52, 0x2e])) as { cls: string; args: unknown[] };
  assert.deepEqual([o.cls, o.args], ['os system', ['ls']]);
  // A list holding itself: plainValue cuts the nesting instead of overflowing the stack.
  const self = unpickle(enc(0x80, 2, 0x5d, 0x71, 0, 0x68, 0, 0x61, 0x2e));
  assert.doesNotThrow(() => plainValue(self));
  assert.throws(() => storedZipEntry(new Uint8Array(100), '/data.pkl'), /not a zip file/);
  const real = readFileSync(join(ARGS, 'weights', 'training_args.bin'));
  const cut = real.subarray(0, 200);
  assert.throws(() => storedZipEntry(cut, '/data.pkl'), /not a zip file/);
});
