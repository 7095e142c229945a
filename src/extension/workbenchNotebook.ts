import * as path from 'node:path';
import { stat } from 'node:fs/promises';
import sharp from 'sharp';
import * as vscode from 'vscode';
import { MAX_IMAGE_PIXELS, MAX_INLINE_IMAGE_BYTES } from '../core/image/limits';
import { readRollout } from '../core/logs/jsonlIndex';
import type { RolloutRecord } from '../core/logs/rollout';
import { parseNotebookText, type StoredCell } from './notebookFile';
import { parseNotebookCell, type NotebookQuery } from './notebookQuery';
import { resolveRecordPath, type LogEntry, type WorkspaceModel } from './workspaceModel';

/** Notebook type and file pattern (package.json contributes the same). */
export const NOTEBOOK_TYPE = 'segr1-workbench';
/** The mime type our renderer draws. */
export const ROLLOUT_MIME = 'application/vnd.segr1.rollout+json';
/** Longest side of images inlined into outputs (keeps notebooks small). */
const INLINE_SIDE = 384;

/** `.segr1nb` files: JSON cells, outputs kept so a notebook can be shared with its results. */
export class WorkbenchNotebookSerializer implements vscode.NotebookSerializer {
  deserializeNotebook(content: Uint8Array): vscode.NotebookData {
    // Invalid UTF-8 becomes U+FFFD rather than an exception: the rest of the file still opens.
    const { cells } = parseNotebookText(new TextDecoder().decode(content));
    return new vscode.NotebookData(
      cells.map((c) => {
        const cell = new vscode.NotebookCellData(c.kind === 'markdown' ? vscode.NotebookCellKind.Markup : vscode.NotebookCellKind.Code, c.value, c.kind === 'markdown' ? 'markdown' : 'segr1');
        cell.outputs = (c.outputs ?? []).map((items) => new vscode.NotebookCellOutput(items.map((i) => new vscode.NotebookCellOutputItem(new TextEncoder().encode(i.data), i.mime))));
        return cell;
      }),
    );
  }

  serializeNotebook(data: vscode.NotebookData): Uint8Array {
    const cells: StoredCell[] = data.cells.map((c) => ({
      kind: c.kind === vscode.NotebookCellKind.Markup ? 'markdown' : 'code',
      value: c.value,
      outputs: (c.outputs ?? []).map((o) => o.items.map((i) => ({ mime: i.mime, data: new TextDecoder().decode(i.data) }))),
    }));
    return new TextEncoder().encode(JSON.stringify({ cells }, null, 1));
  }
}

/** Runs query cells against the indexed logs and emits one rollout output per hit. */
export class WorkbenchNotebookController implements vscode.Disposable {
  private readonly controller: vscode.NotebookController;

  constructor(private readonly model: WorkspaceModel) {
    this.controller = vscode.notebooks.createNotebookController('segr1-workbench-kernel', NOTEBOOK_TYPE, 'Seg-R1 Workbench');
    this.controller.supportedLanguages = ['segr1'];
    this.controller.supportsExecutionOrder = true;
    this.controller.executeHandler = (cells) => this.run(cells);
  }

  private order = 0;

  private async run(cells: vscode.NotebookCell[]): Promise<void> {
    await this.model.ready();
    for (const cell of cells) {
      const exec = this.controller.createNotebookCellExecution(cell);
      exec.executionOrder = ++this.order;
      exec.start(Date.now());
      await exec.clearOutput();
      const { queries, errors } = parseNotebookCell(cell.document.getText());
      const outputs: vscode.NotebookCellOutput[] = [];
      for (const e of errors) outputs.push(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.stderr(`line ${e.line}: ${e.message}\n`)]));
      let ok = errors.length === 0;
      for (const q of queries) {
        if (exec.token.isCancellationRequested) break;
        try {
          for (const hit of this.resolve(q)) outputs.push(await this.output(hit.log, hit.index));
        } catch (e) {
          ok = false;
          outputs.push(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.stderr(`${e instanceof Error ? e.message : String(e)}\n`)]));
        }
      }
      await exec.replaceOutput(outputs);
      exec.end(ok, Date.now());
    }
  }

  private logFor(name: string | undefined): LogEntry {
    const logs = this.model.logs;
    if (!logs.length) throw new Error('no rollout logs in this workspace');
    if (!name) return logs[0]!;
    const hit = logs.find((l) => l.rel === name || l.file === name || path.basename(l.file) === name);
    if (!hit) throw new Error(`no indexed log '${name}' (known: ${logs.map((l) => l.rel).join(', ')})`);
    return hit;
  }

  /** Records a query selects, as (log, record index). */
  private resolve(q: NotebookQuery): Array<{ log: LogEntry; index: number }> {
    if (q.kind === 'rollout' || q.kind === 'group') {
      const log = this.logFor(q.log);
      const index = log.index.line.indexOf(q.line);
      if (index < 0) throw new Error(`${log.rel} has no rollout on line ${q.line}`);
      return q.kind === 'rollout' ? [{ log, index }] : log.structure.groupOf(index).members.map((m) => ({ log, index: m }));
    }
    const hits: Array<{ log: LogEntry; index: number; v: number }> = [];
    for (const log of this.model.logs) {
      const ix = log.index;
      const col = q.column === 'reward' ? ix.reward : q.column === 'advantage' ? ix.advantage : ix.components.get(q.column);
      if (!col) continue;
      for (let i = 0; i < ix.count; i++) {
        if (q.step !== undefined && ix.step[i] !== q.step) continue;
        if (!Number.isNaN(col[i]!)) hits.push({ log, index: i, v: col[i]! });
      }
    }
    if (!hits.length) throw new Error(`no rollout has a value for '${q.column}'${q.step !== undefined ? ` at step ${q.step}` : ''}`);
    hits.sort((a, b) => (q.order === 'worst' ? a.v - b.v : b.v - a.v));
    return hits.slice(0, q.n);
  }

  private async output(log: LogEntry, index: number): Promise<vscode.NotebookCellOutput> {
    const r: RolloutRecord = await readRollout(log.index, index);
    let image_data: string | undefined;
    let image_size: { width: number; height: number } | undefined;
    if (r.image) {
      const p = resolveRecordPath(log.folder.uri.fsPath, log.file, r.image);
      if ('path' in p) {
        try {
          // The file's size and its declared pixels are checked before sharp decodes anything.
          if ((await stat(p.path)).size > MAX_INLINE_IMAGE_BYTES) throw new Error('too large to inline');
          const meta = await sharp(p.path, { limitInputPixels: MAX_IMAGE_PIXELS }).metadata();
          image_size = { width: meta.width ?? 0, height: meta.height ?? 0 };
          const jpg = await sharp(p.path, { limitInputPixels: MAX_IMAGE_PIXELS }).resize(INLINE_SIDE, INLINE_SIDE, { fit: 'inside' }).jpeg({ quality: 80 }).toBuffer();
          image_data = `data:image/jpeg;base64,${jpg.toString('base64')}`;
        } catch {
          // The card still renders its glyphs on a blank frame.
        }
      }
    }
    const payload = { completion: r.completion, step: r.step, group: r.group, sample: r.sample, rewards: r.rewards, reward: r.reward, advantage: r.advantage, model_frame: r.model_frame, image_data, image_size };
    return new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.json(payload, ROLLOUT_MIME), vscode.NotebookCellOutputItem.text(`${log.rel}:${log.index.line[index]}  reward ${r.reward ?? '—'}  advantage ${r.advantage ?? '—'}`)]);
  }

  dispose(): void {
    this.controller.dispose();
  }
}
