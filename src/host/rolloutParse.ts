import type { ParsedAnswer } from '../core/completion/types';
import { parseCompletion } from '../core/completion/parse';
import { applyPromptEdits, type PromptEdit } from '../core/edit/promptEdits';
import { modelFrameSize, type FrameSpec } from '../core/geometry/frames';
import type { RolloutRecord } from '../core/logs/rollout';
import type { ViewProblems } from './viewProblems';

/** The answer formats a view can be told to read (`auto`: whichever the completion is written in). */
export type AnswerFormatSetting = 'auto' | 'segr1' | 'segzero' | 'visionreasoner';

/** What parsing a rollout needs besides the record. */
export interface ParseInput {
  /** The image's size (else the GT's); undefined when neither could be read. */
  readonly size?: { readonly width: number; readonly height: number };
  /** The run's configured model frame; a record's own `model_frame` wins. */
  readonly frame: FrameSpec;
  readonly answerFormat: AnswerFormatSetting;
  /** Present (even empty) = re-segment with the segmenter in use instead of showing the logged mask. */
  readonly edits?: readonly PromptEdit[];
}

/** A rollout as the view shows it: the record (edited, its logged mask set aside, when edits were asked for) and its answer. */
export interface ParsedRollout {
  readonly record: RolloutRecord;
  readonly answer: ParsedAnswer;
  /** The frame spec the rewards are replayed under. */
  readonly frameSpec: FrameSpec;
  /** The model frame the coordinates are written in. */
  readonly frame: { readonly width: number; readonly height: number };
}

/**
 * Step 2 of a rollout view: parse the completion in its model frame and apply the prompt edits. Edits need the image
 * size (they are checked against it); without one they are not applied and the logged mask stays. An edit the text
 * refuses is a problem of the line.
 */
export function parseAndEdit(logged: RolloutRecord, input: ParseInput, problems: ViewProblems): ParsedRollout {
  const { size, edits } = input;
  const frameSpec: FrameSpec = logged.model_frame ? { kind: 'fixed', width: logged.model_frame.width, height: logged.model_frame.height } : input.frame;
  const frame = size ? modelFrameSize(frameSpec, size) : logged.model_frame ?? { width: 768, height: 768 };
  const parseOpts = { format: input.answerFormat === 'auto' ? undefined : input.answerFormat, frame } as const;
  let record = logged;
  let answer = parseCompletion(record.completion, parseOpts);
  if (edits && size) {
    const edited = edits.length ? applyPromptEdits(record.completion, edits, { ...parseOpts, format: answer.format, image: size }) : undefined;
    for (const r of edited?.refused ?? []) problems.note(`edit ${r.edit + 1} not applied: ${r.reason}`);
    record = { ...record, completion: edited?.text ?? record.completion, mask: undefined };
    if (edited) answer = parseCompletion(record.completion, parseOpts);
  }
  return { record, answer, frameSpec, frame };
}
