/**
 * Focus measures beyond maths version 1, from the shape-from-focus literature (see Pertuz, Puig &
 * Garcia 2013, "Analysis of focus measure operators for shape-from-focus"), for the bench and for
 * users who want them. Same signature and clamp-to-edge border rule as lapv, teng and wavelet.
 */
export { diagonalLaplacian, diagonalLaplacianImage } from './dlap.js';
export { sumModifiedLaplacian, modifiedLaplacianImage } from './sml.js';
export { grayLevelVariance } from './glv.js';
export { brenner, brennerImage } from './brenner.js';
export { tenengradVariance, sobelMagnitudeImage } from './tenv.js';
export { windowedMeasure, stencilImage } from '../windowed.js';
export type { CpuMeasure, OperatorImage, Stencil3x3, WindowStatistic } from '../windowed.js';
