/**
 * Which SAM2 exports the workbench may load, given Workspace Trust. An ONNX file is input to onnxruntime's
 * native parser, so in Restricted Mode nothing the workspace supplies is loaded: not its models/ folders and
 * not a model path from its settings. Only a path the user set in their own (user or remote-machine)
 * settings, outside every workspace folder, still counts. Pure: the extension passes in what VS Code says.
 */
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Shown on the segmenter badge and in Choose Segmenter while Restricted Mode keeps SAM2 out. */
export const RESTRICTED_NOTE = 'Restricted Mode — SAM2 not loaded';

/** What the extension knows when it looks for SAM2 exports. */
export interface Sam2SearchInput {
  /** vscode.workspace.isTrusted. */
  readonly trusted: boolean;
  /** `segr1.sam2.modelPath` as the configuration resolves it (trusted windows only). */
  readonly modelPath: string;
  /** The same setting from user / remote-machine settings alone (inspect().globalValue), symlinks resolved. */
  readonly userModelPath: string | undefined;
  /** Workspace folder paths, symlinks resolved. */
  readonly workspaceFolders: readonly string[];
}

/** Where to look, and what Restricted Mode left out. */
export interface Sam2SearchPlan {
  /** Files or folders to scan for exports, in order of preference. */
  readonly roots: string[];
  /** Set in Restricted Mode: the reason shown wherever the fallback stands in for SAM2. */
  readonly restriction?: string;
}

/** True when `p` is `folder` or below it (both absolute, symlinks already resolved by the caller). */
export function isInsideFolder(p: string, folder: string): boolean {
  const rel = relative(resolve(folder), resolve(p));
  // `..x` is a child named "..x", not a climb out.
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** Decide the SAM2 search roots for the current trust state. */
export function planSam2Search(input: Sam2SearchInput): Sam2SearchPlan {
  if (input.trusted) {
    return { roots: [input.modelPath, ...input.workspaceFolders.map((f) => join(f, 'models'))].filter((r) => r.trim() !== '') };
  }
  const own = input.userModelPath?.trim() ?? '';
  // A relative path would resolve against whatever the host's working directory is; one inside a workspace
  // folder is the workspace's file even though the user's setting names it.
  const usable = own !== '' && isAbsolute(own) && !input.workspaceFolders.some((f) => isInsideFolder(own, f));
  return { roots: usable ? [own] : [], restriction: RESTRICTED_NOTE };
}

/** The engine label as shown: the fallback names Restricted Mode when that is why SAM2 is not in use. */
export function engineLabel(label: string, kind: 'sam2' | 'classical' | 'remote', restriction: string | undefined): string {
  return kind === 'classical' && restriction ? `${label} · ${restriction}` : label;
}
