/** The CPU reference engine: every stage of maths version 1 as a plain function, and the backend. */
export { luma } from '../image/luma.js';
export { boxMean } from './box-mean.js';
export { laplacianVariance } from './lapv.js';
export { tenengrad } from './teng.js';
export { waveletEnergy, WAVELET_LEVELS } from './wavelet.js';
export { focusMeasure } from './measures.js';
export { brenner, diagonalLaplacian, grayLevelVariance, sumModifiedLaplacian, tenengradVariance } from './measures-extra/index.js';
export { depthFromFocus } from './depth.js';
export type { DepthMaps } from './depth.js';
export { smoothDepth } from './smooth.js';
export { edgeAwareDepth } from './edge-depth.js';
export type { EdgeDepthInfo, EdgeDepthInput } from './edge-depth.js';
export { composite } from './composite.js';
export { stackStats } from './stats.js';
export { createCpuScratch } from './scratch.js';
export type { CpuScratch, FloatImage } from './scratch.js';
export { fuseCpu, cpuBackend, createCpuWorkspace } from './backend.js';
export type { CpuWorkspace } from './backend.js';
