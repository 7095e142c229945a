// Types for scripts/codeServer.mjs, so the TypeScript e2e harness can import it type-checked.

/** The pinned code-server version. */
export declare const CODE_SERVER_VERSION: string;
/** Repository root. */
export declare const REPO_ROOT: string;
/** Install folder of code-server (git-ignored). */
export declare const INSTALL_DIR: string;
/** code-server's CLI entry point. */
export declare const ENTRY: string;

/** Options of start(). */
export interface StartOptions {
  /** Folder opened in place. */
  workspace?: string;
  /** Folder copied into the temp root and opened there (tests that write to it stay isolated). */
  copyWorkspace?: string;
  /** Merged over the base settings in User/settings.json. */
  settings?: Record<string, unknown>;
  /** VSIX files installed into the run's extensions dir before start. */
  installExtensions?: string[];
  /** host:port; default 127.0.0.1:0. */
  bindAddr?: string;
  /** The server's process group is killed after this long whatever happens; default 15 min, 0 for never. */
  hardTimeoutMs?: number;
  /** Keep the temp root after stop (debugging). */
  keepRoot?: boolean;
  /** Do not echo code-server's output. */
  quiet?: boolean;
  /** Leave workspace trust on (omit --disable-workspace-trust). */
  trust?: boolean;
  /** Parent of the temp root; default os.tmpdir(). */
  tmpRoot?: string;
  /** Default true: SIGINT/SIGTERM/SIGHUP kill the server's group and exit; false when the caller handles signals. */
  handleSignals?: boolean;
  /** Extra environment for code-server and its extension host. */
  env?: Record<string, string>;
}

/** Options of a workbench URL. */
export interface WorkbenchUrlOptions {
  /** Extension folder(s) loaded in development mode. */
  extensionDevelopmentPath?: string | string[];
  /** Extension-host test suite module (exports run()). */
  extensionTestsPath?: string;
  /** Folder to open; default the server's workspace. */
  folder?: string;
}

/** A running code-server. */
export interface CodeServer {
  /** The port it listens on. */
  port: number;
  /** http://host:port */
  baseUrl: string;
  /** The temp root holding user data, extensions, XDG dirs, TMPDIR. */
  root: string;
  /** The folder it was started with. */
  workspace: string;
  /** --user-data-dir */
  userDataDir: string;
  /** --extensions-dir */
  extensionsDir: string;
  /** Process id (and process group id) of the server. */
  pid: number;
  /** Resolves when the server process exits. */
  exited: Promise<{ code: number | null; signal: string | null }>;
  /** Full workbench URL for the given payload. */
  url(o?: WorkbenchUrlOptions): string;
  /** Everything the server printed. */
  output(): string;
  /** Log files under the user-data dir. */
  logs(): string[];
  /** Kills the process group and removes the temp root. */
  stop(): Promise<void>;
}

/** True when a finished install is present. */
export declare function isInstalled(): boolean;
/** Installs code-server once; returns ENTRY. */
export declare function ensureCodeServer(): string;
/** URL path + query opening a folder with a payload. */
export declare function workbenchPath(o: WorkbenchUrlOptions & { port: number }): string;
/** Every *.log under dir. */
export declare function findLogs(dir: string, out?: string[]): string[];
/** Starts code-server headless in a fresh temp root. */
export declare function start(opts?: StartOptions): Promise<CodeServer>;
/** start(), fn(server), stop() in a finally. */
export declare function withCodeServer<T>(opts: StartOptions, fn: (s: CodeServer) => Promise<T>): Promise<T>;
