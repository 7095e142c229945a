/** Search a run's completions: the spec and matcher (pure), the saved-search filter, and the streamed search. */
export { compileMatcher, searchFilter, specProblem, rawNeedle, MAX_OFFSETS_PER_COMPLETION, type SearchSpec, type Matcher, type SearchableRollout } from './spec';
export { searchRun, DEFAULT_BUDGET_MS, type SearchHit, type SearchBatch, type SearchSummary, type SearchOptions, type StepCount } from './searchRun';
