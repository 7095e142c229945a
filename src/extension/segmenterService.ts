import * as vscode from 'vscode';
import type { ParsedAnswer } from '../core/completion/types';
import { promptsFromAnswer } from '../core/geometry/prompts';
import { readRgb } from '../core/image/io';
import type { RgbImage } from '../core/image/types';
import { loadFrameImage } from '../core/sample/trainingRun';
import { readSettings } from './settings';
import type { BinaryMask } from '../core/image/types';
import { createClassicalSegmenter } from '../core/segment/classical';
import type { EncodedImage, Segmenter } from '../core/segment/segmenter';
import type { SegmenterBadge } from '../shared/protocol';

/**
 * The segmenter in use for rollouts without a logged mask. Starts with the classical fallback (always
 * labelled "not SAM2"); SAM2 replaces it when an export is found.
 */
export class SegmenterService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SegmenterBadge>();
  /** Fires when the engine changes. */
  readonly onDidChange = this.changed.event;
  private segmenter: Segmenter = createClassicalSegmenter();
  /** One encoding per image path, reused across prompts (the encode-once contract). */
  private encoded = new Map<string, Promise<EncodedImage>>();

  constructor(readonly context: vscode.ExtensionContext) {}

  /** The badge text for the current engine. */
  get badge(): SegmenterBadge {
    return { label: this.segmenter.info.label, kind: this.segmenter.info.kind };
  }

  /**
   * Segment a rollout as its trainer did. Square model frames (Seg-R1: 768²) get the image squashed to the
   * frame with PIL bilinear and, by default, the BGR channel order Seg-R1's code fed SAM2; the mask is then
   * in the reward frame, so replayed rewards match training. Other frames segment the original image.
   * One encoding per (image, frame, channel order), reused across prompts.
   */
  async segmentAnswer(imagePath: string, answer: ParsedAnswer, frame: { width: number; height: number }): Promise<{ mask: BinaryMask; source: string } | undefined> {
    const channels = readSettings().channelOrder;
    const square = frame.width === frame.height;
    const key = `${imagePath}|${square ? frame.width : 'orig'}|${channels}`;
    let enc = this.encoded.get(key);
    if (!enc) {
      const load = square ? loadFrameImage(imagePath, frame.width, channels) : readRgb(imagePath).then((img) => (channels === 'bgr' ? swapRedBlue(img) : img));
      enc = load.then((img) => this.segmenter.encode(img));
      this.encoded.set(key, enc);
      if (this.encoded.size > 16) this.encoded.delete(this.encoded.keys().next().value!);
    }
    const e = await enc;
    const size = { width: e.width, height: e.height };
    const prompts = promptsFromAnswer(answer, frame, size);
    if (!prompts.length) return undefined;
    const out = new Uint8Array(e.width * e.height);
    for (const prompt of prompts) {
      const r = await this.segmenter.decode(e, prompt);
      for (let i = 0; i < out.length; i++) out[i] = out[i]! | r.mask.data[i]!;
    }
    return { mask: { ...size, data: out }, source: `${this.segmenter.info.label} · ${channels.toUpperCase()}${square ? ` · ${frame.width}²` : ''}` };
  }

  dispose(): void {
    void this.segmenter.dispose();
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
