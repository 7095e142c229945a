import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoadWatchdog, type WatchdogClock } from '../../../src/host/loadWatchdog';

/** A clock whose timers fire only when the test advances it. */
function fakeClock(): WatchdogClock & { advance(ms: number): void; pending(): number } {
  let now = 0;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    setTimer: (fn, ms) => {
      timers.set(++seq, { at: now + ms, fn });
      return seq;
    },
    clearTimer: (h) => void timers.delete(h as number),
    advance(ms) {
      now += ms;
      for (const [id, t] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
        if (t.at > now || !timers.has(id)) continue;
        timers.delete(id);
        t.fn();
      }
    },
    pending: () => timers.size,
  };
}

function setup() {
  const clock = fakeClock();
  const failures: string[] = [];
  const w = new LoadWatchdog({ panel: 'Seg-R1 Workbench', deadlineMs: 1000, clock, onFailed: (r) => failures.push(r) });
  return { clock, failures, w };
}

test('a page that never says ready fails once at the deadline, naming the panel, the deadline and the attempt', () => {
  const { clock, failures, w } = setup();
  w.loading();
  clock.advance(999);
  assert.deepEqual(failures, []);
  clock.advance(1);
  assert.equal(failures.length, 1);
  assert.match(failures[0]!, /Seg-R1 Workbench did not load: .*within 1 s \(attempt 1\)/);
  clock.advance(10_000);
  assert.equal(failures.length, 1);
});

test('ready before the deadline disarms it', () => {
  const { clock, failures, w } = setup();
  w.loading();
  clock.advance(500);
  w.ready();
  clock.advance(5000);
  assert.deepEqual(failures, []);
  assert.equal(clock.pending(), 0);
  assert.ok(w.isReady);
});

test('an error before ready fails the load at once; a later error of the same load is ignored', () => {
  const { clock, failures, w } = setup();
  w.loading();
  const v = w.error('failed to load script https://x/dist/webview.js');
  assert.equal(v.kind, 'failed');
  assert.deepEqual(failures, ['Seg-R1 Workbench did not load: failed to load script https://x/dist/webview.js']);
  assert.equal(w.error('again').kind, 'ignore');
  clock.advance(5000);
  assert.equal(failures.length, 1, 'the deadline does not fail it a second time');
});

test('an error after ready keeps the page (degraded) and does not call onFailed', () => {
  const { failures, w } = setup();
  w.loading();
  w.ready();
  const v = w.error('TypeError: x is undefined at webview.js:1:2');
  assert.deepEqual(v, { kind: 'degraded', reason: 'Seg-R1 Workbench: TypeError: x is undefined at webview.js:1:2' });
  assert.deepEqual(failures, []);
});

test('Reload is a new attempt with a fresh deadline; a late timer of the failed attempt does not fail it', () => {
  const { clock, failures, w } = setup();
  w.loading();
  clock.advance(1000);
  assert.equal(failures.length, 1);
  w.loading();
  assert.equal(w.attempts, 2);
  clock.advance(600);
  w.ready();
  clock.advance(5000);
  assert.equal(failures.length, 1);
  // A reload that fails again says which attempt.
  w.loading();
  clock.advance(1000);
  assert.match(failures[1]!, /attempt 3/);
});

test('a hidden page runs no deadline; shown again it gets a fresh one', () => {
  const { clock, failures, w } = setup();
  w.loading();
  w.ready();
  w.hidden();
  clock.advance(5000);
  assert.deepEqual(failures, []);
  w.shown();
  clock.advance(999);
  assert.deepEqual(failures, []);
  clock.advance(1);
  assert.equal(failures.length, 1);
  assert.match(failures[0]!, /attempt 1/);
});

test('showing a page that already failed does not re-arm (the error page stays until Reload)', () => {
  const { clock, failures, w } = setup();
  w.loading();
  w.error('boom');
  w.hidden();
  w.shown();
  clock.advance(5000);
  assert.equal(failures.length, 1);
  assert.equal(clock.pending(), 0);
});
