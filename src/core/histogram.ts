/**
 * Constants of the `histogram` depth mode, shared by the CPU reference (src/cpu/histogram-depth.ts)
 * and the WGSL kernel (shaders/histogram_depth.wgsl, whose Gaussian taps and radius the host derives
 * from histogramSigma). Browser-safe.
 */
import type { DepthMode } from './types.js';

/**
 * The histogram's Gaussian window is this times the `sigma` option: the default sigma 3 gives the
 * 8 px window that measured best on synthetic cytology (6, 10 and 12 px were worse; docs/fusion-v2.md).
 */
export const HISTOGRAM_SIGMA_FACTOR = 8 / 3;

/**
 * The Gaussian scale of the depth filter a depth mode runs with the `sigma` option: the histogram's
 * window for `histogram`, sigma itself for version 1's smoothing.
 * @example depthFilterSigma('histogram', 3) // => 8
 */
export function depthFilterSigma(depthMode: DepthMode, sigma: number): number {
  return depthMode === 'histogram' ? HISTOGRAM_SIGMA_FACTOR * sigma : sigma;
}
