/**
 * Image operations shared by alignment, both engines and the generator (browser-safe, depends on
 * src/core only): luma, Gaussian blur, pyramid levels and the Lanczos-3 warp (2-D, and separable for large planes).
 */
export { checkLength, checkSize, useDst } from './checks.js';
export { luma, shrinkLuma, blockMeans } from './luma.js';
export type { LumaBlockSums } from './luma.js';
export { gaussianBlur } from './blur.js';
export { halve, sampleBilinear } from './pyramid.js';
export type { Level } from './pyramid.js';
export { warpPlane, largestCoveredRect, lanczos3Weights, WARP_TAPS } from './warp.js';
export type { PlaneView, Rect } from './warp.js';
export { warpPlaneCpu, warpPlaneSeparable, separableWarpFits, SEPARABLE_MAX_SHEAR, SEPARABLE_MIN_PIXELS, WARP_PHASES } from './warp-separable.js';
