// The advantage reference cases (test/fixtures/rewards/advantages.json, from TRL's and verl's own code), shared by
// the estimator, what-if and would-be-advantage tests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One reference case: a step's rollouts with their reward components and every estimator's expected advantages. */
export interface AdvantageCase {
  run: string;
  step: number;
  weights: number[];
  groups: string[];
  components: (number | null)[][];
  expected: Record<string, (number | null)[]>;
  /** Where TRL's value changes once torch's float32 sqrt (MKL, not correctly rounded) is made correctly rounded. */
  exact_sqrt: Record<string, Record<string, number | null>>;
}

/** The reference file: its cases and the TRL version they came from. */
export function advantageReference(): { cases: AdvantageCase[]; trl: string } {
  return JSON.parse(readFileSync(join(__dirname, '../../../../test/fixtures/rewards/advantages.json'), 'utf8')) as { cases: AdvantageCase[]; trl: string };
}
