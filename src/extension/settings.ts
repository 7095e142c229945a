import * as vscode from 'vscode';
import type { FrameSpec } from '../core/geometry/frames';

/** The workbench settings, typed. */
export interface WorkbenchSettings {
  readonly frame: FrameSpec;
  readonly answerFormat: 'auto' | 'segr1' | 'segzero' | 'visionreasoner';
  readonly sam2ModelPath: string;
  /** Channel order the segmenter receives: Seg-R1's code fed SAM2 BGR (cvtColor on an RGB image). */
  readonly channelOrder: 'bgr' | 'rgb';
}

/** Parse `segr1.modelFrame` (`square:768`, `fixed:WxH`, `smart_resize`, `original`); unknown values fall back to Seg-R1's 768². */
export function parseFrameSetting(v: string): FrameSpec {
  const sq = /^square:(\d+)$/.exec(v);
  if (sq) return { kind: 'square', size: Number(sq[1]) };
  const fx = /^fixed:(\d+)x(\d+)$/.exec(v);
  if (fx) return { kind: 'fixed', width: Number(fx[1]), height: Number(fx[2]) };
  if (v === 'smart_resize') return { kind: 'smart_resize' };
  if (v === 'original') return { kind: 'original' };
  return { kind: 'square', size: 768 };
}

/** Read the current settings. */
export function readSettings(): WorkbenchSettings {
  const c = vscode.workspace.getConfiguration('segr1');
  return {
    frame: parseFrameSetting(c.get<string>('modelFrame', 'square:768')),
    answerFormat: c.get<WorkbenchSettings['answerFormat']>('answerFormat', 'auto'),
    sam2ModelPath: c.get<string>('sam2.modelPath', ''),
    channelOrder: c.get<'bgr' | 'rgb'>('segmenter.channelOrder', 'bgr'),
  };
}
