/**
 * Constants and shared helpers of the `edge-aware` depth mode (see docs/fusion-v2.md for the maths).
 * Both engines import these, so the CPU reference (src/cpu/edge-depth.ts) and the WebGPU kernel
 * (shaders/edge_depth.wgsl) use the same f32 values. Browser-safe: no Node imports.
 */
import type { DepthFallback } from './types.js';

/** Spatial scale of the edge-aware filter: sigma_s = EDGE_SPATIAL_FACTOR x the `sigma` option (px). */
export const EDGE_SPATIAL_FACTOR = 4;

/**
 * Range scale sigma_r of the domain transform, in luma units ([0, 1]). A luma step g between two
 * neighbours stretches their distance to 1 + (sigma_s / sigma_r) g: an in-focus edge (g ~ 0.3) stops
 * the filter, the shallow ramp of a defocused edge (g ~ 0.02 per pixel) only slows it.
 */
export const EDGE_RANGE_SIGMA = 0.2;

/** Iterations of the separable recursive filter (rows then columns, each with a smaller sigma). */
export const EDGE_ITERATIONS = 3;

/** Radius of the halo test's max filter: HALO_RADIUS_FACTOR x the window radius r (px). */
export const HALO_RADIUS_FACTOR = 3;

/**
 * Halo test: a pixel whose Fmax is below HALO_SHARE of the neighbourhood's largest Fmax M loses
 * weight as (Fmax / (HALO_SHARE M))^2; at or above it keeps its confidence. A defocused edge spilling
 * into a flat gap carries a few per cent of the edge's energy; weaker real texture next to a strong
 * object (cytoplasm by a nucleus) keeps a larger share and keeps its say.
 */
export const HALO_SHARE = 0.1;

/**
 * Weight of the prior in Ds = (J[W D] + PRIOR_WEIGHT P) / (J[W] + PRIOR_WEIGHT), P the stack's
 * dominant plane (priorPlane). Where the filtered evidence J[W] (a local mean of W in [0, 1)) is well
 * above it, the data decide; where there is next to none (empty background, far from any object),
 * Ds goes to P instead of to noise, and no division by ~0 can happen. Measured (docs/fusion-v2.md):
 * 0.01 helps the real stacks and noisy cytology and costs next to nothing on base cytology; 0.03
 * and 0.1 help planar scenes more but pull the thick cytology scenes' cells towards one plane.
 */
export const PRIOR_WEIGHT = 0.01;

/**
 * Contrast-inversion test: a pixel's focus curve "dips" at plane j when
 * F_j < DIP_RATIO x m with m = min(max_{i<j} F_i, max_{l>j} F_l) >= PEAK_RATIO x Fmax: two peaks
 * of comparable height with a deep valley between (noise in a unimodal curve's tails is no dip).
 */
export const DIP_RATIO = 0.5;
export const PEAK_RATIO = 0.5;

/**
 * A stack with fewer evident pixels (Fmax > tau) than 1 / MIN_EVIDENT_DIVISOR of all pixels
 * (MIN_EVIDENT_DIVISOR x evident < pixels, in integers) has no usable focus evidence (e.g. the
 * sephace stacks: unstained cells whose Laplacian is at the noise floor); a per-pixel choice would be
 * a patchwork of noise, so one plane is shown instead.
 */
export const MIN_EVIDENT_DIVISOR = 100;

/** Per-iteration constants of the recursive filter, as the GPU receives them (f32). */
export interface EdgeIteration {
  /** ln a_i = -sqrt(2) / sigma_i, f32. The feedback of a step of distance d is exp(d ln a_i). */
  logFeedback: number;
}

/**
 * The domain transform's iteration sigmas (Gastal & Oliveira 2011, eq. 14): with N iterations,
 * sigma_i = sigma_s sqrt(3) 2^(N-i) / sqrt(4^N - 1), i = 1..N; returned as f32 ln a_i.
 * @example edgeIterations(3).length // 3
 */
export function edgeIterations(sigma: number): EdgeIteration[] {
  const sigmaS = EDGE_SPATIAL_FACTOR * sigma;
  const N = EDGE_ITERATIONS;
  const out: EdgeIteration[] = [];
  for (let i = 1; i <= N; i++) {
    const sigmaI = (sigmaS * Math.sqrt(3) * 2 ** (N - i)) / Math.sqrt(4 ** N - 1);
    out.push({ logFeedback: Math.fround(-Math.SQRT2 / sigmaI) });
  }
  return out;
}

/** sigma_s / sigma_r as f32: the distance per unit of luma step. */
export function edgeRangeRatio(sigma: number): number {
  return Math.fround((EDGE_SPATIAL_FACTOR * sigma) / EDGE_RANGE_SIGMA);
}

/** Radius of the halo test's max filter for a window radius r. */
export function haloRadius(window: number): number {
  return HALO_RADIUS_FACTOR * window;
}

/**
 * Per-stack integer counts of the safety test; both engines gather exactly these.
 * Layout (as the GPU's counts buffer): [evident, dips[0..Z), argmaxEvident[0..Z), argmaxAll[0..Z)].
 */
export const countsLength = (planes: number): number => 1 + 3 * planes;

/** Index of the mode (most common value, ties: the lowest) of counts[from .. from + length). */
function mode(counts: ArrayLike<number>, from: number, length: number): number {
  let best = 0;
  for (let z = 1; z < length; z++) if (counts[from + z] > counts[from + best]) best = z;
  return best;
}

/**
 * The stack's dominant plane P: the most common argmax of the evident pixels, or of all pixels when
 * none is evident (ties: the lowest).
 * @example priorPlane([5, 0, 0, 0, 0, 1, 4, 300, 400, 300], 3) // => 2
 */
export function priorPlane(counts: ArrayLike<number>, planes: number): number {
  return counts[0] > 0 ? mode(counts, 1 + planes, planes) : mode(counts, 1 + 2 * planes, planes);
}

/**
 * The stack-level fallback of the edge-aware mode, from the counts (see countsLength), as a plane
 * (-1: none); {@link depthFallback} says why.
 * @example fallbackPlane([100, 0, 80, 0, 5, 90, 5, 300, 400, 300], 3, 1000) // => 1 (inverted)
 */
export function fallbackPlane(counts: ArrayLike<number>, planes: number, pixels: number): number {
  return depthFallback(counts, planes, pixels)?.plane ?? -1;
}

/**
 * The stack-level fallback of the edge-aware mode, from the counts (see countsLength):
 * - inverted (2 dipped > evident: more than half of the evident pixels dip): the most common dip plane;
 * - no evidence (MIN_EVIDENT_DIVISOR x evident < pixels): priorPlane;
 * - otherwise undefined: the per-pixel depth is used. Ties go to the lowest plane.
 * @example depthFallback([100, 0, 80, 0, 5, 90, 5, 300, 400, 300], 3, 1000) // => { reason: 'inverted', plane: 1 }
 */
export function depthFallback(counts: ArrayLike<number>, planes: number, pixels: number): DepthFallback | undefined {
  const evident = counts[0];
  let dipped = 0;
  for (let z = 0; z < planes; z++) dipped += counts[1 + z];
  // Integer comparisons (exact in f64 and in the GPU's u32), so both engines decide alike.
  if (evident > 0 && 2 * dipped > evident) return { reason: 'inverted', plane: mode(counts, 1, planes) };
  if (MIN_EVIDENT_DIVISOR * evident < pixels) {
    return { reason: 'no-evidence', plane: priorPlane(counts, planes) };
  }
  return undefined;
}
