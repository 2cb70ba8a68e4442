/**
 * Constants of the `histogram` depth mode, shared by the CPU reference (src/cpu/histogram-depth.ts)
 * and the WGSL kernel (shaders/histogram_depth.wgsl, whose Gaussian taps and radius the host derives
 * from depthFilterSigma). Browser-safe.
 */
import type { DepthMode } from './types.js';

/**
 * The histogram's Gaussian window is this times the `sigma` option: the default sigma 3 gives the
 * 8 px window that measured best on synthetic cytology (6, 10 and 12 px were worse; docs/fusion-v2.md).
 */
export const HISTOGRAM_SIGMA_FACTOR = 8 / 3;

/**
 * The histogram's bins are filtered on a grid this many times coarser than the image (the votes
 * averaged over HISTOGRAM_DECIMATION^2 blocks, the Gaussian scaled down by it, H interpolated back
 * bilinearly): a Gaussian of 8 px leaves next to nothing above 1/16 cycle per px, so the coarse grid
 * loses nothing visible and costs a quarter of the taps on a quarter of the pixels. WGSL mirrors it
 * (shaders/histogram_depth.wgsl, DECIMATION); band starts sit on its grid (src/gpu/plan.ts).
 */
export const HISTOGRAM_DECIMATION = 2;

/** Size of the histogram's coarse grid along an image side of `size` px. */
export function histogramCoarseSize(size: number): number {
  return Math.ceil(size / HISTOGRAM_DECIMATION);
}

/**
 * The Gaussian scale of the depth filter a depth mode runs with the `sigma` option, in the units of
 * the grid it filters: the histogram's window on its coarse grid (HISTOGRAM_SIGMA_FACTOR sigma /
 * HISTOGRAM_DECIMATION), sigma itself for version 1's smoothing.
 * @example depthFilterSigma('histogram', 3) // => 4 (8 px, on a grid of 2 px)
 */
export function depthFilterSigma(depthMode: DepthMode, sigma: number): number {
  return depthMode === 'histogram' ? (HISTOGRAM_SIGMA_FACTOR * sigma) / HISTOGRAM_DECIMATION : sigma;
}

/**
 * Image rows between a pixel and the farthest vote its histogram reads, for a coarse Gaussian of
 * radius R: the pixel interpolates coarse rows m - 1..m + 1 around its block m, each reaches R coarse
 * rows further, and a coarse row averages HISTOGRAM_DECIMATION image rows: D (R + 2) - 1 rows
 * (0 without a filter, sigma 0).
 * @example histogramReach(12) // => 27
 */
export function histogramReach(coarseRadius: number): number {
  return coarseRadius > 0 ? HISTOGRAM_DECIMATION * (coarseRadius + 2) - 1 : 0;
}
