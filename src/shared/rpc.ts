/**
 * One small typed RPC endpoint for every channel the workbench has (webview ↔ host, host ↔ worker).
 * Transport-agnostic: it is given a `post(message, transfer?)` function and is fed incoming messages via
 * `receive()`. Requests have incrementing ids, a timeout, and cancellation (an AbortSignal on the caller
 * side, a signal handed to the handler on the other); errors travel back and reject the caller's promise;
 * pending requests are rejected and running handlers aborted on dispose. Binary payloads travel as
 * transferable ArrayBuffers, never as base64.
 */

/** Requests one side can send: method → params and result types. */
export type RequestMap = { readonly [method: string]: { readonly params: unknown; readonly result: unknown } };
/** Notifications one side can send: method → params. */
export type NotificationMap = { readonly [method: string]: unknown };

/** An error as it travels over the wire. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/** Every message the endpoint exchanges; `rpc` tells them apart from other traffic on a shared channel. */
export type RpcMessage =
  | { readonly rpc: 'request'; readonly id: number; readonly method: string; readonly params: unknown }
  | { readonly rpc: 'response'; readonly id: number; readonly result?: unknown; readonly error?: WireError }
  | { readonly rpc: 'cancel'; readonly id: number }
  | { readonly rpc: 'notification'; readonly method: string; readonly params: unknown };

/** How a message leaves: postMessage of a worker, webview or port, with the buffers to transfer. */
export type PostFn = (message: RpcMessage, transfer?: ArrayBuffer[]) => void;

/** Per-request options. */
export interface RequestOptions {
  readonly signal?: AbortSignal;
  /** Overrides the endpoint default; 0 disables the timeout. */
  readonly timeoutMs?: number;
  /** Buffers moved (not copied) with the request. */
  readonly transfer?: ArrayBuffer[];
}

/** What a handler receives besides its params. */
export interface HandlerContext {
  /** Aborted when the caller cancels, times out, or the endpoint is disposed. */
  readonly signal: AbortSignal;
  /** Mark buffers of the result to be transferred with the response. */
  transfer(buffers: readonly ArrayBuffer[]): void;
}

/** Rejection when a request outlives its timeout. */
export class RpcTimeoutError extends Error {
  override readonly name = 'RpcTimeoutError';
}

/** Rejection of requests still pending when the endpoint is disposed. */
export class RpcDisposedError extends Error {
  override readonly name = 'RpcDisposedError';
}

/** An error thrown by the remote handler, re-created locally with its name and message. */
export class RpcRemoteError extends Error {
  constructor(readonly remote: WireError) {
    super(remote.message);
    this.name = remote.name;
    if (remote.stack) this.stack = `${remote.name}: ${remote.message}\n    [remote]\n${remote.stack.split('\n').slice(1).join('\n')}`;
  }
}

function abortError(message = 'request cancelled'): Error {
  const e = new Error(message);
  e.name = 'AbortError';
  return e;
}

function toWire(e: unknown): WireError {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: 'Error', message: String(e) };
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  cleanup(): void;
}

/** Endpoint options. */
export interface RpcOptions {
  /** Default request timeout in ms (0: none). Default 30 s. */
  readonly timeoutMs?: number;
}

/**
 * One side of a channel. `Out`/`In` are the request maps this side sends/handles; `NOut`/`NIn` the
 * notification maps.
 */
export class RpcEndpoint<Out extends RequestMap, In extends RequestMap, NOut extends NotificationMap = Record<never, never>, NIn extends NotificationMap = Record<never, never>> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly running = new Map<number, AbortController>();
  private readonly handlers = new Map<string, (params: unknown, ctx: HandlerContext) => unknown>();
  private readonly listeners = new Map<string, Set<(params: unknown) => void>>();
  private disposed = false;
  private readonly timeoutMs: number;

  constructor(private readonly post: PostFn, options: RpcOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Number of requests awaiting a response (for tests and diagnostics). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Call a method on the other side. */
  request<M extends keyof Out & string>(method: M, params: Out[M]['params'], options: RequestOptions = {}): Promise<Out[M]['result']> {
    if (this.disposed) return Promise.reject(new RpcDisposedError(`rpc endpoint disposed; '${method}' not sent`));
    if (options.signal?.aborted) return Promise.reject(abortError());
    const id = this.nextId++;
    return new Promise<Out[M]['result']>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = (): void => {
        this.fail(id, abortError());
        this.send({ rpc: 'cancel', id });
      };
      const cleanup = (): void => {
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, cleanup });
      const ms = options.timeoutMs ?? this.timeoutMs;
      if (ms > 0) {
        timer = setTimeout(() => {
          this.fail(id, new RpcTimeoutError(`'${method}' timed out after ${ms} ms`));
          this.send({ rpc: 'cancel', id });
        }, ms);
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        this.post({ rpc: 'request', id, method, params }, options.transfer);
      } catch (e) {
        this.fail(id, e);
      }
    });
  }

  /** Send a one-way notification. */
  notify<M extends keyof NOut & string>(method: M, params: NOut[M], transfer?: ArrayBuffer[]): void {
    if (!this.disposed) this.send({ rpc: 'notification', method, params }, transfer);
  }

  /** Register the handler of a method; the returned function unregisters it. */
  handle<M extends keyof In & string>(method: M, handler: (params: In[M]['params'], ctx: HandlerContext) => Promise<In[M]['result']> | In[M]['result']): () => void {
    this.handlers.set(method, handler as (params: unknown, ctx: HandlerContext) => unknown);
    return () => void this.handlers.delete(method);
  }

  /** Listen to a notification; the returned function unsubscribes. */
  on<M extends keyof NIn & string>(method: M, listener: (params: NIn[M]) => void): () => void {
    let set = this.listeners.get(method);
    if (!set) this.listeners.set(method, (set = new Set()));
    set.add(listener as (params: unknown) => void);
    return () => void set!.delete(listener as (params: unknown) => void);
  }

  /** Feed one incoming message; returns false when it is not an RPC message (other traffic on the channel). */
  receive(message: unknown): boolean {
    if (!isRpcMessage(message) || this.disposed) return isRpcMessage(message);
    switch (message.rpc) {
      case 'request':
        void this.serve(message.id, message.method, message.params);
        return true;
      case 'response': {
        const p = this.pending.get(message.id);
        if (!p) return true; // late answer to a cancelled or timed-out request
        this.pending.delete(message.id);
        p.cleanup();
        if (message.error) p.reject(new RpcRemoteError(message.error));
        else p.resolve(message.result);
        return true;
      }
      case 'cancel':
        this.running.get(message.id)?.abort(abortError());
        return true;
      case 'notification':
        for (const l of this.listeners.get(message.method) ?? []) l(message.params);
        return true;
    }
  }

  private async serve(id: number, method: string, params: unknown): Promise<void> {
    const handler = this.handlers.get(method);
    if (!handler) {
      this.send({ rpc: 'response', id, error: { name: 'RpcMethodNotFound', message: `no handler for '${method}'` } });
      return;
    }
    const ac = new AbortController();
    this.running.set(id, ac);
    let transfer: ArrayBuffer[] = [];
    const ctx: HandlerContext = { signal: ac.signal, transfer: (b) => void (transfer = [...transfer, ...b]) };
    try {
      const result = await handler(params, ctx);
      if (this.running.delete(id) && !this.disposed) this.send({ rpc: 'response', id, result }, transfer);
    } catch (e) {
      if (this.running.delete(id) && !this.disposed) this.send({ rpc: 'response', id, error: toWire(e) });
    }
  }

  private fail(id: number, error: unknown): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.cleanup();
    p.reject(error);
  }

  private send(message: RpcMessage, transfer?: ArrayBuffer[]): void {
    try {
      this.post(message, transfer && transfer.length ? transfer : undefined);
    } catch {
      // The channel is gone; pending requests fail by timeout or dispose.
    }
  }

  /** Reject every pending request, abort every running handler, stop listening. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const id of [...this.pending.keys()]) this.fail(id, new RpcDisposedError('rpc endpoint disposed'));
    for (const ac of this.running.values()) ac.abort(new RpcDisposedError('rpc endpoint disposed'));
    this.running.clear();
    this.handlers.clear();
    this.listeners.clear();
  }
}

/** True for messages produced by an RpcEndpoint. */
export function isRpcMessage(m: unknown): m is RpcMessage {
  if (typeof m !== 'object' || m === null) return false;
  const k = (m as { rpc?: unknown }).rpc;
  return k === 'request' || k === 'response' || k === 'cancel' || k === 'notification';
}
