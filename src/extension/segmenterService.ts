import { realpath } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { checkAbsoluteInside } from '../core/dataset/paths';
import type { ParsedAnswer } from '../core/completion/types';
import { readRgb } from '../core/image/io';
import type { RgbImage } from '../core/image/types';
import { loadFrameImage } from '../core/image/frameImage';
import { readSettings } from './settings';
import type { BinaryMask } from '../core/image/types';
import { createClassicalSegmenter } from '../core/segment/classical';
import { discoverSam2Models, type Sam2Candidate } from '../core/segment/modelDiscovery';
import type { EncodedImage, Segmenter } from '../core/segment/segmenter';
import { segmentAnswer } from '../core/segment/segmentAnswer';
import { engineLabel, planSam2Search, type Sam2SearchPlan } from '../core/segment/trustPolicy';
import type { SegmenterBadge, SegmenterKind } from '../shared/protocol';
import { SegmentWorkerHost } from '../host/segmentHost';

/** workspaceState key of the chosen export. */
const CHOSEN_KEY = 'segr1.sam2.chosenEncoder';

/**
 * The segmenter in use for rollouts without a logged mask. Starts with the classical fallback (always
 * labelled "not SAM2"); SAM2 replaces it when an export is found. In Restricted Mode the workspace's exports
 * and settings are not loaded (see trustPolicy); granting trust looks again, without a reload.
 */
export class SegmenterService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SegmenterBadge>();
  /** Fires when the engine changes. */
  readonly onDidChange = this.changed.event;
  private readonly classical: Segmenter = createClassicalSegmenter();
  private segmenter: Segmenter = this.classical;
  /** One encoding per image path, reused across prompts (the encode-once contract). */
  private encoded = new Map<string, Promise<EncodedImage>>();
  private worker?: SegmentWorkerHost;
  private candidates: Sam2Candidate[] = [];
  private loading?: Promise<void>;
  /** Set while Restricted Mode keeps the workspace's exports out: the reason the badge gives. */
  private restriction?: string;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(readonly context: vscode.ExtensionContext) {
    this.subscriptions.push(
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.rediscover()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('segr1.sam2.modelPath')) void this.rediscover();
      }),
    );
  }

  /** Look for SAM2 exports (setting, then each workspace's models/) and load the chosen one in the worker. */
  discover(): Promise<void> {
    return this.loading ?? this.rediscover();
  }

  /** Look again once what may be loaded has changed (trust granted, model path edited), after any load in flight. */
  private rediscover(): Promise<void> {
    const mine: Promise<void> = (this.loading ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.load())
      .finally(() => {
        // Only the latest load clears the flag: segmentAnswer waits on it.
        if (this.loading === mine) this.loading = undefined;
      });
    this.loading = mine;
    return mine;
  }

  /** The search roots allowed under the current trust state, for the workspace folders with symlinks resolved. */
  private async searchPlan(folders: readonly string[]): Promise<Sam2SearchPlan> {
    const real = (p: string) => realpath(p).catch(() => path.resolve(p));
    const own = vscode.workspace.getConfiguration('segr1').inspect<string>('sam2.modelPath')?.globalValue;
    return planSam2Search({
      trusted: vscode.workspace.isTrusted,
      modelPath: readSettings().sam2ModelPath,
      userModelPath: own && path.isAbsolute(own) ? await real(own) : own,
      workspaceFolders: folders,
    });
  }

  private async load(preferred?: Sam2Candidate): Promise<void> {
    // Workspace folders resolved once, for both the search plan and the inside check (a folder reached through a
    // symlink is searched by its real path, so the check must compare real paths too).
    const folders = await Promise.all((vscode.workspace.workspaceFolders ?? []).map((f) => realpath(f.uri.fsPath).catch(() => path.resolve(f.uri.fsPath))));
    const plan = await this.searchPlan(folders);
    this.restriction = plan.restriction;
    const found = await discoverSam2Models(plan.roots);
    // A workspace's models/ loads only files that stay inside it once symlinks are resolved (a cloned repo's link
    // must not load an ONNX file from elsewhere); the user's own setting names their own choice.
    const inside = async (file: string) => {
      const folder = folders.find((f) => file.startsWith(path.join(f, 'models') + path.sep));
      return folder === undefined || (await checkAbsoluteInside(folder, file)).ok;
    };
    this.candidates = [];
    for (const c of found.candidates) if ((await inside(c.encoder)) && (await inside(c.decoder))) this.candidates.push(c);
    if (found.problems.length) {
      void vscode.window.showWarningMessage(`Seg-R1: ${found.problems.length} ONNX file(s) in models/ are not usable SAM2 exports: ${found.problems.map((p) => `${path.basename(p.path)} — ${p.message}`).join('; ').slice(0, 600)}`);
    }
    const remembered = this.context.workspaceState.get<string>(CHOSEN_KEY);
    const pick = preferred ?? this.candidates.find((c) => c.encoder === remembered) ?? this.candidates[0];
    if (!pick) return this.use(this.classical);
    try {
      this.worker ??= new SegmentWorkerHost(vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'segmentWorker.js').fsPath);
      const sam2 = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Seg-R1: loading ${pick.label}` }, () =>
        this.worker!.loadSam2({
          encoder: pick.encoder,
          decoder: pick.decoder,
          // Pixels arrive already in the run's channel order (see segmentAnswer), so the worker must not swap again.
          channels: 'rgb',
          cacheDir: vscode.Uri.joinPath(this.context.globalStorageUri, 'embeddings').fsPath,
        }),
      );
      sam2.onProgress = (p) => this.reportEncode(p.fraction);
      this.use(sam2);
    } catch (e) {
      void vscode.window.showErrorMessage(`Seg-R1: cannot load ${pick.encoder}: ${e instanceof Error ? e.message : String(e)}. Using the classical fallback — not SAM2.`);
      this.use(this.classical);
    }
  }

  private encodeProgress?: { report(fraction: number): void; done(): void };

  /** Encoding takes seconds on CPU: show it in the status bar while it runs. */
  private reportEncode(fraction: number): void {
    if (!this.encodeProgress) {
      let last = 0;
      let resolve!: () => void;
      const done = new Promise<void>((r) => (resolve = r));
      void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Seg-R1: SAM2 image encoder' }, (progress) => {
        this.encodeProgress = {
          report: (f) => {
            progress.report({ increment: Math.max(0, (f - last) * 100) });
            last = f;
          },
          done: resolve,
        };
        return done;
      });
    }
    this.encodeProgress?.report(fraction);
    if (fraction >= 1) {
      this.encodeProgress?.done();
      this.encodeProgress = undefined;
    }
  }

  private shownLabel?: string;

  private use(s: Segmenter): void {
    if (this.segmenter !== s) {
      if (this.segmenter !== this.classical) void this.segmenter.dispose();
      this.segmenter = s;
      // A new map, not clear(): requests in flight keep the encodings of the engine they started with.
      this.encoded = new Map();
    }
    // The engine may stay the fallback while the reason for it changes (trust granted, nothing in models/).
    const badge = this.badge;
    if (badge.label === this.shownLabel) return;
    this.shownLabel = badge.label;
    this.changed.fire(badge);
  }

  /** QuickPick among the SAM2 exports found and the classical fallback. */
  async choose(): Promise<void> {
    await this.discover();
    type Item = vscode.QuickPickItem & { candidate?: Sam2Candidate; manageTrust?: true };
    const items: Item[] = [
      ...this.candidates.map((c) => ({ label: c.label, description: c.description, detail: c.detail, candidate: c })),
      { label: 'classical fallback — not SAM2', description: 'no weights needed', detail: 'GrabCut-style colour/texture model; masks are only a stand-in for SAM2' },
    ];
    if (this.restriction) {
      items.push({
        label: `$(shield) ${this.restriction}`,
        description: 'Manage Workspace Trust…',
        detail: "An ONNX export is read by onnxruntime's native parser: the workspace's models/ folder and settings are used only once you trust this workspace.",
        manageTrust: true,
      });
    }
    const pick = await vscode.window.showQuickPick(items, { title: `Seg-R1: segmenter for rollouts without a logged mask${this.restriction ? ` (${this.restriction})` : ''}` });
    if (!pick) return;
    if (pick.manageTrust) {
      await vscode.commands.executeCommand('workbench.trust.manage');
      return;
    }
    await this.context.workspaceState.update(CHOSEN_KEY, pick.candidate?.encoder);
    if (pick.candidate) await this.load(pick.candidate);
    else this.use(this.classical);
  }

  /** The badge text for the current engine. */
  get badge(): SegmenterBadge {
    const { label, kind } = this.segmenter.info;
    return { label: engineLabel(label, kind, this.restriction), kind };
  }

  /** The segmenter in use once a load under way has finished, with its badge label (the attribution pass runs on it). */
  async inUse(): Promise<{ segmenter: Segmenter; label: string }> {
    if (this.loading) await this.loading;
    return { segmenter: this.segmenter, label: this.badge.label };
  }

  /**
   * Segment a rollout as its trainer did. Square model frames (Seg-R1: 768²) get the image squashed to the
   * frame with PIL bilinear and, by default, the BGR channel order Seg-R1's code fed SAM2; the mask is then
   * in the reward frame, so replayed rewards match training. Other frames segment the original image.
   * One encoding per (image, frame, channel order), reused across prompts.
   */
  async segmentAnswer(imagePath: string, answer: ParsedAnswer, frame: { width: number; height: number }): Promise<{ mask: BinaryMask; source: string; kind: SegmenterKind } | undefined> {
    if (!answer.boxes.length && !answer.points.length) return undefined;
    // An export found in models/ is still loading: the user expects its mask, not the fallback's.
    if (this.loading) await this.loading;
    // One engine for the encoding and the prompts, even if another is chosen meanwhile.
    const segmenter = this.segmenter;
    const channels = readSettings().channelOrder;
    const square = frame.width === frame.height;
    const key = `${imagePath}|${square ? frame.width : 'orig'}|${channels}`;
    const encoded = this.encoded;
    let enc = encoded.get(key);
    if (!enc) {
      const load = square ? loadFrameImage(imagePath, frame.width, channels) : readRgb(imagePath).then((img) => (channels === 'bgr' ? swapRedBlue(img) : img));
      enc = load.then((img) => segmenter.encode(img));
      encoded.set(key, enc);
      if (encoded.size > 16) encoded.delete(encoded.keys().next().value!);
    }
    const e = await enc;
    const mask = await segmentAnswer(segmenter, e, answer, frame);
    // The worker sees pixels already in the run's order, so its own "RGB input" note would mislead: state ours.
    const engine = engineLabel(segmenter.info.label.replace(/,? (RGB|BGR) input\)/, ')'), segmenter.info.kind, segmenter === this.classical ? this.restriction : undefined);
    // The kind travels with the mask (the badge's class): never guessed from the label.
    return { mask, source: `${engine} · ${channels.toUpperCase()} input${square ? ` · ${frame.width}² frame` : ''}`, kind: segmenter.info.kind };
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
    void this.segmenter.dispose();
    if (this.segmenter !== this.classical) void this.classical.dispose();
    void this.worker?.dispose();
    this.changed.dispose();
  }
}

/** The same pixels with R and B exchanged (what cv2.cvtColor(RGB, BGR2RGB) does to an RGB image). */
function swapRedBlue(img: RgbImage): RgbImage {
  const d = new Uint8Array(img.data);
  for (let i = 0; i < d.length; i += 3) {
    const r = d[i]!;
    d[i] = d[i + 2]!;
    d[i + 2] = r;
  }
  return { ...img, data: d };
}
