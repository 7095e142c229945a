/** Command ids, one place (package.json contributes the same ids). */
export const COMMANDS = {
  openWorkbench: 'segr1.openWorkbench',
  openRollout: 'segr1.openRollout',
  inspectImage: 'segr1.inspectImage',
  openSelection: 'segr1.openSelection',
  nextRollout: 'segr1.nextRollout',
  previousRollout: 'segr1.previousRollout',
  refresh: 'segr1.refresh',
  openTraces: 'segr1.openTraces',
  newNotebook: 'segr1.newNotebook',
  chooseSegmenter: 'segr1.chooseSegmenter',
  exportImageView: 'segr1.exportImageView',
  exportReport: 'segr1.exportReport',
  attributeFailures: 'segr1.attributeFailures',
  evaluatePredictions: 'segr1.evaluatePredictions',
  saveEvaluationJson: 'segr1.saveEvaluationJson',
} as const;

/** The webview panel type (serializer and activation event use it). */
export const PANEL_VIEW_TYPE = 'segr1.workbench';

/** The reward-traces panel type. */
export const TRACES_VIEW_TYPE = 'segr1.traces';
