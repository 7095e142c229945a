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
  getStarted: 'segr1.getStarted',
  createSample: 'segr1.createSample',
  reloadPanels: 'segr1.reloadPanels',
  compareRuns: 'segr1.compareRuns',
  compareSteps: 'segr1.compareSteps',
} as const;

/** The webview panel type (serializer and activation event use it). */
export const PANEL_VIEW_TYPE = 'segr1.workbench';

/** The reward-traces panel type. */
export const TRACES_VIEW_TYPE = 'segr1.traces';

/** The walkthrough's id in package.json (`contributes.walkthroughs`). */
export const WALKTHROUGH_ID = 'segr1.gettingStarted';

/** Full id `workbench.action.openWalkthrough` takes: `<publisher>.<name>#<walkthrough id>`. */
export const WALKTHROUGH_FULL_ID = `segr1.segr1-workbench#${WALKTHROUGH_ID}`;

/** Context keys the walkthrough's completion events (`onContext:`) watch. */
export const WALKTHROUGH_CONTEXT = {
  hasRuns: 'segr1.hasRuns',
  rolloutShown: 'segr1.walkthrough.rolloutShown',
  groupCompared: 'segr1.walkthrough.groupCompared',
  promptEdited: 'segr1.walkthrough.promptEdited',
} as const;
