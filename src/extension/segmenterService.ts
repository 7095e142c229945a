import * as vscode from 'vscode';
import type { ParsedAnswer } from '../core/completion/types';
import { promptsFromAnswer } from '../core/geometry/prompts';
import { readRgb } from '../core/image/io';
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
   * The family's own prompting (Seg-R1: per box, the points inside it go with that box; per-box masks
   * OR-ed), with the image encoded once and every box decoded against that encoding.
   */
  async segmentAnswer(imagePath: string, answer: ParsedAnswer, frame: { width: number; height: number }): Promise<{ mask: BinaryMask; source: string } | undefined> {
    let enc = this.encoded.get(imagePath);
    if (!enc) {
      enc = readRgb(imagePath).then((img) => this.segmenter.encode(img));
      this.encoded.set(imagePath, enc);
      if (this.encoded.size > 16) this.encoded.delete(this.encoded.keys().next().value!);
    }
    const e = await enc;
    const prompts = promptsFromAnswer(answer, frame, { width: e.width, height: e.height });
    if (!prompts.length) return undefined;
    const out = new Uint8Array(e.width * e.height);
    for (const prompt of prompts) {
      const r = await this.segmenter.decode(e, prompt);
      for (let i = 0; i < out.length; i++) out[i] = out[i]! | r.mask.data[i]!;
    }
    return { mask: { width: e.width, height: e.height, data: out }, source: this.segmenter.info.label };
  }

  dispose(): void {
    void this.segmenter.dispose();
    this.changed.dispose();
  }
}
