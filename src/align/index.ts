/** Plane alignment: estimation, 3x3 transforms, auto's gates (browser-safe); the warp itself is in src/image. */
export { alignStack, planAlignment, warpStackCpu, brightnessMatched, estimationFactor, ESTIMATE_MAX_PX, planeSizesOf, previewFactor, AUTO_THRESHOLD_PX, AUTO_MAX_UNCERTAINTY_PX, AUTO_SIGNIFICANCE, PAIR_LIMITS, MIN_TEXTURE } from './align-stack.js';
export type { AlignOptions, AlignedStack, WarpPlan } from './align-stack.js';
export { registerPair, SEARCH_FRACTION, MIN_CORRELATION, REFINE_PIXEL_BUDGET } from './estimate.js';
export { fusedDisplacement, motionMatters, planeShares } from './auto-gates.js';
export { applyBrightness, estimateBrightness, BRIGHTNESS_BLOCK_PX, MIN_BRIGHTNESS_CHANGE } from './photometric.js';
export type { BrightnessMatch } from './photometric.js';
export type { MotionModel, PairEstimate, RegisterOptions } from './estimate.js';
export { affine, identity, compose, invert, apply, toRows, fromRows, rescale, rmsDifference, decompose } from './matrix.js';
export type { Mat3, MatrixRows } from './matrix.js';
export { buildPyramid, BAND_SIGMAS } from './pyramid.js';
export { glancePair, glanceStack, GLANCE_MIN_CORRELATION } from './glance.js';
export type { PairGlance, StackGlance } from './glance.js';
export type { Pyramid } from './pyramid.js';
export { setAlignProgress } from './progress.js';
export type { AlignProgressListener } from './progress.js';
export type { AlignmentReport, AutoStep, PlaneAlignment, PlaneAlignmentStatus } from './types.js';
