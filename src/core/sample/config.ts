/**
 * What the synthetic sample workspace contains. Bump SAMPLE_VERSION whenever any output byte would change
 * for the same seed, so `segr1 sample` regenerates instead of keeping a stale copy.
 */
export const SAMPLE_VERSION = 5;

/** Seed used when none is given. */
export const DEFAULT_SAMPLE_SEED = 20250701;

/** Knobs of one sample workspace; the defaults are what `segr1 sample` writes. */
export interface SampleConfig {
  readonly seed: number;
  /** Image sizes, cycled over the images (width, height): COD10K/CAMO-like mixed aspects. */
  readonly sizes: ReadonlyArray<readonly [number, number]>;
  readonly imageCount: number;
  /** Every n-th image (1-based position) carries two objects. */
  readonly twoObjectEvery: number;
  readonly steps: number;
  /** Prompts (GRPO groups) per optimizer step. */
  readonly groupsPerStep: number;
  /** Rollouts per group (Seg-R1's num_generations). */
  readonly groupSize: number;
  /** Square frame the simulated model sees and writes coordinates in (Seg-R1 training: 768). */
  readonly frame: number;
}

/** The default sample: 24 images, 12 steps × 8 groups × 4 rollouts. */
export const DEFAULT_SAMPLE_CONFIG: SampleConfig = {
  seed: DEFAULT_SAMPLE_SEED,
  sizes: [[640, 480], [480, 640], [800, 600], [512, 512], [1024, 683], [500, 375], [683, 1024], [600, 600]],
  imageCount: 24,
  twoObjectEvery: 5,
  steps: 12,
  groupsPerStep: 8,
  groupSize: 4,
  frame: 768,
};

/** Workspace-relative locations of everything the sample writes. */
export const SAMPLE_PATHS = {
  dataset: 'datasets/synthetic-cod',
  images: 'datasets/synthetic-cod/Imgs',
  masks: 'datasets/synthetic-cod/GT',
  run: 'runs/synthetic-segr1',
  rollouts: 'runs/synthetic-segr1/rollouts.jsonl',
  trainerState: 'runs/synthetic-segr1/trainer_state.json',
  models: 'models',
  /** Marker recording version and seed; written last, so a half-written sample is never taken as done. */
  marker: '.segr1-sample.json',
} as const;

/** The run id written into every rollout record; says SYNTHETIC wherever a run name is shown. */
export const SAMPLE_RUN_ID = 'synthetic-segr1 (SYNTHETIC sample)';

/** Seg-R1's user prompt text in the main RL stage (verbatim from grpo.py, `create_conversation`). */
export const SEGR1_USER_PROMPT =
  'Identify and segment all the primary objects in the image.\n\nOutput the result using the exact format:\n<think> reasoning process here </think> <bbox>[x1,y1,x2,y2]</bbox>, <points>[[x3,y3],[x4,y4],...]</points>, <labels>[1,0,...]</labels>';

/** File stem of the i-th image (COD10K-like naming). */
export function sampleStem(i: number): string {
  return `cod_${String(i).padStart(4, '0')}`;
}
