import * as vscode from 'vscode';
import type { ParsedAnswer } from '../core/completion/types';
import { modelToImage } from '../core/geometry/frames';
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
   * Seg-R1's procedure: for each box, the points inside it (inclusive) go with that box to the
   * segmenter, and the per-box masks are OR-ed. Coordinates are mapped from the model frame to image pixels.
   */
  async segmentAnswer(imagePath: string, answer: ParsedAnswer, frame: { width: number; height: number }): Promise<{ mask: BinaryMask; source: string } | undefined> {
    if (!answer.boxes.length) return undefined;
    let enc = this.encoded.get(imagePath);
    if (!enc) {
      enc = readRgb(imagePath).then((img) => this.segmenter.encode(img));
      this.encoded.set(imagePath, enc);
      if (this.encoded.size > 16) this.encoded.delete(this.encoded.keys().next().value!);
    }
    const e = await enc;
    const size = { width: e.width, height: e.height };
    const out = new Uint8Array(e.width * e.height);
    for (const b of answer.boxes) {
      const inside = answer.points.filter((p) => p.x >= b.x1 && p.x <= b.x2 && p.y >= b.y1 && p.y <= b.y2);
      const p1 = modelToImage({ x: b.x1, y: b.y1 }, frame, size);
      const p2 = modelToImage({ x: b.x2, y: b.y2 }, frame, size);
      const r = await this.segmenter.decode(e, {
        box: { x1: p1.x, y1: p1.y, x2: p2.x, y2: p2.y },
        points: inside.map((p) => ({ ...modelToImage(p, frame, size), label: p.label })),
      });
      for (let i = 0; i < out.length; i++) out[i] = out[i]! | r.mask.data[i]!;
    }
    return { mask: { width: e.width, height: e.height, data: out }, source: this.segmenter.info.label };
  }

  dispose(): void {
    void this.segmenter.dispose();
    this.changed.dispose();
  }
}
