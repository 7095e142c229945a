/** Annotations of rollouts (`.segr1/annotations.json`): notes, label overrides, counterfactual prompts. */
export * from './types';
export { ANNOTATIONS_SCHEMA, ANNOTATIONS_VERSION, MAX_NOTE_LENGTH, MAX_ANSWER_LENGTH, applyEdit, checkKey, compareKeys, counterfactualProblem, emptyStore, keyId, logPathProblem, lookupAnnotation, parseAnnotations, serializeAnnotations, type ParsedAnnotations } from './store';
export { ANNOTATIONS_FILE, MAX_ANNOTATIONS_BYTES, annotationsPath, loadAnnotations, updateAnnotations, type LoadedAnnotations } from './file';
export { annotationKeyOf, findAnnotated, logKeyPath } from './resolve';
