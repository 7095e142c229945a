/** Writing the whole SYNTHETIC sample workspace: dataset, simulated run, READMEs, settings, marker. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createClassicalSegmenter } from '../segment/classical';
import type { Segmenter } from '../segment/segmenter';
import { DEFAULT_SAMPLE_CONFIG, SAMPLE_PATHS, SAMPLE_VERSION, sampleStem, type SampleConfig } from './config';
import { writeSampleDataset } from './dataset';
import { modelsReadme, sampleReadme, sampleSettings } from './readmes';
import { simulateRun, type RunScoring } from './trainingRun';

/** Options of one `generateSampleWorkspace` call. */
export interface SampleOptions {
  /** Overrides of the default config (tests use small ones). */
  readonly config?: Partial<SampleConfig>;
  /** Regenerate even when the marker says this version and seed are already there. */
  readonly force?: boolean;
  /** The reward code to score with. */
  readonly scoring: RunScoring;
  /** Segmenter for the run's masks; the classical fallback by default. */
  readonly segmenter?: Segmenter;
}

/** What a call did. */
export interface SampleSummary {
  /** True when an identical sample was already present and nothing was written. */
  readonly skipped: boolean;
  readonly config: SampleConfig;
  /** Workspace-relative paths written (empty when skipped). */
  readonly files: readonly string[];
  readonly rollouts: number;
  /** Mean total reward of the first and last steps (from the records). */
  readonly firstStepReward?: number;
  readonly lastStepReward?: number;
  /** Wall time per phase, in milliseconds. */
  readonly timings: Readonly<Record<string, number>>;
}

/** The marker file's content; equal markers mean equal bytes. */
interface Marker {
  readonly generator: 'segr1 sample';
  readonly version: number;
  readonly config: SampleConfig;
}

/** Files a sample would overwrite in a folder that does not hold one (no marker): refused unless `force`. */
export class SampleOverwriteError extends Error {
  override readonly name = 'SampleOverwriteError';
  constructor(
    readonly folder: string,
    /** Workspace-relative paths that exist already. */
    readonly existing: readonly string[],
  ) {
    const shown = existing.slice(0, 5).join(', ') + (existing.length > 5 ? ` and ${existing.length - 5} more` : '');
    super(`${folder} holds files the sample would overwrite (${shown}) and no sample marker; nothing written (--force overwrites them)`);
  }
}

/**
 * Generate (or keep) the SYNTHETIC sample workspace under `out`. Files of an earlier sample (the folder holds
 * its marker) are replaced; in any other folder an existing file at a path the sample writes is an error
 * ({@link SampleOverwriteError}) unless `force`: `--out .` in a project must not replace its README.md.
 */
export async function generateSampleWorkspace(out: string, options: SampleOptions): Promise<SampleSummary> {
  const config: SampleConfig = { ...DEFAULT_SAMPLE_CONFIG, ...options.config };
  const marker: Marker = { generator: 'segr1 sample', version: SAMPLE_VERSION, config };
  const markerText = `${JSON.stringify(marker, null, 2)}\n`;
  const markerPath = path.join(out, SAMPLE_PATHS.marker);
  // Skip only when the marker matches and every file it vouches for is still there.
  const expected = [SAMPLE_PATHS.rollouts, SAMPLE_PATHS.trainerState, ...Array.from({ length: config.imageCount }, (_, i) => [`${SAMPLE_PATHS.images}/${sampleStem(i)}.jpg`, `${SAMPLE_PATHS.masks}/${sampleStem(i)}.png`]).flat()];
  if (!options.force && (await readText(markerPath)) === markerText && (await Promise.all(expected.map((f) => exists(path.join(out, f))))).every(Boolean)) {
    return { skipped: true, config, files: [], rollouts: 0, timings: {} };
  }
  if (!options.force && !isSampleMarker(await readText(markerPath))) {
    const planned = [...expected, 'README.md', `${SAMPLE_PATHS.models}/README.md`, SAMPLE_PATHS.marker];
    const found = (await Promise.all(planned.map(async (f) => ((await exists(path.join(out, f))) ? f : undefined)))).filter((f): f is string => f !== undefined);
    if (found.length) throw new SampleOverwriteError(out, found);
  }
  const timings: Record<string, number> = {};
  const files: string[] = [];
  const write = async (rel: string, text: string): Promise<void> => {
    await fs.mkdir(path.dirname(path.join(out, rel)), { recursive: true });
    await fs.writeFile(path.join(out, rel), text);
    files.push(rel);
  };
  // The marker goes first out and last in: a run interrupted half-way must not look complete.
  await fs.rm(markerPath, { force: true });

  let t = performance.now();
  const items = await writeSampleDataset(out, config);
  for (const it of items) files.push(it.image, it.gt);
  timings['dataset'] = performance.now() - t;

  t = performance.now();
  const segmenter = options.segmenter ?? createClassicalSegmenter();
  const run = await simulateRun(out, items, config, segmenter, options.scoring);
  if (!options.segmenter) await segmenter.dispose();
  timings['run'] = performance.now() - t;

  await write(SAMPLE_PATHS.rollouts, run.records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  await write(SAMPLE_PATHS.trainerState, `${JSON.stringify(run.trainerState, null, 2)}\n`);
  await write('README.md', sampleReadme(config));
  await write(`${SAMPLE_PATHS.models}/README.md`, modelsReadme());
  // Never clobber settings someone already made for this folder.
  if (!(await exists(path.join(out, '.vscode/settings.json')))) await write('.vscode/settings.json', sampleSettings(config));
  await write(SAMPLE_PATHS.marker, markerText);

  const hist = run.trainerState.log_history;
  return {
    skipped: false,
    config,
    files,
    rollouts: run.records.length,
    ...(hist.length ? { firstStepReward: hist[0]!.reward, lastStepReward: hist[hist.length - 1]!.reward } : {}),
    timings,
  };
}

/** Whether a marker file's text is one this generator wrote (any version or seed). */
function isSampleMarker(text: string | undefined): boolean {
  if (text === undefined) return false;
  try {
    return (JSON.parse(text) as Partial<Marker> | null)?.generator === 'segr1 sample';
  } catch {
    return false;
  }
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
