/**
 * Depth mode `histogram` on the fast path: the smoothing stage of src/cpu/histogram-depth.ts in
 * WebAssembly SIMD (src/cpu/fast/assembly/histogram.ts; the maths in docs/fusion-v2.md, "The
 * histogram depth"), from D and C where the fusion leaves them in linear memory into its Ds.
 */
import { gaussianKernel, MIN_SMOOTH_WEIGHT } from '../../core/maths.js';
import { depthFilterSigma } from '../../core/histogram.js';
import { fitLayout, unstride, type FastKernels, type FastLayout } from './kernels.js';

/** The histogram's taps: its coarse grid's Gaussian, as the reference's and the WGSL's. */
export function histogramTaps(sigma: number): Float32Array {
  return gaussianKernel(depthFilterSigma('histogram', sigma));
}

/**
 * Ds at at.smooth from D at at.depth and C at at.confidence, for sigma > 0; `at` laid out with
 * room for the histogram (fitLayout's `histogram`) and its taps at at.taps.
 */
export function histogramDepthIn(k: FastKernels, at: FastLayout, tapCount: number): void {
  k.histogramDepth(at.depth, at.confidence, at.smooth, at.width, at.height, at.stride, at.planeCount, at.taps, tapCount, at.histogramGrid, at.histogramRows, at.histogramPad, MIN_SMOOTH_WEIGHT);
}

/**
 * histogramDepth's Ds of a D and C (width * height each, Z bins, sigma > 0) through the fast kernel,
 * as a fresh array: lays the module's memory out for that shape.
 * @internal exported for its test (test/cpu-fast-histogram.test.ts)
 * @example const Ds = histogramDepthFast(fastKernels()!, D, C, 48, 40, 11, 3);
 */
export function histogramDepthFast(k: FastKernels, depth: Float32Array, confidence: Float32Array, width: number, height: number, planeCount: number, sigma: number): Float32Array {
  const taps = histogramTaps(sigma);
  const at = fitLayout(k, width, height, planeCount, 0, taps.length, { histogram: true });
  const memory = k.memory.buffer;
  new Float32Array(memory, at.taps, taps.length).set(taps);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    new Float32Array(memory, at.depth + y * at.stride * 4, width).set(depth.subarray(row, row + width));
    new Float32Array(memory, at.confidence + y * at.stride * 4, width).set(confidence.subarray(row, row + width));
  }
  histogramDepthIn(k, at, taps.length);
  return unstride(memory, at.smooth, width, height, at.stride);
}
