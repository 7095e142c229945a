// The extension in a real extension host: it activates, registers every contributed command and view, and opens its panel.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
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
  // Likewise the weighted F-measure kernel: the metric falls back to JavaScript at about 1.5× the cost.
  assert.ok(existsSync(join(ext.extensionPath, 'dist', 'weightedFmeasure.wasm')), 'dist/weightedFmeasure.wasm (the weighted F-measure kernel) is missing');
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

/** Four blocks of Seg-R1's DEBUG training.log (its format logs no step and no image). */
const SEGR1_DEBUG_LOG = [
  ['<think>A lizard on bark.</think><points>[[120,340],[200,310]]</points><labels>[1,0]</labels><bbox>[80,290,260,400]</bbox>', '[[120 340]\n [200 310]]', '[1 0]', '0.81', '0.84'],
  ['<think>A moth on lichen.</think><points>[[400,120]]</points><labels>[1]</labels><bbox>[350,80,450,170]</bbox>', '[[400 120]]', '[1]', '0.40', '0.43'],
  ['<think>A frog.</think><points>[[10,20]]</points><labels>[1]</labels><bbox>[0,0,100,100]</bbox>', '[[10 20]]', '[1]', '0.10', '0.12'],
  ['<think>Nothing.</think> no answer', 'None', 'None', '0.00', '0.00'],
]
  .map(([c, pts, labels, iou, r]) => `            Content: ${c}\n            Points: ${pts}\n            Labels: ${labels}\n            IOU: ${iou}\n            Final Reward: ${r}\n            ----------------------------------------\n            \n`)
  .join('');

test('a log that names no image is flagged, and the segr1.logs.overrides join attaches dataset images to it', async () => {
  const ext = await activated();
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder || !existsSync(join(folder.uri.fsPath, 'datasets', 'synthetic-cod', 'Imgs'))) skip('needs the sample workspace');
  const root = folder!.uri.fsPath;
  const dir = join(root, 'runs', 'debug');
  const file = join(dir, 'training.log');
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, SEGR1_DEBUG_LOG);
  writeFileSync(join(dir, 'images.txt'), 'datasets/synthetic-cod/Imgs/cod_0000.jpg\ndatasets/synthetic-cod/Imgs/cod_0001.jpg\n');
  const config = vscode.workspace.getConfiguration('segr1', folder!.uri);
  const { model } = ext.exports;
  try {
    await model.refresh();
    let log = model.log(file);
    assert.ok(log, 'runs/debug/training.log not indexed');
    assert.equal(log.format, 'segr1-debug');
    assert.equal(log.index.count, 4);
    assert.deepEqual(log.index.images, []);
    assert.ok(model.problemsOf(file).some((p) => /4 of 4 rollouts name no image .*segr1\.logs\.overrides/.test(p.message)), 'no problem says the rollouts have no image');

    // Two rollouts per dataset item, in order: blocks 1–2 on cod_0000, 3–4 on cod_0001.
    await config.update('logs.overrides', [{ path: 'runs/debug/training.log', imagesBy: 'order:runs/debug/images.txt:2' }], vscode.ConfigurationTarget.WorkspaceFolder);
    await model.refresh();
    log = model.log(file)!;
    assert.deepEqual(log.index.images, ['datasets/synthetic-cod/Imgs/cod_0000.jpg', 'datasets/synthetic-cod/Imgs/cod_0001.jpg']);
    assert.deepEqual(Array.from(log.index.image), [0, 0, 1, 1]);
    assert.ok(!model.problemsOf(file).some((p) => /name no image/.test(p.message)));

    // A typo in the override is reported on the log, which still opens.
    await config.update('logs.overrides', [{ path: 'runs/debug/training.log', format: 'segr1-debgu', imagesBy: 'order:runs/debug/nope.txt:2' }], vscode.ConfigurationTarget.WorkspaceFolder);
    await model.refresh();
    assert.equal(model.log(file)?.index.count, 4);
    const msgs = model.problemsOf(file).map((p) => p.message);
    assert.ok(msgs.some((m) => /format 'segr1-debgu' is not one of/.test(m)), msgs.join(' | '));
    assert.ok(msgs.some((m) => /imagesBy: cannot read the image list 'runs\/debug\/nope.txt'/.test(m)), msgs.join(' | '));
  } finally {
    await config.update('logs.overrides', undefined, vscode.ConfigurationTarget.WorkspaceFolder);
    rmSync(dir, { recursive: true, force: true });
    await model.refresh();
  }
});
