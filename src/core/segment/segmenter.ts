import type { BinaryMask, RgbImage } from '../image/types';

/** A prompt point in original-image pixels; label 1 = foreground, 0 = background. */
export interface PromptPoint {
  readonly x: number;
  readonly y: number;
  readonly label: 0 | 1;
}

/** A prompt box in original-image pixels (x1,y1 top-left; x2,y2 bottom-right). */
export interface PromptBox {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

/** What one decoder call receives: at most one box plus any number of points, all in original-image pixels. */
export interface SegmentPrompt {
  readonly box?: PromptBox;
  readonly points: readonly PromptPoint[];
  /** Low-resolution logits from a previous decode, fed back to refine (SAM2 `mask_input`). */
  readonly maskInput?: Float32Array;
}

/** Which engine produced a mask; the UI shows `label` next to every mask it draws. */
export interface SegmenterInfo {
  /** Stable id, e.g. `classical`, `sam2:<model hash>`, `remote:<url>`. */
  readonly id: string;
  /** Human label, e.g. "classical fallback — not SAM2" or "SAM2 (sam2.1_hiera_tiny, family E)". */
  readonly label: string;
  readonly kind: 'sam2' | 'classical' | 'remote';
}

/** The result of encoding an image once; opaque to callers, reused for every prompt on that image. */
export interface EncodedImage {
  /** Content hash of the image pixels (and channel order where it matters). */
  readonly key: string;
  readonly width: number;
  readonly height: number;
}

/** One decoded mask in original-image pixels. */
export interface SegmentResult {
  readonly mask: BinaryMask;
  /** Predicted IoU of the chosen mask, when the engine has one. */
  readonly score?: number;
  /** Low-resolution logits (SAM2: 256×256) for feedback as `maskInput`. */
  readonly lowResLogits?: Float32Array;
}

/** Encode an image once, then decode many prompts against it (the SAM2 shape, shared by every engine). */
export interface Segmenter {
  readonly info: SegmenterInfo;
  encode(image: RgbImage, signal?: AbortSignal): Promise<EncodedImage>;
  decode(encoded: EncodedImage, prompt: SegmentPrompt, signal?: AbortSignal): Promise<SegmentResult>;
  dispose(): Promise<void>;
}
