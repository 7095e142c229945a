import type { PromptEdit } from '../core/edit/promptEdits';
import type { FrameSpec } from '../core/geometry/frames';
import { readRollout, type RolloutIndex } from '../core/logs/jsonlIndex';
import { resolveRecordPath } from '../core/dataset/paths';
import type { ViewPayload, ViewReplay } from '../shared/protocol';
import { assetSize, loadAssets, type ResolvePath } from './rolloutAssets';
import { segmentRollout, type SegmentAnswer } from './rolloutMasks';
import { parseAndEdit, type AnswerFormatSetting } from './rolloutParse';
import { replayPayload, rolloutPayload, rolloutSelection } from './rolloutPayload';
import { scoreRollout } from './rolloutScore';
import { ViewProblems } from './viewProblems';

/** What the view builder needs from its host. */
export interface ViewContext {
  /** The log's id in selections (its source path; a converted log's index lives elsewhere). */
  readonly logId: string;
  readonly frame: FrameSpec;
  readonly answerFormat: AnswerFormatSetting;
  /** Resolve a record path; returns an error text when it escapes the workspace. */
  resolve: ResolvePath;
  /** Mask for a rollout without a logged mask (segmenter in use); undefined when no image. */
  segment?: SegmentAnswer;
  /** Report a problem on a log line (Problems panel). */
  problem(line: number | undefined, message: string): void;
}

/** The part of a workspace log a view context needs: its id and the folder its record paths are resolved in. */
export interface ViewLog {
  readonly file: string;
  readonly folder: { readonly uri: { readonly fsPath: string } };
}

/**
 * The view context of a rollout of `log`: its id, the frame and answer-format settings, record paths resolved inside
 * its workspace folder; `segment` and `problem` are the caller's (panel, compare view and notebook differ there).
 */
export function logViewContext(log: ViewLog, settings: Pick<ViewContext, 'frame' | 'answerFormat'>, segment: ViewContext['segment'] | undefined, problem: ViewContext['problem']): ViewContext {
  const root = log.folder.uri.fsPath;
  return { logId: log.file, frame: settings.frame, answerFormat: settings.answerFormat, resolve: (rel) => resolveRecordPath(root, log.file, rel), ...(segment ? { segment } : {}), problem };
}

/**
 * Build everything the panel shows for one rollout of an indexed log, in five steps: load the image and GT → parse
 * the completion and apply the edits → segment → score → assemble the view. With `edits`, the rollout's prompts
 * are moved first: the completion text is rewritten, the logged mask is set aside, and the segmenter and
 * rewards run on the edited text (logged values stay for comparison). Empty `edits` re-segment the
 * rollout as logged, e.g. to compare SAM2's mask with the one the run logged.
 *
 * The view carries logged values only, so it paints at once; `replay()` then recomputes the rewards of the
 * rollout and its group (several S-measures at 768²) for a follow-up message.
 */
export async function buildRolloutView(index: RolloutIndex, i: number, members: readonly number[], ctx: ViewContext, edits?: readonly PromptEdit[]): Promise<{ view: Omit<ViewPayload, 'revision'>; replay(): Promise<Omit<ViewReplay, 'revision'>> }> {
  const logged = await readRollout(index, i);
  const problems = new ViewProblems(index.line[i]!, (line, message) => ctx.problem(line, message));
  const assets = await loadAssets(logged, ctx.resolve, problems);
  const parsed = parseAndEdit(logged, { size: assetSize(assets), frame: ctx.frame, answerFormat: ctx.answerFormat, edits }, problems);
  const masks = await segmentRollout(parsed, assets, ctx, problems);
  const scores = await scoreRollout({ index, members, logged, parsed, masks, gt: assets.gt?.gray });
  const view = rolloutPayload({ logId: ctx.logId, index, i, members, logged, edits, assets, parsed, masks, scores, problems: problems.list });
  const selection = rolloutSelection(ctx.logId, i);
  return { view, replay: async () => replayPayload(selection, await scores.replay()) };
}
