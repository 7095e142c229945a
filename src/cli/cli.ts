/** `segr1`: the headless side of the workbench. Each command lives in its own module under ./commands. */
import { err, out } from './output';

type CommandMain = (argv: string[]) => Promise<number>;

/** Commands by name; modules load lazily so `segr1 metrics` never pays for onnxruntime. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandMain> }> = {
  sample: { summary: 'generate the synthetic sample workspace (dataset + training run)', load: async () => (await import('./commands/sample')).main },
  replay: { summary: 'recompute every reward component of a rollout log and compare with what was logged', load: async () => (await import('./commands/replay')).main },
  convert: { summary: 'convert a rollout log (TRL, W&B, verl, EasyR1, Seg-R1, VLM-R1, canonical) to canonical JSONL', load: async () => (await import('./commands/convert')).main },
  metrics: { summary: 'score predicted masks against ground truth (PySODMetrics Sm/wFm/Em/Fm/MAE + IoU/cIoU/gIoU)', load: async () => (await import('./commands/metrics')).main },
  segment: { summary: 'segment one image with a SAM2 ONNX export (box/points → mask PNG)', load: async () => (await import('./commands/segment')).main },
  attribute: { summary: 'label why each rollout failed (format, segmenter, policy, reward) against per-image oracle prompts', load: async () => (await import('./commands/attribute')).main },
  report: { summary: 'write a self-contained HTML report of a run (metrics, reward traces, taxonomy, best/worst rollouts)', load: async () => (await import('./commands/report')).main },
  annotations: { summary: 'list a workspace\'s rollout annotations (notes, label overrides, counterfactual prompts)', load: async () => (await import('./commands/annotations')).main },
  search: { summary: 'search every completion of a run (literal or regex): hits and counts per step', load: async () => (await import('./commands/search')).main },
  compare: { summary: 'compare two metrics results, two logs or two steps of a log: per-image deltas, sign test, bootstrap CI', load: async () => (await import('./commands/compare')).main },
  signals: { summary: 'reward-hacking signals per step (reward–IoU τ, flat groups, points, box area) and advantage sign flips', load: async () => (await import('./commands/signals')).main },
};

/** Register a command (used by command modules added later to keep this table the single index). */
export function usage(): string {
  const lines = ['usage: segr1 <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  return lines.join('\n');
}

async function run(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  if (!name || name === '--help' || name === '-h') {
    out(usage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    err(`segr1: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  return (await cmd.load())(rest);
}

run().then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    err(`segr1: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  },
);
