import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import { RpcEndpoint } from '../../../src/shared/rpc';
import { PanelSession, type PanelViews } from '../../../src/host/panelSession';
import { selectionKey, type Selection, type ViewPayload } from '../../../src/shared/protocol';
import type { PromptEdit } from '../../../src/core/edit/promptEdits';
import type { PanelHostNotifications, PanelHostRequests, PanelWebviewNotifications, PanelWebviewRequests } from '../../../src/shared/panelProtocol';

const A: Selection = { kind: 'rollout', log: '/ws/rollouts.jsonl', index: 0 };
const B: Selection = { kind: 'rollout', log: '/ws/rollouts.jsonl', index: 1 };
const C: Selection = { kind: 'rollout', log: '/ws/rollouts.jsonl', index: 2 };
const BAD: Selection = { kind: 'rollout', log: '/ws/gone.jsonl', index: 0 };
const MOVE: PromptEdit = { kind: 'point', index: 0, x: 10, y: 12 };

/** A gate the test opens: builds or the workspace model wait on it. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

/** Let every pending continuation run (the fakes resolve on the microtask/timer queue). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/** A session on fake views: records what it pushes; `model` and `builds` gates hold the workspace and the builds. */
function harness(forward?: (method: string, params: unknown) => void) {
  const pushes: Array<{ method: string; params: unknown }> = [];
  const fake = { model: Promise.resolve(), builds: Promise.resolve(), built: [] as string[] };
  const views: PanelViews = {
    modelReady: () => fake.model,
    defaultSelection: () => A,
    loadingLabel: (s) => selectionKey(s),
    build: async (s, edits) => {
      fake.built.push(selectionKey(s));
      await fake.builds;
      if (selectionKey(s) === selectionKey(BAD)) throw new Error('log /ws/gone.jsonl is not indexed');
      const view: Omit<ViewPayload, 'revision'> = { selection: s, title: `run · ${selectionKey(s)}`, synthetic: false, glyphs: [], group: [], problems: [], ...(edits ? { edited: { originalCompletion: '', edits } } : {}) };
      return { view, replay: async () => ({ selection: s, rewards: [], total: { name: 'total', replayed: {} }, advantage: { name: 'advantage', replayed: {} }, group: [], groupZeroVariance: false }) };
    },
    shown: () => undefined,
    replayed: () => undefined,
  };
  const session = new PanelSession(views, (method, params) => {
    pushes.push({ method, params });
    forward?.(method, params);
  });
  const greet = () => session.push('segmenter/didChange', { label: 'SAM2 tiny', kind: 'sam2' });
  const shows = () => pushes.filter((p) => p.method === 'view/show').map((p) => p.params as ViewPayload);
  const lastShow = () => shows().at(-1);
  return { session, fake, pushes, greet, shows, lastShow, ready: () => session.pageReady(async () => undefined, greet) };
}

test('a Re-segment clicked while the workspace settles is not undone by the page coming back', async () => {
  const h = harness();
  h.ready();
  await settle();
  assert.equal(h.lastShow()?.revision, 1);
  // A refresh of the workspace is under way when the click arrives (the model is not ready yet) ...
  const refresh = gate();
  h.fake.model = refresh.promise;
  const ack = h.session.requestFromPage(async () => A, []);
  // ... and meanwhile the page is rebuilt and says `ready` again.
  h.session.pageGone();
  h.ready();
  refresh.open();
  await settle();
  const last = h.lastShow();
  assert.deepEqual(last?.edited?.edits, [], 'the re-segmented view must be the one left on screen');
  assert.deepEqual(await ack, { revision: last?.revision, shown: true });
});

test('a request made while the page is away is not lost to an older view built meanwhile', async () => {
  const h = harness();
  h.ready();
  await settle();
  const slow = gate();
  h.fake.builds = slow.promise;
  void h.session.request(B, undefined);
  await settle();
  h.session.pageGone();
  void h.session.request(C, [MOVE]);
  slow.open();
  await settle();
  h.ready();
  await settle();
  const last = h.lastShow();
  assert.equal(last && selectionKey(last.selection), selectionKey(C));
  assert.deepEqual(last?.edited?.edits, [MOVE]);
  assert.ok(!h.shows().some((v) => selectionKey(v.selection) === selectionKey(B)), 'the superseded view was sent');
});

test('opening the rollout already shown keeps its re-segment, also once the page comes back', async () => {
  const h = harness();
  h.ready();
  await settle();
  await h.session.requestFromPage(async () => A, []);
  const builds = h.fake.built.length;
  // Open Workbench (or a reveal from the traces) names the rollout on screen.
  assert.deepEqual(await h.session.open(A), { revision: 2, shown: true });
  assert.equal(h.fake.built.length, builds, 'the view was rebuilt');
  h.session.pageGone();
  h.ready();
  await settle();
  assert.deepEqual(h.lastShow()?.edited?.edits, []);
  // Another rollout is a new request, without edits.
  await h.session.open(B);
  assert.equal(h.lastShow()?.edited, undefined);
});

test('requests take effect in the order they arrive, even when the first one takes longer to check', async () => {
  const h = harness();
  h.ready();
  await settle();
  const check = gate();
  const first = h.session.requestFromPage(async () => {
    await check.promise;
    return B;
  }, undefined);
  const second = h.session.requestFromPage(async () => C, []);
  check.open();
  assert.deepEqual(await first, { revision: 2, shown: false });
  assert.deepEqual(await second, { revision: 3, shown: true });
  await settle();
  assert.equal(selectionKey(h.lastShow()!.selection), selectionKey(C));
  assert.ok(!h.fake.built.includes(selectionKey(B)), 'the superseded request was built');
});

test('while the page is away only the newest view waits, after the greeting, and the replay follows its view', async () => {
  const h = harness();
  h.ready();
  await settle();
  h.session.pageGone();
  void h.session.request(B, undefined);
  void h.session.request(C, undefined);
  h.pushes.length = 0;
  h.ready();
  await settle();
  assert.deepEqual(
    h.pushes.map((p) => p.method),
    ['segmenter/didChange', 'view/loading', 'view/show', 'view/replayed'],
  );
  assert.equal(selectionKey(h.lastShow()!.selection), selectionKey(C));
  assert.equal((h.pushes[3]!.params as { revision: number }).revision, h.lastShow()!.revision);
});

test("a failed build rejects the page's request and is pushed as an error for the host's", async () => {
  const h = harness();
  h.ready();
  await settle();
  await assert.rejects(h.session.requestFromPage(async () => BAD, undefined), /Cannot open rollout:\/ws\/gone\.jsonl#0: log \/ws\/gone\.jsonl is not indexed/);
  assert.ok(!h.pushes.some((p) => p.method === 'error'), 'a page request failure must reach the page once, as the rejection');
  assert.deepEqual(await h.session.request(BAD, undefined), { revision: 3, shown: false });
  assert.match((h.pushes.find((p) => p.method === 'error')?.params as { message: string }).message, /gone\.jsonl is not indexed/);
});

test('over the panel channel: a view request replies after its view, a failure rejects the page with why', async () => {
  const { port1, port2 } = new MessageChannel();
  const host = new RpcEndpoint<PanelWebviewRequests, PanelHostRequests, PanelHostNotifications, PanelWebviewNotifications>((m) => port1.postMessage(m));
  const page = new RpcEndpoint<PanelHostRequests, PanelWebviewRequests, PanelWebviewNotifications, PanelHostNotifications>((m) => port2.postMessage(m), { timeoutMs: 0 });
  port1.on('message', (m) => void host.receive(m));
  port2.on('message', (m) => void page.receive(m));
  const h = harness((method, params) => host.notify(method as 'view/show', params as ViewPayload));
  try {
    host.on('ready', () => h.ready());
    host.handle('view/edit', (p) => h.session.requestFromPage(async () => p.selection, p.edits));
    const shown: number[] = [];
    page.on('view/show', (v) => void shown.push(v.revision));
    page.notify('ready', {});
    const ack = await page.request('view/edit', { selection: B, edits: [] });
    assert.equal(ack.shown, true);
    // Pushes and replies share the channel, in order: the view came before its reply.
    assert.deepEqual(shown, [1, ack.revision]);
    await assert.rejects(page.request('view/edit', { selection: BAD, edits: [] }), /Cannot open rollout:\/ws\/gone\.jsonl#0: log \/ws\/gone\.jsonl is not indexed/);
  } finally {
    host.dispose();
    page.dispose();
    port1.close();
    port2.close();
  }
});
