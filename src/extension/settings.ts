import * as vscode from 'vscode';
import type { FrameSpec } from '../core/geometry/frames';

/** The workbench settings, typed. */
export interface WorkbenchSettings {
  readonly frame: FrameSpec;
  readonly answerFormat: 'auto' | 'segr1' | 'segzero' | 'visionreasoner';
  readonly sam2ModelPath: string;
  /** Channel order the segmenter receives: Seg-R1's code fed SAM2 BGR (cvtColor on an RGB image). */
  readonly channelOrder: 'bgr' | 'rgb';
  /** `segr1.advantage.estimator`: `auto` or an estimator id (checked where it is used). */
  readonly advantageEstimator: string;
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
    advantageEstimator: c.get<string>('advantage.estimator', 'auto'),
  };
}

/** One entry of `segr1.logs.overrides`: a log (path relative to its workspace folder) opened as the user says. */
export interface LogOverride {
  readonly path: string;
  /** Adapter name, instead of detection. */
  readonly format?: string;
  /** Image join, as the CLI's --images-by (list files relative to the workspace folder). */
  readonly imagesBy?: string;
}

/** The overrides of one workspace folder; malformed entries (no path) are dropped, paths normalised to forward slashes. */
export function readLogOverrides(folder: vscode.WorkspaceFolder): LogOverride[] {
  const raw = vscode.workspace.getConfiguration('segr1', folder.uri).get<unknown[]>('logs.overrides', []);
  const out: LogOverride[] = [];
  for (const e of Array.isArray(raw) ? raw : []) {
    if (!e || typeof e !== 'object') continue;
    const o = e as Record<string, unknown>;
    if (typeof o.path !== 'string' || o.path.trim() === '') continue;
    out.push({
      path: o.path.trim().replace(/\\/g, '/').replace(/^\.\//, ''),
      ...(typeof o.format === 'string' ? { format: o.format } : {}),
      ...(typeof o.imagesBy === 'string' ? { imagesBy: o.imagesBy } : {}),
    });
  }
  return out;
}
