import type { PromptEdit } from '../core/edit/promptEdits';
import type { PanelHostNotifications, ViewAck } from '../shared/panelProtocol';
import { selectionKey, type Selection, type ViewPayload, type ViewReplay } from '../shared/protocol';

/** What the session needs from its panel: the workspace, view building, and what follows a view on screen. */
export interface PanelViews {
  /** Resolves once the workspace is indexed (again, after a refresh). */
  modelReady(): Promise<void>;
  /** What a panel opened on nothing shows (undefined: the workspace has nothing to show). */
  defaultSelection(): Selection | undefined;
  /** The title while a selection loads, in the user's words. */
  loadingLabel(s: Selection): string;
  /** Build a view; `replay` recomputes its rewards afterwards. */
  build(s: Selection, edits: readonly PromptEdit[] | undefined): Promise<{ view: Omit<ViewPayload, 'revision'>; replay?: () => Promise<Omit<ViewReplay, 'revision'>> }>;
  /** A view was sent (panel title, attribution, advantages, listeners). */
  shown(view: ViewPayload, edits: readonly PromptEdit[] | undefined): void;
  /** The replay of the latest view was sent. */
  replayed(view: ViewPayload, replay: ViewReplay, edits: readonly PromptEdit[] | undefined): void;
}

/** Posts one notification to the page (called only while the page listens). */
export type PanelPush = <M extends keyof PanelHostNotifications & string>(method: M, params: PanelHostNotifications[M]) => void;

/** One request for a view: what to show and with which edits (a re-segment: empty edits). */
interface ViewRequest {
  readonly seq: number;
  /** Resolved when the build starts (none: the default). */
  selection: Selection | undefined;
  /** Checks a selection the page sent (a file must resolve inside the workspace) when the build starts. */
  readonly resolve?: () => Promise<Selection | undefined>;
  readonly edits: readonly PromptEdit[] | undefined;
  /** The page asked (its RPC call rejects on failure) or the host did (the failure is pushed as `error`). */
  readonly fromPage: boolean;
  state: 'waiting' | 'building' | 'done' | 'failed';
  /** Its view was delivered to the page listening now. */
  onPage: boolean;
}

type Queued = { readonly method: keyof PanelHostNotifications & string; readonly params: unknown };

/**
 * The panel's view sequence, free of vscode (see the message sequence in src/shared/panelProtocol.ts): every request
 * takes its seq when it arrives, with its edits; the newest wins; pushes wait while the page is away; a page that
 * comes back gets the newest request's view, edits included.
 */
export class PanelSession {
  private seq = 0;
  private latest: ViewRequest | undefined;
  private ready = false;
  private queue: Queued[] = [];
  private shownView: ViewPayload | undefined;

  constructor(
    private readonly views: PanelViews,
    private readonly post: PanelPush,
  ) {}

  /** Whether the page listens. */
  get listening(): boolean {
    return this.ready;
  }

  /** The newest request's selection: what is on screen or about to be. */
  get selection(): Selection | undefined {
    return this.latest?.selection;
  }

  /** The last view sent (what an export renders). */
  get shown(): ViewPayload | undefined {
    return this.shownView;
  }

  /** True while `seq` is the newest request (its async follow-ups may still be sent). */
  isCurrent(seq: number): boolean {
    return seq === this.seq;
  }

  /** The revision of the view on screen when it is the newest request's, else undefined. */
  get currentRevision(): number | undefined {
    return this.shownView && this.shownView.revision === this.seq ? this.seq : undefined;
  }

  /** Send a notification now, or when the page is back (of the views, only the newest is kept). */
  push<M extends keyof PanelHostNotifications & string>(method: M, params: PanelHostNotifications[M]): void {
    if (this.ready) {
      this.post(method, params);
      return;
    }
    if (method === 'view/show') this.queue = this.queue.filter((q) => q.method !== 'view/show');
    this.queue.push({ method, params });
  }

  /**
   * Show `selection` (undefined: the default) with `edits`. The request takes its seq now, before anything is
   * awaited, so requests take effect in the order they arrive. Resolves once its view is sent (or superseded);
   * a failed build rejects a page request and is pushed as `error` for a host one.
   */
  request(selection: Selection | undefined, edits: readonly PromptEdit[] | undefined, fromPage = false): Promise<ViewAck> {
    return this.enqueue({ seq: ++this.seq, selection, edits, fromPage, state: 'waiting', onPage: false });
  }

  /** A request from the page: its selection is checked (`resolve` throws when it is refused) once its turn comes. */
  requestFromPage(resolve: () => Promise<Selection | undefined>, edits: readonly PromptEdit[] | undefined): Promise<ViewAck> {
    return this.enqueue({ seq: ++this.seq, selection: undefined, resolve, edits, fromPage: true, state: 'waiting', onPage: false });
  }

  /** Open a selection from the host (tree, traces, Open Workbench): the newest request already naming it is kept, edits and all. */
  open(selection: Selection): Promise<ViewAck> {
    const r = this.latest;
    if (r?.selection && selectionKey(r.selection) === selectionKey(selection) && r.state !== 'failed') return Promise.resolve({ revision: r.seq, shown: r.state === 'done' });
    return this.request(selection, undefined);
  }

  /**
   * The page listens (first load, back from hidden, or reloaded): `greet` pushes what it always needs first, the
   * queue is flushed, and unless the newest request's view is on its way, that request runs again, edits included.
   * With no request at all, the page's `restore`d selection (checked by the caller) or the default is shown.
   */
  pageReady(restore: () => Promise<Selection | undefined>, greet: () => void): void {
    this.ready = true;
    greet();
    const queued = this.queue;
    this.queue = [];
    for (const q of queued) {
      if (q.method === 'view/show' && this.latest && (q.params as ViewPayload).revision === this.latest.seq) this.latest.onPage = true;
      this.post(q.method, q.params as never);
    }
    const r = this.latest;
    if (!r) void this.enqueue({ seq: ++this.seq, selection: undefined, resolve: restore, edits: undefined, fromPage: false, state: 'waiting', onPage: false });
    else if (r.state === 'waiting') void this.enqueue(r);
    else if (r.state !== 'building' && !r.onPage) void this.request(r.selection, r.edits);
  }

  /** The page is gone (hidden and torn down, or being reloaded): pushes wait for the next `pageReady`. */
  pageGone(): void {
    this.ready = false;
    if (this.latest) this.latest.onPage = false;
  }

  private enqueue(r: ViewRequest): Promise<ViewAck> {
    this.latest = r;
    // A page that is away builds nothing: its `ready` runs the newest request.
    if (!this.ready) return Promise.resolve({ revision: r.seq, shown: false });
    return this.run(r).catch((e: unknown) => {
      r.state = 'failed';
      if (!this.isCurrent(r.seq)) return { revision: r.seq, shown: false };
      const message = e instanceof Error ? e.message : String(e);
      if (r.fromPage) throw e instanceof Error ? e : new Error(message);
      this.push('error', { message });
      return { revision: r.seq, shown: false };
    });
  }

  private async run(r: ViewRequest): Promise<ViewAck> {
    r.state = 'building';
    const superseded: ViewAck = { revision: r.seq, shown: false };
    await this.views.modelReady();
    if (r.resolve && !r.selection) r.selection = await r.resolve();
    if (!this.isCurrent(r.seq)) return superseded;
    const target = r.selection ?? this.views.defaultSelection();
    if (!target) throw new Error('Nothing to show: no rollout logs (*.jsonl) or datasets (Imgs/ + GT/) in this workspace.');
    r.selection = target;
    this.push('view/loading', { revision: r.seq, selection: target, label: this.views.loadingLabel(target) });
    let built: Awaited<ReturnType<PanelViews['build']>>;
    try {
      built = await this.views.build(target, r.edits);
    } catch (e) {
      throw new Error(`Cannot open ${selectionKey(target)}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (!this.isCurrent(r.seq)) return superseded;
    const view: ViewPayload = { ...built.view, revision: r.seq };
    r.state = 'done';
    r.onPage = this.ready;
    this.push('view/show', view);
    this.shownView = view;
    this.views.shown(view, r.edits);
    if (built.replay) void this.replay(view, built.replay, r.edits);
    return { revision: r.seq, shown: true };
  }

  /** Recomputed rewards after the view painted; a failure is pushed only while the view is the newest. */
  private async replay(view: ViewPayload, replay: () => Promise<Omit<ViewReplay, 'revision'>>, edits: readonly PromptEdit[] | undefined): Promise<void> {
    try {
      const replayed: ViewReplay = { ...(await replay()), revision: view.revision };
      if (!this.isCurrent(view.revision)) return;
      this.push('view/replayed', replayed);
      this.views.replayed(view, replayed, edits);
    } catch (e) {
      if (this.isCurrent(view.revision)) this.push('error', { message: `Cannot replay ${selectionKey(view.selection)}: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
}
