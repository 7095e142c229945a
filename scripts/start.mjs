// `npm start`: build, make the synthetic sample workspace if missing, and serve a real VS Code (code-server) with the
// extension loaded from this folder and the sample open. Prints the URL; Ctrl-C stops everything.
// HOST / PORT choose the bind address (default 127.0.0.1 and a free port); SEGR1_WORKSPACE opens another folder.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureCodeServer, REPO_ROOT, start } from './codeServer.mjs';

/**
 * Runs one step, exiting with its status when it fails.
 * @param {string} what
 * @param {string[]} args
 */
function step(what, args) {
  console.log(`── ${what}`);
  const r = spawnSync(process.execPath, args, { cwd: REPO_ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`${what} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

step('build', ['esbuild.mjs']);
const workspace = process.env.SEGR1_WORKSPACE ? resolve(process.env.SEGR1_WORKSPACE) : join(REPO_ROOT, 'sample-workspace');
if (!process.env.SEGR1_WORKSPACE && !existsSync(workspace)) step('sample workspace', ['dist/cli.js', 'sample', '--out', workspace]);
if (!existsSync(workspace)) {
  console.error(`workspace ${workspace} does not exist`);
  process.exit(1);
}
console.log('── code-server');
ensureCodeServer();

const host = process.env.HOST ?? '127.0.0.1';
const port = process.env.PORT ?? '0';
const server = await start({ workspace, bindAddr: `${host}:${port}`, hardTimeoutMs: 0, handleSignals: false, quiet: !process.env.SEGR1_VERBOSE });
let stopping = false;
const shutdown = async (/** @type {string} */ why) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${why}: stopping code-server`);
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('Ctrl-C'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
server.exited.then(({ code, signal }) => {
  if (stopping) return;
  console.error(`code-server exited unexpectedly (${code ?? signal}); its output:\n${server.output()}`);
  process.exit(1);
});

console.log(`
Seg-R1 Workbench is running in a real VS Code (code-server) with the extension loaded from ${REPO_ROOT}
and ${workspace} open. Open this URL in a browser:

  ${server.url({ extensionDevelopmentPath: REPO_ROOT })}

(After a rebuild — node esbuild.mjs — run "Developer: Reload Window" in the browser.) Ctrl-C stops it.
`);
