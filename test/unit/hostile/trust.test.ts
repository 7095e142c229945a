// Issue 13, slice "trust": install as typed (.npmrc reaches onnxruntime-node's install script) and Workspace
// Trust (what Restricted Mode may load, the manifest's restricted settings and scopes).
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { engineLabel, isInsideFolder, planSam2Search, RESTRICTED_NOTE } from '../../../src/core/segment/trustPolicy';
import { tempDir } from '../tempDir';

/** Repository root; this file runs from dist-test/test/unit/hostile/. */
const ROOT = resolve(__dirname, '..', '..', '..', '..');

interface SettingSchema {
  readonly scope?: string;
  readonly description?: string;
  readonly markdownDescription?: string;
}
interface Manifest {
  readonly capabilities?: { untrustedWorkspaces?: { supported?: unknown; description?: unknown; restrictedConfigurations?: unknown } };
  readonly contributes: { configuration: { properties: Record<string, SettingSchema> } };
  readonly allowScripts?: Record<string, boolean>;
}
const manifest = (): Manifest => JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;

test('trusted: the model path setting, then every folder models/', () => {
  const plan = planSam2Search({ trusted: true, modelPath: '/opt/sam2', userModelPath: '/opt/sam2', workspaceFolders: ['/ws/a', '/ws/b'] });
  assert.deepEqual(plan.roots, ['/opt/sam2', join('/ws/a', 'models'), join('/ws/b', 'models')]);
  assert.equal(plan.restriction, undefined);
  assert.deepEqual(planSam2Search({ trusted: true, modelPath: '', userModelPath: undefined, workspaceFolders: ['/ws'] }).roots, [join('/ws', 'models')]);
});

test('Restricted Mode: no models/ folder and no workspace-supplied path, with the reason', () => {
  const plan = planSam2Search({ trusted: false, modelPath: '/ws/evil.onnx', userModelPath: undefined, workspaceFolders: ['/ws'] });
  assert.deepEqual(plan.roots, []);
  assert.equal(plan.restriction, RESTRICTED_NOTE);
  assert.equal(RESTRICTED_NOTE, 'Restricted Mode — SAM2 not loaded');
});

test("Restricted Mode: the user's own absolute model path outside the workspace still loads", () => {
  const plan = planSam2Search({ trusted: false, modelPath: '/home/me/sam2', userModelPath: '/home/me/sam2', workspaceFolders: ['/ws'] });
  assert.deepEqual(plan.roots, ['/home/me/sam2']);
  assert.equal(plan.restriction, RESTRICTED_NOTE);
});

test("Restricted Mode: a user path inside a workspace folder, relative, or climbing back in is the workspace's file", () => {
  for (const p of ['/ws/models/x.onnx', '/ws', 'models/x.onnx', '/other/../ws/models', '  ']) {
    assert.deepEqual(planSam2Search({ trusted: false, modelPath: p, userModelPath: p, workspaceFolders: ['/elsewhere', '/ws'] }).roots, [], p);
  }
  // A sibling whose name starts with the folder's is outside it.
  assert.deepEqual(planSam2Search({ trusted: false, modelPath: '', userModelPath: '/ws-models/x.onnx', workspaceFolders: ['/ws'] }).roots, ['/ws-models/x.onnx']);
});

test('isInsideFolder compares path segments, not text', () => {
  assert.equal(isInsideFolder('/ws/a/b', '/ws'), true);
  assert.equal(isInsideFolder('/ws', '/ws/'), true);
  assert.equal(isInsideFolder('/ws2/a', '/ws'), false);
  assert.equal(isInsideFolder('/ws/../etc', '/ws'), false);
  assert.equal(isInsideFolder('/ws/..x/a', '/ws'), true);
});

test("the service resolves symlinks first: a user path that links into the workspace is the workspace's (realpath input)", () => {
  const dir = tempDir('segr1-trust-');
  const ws = join(dir, 'ws');
  mkdirSync(join(ws, 'models'), { recursive: true });
  const link = join(dir, 'looks-outside');
  symlinkSync(join(ws, 'models'), link);
  // The pure decision is only as good as its input: on the link's text it would load; on its real path it must not.
  assert.deepEqual(planSam2Search({ trusted: false, modelPath: '', userModelPath: link, workspaceFolders: [ws] }).roots, [link]);
  const real = realpathSync(link);
  assert.deepEqual(planSam2Search({ trusted: false, modelPath: '', userModelPath: real, workspaceFolders: [ws] }).roots, []);
});

test('the fallback names Restricted Mode on the badge; SAM2 and unrestricted labels are untouched', () => {
  assert.equal(engineLabel('classical fallback — not SAM2', 'classical', RESTRICTED_NOTE), 'classical fallback — not SAM2 · Restricted Mode — SAM2 not loaded');
  assert.equal(engineLabel('classical fallback — not SAM2', 'classical', undefined), 'classical fallback — not SAM2');
  assert.equal(engineLabel('SAM2 tiny (family A)', 'sam2', RESTRICTED_NOTE), 'SAM2 tiny (family A)');
});

test('manifest: limited support in untrusted workspaces, with a description', () => {
  const u = manifest().capabilities?.untrustedWorkspaces;
  assert.ok(u, 'package.json declares no capabilities.untrustedWorkspaces');
  assert.equal(u.supported, 'limited');
  assert.ok(typeof u.description === 'string' && /Restricted Mode/.test(u.description), 'no description of what Restricted Mode does');
});

test('manifest: every setting that loads a model or names a file or a server is restricted', () => {
  const m = manifest();
  const restricted = m.capabilities?.untrustedWorkspaces?.restrictedConfigurations;
  assert.ok(Array.isArray(restricted), 'no restrictedConfigurations');
  for (const [key, s] of Object.entries(m.contributes.configuration.properties)) {
    const text = `${key} ${s.description ?? ''} ${s.markdownDescription ?? ''}`;
    // Model paths, log/list files, URLs and servers: what a cloned workspace could point somewhere.
    if (/modelPath|\bpath\b|file|url|server|host|endpoint|onnx/i.test(text)) assert.ok(restricted.includes(key), `${key} names a file, model or server but is not in restrictedConfigurations`);
  }
  for (const key of restricted as string[]) assert.ok(key in m.contributes.configuration.properties, `restrictedConfigurations names unknown setting ${key}`);
});

test('manifest: model paths and URLs are machine-scoped; every setting declares its scope', () => {
  for (const [key, s] of Object.entries(manifest().contributes.configuration.properties)) {
    assert.ok(s.scope, `${key} has no scope`);
    if (/modelPath|url|server|endpoint/i.test(key)) assert.equal(s.scope, 'machine', `${key} must be machine-scoped`);
  }
});

test(".ci/run sets no onnxruntime variable, and package.json denies onnxruntime-node's install script (npm's allowScripts)", () => {
  assert.doesNotMatch(readFileSync(join(ROOT, '.ci', 'run'), 'utf8'), /ONNXRUNTIME_NODE_INSTALL/);
  assert.equal(manifest().allowScripts?.['onnxruntime-node'], false);
});

/** A proxy that refuses everything and records what was asked of it: who would have gone to the network. */
async function refusingProxy(): Promise<{ server: Server; url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.writeHead(502).end();
  });
  server.on('connect', (req, socket) => {
    seen.push(`CONNECT ${req.url}`);
    socket.end('HTTP/1.1 502 Refused\r\n\r\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('proxy has no port');
  return { server, url: `http://127.0.0.1:${addr.port}`, seen };
}

/** Run a command without blocking this process (the proxy above answers from this event loop). */
function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ status: number | null; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', rej);
    child.on('close', (status) => {
      clearTimeout(timer);
      res({ status, stderr });
    });
  });
}

test("the project's .npmrc reaches onnxruntime-node's install script through npm: it exits at once, without the network", async (t) => {
  const script = join(ROOT, 'node_modules', 'onnxruntime-node', 'script', 'install.js');
  const proxy = await refusingProxy();
  t.after(() => proxy.server.close());
  const env: NodeJS.ProcessEnv = { ...process.env, GLOBAL_AGENT_HTTPS_PROXY: proxy.url, GLOBAL_AGENT_HTTP_PROXY: proxy.url };
  // Only the project's configuration may carry the flag.
  for (const k of Object.keys(env)) if (/^(npm_|ONNXRUNTIME_)/i.test(k)) delete env[k];
  // `npm exec` hands the project's config to the child as npm_config_* variables, as npm does for install scripts;
  // npm_package_json is what npm sets for a dependency's script (the project's own would read as a local ORT build).
  const pkgJson = join(ROOT, 'node_modules', 'onnxruntime-node', 'package.json');
  const cmd = `npm_package_json=${JSON.stringify(pkgJson)} node ${JSON.stringify(script)}`;
  const r = await run('npm', ['exec', '--offline', '-c', cmd], { cwd: ROOT, env });
  assert.deepEqual(proxy.seen, [], `the install script went to the network: ${proxy.seen.join(', ')}`);
  assert.equal(r.status, 0, `install script failed: ${r.stderr}`);
});

test('without the flag the install script does go to the network (what the .npmrc prevents)', async (t) => {
  // A copy of the script outside the project: its npm config does not reach it, and a refused download writes nothing.
  const dir = tempDir('segr1-ort-');
  const pkg = join(dir, 'node_modules', 'onnxruntime-node');
  mkdirSync(join(pkg, 'script'), { recursive: true });
  const src = join(ROOT, 'node_modules', 'onnxruntime-node');
  for (const f of ['install.js', 'install-utils.js', 'install-metadata.js', 'install-metadata-versions.js']) writeFileSync(join(pkg, 'script', f), readFileSync(join(src, 'script', f)));
  writeFileSync(join(pkg, 'package.json'), readFileSync(join(src, 'package.json')));
  const proxy = await refusingProxy();
  t.after(() => proxy.server.close());
  const env: NodeJS.ProcessEnv = { ...process.env, GLOBAL_AGENT_HTTPS_PROXY: proxy.url, GLOBAL_AGENT_HTTP_PROXY: proxy.url, NODE_PATH: join(ROOT, 'node_modules') };
  for (const k of Object.keys(env)) if (/^(npm_|ONNXRUNTIME_)/i.test(k)) delete env[k];
  const { status } = await run(process.execPath, [join(pkg, 'script', 'install.js')], { cwd: dir, env });
  assert.notEqual(status, 0);
  if (process.platform === 'linux' && process.arch === 'x64') assert.ok(proxy.seen.some((s) => /nuget\.org/.test(s)), `expected a request to nuget.org, saw: ${proxy.seen.join(', ')}`);
});
