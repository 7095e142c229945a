/** The logs module: indexing, formats, conversion, metrics. The extension imports from here. */
export type { LogIssue } from './issues';
export type { RolloutIndex } from './indexBuilder';
export type { RolloutFormat, MetricsFormat, RolloutAdapter, RolloutSink } from './adapterTypes';
export { indexRolloutLog, readRollout, forEachRollout, RolloutReader, followRolloutLog, updateRolloutLog, validateRolloutJson, unsafePathReason } from './jsonlIndex';
export { indexRolloutLogCached, indexCachePath } from './indexCache';
export { detectLogFormat, readAdapter, ADAPTERS, type DetectedLog } from './formats';
export { convertLog, type ConvertSummary, type ConvertOptions } from './convert';
export { openRolloutLog, type OpenedLog, type OpenLogOptions } from './openLog';
export { readTrainerMetrics, readTrainerState, readExperimentLog, metricAt, canonicalMetricName, type TrainerMetrics } from './trainerMetrics';
export { ImageJoiner, parseImageJoin, type ImageJoin } from './imageJoin';
export { discoverRunLogs, type FoundLog } from './discoverRunLogs';
