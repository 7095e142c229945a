// `npm run bench`: build, run every bench/*.bench.ts (compiled to dist-test/bench) in its own process, write bench/results.json.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, rmSync, existsSync, mkdirSync } from 'node:fs';

const filter = process.argv[2];
const out = 'bench/.data/results.ndjson';
mkdirSync('bench/.data', { recursive: true });
rmSync(out, { force: true });
if (spawnSync(process.execPath, ['esbuild.mjs'], { stdio: 'inherit' }).status !== 0) process.exit(1);
const benches = readdirSync('dist-test/bench').filter((f) => f.endsWith('.bench.js') && (!filter || f.includes(filter))).sort();
let failed = 0;
for (const b of benches) {
  console.log(`\n── bench ${b}`);
  const r = spawnSync(process.execPath, ['--expose-gc', `dist-test/bench/${b}`], { stdio: 'inherit', env: { ...process.env, SEGR1_BENCH_OUT: out } });
  if (r.status !== 0) { console.error(`bench ${b} exited ${r.status}`); failed++; }
}
const fresh = existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
// A filtered run (`node scripts/bench.mjs index`) replaces only its own figures: the others stay as last measured.
let figures = fresh;
if (filter && existsSync('bench/results.json')) {
  const names = new Set(fresh.map((f) => f.name));
  const kept = JSON.parse(readFileSync('bench/results.json', 'utf8')).filter((/** @type {{ name: string }} */ f) => !names.has(f.name));
  figures = [...kept, ...fresh];
}
writeFileSync('bench/results.json', JSON.stringify(figures, null, 2) + '\n');
console.log(`\nwrote bench/results.json (${fresh.length} figures measured${filter ? `, ${figures.length - fresh.length} kept from the last run` : ''})`);
process.exit(failed ? 1 : 0);
