// The extension in a real extension host: it activates, registers every contributed command and view, and opens its panel.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { WorkbenchApi } from '../../../src/extension/extension';
import { skip, test } from './runner';
import { addModel } from './tinyOnnx';

const EXTENSION_ID = 'segr1.segr1-workbench';

/** The extension under test, activated. */
async function activated(): Promise<vscode.Extension<WorkbenchApi>> {
  const ext = vscode.extensions.getExtension<WorkbenchApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not loaded`);
  await ext.activate();
  return ext;
}

/** Every tab currently showing a webview of the given panel type. */
function webviewTabs(viewType: string): vscode.Tab[] {
  // The workbench prefixes webview panel types (mainThreadWebview-…), so match the suffix.
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(viewType));
}

test('extension activates and returns its API', async () => {
  const ext = await activated();
  assert.equal(ext.isActive, true);
  assert.equal(typeof ext.exports.activationMs, 'number');
  assert.ok(ext.exports.activationMs >= 0 && ext.exports.activationMs < 5_000, `activation took ${ext.exports.activationMs} ms`);
});

test('the extension under test is the expected copy (VSIX install or development folder)', async () => {
  const ext = await activated();
  const fromVsix = process.env.SEGR1_EXPECT_VSIX === '1';
  // An installed copy lives in the extensions dir as publisher.name-version and, built for production, has no source maps.
  assert.equal(/segr1\.segr1-workbench-\d/.test(ext.extensionPath), fromVsix, `extension loaded from ${ext.extensionPath}`);
  if (fromVsix) assert.equal(existsSync(join(ext.extensionPath, 'dist', 'extension.js.map')), false, 'source maps were packaged');
  // Without it the index still works, on the JavaScript path alone at about a third of the speed: a silent loss.
  assert.ok(existsSync(join(ext.extensionPath, 'dist', 'recordScanner.wasm')), 'dist/recordScanner.wasm (the index\'s WebAssembly record scanner) is missing');
});

test('every contributed command is registered', async () => {
  const ext = await activated();
  const contributed = (ext.packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
  assert.ok(contributed.includes('segr1.openWorkbench') && contributed.includes('segr1.openRollout') && contributed.includes('segr1.inspectImage'));
  const registered = new Set(await vscode.commands.getCommands(true));
  const missing = contributed.filter((c) => !registered.has(c));
  assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
});

test('the Seg-R1 views can be focused', async () => {
  await activated();
  // '<view id>.focus' exists only when the view is contributed and its container resolves.
  await vscode.commands.executeCommand('segr1.runs.focus');
  await vscode.commands.executeCommand('segr1.datasets.focus');
});

test('rollout logs in the workspace are indexed', async () => {
  const ext = await activated();
  const files = await vscode.workspace.findFiles('**/*.jsonl', '**/node_modules/**');
  if (!files.length) skip('no *.jsonl in the opened workspace');
  await ext.exports.model.ready();
  const indexed = ext.exports.model.logs.map((l) => l.file).sort();
  assert.ok(indexed.length > 0, `${files.length} .jsonl files found but none indexed`);
  for (const l of ext.exports.model.logs) assert.ok(l.index.count > 0, `${l.rel} indexed with no rollouts`);
});

test('Open Workbench shows the panel', async () => {
  await activated();
  await vscode.commands.executeCommand('segr1.openWorkbench');
  const end = Date.now() + 15_000;
  while (!webviewTabs('segr1.workbench').length && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  assert.equal(webviewTabs('segr1.workbench').length, 1, 'no Seg-R1 Workbench webview tab');
  // Running it again reveals the same panel instead of opening a second one.
  await vscode.commands.executeCommand('segr1.openWorkbench');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(webviewTabs('segr1.workbench').length, 1, 'second Open Workbench made another panel');
});

test('native modules load and run from the extension folder (sharp, onnxruntime-node)', async () => {
  const ext = await activated();
  // Resolve as dist/extension.js does: from the extension's own node_modules (the VSIX's, when installed from one).
  const req = createRequire(join(ext.extensionPath, 'dist', 'extension.js'));
  const sharp = req('sharp') as typeof import('sharp').default;
  const png = await sharp({ create: { width: 5, height: 3, channels: 3, background: { r: 200, g: 10, b: 10 } } }).png().toBuffer();
  const meta = await sharp(png).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 5, 3]);
  const ort = req('onnxruntime-node') as typeof import('onnxruntime-node');
  const session = await ort.InferenceSession.create(addModel());
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([1.5, -2]), [2]) });
  assert.deepEqual(Array.from(out.y!.data as Float32Array), [3, -4]);
});
