import { Rng } from '../../../src/core/sample/random';

/** Fragments the fuzzer splices: tags of every format, numbers, separators, Unicode digits and spaces. */
const FRAGMENTS = [
  '<think>', '</think>', '<answer>', '</answer>', '<bbox>', '</bbox>', '<points>', '</points>', '<labels>', '</labels>',
  '[', ']', '[[', ']]', ',', ', ', ' ', '  ', '\n', '\t', '{', '}', '"bbox"', '"points_1"', '"points_2"', '"bbox_2d"', '"point_2d"',
  ':', '0', '1', '12', '768', '007', '-5', '3.25', '1e3', '١', '１', '𝟙', '\u00a0', '\u3000', '\u000b', '\u001c', '\u0085', '\ufeff',
  '\ud800', '\udc00', '<', '>', '/', 'x', 'the cat', '"', '\\', '(', ')',
];

/** Well-formed answers of each family, the seeds mutation starts from. */
function wellFormed(rng: Rng): string {
  const n = rng.int(1, 8);
  const pts = Array.from({ length: n }, () => `[${rng.int(0, 767)},${rng.int(0, 767)}]`).join(',');
  const lbs = Array.from({ length: n }, () => String(rng.int(0, 1))).join(',');
  switch (rng.int(0, 2)) {
    case 0:
      return `<think>reason ${rng.int(0, 99)}</think> <bbox>[${rng.int(0, 300)},${rng.int(0, 300)},${rng.int(300, 767)},${rng.int(300, 767)}]</bbox>, <points>[${pts}]</points>, <labels>[${lbs}]</labels>`;
    case 1:
      return `<think>r</think><answer>{"bbox":[${rng.int(0, 400)},${rng.int(0, 400)},${rng.int(400, 839)},${rng.int(400, 839)}],"points_1":[${rng.int(0, 839)},${rng.int(0, 839)}],"points_2":[${rng.int(0, 839)},${rng.int(0, 839)}]}</answer>`;
    default:
      return `<think>r</think><answer>[${Array.from({ length: rng.int(1, 3) }, () => `{"bbox_2d":[${rng.int(0, 400)},${rng.int(0, 400)},${rng.int(400, 839)},${rng.int(400, 839)}],"point_2d":[${rng.int(0, 839)},${rng.int(0, 839)}]}`).join(', ')}]</answer>`;
  }
}

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[Math.floor(rng.next() * xs.length)]!;
}

/** Random splice of fragments. */
function randomText(rng: Rng, parts: number): string {
  let s = '';
  for (let i = 0; i < parts; i++) s += pick(rng, FRAGMENTS);
  return s;
}

/** A well-formed answer with a few insertions, deletions, duplications and truncations. */
function mutated(rng: Rng): string {
  let s = wellFormed(rng);
  for (let k = rng.int(1, 5); k > 0; k--) {
    const i = rng.int(0, s.length);
    const op = rng.next();
    if (op < 0.35) s = s.slice(0, i) + pick(rng, FRAGMENTS) + s.slice(i);
    else if (op < 0.6) s = s.slice(0, i) + s.slice(i + rng.int(1, 6));
    else if (op < 0.8) s = s.slice(0, i) + s.slice(i, i + rng.int(1, 20)).repeat(rng.int(2, 5)) + s.slice(i);
    else s = s.slice(0, i);
  }
  return s;
}

/** ~100 kB inputs shaped after the reference's worst cases and generic bulk. */
export function bigInput(rng: Rng, kind: number): string {
  const size = 100_000;
  const fill = (unit: string, head = '') => head + unit.repeat(Math.ceil((size - head.length) / unit.length)).slice(0, size - head.length);
  switch (kind % 10) {
    case 0: return fill('1 ', '<labels>[');
    case 1: return fill('1', '<labels>[');
    case 2: return fill('[1,2]  ', '<points>[');
    case 3: return fill('<think>');
    case 4: return fill('<points>[[1,2]');
    case 5: return fill('<bbox>[1,2,3,4]</bbox>');
    case 6: return fill('{"bbox_2d":[1,2,3,4],"point_2d":[5,6]},', '<think>x</think><answer>[');
    case 7: return fill('{', '<answer>');
    case 8: return randomText(rng, 20_000).slice(0, size);
    default: return fill('"', '<answer>{');
  }
}

/** The i-th fuzz input of a seeded stream: random splices, mutated answers, and now and then a 100 kB one. */
export function fuzzInput(seed: number, i: number): string {
  const rng = Rng.derive(seed, i);
  if (i % 10_000 === 9_999) return bigInput(rng, Math.floor(i / 10_000));
  const r = rng.next();
  if (r < 0.45) return mutated(rng);
  if (r < 0.9) return randomText(rng, rng.int(0, 40));
  return randomText(rng, rng.int(40, 400));
}
