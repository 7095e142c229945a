// A real VS Code (code-server from npm) for `npm start` and the e2e tests: idempotent install outside the project's
// dependency tree, then headless starts in throwaway roots. Each workaround below says why it exists.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync, cpSync, readdirSync, statSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, URLSearchParams } from 'node:url';
/* global fetch, AbortSignal -- Node 20 globals the shared ESLint config does not list */
// Types are JSDoc, checked by `tsc -p scripts/tsconfig.json` (part of `npm run typecheck` and `npm test`), so the file
// still runs on Node 20 without a build and the TypeScript e2e harness imports it typed.

/**
 * Options of start().
 * @typedef {object} StartOptions
 * @property {string} [workspace] Folder opened in place.
 * @property {string} [copyWorkspace] Folder copied into the temp root and opened there (tests that write to it stay isolated).
 * @property {Record<string, unknown>} [settings] Merged over the base settings in User/settings.json.
 * @property {string[]} [installExtensions] VSIX files installed into the run's extensions dir before start.
 * @property {string} [bindAddr] host:port; default 127.0.0.1:0.
 * @property {number} [hardTimeoutMs] The server's process group is killed after this long whatever happens; default 15 min, 0 for never.
 * @property {boolean} [keepRoot] Keep the temp root after stop (debugging).
 * @property {boolean} [quiet] Do not echo code-server's output.
 * @property {boolean} [trust] Leave workspace trust on (omit --disable-workspace-trust).
 * @property {string} [tmpRoot] Parent of the temp root; default os.tmpdir().
 * @property {boolean} [handleSignals] Default true: SIGINT/SIGTERM/SIGHUP kill the server's group and exit; false when the caller handles signals.
 * @property {Record<string, string>} [env] Extra environment for code-server and its extension host.
 */

/**
 * What a workbench URL loads.
 * @typedef {object} WorkbenchUrlOptions
 * @property {string | string[]} [extensionDevelopmentPath] Extension folder(s) loaded in development mode.
 * @property {string} [extensionTestsPath] Extension-host test suite module (exports run()).
 * @property {string} [folder] Folder to open; default the server's workspace.
 */

/**
 * A running code-server.
 * @typedef {object} CodeServer
 * @property {number} port The port it listens on.
 * @property {string} baseUrl http://host:port
 * @property {string} root The temp root holding user data, extensions, XDG dirs, TMPDIR.
 * @property {string} workspace The folder it was started with.
 * @property {string} userDataDir --user-data-dir
 * @property {string} extensionsDir --extensions-dir
 * @property {number} pid Process id (and process group id) of the server.
 * @property {Promise<ServerExit>} exited Resolves when the server process exits.
 * @property {(o?: WorkbenchUrlOptions) => string} url Full workbench URL for the given payload.
 * @property {() => string} output Everything the server printed so far.
 * @property {() => string[]} logs Log files under the user-data dir (extension host, server).
 * @property {() => Promise<void>} stop Kills the process group and removes the temp root.
 */

/**
 * How the server process ended.
 * @typedef {{ code: number | null, signal: NodeJS.Signals | null }} ServerExit
 */

/** The environment of the install's npm runs; TMPDIR is always set. @typedef {NodeJS.ProcessEnv & { TMPDIR: string }} InstallEnv */

/** The pinned code-server: VS Code 1.100.3, the last line whose engines accept Node 20. */
export const CODE_SERVER_VERSION = '4.100.3';
/** Repository root (this file lives in scripts/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Where code-server is installed, git-ignored, with its own package.json. */
export const INSTALL_DIR = join(REPO_ROOT, '.vscode-test', 'code-server');
/** code-server's CLI entry point once installed. */
export const ENTRY = join(INSTALL_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

const MARKER = join(INSTALL_DIR, '.segr1-installed');
const APT_PACKAGES = ['build-essential', 'pkg-config', 'python3', 'libkrb5-dev', 'ripgrep'];

/**
 * Prints a line prefixed so install/start chatter is told apart from test output.
 * @param {string} msg
 */
function say(msg) {
  console.log(`[code-server] ${msg}`);
}

/**
 * Runs a command, inheriting stdio; throws with the command line when it fails.
 * @param {string} cmd
 * @param {string[]} args
 * @param {import('node:child_process').SpawnSyncOptions} [opts]
 */
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  return r;
}

/**
 * Runs a noisy install step with its output appended to a log file; on failure prints the log's tail and throws.
 * @param {string} log
 * @param {string} cmd
 * @param {string[]} args
 * @param {import('node:child_process').SpawnSyncOptions} [opts]
 */
function runLogged(log, cmd, args, opts = {}) {
  writeFileSync(log, `\n$ ${cmd} ${args.join(' ')}\n`, { flag: 'a' });
  const r = spawnSync(cmd, args, { ...opts, encoding: 'utf8', maxBuffer: 256 << 20 });
  writeFileSync(log, `${r.stdout ?? ''}${r.stderr ?? ''}`, { flag: 'a' });
  if (r.status !== 0) {
    const tail = readFileSync(log, 'utf8').split('\n').slice(-60).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}; last lines of ${log}:\n${tail}`);
  }
  return r;
}

/** Which of the build prerequisites are missing; checked by file so no apt database is needed when all are there. */
function missingPrerequisites() {
  const onPath = (/** @type {string} */ bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
  /** @type {string[]} */
  const missing = [];
  if (!onPath('cc') || !onPath('make') || !onPath('g++')) missing.push('build-essential');
  if (!onPath('pkg-config')) missing.push('pkg-config');
  if (!onPath('python3')) missing.push('python3');
  // kerberos compiles against gssapi.h; the header lives under either of these depending on the Debian release.
  if (!existsSync('/usr/include/gssapi/gssapi.h') && !existsSync('/usr/include/gssapi.h')) missing.push('libkrb5-dev');
  if (!existsSync('/usr/bin/rg')) missing.push('ripgrep');
  return missing;
}

/** Installs what the native modules and the ripgrep workaround need, through apt when root. */
function ensurePrerequisites() {
  const missing = missingPrerequisites();
  if (!missing.length) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`code-server needs these Debian packages: ${missing.join(' ')} (run as root: apt-get install -y ${APT_PACKAGES.join(' ')})`);
  }
  say(`apt-get install ${missing.join(' ')}`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** True when a previous install finished and its key artefacts are still there. */
export function isInstalled() {
  if (!existsSync(MARKER) || !existsSync(ENTRY)) return false;
  if (readFileSync(MARKER, 'utf8').trim() !== CODE_SERVER_VERSION) return false;
  const vscode = join(INSTALL_DIR, 'node_modules', 'code-server', 'lib', 'vscode');
  // These exist only if the postinstall scripts really ran (npm 11 may skip them silently).
  return existsSync(join(vscode, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg')) && existsSync(join(vscode, 'node_modules', 'node-pty', 'build', 'Release'));
}

/**
 * The @vscode/ripgrep package version code-server's VS Code pins, and the rg asset version that package downloads.
 * @param {InstallEnv} env
 */
function ripgrepVersions(env) {
  const shrinkwrap = JSON.parse(readFileSync(join(INSTALL_DIR, 'node_modules', 'code-server', 'lib', 'vscode', 'npm-shrinkwrap.json'), 'utf8'));
  const pkgVersion = shrinkwrap.packages?.['node_modules/@vscode/ripgrep']?.version;
  if (!pkgVersion) throw new Error('code-server: @vscode/ripgrep not found in lib/vscode/npm-shrinkwrap.json');
  // The asset version is a constant inside the package's postinstall; fetch the package itself to read it.
  const packDir = mkdtempSync(join(env.TMPDIR, 'rgpack-'));
  const r = spawnSync('npm', ['pack', `@vscode/ripgrep@${pkgVersion}`, '--silent'], { cwd: packDir, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm pack @vscode/ripgrep@${pkgVersion} failed: ${r.stderr}`);
  const tgz = r.stdout.trim().split('\n').pop() ?? '';
  run('tar', ['xzf', tgz, 'package/lib/postinstall.js'], { cwd: packDir });
  const src = readFileSync(join(packDir, 'package', 'lib', 'postinstall.js'), 'utf8');
  const assetVersion = /const VERSION = '([^']+)'/.exec(src)?.[1];
  if (!assetVersion) throw new Error(`code-server: no VERSION in @vscode/ripgrep@${pkgVersion} lib/postinstall.js`);
  rmSync(packDir, { recursive: true, force: true });
  return { pkgVersion, assetVersion };
}

/**
 * Puts Debian's rg where @vscode/ripgrep's postinstall looks for a cached download, so it never goes to GitHub.
 * @param {InstallEnv} env
 */
function seedRipgrepCache(env) {
  const { pkgVersion, assetVersion } = ripgrepVersions(env);
  const cache = join(env.TMPDIR, `vscode-ripgrep-cache-${pkgVersion}`);
  mkdirSync(cache, { recursive: true });
  const tarball = join(cache, `ripgrep-${assetVersion}-x86_64-unknown-linux-musl.tar.gz`);
  run('tar', ['czf', tarball, '-C', '/usr/bin', 'rg']);
  say(`ripgrep cache: ${tarball}`);
}

/**
 * Installs code-server once (≈1 min, ≈300 MB); later calls return at once.
 * Two phases: download without scripts (so the ripgrep versions can be read), then run every install script.
 */
export function ensureCodeServer() {
  if (isInstalled()) return ENTRY;
  if (process.arch !== 'x64' || process.platform !== 'linux') throw new Error('code-server install is scripted for linux-x64 only');
  // Several test runs may start at once in one working tree: one installs, the others wait for it.
  const lock = `${INSTALL_DIR}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  const end = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'EEXIST') throw e;
      if (isInstalled()) return ENTRY;
      // A lock older than any install is left over from a killed run.
      if (Date.now() > end || Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? NaN) > 15 * 60_000) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
  }
  try {
    if (isInstalled()) return ENTRY;
    return install();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The install itself; callers hold the lock. */
function install() {
  ensurePrerequisites();
  const t0 = Date.now();
  mkdirSync(INSTALL_DIR, { recursive: true });
  const tmp = join(INSTALL_DIR, '.tmp');
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(
    join(INSTALL_DIR, 'package.json'),
    JSON.stringify({ name: 'segr1-code-server', private: true, description: 'code-server for Seg-R1 Workbench e2e tests and npm start; not a project dependency', dependencies: { 'code-server': CODE_SERVER_VERSION } }, null, 2) + '\n',
  );
  const env = {
    ...process.env,
    TMPDIR: tmp,
    // code-server's postinstall refuses root without it (npm 11 no longer has the flag; the variable still passes the check).
    npm_config_unsafe_perm: 'true',
    // node-pty's postinstall runs `npx node-gyp`, which would otherwise wait for a "Need to install" answer.
    npm_config_yes: 'true',
    // npm 11 blocks dependency install scripts unless approved; code-server's postinstall runs nested `npm install`s
    // (lib/vscode, extensions) whose package.json we do not own, so only an environment setting reaches all of them.
    npm_config_ignore_scripts: 'false',
    npm_config_dangerously_allow_all_scripts: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  const log = join(INSTALL_DIR, 'install.log');
  writeFileSync(log, '');
  say(`installing code-server@${CODE_SERVER_VERSION} into ${INSTALL_DIR} (log: ${log})`);
  runLogged(log, 'npm', ['install', '--ignore-scripts', '--no-package-lock', '--omit=dev'], { cwd: INSTALL_DIR, env: { ...env, npm_config_ignore_scripts: 'true' } });
  seedRipgrepCache(env);
  say('running install scripts (native modules build from source, ≈1 min)');
  runLogged(log, 'npm', ['rebuild', '--foreground-scripts'], { cwd: INSTALL_DIR, env });
  rmSync(tmp, { recursive: true, force: true });
  writeFileSync(MARKER, CODE_SERVER_VERSION + '\n');
  if (!isInstalled()) throw new Error('code-server: install scripts did not produce ripgrep and node-pty (were they skipped?)');
  const v = spawnSync(process.execPath, [ENTRY, '--config', '/dev/null', '--version'], { encoding: 'utf8' });
  if (v.status !== 0) throw new Error(`code-server --version failed: ${v.stderr}`);
  say(`installed in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${v.stdout.trim().split('\n')[0]}`);
  return ENTRY;
}

/** Settings every headless run gets: no welcome page, no update or telemetry traffic on a closed network. */
const BASE_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
};

/**
 * The workbench URL path for a folder, loading extensions by development path and/or running an extension-host suite.
 * Paths are absolute on the code-server machine (here: this machine).
 * @param {WorkbenchUrlOptions & { port: number }} o
 * @returns {string}
 */
export function workbenchPath({ port, folder, extensionDevelopmentPath, extensionTestsPath }) {
  const remote = (/** @type {string} */ p) => `vscode-remote://127.0.0.1:${port}${p}`;
  /** @type {[string, string][]} */
  const payload = [];
  for (const p of /** @type {string[]} */ ([extensionDevelopmentPath].flat().filter(Boolean))) payload.push(['extensionDevelopmentPath', remote(p)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  payload.push(['skipWelcome', 'true']);
  const q = new URLSearchParams();
  if (folder) q.set('folder', folder);
  q.set('payload', JSON.stringify(payload));
  return `/?${q.toString()}`;
}

/**
 * Waits until `GET url` answers 200, or throws after timeoutMs.
 * @param {string} url
 * @param {number} timeoutMs
 */
async function waitForHealth(url, timeoutMs) {
  const end = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < end) {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = String(e);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`code-server ${url} not healthy after ${timeoutMs} ms (${last})`);
}

/**
 * Every *.log under a directory (code-server's user-data logs: server, extension host, remote agent).
 * @param {string} dir
 * @param {string[]} [out]
 * @returns {string[]}
 */
export function findLogs(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    const s = statSync(p, { throwIfNoEntry: false });
    if (s?.isDirectory()) findLogs(p, out);
    else if (s && n.endsWith('.log')) out.push(p);
  }
  return out.sort();
}

/**
 * Starts code-server headless in a fresh temp root and resolves once /healthz answers.
 * opts: workspace (folder to open in place) or copyWorkspace (folder copied into the root first), settings,
 * installExtensions (VSIX paths), bindAddr (default 127.0.0.1:0), hardTimeoutMs (kills the server regardless; 0: never),
 * keepRoot, quiet, handleSignals (default true: SIGINT/SIGTERM/SIGHUP kill the group and exit). The caller must `await server.stop()` (use withCodeServer to get that in a finally).
 * @param {StartOptions} [opts]
 * @returns {Promise<CodeServer>}
 */
export async function start(opts = {}) {
  const entry = ensureCodeServer();
  const root = mkdtempSync(join(opts.tmpRoot ?? tmpdir(), 'segr1-cs-'));
  const dirs = {
    userData: join(root, 'user-data'),
    extensions: join(root, 'extensions'),
    config: join(root, 'xdg-config'),
    data: join(root, 'xdg-data'),
    cache: join(root, 'xdg-cache'),
    tmp: join(root, 'tmp'),
    runtime: join(root, 'runtime'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true, mode: 0o700 });
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  writeFileSync(join(dirs.userData, 'User', 'settings.json'), JSON.stringify({ ...BASE_SETTINGS, ...opts.settings }, null, 2));
  let workspace = opts.workspace;
  if (opts.copyWorkspace) {
    workspace = join(root, 'workspace');
    cpSync(opts.copyWorkspace, workspace, { recursive: true });
  } else if (!workspace) {
    workspace = join(root, 'workspace');
    mkdirSync(workspace);
  }
  // Every temp and IPC file code-server or the extension host makes stays inside the root and goes with it.
  /** @type {NodeJS.ProcessEnv} */
  const env = {
    ...process.env,
    ...opts.env,
    TMPDIR: dirs.tmp,
    XDG_RUNTIME_DIR: dirs.runtime,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.data,
    XDG_CACHE_HOME: dirs.cache,
  };
  delete env.VSCODE_IPC_HOOK_CLI;
  const common = ['--config', '/dev/null', '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];
  for (const vsix of opts.installExtensions ?? []) {
    const r = spawnSync(process.execPath, [entry, ...common, '--install-extension', vsix], { env, encoding: 'utf8' });
    if (r.status !== 0 || /Failed|error/i.test(r.stderr)) throw new Error(`--install-extension ${vsix} failed: ${r.stdout}${r.stderr}`);
  }
  const args = [
    entry, ...common,
    '--auth', 'none',
    '--bind-addr', opts.bindAddr ?? '127.0.0.1:0',
    '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override',
    ...(opts.trust ? [] : ['--disable-workspace-trust']),
    workspace,
  ];
  const logFile = join(root, 'code-server.log');
  const logStream = createWriteStream(logFile);
  // 0 means no limit (npm start); tests always get one so a hung run cannot outlive CI.
  const hardMs = opts.hardTimeoutMs ?? 15 * 60_000;
  // Own process group: the extension host is a grandchild, and stop() must take it down too. Under a hard limit the
  // group is led by coreutils `timeout`, which kills the whole group itself even if this process dies by SIGKILL.
  const wrap = hardMs > 0 && existsSync('/usr/bin/timeout');
  /** @type {[string, string[]]} */
  const [cmd, argv] = wrap ? ['/usr/bin/timeout', ['-k', '10', `${Math.ceil(hardMs / 1000) + 5}s`, process.execPath, ...args]] : [process.execPath, args];
  const child = spawn(cmd, argv, { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const onData = (/** @type {Buffer} */ chunk) => {
    const s = chunk.toString();
    output += s;
    logStream.write(s);
    if (!opts.quiet) process.stdout.write(s.replace(/^/gm, '[code-server] '));
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  /** @type {Promise<ServerExit>} */
  const exited = new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));
  let stopped = false;
  const killGroup = (/** @type {NodeJS.Signals} */ signal) => {
    try {
      process.kill(-(/** @type {number} */ (child.pid)), signal);
    } catch {
      // Already gone.
    }
  };
  const onExit = () => killGroup('SIGKILL');
  process.once('exit', onExit);
  // A test runner's SIGTERM (timeout, Ctrl-C) must not orphan the group; callers with their own handlers opt out.
  const onSignal = (/** @type {NodeJS.Signals} */ signal) => {
    killGroup('SIGKILL');
    if (!opts.keepRoot) rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15));
  };
  /** @type {NodeJS.Signals[]} */
  const signals = opts.handleSignals === false ? [] : ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const sig of signals) process.once(sig, onSignal);
  const hard = hardMs > 0 ? setTimeout(() => {
    console.error(`[code-server] hard timeout ${hardMs} ms: killing process group ${child.pid}`);
    killGroup('SIGKILL');
  }, hardMs) : undefined;
  hard?.unref();

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    clearTimeout(hard);
    process.removeListener('exit', onExit);
    for (const sig of signals) process.removeListener(sig, onSignal);
    killGroup('SIGTERM');
    const t = setTimeout(() => killGroup('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
    // The extension host may outlive the server briefly; make sure the group is gone before deleting its files.
    killGroup('SIGKILL');
    await new Promise((r) => logStream.end(() => r(undefined)));
    if (!opts.keepRoot) rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  };

  try {
    /** @type {number} */
    const port = await new Promise((res, rej) => {
      const re = /HTTP server listening on https?:\/\/[^\s:]+:(\d+)\//;
      const timer = setTimeout(() => rej(new Error(`code-server did not report a port within 60 s:\n${output}`)), 60_000);
      const check = () => {
        const m = re.exec(output);
        if (m) {
          clearTimeout(timer);
          res(Number(m[1]));
        }
      };
      child.stdout.on('data', check);
      child.stderr.on('data', check);
      exited.then(({ code, signal }) => rej(new Error(`code-server exited (${code ?? signal}) before listening:\n${output}`)));
    });
    const host = (opts.bindAddr ?? '127.0.0.1:0').split(':')[0] || '127.0.0.1';
    const baseUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    await waitForHealth(`${baseUrl}/healthz`, 30_000);
    return {
      port,
      baseUrl,
      root,
      workspace,
      userDataDir: dirs.userData,
      extensionsDir: dirs.extensions,
      pid: /** @type {number} */ (child.pid),
      exited,
      /** Workbench URL for the opened folder with the given payload options. */
      url: (o = {}) => baseUrl + workbenchPath({ port, folder: workspace, ...o }),
      /** Everything code-server printed so far. */
      output: () => output,
      /** Paths of every log file in the user-data dir (extension host, server). */
      logs: () => findLogs(dirs.userData),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * Starts code-server, runs fn(server), and always stops it (process group killed, temp root removed).
 * @template T
 * @param {StartOptions} opts
 * @param {(s: CodeServer) => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function withCodeServer(opts, fn) {
  const server = await start(opts);
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

// `node scripts/codeServer.mjs install` installs (idempotent); `… version` prints the installed version.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const cmd = process.argv[2] ?? 'install';
  if (cmd === 'install') {
    ensureCodeServer();
    say(`ready: ${ENTRY}`);
  } else if (cmd === 'version') {
    run(process.execPath, [ensureCodeServer(), '--config', '/dev/null', '--version']);
  } else {
    console.error('usage: node scripts/codeServer.mjs [install|version]');
    process.exit(2);
  }
}
