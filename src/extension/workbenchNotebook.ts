import * as path from 'node:path';
import sharp from 'sharp';
import * as vscode from 'vscode';
import { MAX_IMAGE_PIXELS, MAX_INLINE_IMAGE_BYTES } from '../core/image/limits';
import { groupAdvantages } from '../core/rewards/advantages';
import { contourPath, maskContours } from '../shared/maskContour';
import { GROUP_MIME, MAX_OUTLINE_CHARS, type CardExtras, type GroupHeader } from '../shared/notebookCard';
import { PALETTE } from '../shared/palette';
import type { MaskPayload, Selection } from '../shared/protocol';
import { COMMANDS } from '../host/commands';
import { sortByValueDesc } from '../host/notebookColumns';
import { parseNotebookText, type StoredCell } from '../host/notebookFile';
import { parseNotebookCell, type NotebookQuery } from '../host/notebookQuery';
import { ColumnValues, columnOf, rankQuery, type QueryLog } from '../host/notebookValues';
import type { SegmenterService } from './segmenterService';
import { readSettings } from './settings';
import { thumbnailMask } from '../host/rolloutScore';
import { buildRolloutView, logViewContext, type ViewContext } from '../host/viewBuilder';
import type { LogEntry, WorkspaceModel } from './workspaceModel';

/** Notebook type and file pattern (package.json contributes the same). */
export const NOTEBOOK_TYPE = 'segr1-workbench';
/** The mime type our renderer draws. */
export const ROLLOUT_MIME = 'application/vnd.segr1.rollout+json';
/** The renderer's id (package.json `notebookRenderer`): its cards post *Open in Workbench* here. */
export const RENDERER_ID = 'segr1-rollout-renderer';
/** Longest side of images, masks and GT outlines inlined into outputs (keeps notebooks small). */
const INLINE_SIDE = 384;
/** Most cards one cell emits (each carries an image): a cell of 40 `best 50` lines stops here and says so. */
const MAX_CARDS = 200;
/** Longest log name a renderer message may carry. */
const MAX_LOG_CHARS = 4096;

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

/** The message a card posts when its *Open in Workbench* link is clicked, checked field by field. */
function openRequest(m: unknown): { log: string; line: number } | undefined {
  if (typeof m !== 'object' || m === null) return undefined;
  const { type, log, line } = m as Record<string, unknown>;
  if (type !== 'open' || typeof log !== 'string' || log.length > MAX_LOG_CHARS || typeof line !== 'number' || !Number.isSafeInteger(line) || line < 1) return undefined;
  return { log, line };
}

const stderr = (text: string) => new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.stderr(`${text}\n`)]);

/** An opaque PNG of the mask in the mask colour (transparent elsewhere), at most INLINE_SIDE a side, as a data URL. */
async function maskDataUrl(mask: MaskPayload): Promise<string> {
  const t = thumbnailMask(mask, INLINE_SIDE);
  const rgba = Buffer.alloc(t.width * t.height * 4);
  for (let i = 0; i < t.width * t.height; i++) {
    if (!t.data[i]) continue;
    rgba[4 * i] = PALETTE.mask[0];
    rgba[4 * i + 1] = PALETTE.mask[1];
    rgba[4 * i + 2] = PALETTE.mask[2];
    rgba[4 * i + 3] = 255;
  }
  const png = await sharp(rgba, { raw: { width: t.width, height: t.height, channels: 4 } }).png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** The GT's pixel-edge outline at most INLINE_SIDE a side (the export's tracer); undefined when empty or too long. */
function gtOutline(gt: MaskPayload): CardExtras['gt_outline'] {
  const t = thumbnailMask(gt, INLINE_SIDE);
  const d = contourPath(maskContours(t.data, t.width, t.height));
  return d && d.length <= MAX_OUTLINE_CHARS ? { d, width: t.width, height: t.height } : undefined;
}

/** Runs query cells against the indexed logs and emits one rollout output per hit. */
export class WorkbenchNotebookController implements vscode.Disposable {
  private readonly controller: vscode.NotebookController;
  private readonly messaging: vscode.NotebookRendererMessaging;
  private readonly disposables: vscode.Disposable[] = [];
  private values: { key: string; values: ColumnValues } | undefined;

  constructor(
    private readonly model: WorkspaceModel,
    private readonly segmenters?: SegmenterService,
  ) {
    this.controller = vscode.notebooks.createNotebookController('segr1-workbench-kernel', NOTEBOOK_TYPE, 'Seg-R1 Workbench');
    this.controller.supportedLanguages = ['segr1'];
    this.controller.supportsExecutionOrder = true;
    this.controller.executeHandler = (cells) => this.run(cells);
    // Renderer messaging, not a command: link. A notebook is a file anyone can send; its outputs never get to run a
    // command. The card can only ask for one thing (open this log line), which is checked here against the indexed logs.
    this.messaging = vscode.notebooks.createRendererMessaging(RENDERER_ID);
    this.disposables.push(this.messaging.onDidReceiveMessage((e) => void this.onRendererMessage(e.message, e.editor)));
  }

  private async onRendererMessage(message: unknown, editor: vscode.NotebookEditor): Promise<void> {
    const req = openRequest(message);
    if (!req) return;
    const reply = (ok: boolean, text: string) => void this.messaging.postMessage({ type: 'open/result', log: req.log, line: req.line, ok, text }, editor);
    try {
      await this.model.ready();
      const log = this.logFor(req.log);
      const index = log.index.line.indexOf(req.line);
      if (index < 0) throw new Error(`${log.rel} has no rollout on line ${req.line}`);
      const selection: Selection = { kind: 'rollout', log: log.file, index };
      await vscode.commands.executeCommand(COMMANDS.openSelection, selection, { beside: true });
      reply(true, `opened ${log.rel}:${req.line} in the workbench`);
    } catch (e) {
      const text = e instanceof Error ? e.message : String(e);
      reply(false, text);
      void vscode.window.showWarningMessage(`Seg-R1: cannot open the rollout: ${text}`);
    }
  }

  private order = 0;

  /** The column caches, kept while the model frame setting stays the same. */
  private columnValues(): ColumnValues {
    const frame = readSettings().frame;
    const key = JSON.stringify(frame);
    if (this.values?.key !== key) this.values = { key, values: new ColumnValues(frame) };
    return this.values.values;
  }

  private async run(cells: vscode.NotebookCell[]): Promise<void> {
    await this.model.ready();
    for (const cell of cells) {
      const exec = this.controller.createNotebookCellExecution(cell);
      exec.executionOrder = ++this.order;
      exec.start(Date.now());
      await exec.clearOutput();
      const { queries, errors } = parseNotebookCell(cell.document.getText());
      const outputs: vscode.NotebookCellOutput[] = [];
      for (const e of errors) outputs.push(stderr(`line ${e.line}: ${e.message}`));
      let ok = errors.length === 0;
      let cards = 0;
      for (const q of queries) {
        if (exec.token.isCancellationRequested) break;
        try {
          const { header, hits } = await this.resolve(q);
          if (header) outputs.push(header);
          for (const hit of hits) {
            if (cards++ >= MAX_CARDS) break;
            outputs.push(await this.output(hit.log, hit.index));
          }
        } catch (e) {
          ok = false;
          outputs.push(stderr(e instanceof Error ? e.message : String(e)));
        }
      }
      if (cards > MAX_CARDS) outputs.push(stderr(`only the first ${MAX_CARDS} rollouts of this cell are shown (${cards} asked)`));
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

  private queryLogs(): QueryLog[] {
    return this.model.logs.map((l) => ({ file: l.file, rel: l.rel, root: l.folder.uri.fsPath, index: l.index }));
  }

  /** Records a query selects, as (log, record index), with a header output for a group. */
  private async resolve(q: NotebookQuery): Promise<{ header?: vscode.NotebookCellOutput; hits: Array<{ log: LogEntry; index: number }> }> {
    if (q.kind === 'rank') {
      const logs = this.model.logs;
      const hits = await rankQuery(this.queryLogs(), q, this.columnValues());
      return { hits: hits.map((h) => ({ log: logs.find((l) => l.file === h.log.file)!, index: h.index })) };
    }
    const log = this.logFor(q.log);
    const index = log.index.line.indexOf(q.line);
    if (index < 0) throw new Error(`${log.rel} has no rollout on line ${q.line}`);
    if (q.kind === 'rollout') return { hits: [{ log, index }] };
    return this.group(log, index, q.sortBy ?? 'advantage');
  }

  /** A group's members sorted by a column (highest first), after a header with the rewards' mean and σ. */
  private async group(log: LogEntry, index: number, sortBy: string): Promise<{ header: vscode.NotebookCellOutput; hits: Array<{ log: LogEntry; index: number }> }> {
    const ix = log.index;
    const members = log.structure.groupOf(index).members;
    const qlog: QueryLog = { file: log.file, rel: log.rel, root: log.folder.uri.fsPath, index: ix };
    const v = await this.columnValues().values(qlog, members, columnOf([qlog], sortBy));
    const sorted = sortByValueDesc(members.map((m, k) => ({ m, v: v[k]! })), (x) => x.v).map((x) => x.m);
    const rewards = members.map((m) => ix.reward[m]!).filter((r) => !Number.isNaN(r));
    const stats = rewards.length ? groupAdvantages(rewards) : undefined;
    const g = ix.group[index]!;
    const step = ix.step[index]!;
    const header: GroupHeader = {
      title: `${log.rel} · step ${Number.isNaN(step) ? '—' : step} · group ${g >= 0 ? ix.groups[g] : '—'}`,
      count: members.length,
      sortedBy: sortBy,
      mean: stats && Number.isFinite(stats.mean) ? stats.mean : null,
      std: stats && Number.isFinite(stats.std) ? stats.std : null,
      zeroVariance: !!stats && rewards.length > 1 && stats.zeroVariance,
    };
    const text = `${header.title}: ${header.count} rollouts sorted by ${sortBy} · reward mean ${header.mean?.toFixed(3) ?? '—'} · σ ${header.std?.toFixed(3) ?? '—'}`;
    const out = new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.json(header, GROUP_MIME), vscode.NotebookCellOutputItem.text(text)]);
    return { header: out, hits: sorted.map((m) => ({ log, index: m })) };
  }

  /** One card: the panel's view of the rollout (image, mask, GT, glyphs) brought down to inline size, and its values. */
  private async output(log: LogEntry, index: number): Promise<vscode.NotebookCellOutput> {
    const settings = readSettings();
    const root = log.folder.uri.fsPath;
    const segmenters = this.segmenters;
    const segment: ViewContext['segment'] = segmenters ? (imagePath, answer, frame) => segmenters.segmentAnswer(imagePath, answer, frame) : undefined;
    const { view } = await buildRolloutView(log.index, index, log.structure.groupOf(index).members, logViewContext(log, settings, segment, () => undefined));
    const r = view.rollout!;
    const problems = [...view.problems];
    let image_data: string | undefined;
    if (view.image) {
      try {
        if (view.image.bytes.length > MAX_INLINE_IMAGE_BYTES) throw new Error('too large to inline');
        const jpg = await sharp(view.image.bytes, { limitInputPixels: MAX_IMAGE_PIXELS }).resize(INLINE_SIDE, INLINE_SIDE, { fit: 'inside' }).jpeg({ quality: 80 }).toBuffer();
        image_data = `data:image/jpeg;base64,${jpg.toString('base64')}`;
      } catch (e) {
        // The card still renders its glyphs on a blank frame.
        problems.push(`image not inlined: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const size = view.image ?? (view.gt ? { width: view.gt.width, height: view.gt.height } : undefined);
    const mask = view.mask;
    const q = await this.columnValues().quality.of({ file: log.file, root, index: log.index }, index, mask);
    const orNull = (v: number) => (Number.isFinite(v) ? v : null);
    const extras: CardExtras = {
      log: log.rel,
      line: r.line,
      ...(mask ? { mask_data: await maskDataUrl(mask), mask_source: mask.source } : {}),
      ...(view.gt ? { gt_outline: gtOutline(view.gt) } : {}),
      ...(view.noMask ? { no_mask: view.noMask.reason } : {}),
      metrics: { iou: orNull(q.iou), 's-measure': orNull(q.sm), intended: orNull(q.intended) },
      problems,
    };
    const rewards = Object.fromEntries(r.rewards.map((row) => [row.name, row.logged ?? null]));
    const payload = { completion: r.completion, step: r.step, group: r.group, sample: r.sample, rewards, reward: r.total.logged, advantage: r.advantage.logged, model_frame: r.frame, image_data, image_size: size ? { width: size.width, height: size.height } : undefined, ...extras };
    const summary = `${log.rel}:${r.line}  reward ${r.total.logged ?? '—'}  advantage ${r.advantage.logged ?? '—'}  IoU ${extras.metrics?.iou ?? '—'}`;
    return new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.json(payload, ROLLOUT_MIME), vscode.NotebookCellOutputItem.text(summary)]);
  }

  dispose(): void {
    this.controller.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
