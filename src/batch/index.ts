/**
 * Batch fusion of whole CCCID datasets (Node only): scan, select, fuse, write, resume, manifests.
 */
export { runBatch } from './run.js';
export type { BatchOptions, BatchProgress, BatchSummary } from './run.js';
export type { SettingLabels } from './resume.js';
export { scanDataset, compareFovIds } from './scan.js';
export type { BatchFov, ScanProblem, ScanResult } from './scan.js';
export { parseShard, takeShard, globToRegExp, matchesOnly, excludes, excludeGlobs } from './select.js';
export type { Shard } from './select.js';
export { OUTPUT_KINDS, DEFAULT_OUTPUT_KINDS, parseOutputKinds, fovOutputs, donePath } from './layout.js';
export type { OutputKind } from './layout.js';
export { manifestCsv, mergeManifests, writeManifest, MANIFEST_COLUMNS } from './manifest.js';
export type { ManifestDocument, ManifestRow, ManifestSummary } from './manifest.js';
export { openBatchEngine } from './engine.js';
export type { BatchEngine, BatchGpuRuntime } from './engine.js';
export { createProgress, outcomeLine, problemsLine, summaryText } from './progress.js';
