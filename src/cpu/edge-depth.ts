/**
 * Stage 4, depth mode `edge-aware`: halo-aware evidence, a contrast-inversion fallback and an
 * edge-aware, confidence-weighted fill of the depth map (docs/fusion-v2.md has the maths; the WebGPU
 * kernel shaders/edge_depth.wgsl runs the same steps).
 */
import { expected } from '../core/errors.js';
import {
  DIP_RATIO,
  HALO_SHARE,
  PEAK_RATIO,
  PRIOR_WEIGHT,
  countsLength,
  edgeIterations,
  edgeRangeRatio,
  depthFallback,
  priorPlane,
  haloRadius,
} from '../core/edge-aware.js';
import type { DepthFallback } from '../core/types.js';
import { maxFilter } from '../core/max-filter.js';
import { luma } from '../image/luma.js';
import { checkLength, checkSize, useDst } from '../image/checks.js';

/** What {@link edgeAwareDepth} reads: the stack, its focus planes and the depth stage's D and C. */
export interface EdgeDepthInput {
  width: number;
  height: number;
  /** Z RGBA8 (or RGBA16) planes (the guide's luma steps come from them). */
  planes: (Uint8Array | Uint16Array)[];
  /** Largest sample value of the planes (255 for 8-bit; 2^bitDepth - 1 for RGBA16), so luma is in [0, 1]. Default 255. */
  sampleMax?: number;
  /** Z focus planes F_z. */
  focus: Float32Array[];
  /** Raw depth D (stage 3). */
  depth: Float32Array;
  /** Confidence C (stage 3). */
  confidence: Float32Array;
  /** Window radius r of the measure (sets the halo test's radius). */
  window: number;
  /** Smoothing sigma (sets the filter's spatial scale); 0 copies D. */
  sigma: number;
  /** Confidence noise floor: pixels with Fmax > tau count in the inversion test. */
  tau: number;
}

/**
 * Per pixel: Fmax = max_z F_z; per stack: the integer counts of the safety test (countsLength's
 * layout). Returns the fallback, if any (see depthFallback), and the prior plane.
 */
function focusSummary(focus: Float32Array[], n: number, tau: number, fmax: Float32Array): { fallback?: DepthFallback; prior: number } {
  const Z = focus.length;
  const counts = new Float64Array(countsLength(Z));
  for (let i = 0; i < n; i++) {
    let k = 0;
    let best = focus[0][i];
    for (let z = 1; z < Z; z++) {
      if (focus[z][i] > best) {
        best = focus[z][i];
        k = z;
      }
    }
    fmax[i] = best;
    counts[1 + 2 * Z + k]++;
    if (!(best > tau)) continue;
    counts[0]++;
    counts[1 + Z + k]++;
    // The deepest dip. With k the argmax, min(max_{i<j} F_i, max_{l>j} F_l) is the prefix max for
    // j < k and the suffix max for j > k, so one running max per side does (O(Z), no arrays).
    // Visiting j > k downwards, then j < k upwards, with <= gives ties to the lowest j.
    let dip = -1;
    let deepest = DIP_RATIO;
    let side = focus[Z - 1][i];
    for (let j = Z - 2; j > k; j--) {
      const f = focus[j][i];
      if (side >= PEAK_RATIO * best && f < DIP_RATIO * side && f / side <= deepest) {
        deepest = f / side;
        dip = j;
      }
      side = Math.max(side, f);
    }
    side = focus[0][i];
    for (let j = 1; j < k; j++) {
      const f = focus[j][i];
      if (side >= PEAK_RATIO * best && f < DIP_RATIO * side && f / side <= deepest) {
        deepest = f / side;
        dip = j;
      }
      side = Math.max(side, f);
    }
    if (dip >= 0) counts[1 + dip]++;
  }
  return { fallback: depthFallback(counts, Z, n), prior: priorPlane(counts, Z) };
}

/**
 * Luma steps of the guide: gH[i] = max_z |Y_z(x) - Y_z(x-1)| (0 at x = 0) and gV[i] likewise to the
 * pixel above. Large only where some plane shows a crisp edge.
 */
function guideSteps(planes: (Uint8Array | Uint16Array)[], width: number, height: number, sampleMax: number): { gH: Float32Array; gV: Float32Array } {
  const n = width * height;
  const gH = new Float32Array(n);
  const gV = new Float32Array(n);
  const Y = new Float32Array(n);
  for (const plane of planes) {
    luma(plane, width, height, Y, undefined, sampleMax);
    for (let y = 0; y < height; y++) {
      const o = y * width;
      for (let x = 0; x < width; x++) {
        const i = o + x;
        if (x > 0) gH[i] = Math.max(gH[i], Math.abs(Y[i] - Y[i - 1]));
        if (y > 0) gV[i] = Math.max(gV[i], Math.abs(Y[i] - Y[i - width]));
      }
    }
  }
  return { gH, gV };
}

/**
 * One recursive pass pair along every row, in place on both channels: causal J[x] += w_x (J[x-1] -
 * J[x]), then anti-causal J[x] += w_{x+1} (J[x+1] - J[x]), where w_x = exp(ln a (1 + ratio gH_x))
 * couples pixel x to the one before it. `weights` is a row of working memory.
 */
function filterRows(num: Float64Array, den: Float64Array, gH: Float32Array, width: number, height: number, logA: number, ratio: number, weights: Float64Array): void {
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let x = 1; x < width; x++) weights[x] = Math.exp(logA * (1 + ratio * gH[o + x]));
    for (let x = 1; x < width; x++) {
      const i = o + x;
      num[i] += weights[x] * (num[i - 1] - num[i]);
      den[i] += weights[x] * (den[i - 1] - den[i]);
    }
    for (let x = width - 2; x >= 0; x--) {
      const i = o + x;
      num[i] += weights[x + 1] * (num[i + 1] - num[i]);
      den[i] += weights[x + 1] * (den[i + 1] - den[i]);
    }
  }
}

/**
 * The same pass pair down every column, gV's steps. It sweeps whole rows (row y from row y - 1 for
 * all columns at once), so reads stay sequential; `weights` holds w for every pixel (one image).
 * The arithmetic per pixel is filterRows' (the GPU runs one invocation per column instead).
 */
function filterColumns(num: Float64Array, den: Float64Array, gV: Float32Array, width: number, height: number, logA: number, ratio: number, weights: Float64Array): void {
  for (let i = width; i < width * height; i++) weights[i] = Math.exp(logA * (1 + ratio * gV[i]));
  for (let i = width; i < width * height; i++) {
    num[i] += weights[i] * (num[i - width] - num[i]);
    den[i] += weights[i] * (den[i - width] - den[i]);
  }
  for (let i = width * (height - 1) - 1; i >= 0; i--) {
    const w = weights[i + width];
    num[i] += w * (num[i + width] - num[i]);
    den[i] += w * (den[i + width] - den[i]);
  }
}

/** What {@link edgeAwareDepth} reports besides Ds. */
export interface EdgeDepthInfo {
  /** Set when the safety test showed one plane everywhere. */
  fallback?: DepthFallback;
}

/**
 * The `edge-aware` depth Ds. In order:
 * 1. Safety: if more than half of the pixels with Fmax > tau have a focus curve that
 *    dips (two comparable peaks, a valley below DIP_RATIO of the lower one: phase-like contrast
 *    inversion), or fewer than 1 / MIN_EVIDENT_DIVISOR of all pixels have Fmax > tau (no evidence), Ds is
 *    one plane everywhere (see depthFallback: no seams, no patchwork) and nothing else runs.
 * 2. Halo-aware weight: W = C min(1, Fmax / (HALO_SHARE M))^2, M = max of Fmax over the
 *    (2 HALO_RADIUS_FACTOR r + 1)^2 square (separable max filter): a pixel whose best plane's energy
 *    is a small share of a nearby edge's (a defocused edge spilling into a flat gap) loses its say.
 * 3. Edge-aware normalised convolution with a prior: (J[W D] + PRIOR_WEIGHT P) / (J[W] + PRIOR_WEIGHT),
 *    J = EDGE_ITERATIONS of the domain-transform recursive filter (rows then columns), guided by the
 *    largest luma step over the planes; P = priorPlane (the stack's dominant plane), which takes over
 *    where there is next to no evidence. sigma 0 copies D (after the safety test).
 * Sums in f64, Ds stored as f32.
 * @param dst optional output (width * height).
 * @param info filled with the fallback, when there is one.
 * @example const Ds = edgeAwareDepth({ width, height, planes, focus, depth: D, confidence: C, window: 4, sigma: 3, tau: 2e-3 });
 */
export function edgeAwareDepth(input: EdgeDepthInput, dst?: Float32Array, info?: EdgeDepthInfo): Float32Array {
  const { width, height, planes, focus, depth, confidence, window, sigma, tau } = input;
  checkSize(width, height);
  if (typeof sigma !== 'number' || !(sigma >= 0) || !Number.isFinite(sigma)) expected('a finite number >= 0', 'sigma', sigma);
  const n = width * height;
  checkLength(depth, n, 'depth');
  checkLength(confidence, n, 'confidence');
  focus.forEach((f, z) => checkLength(f, n, `focus plane ${z}`));
  planes.forEach((p, z) => checkLength(p, 4 * n, `plane ${z}`));
  const out = useDst(dst, n);
  const fmax = new Float32Array(n);
  const { fallback, prior } = focusSummary(focus, n, tau, fmax);
  if (info) info.fallback = fallback;
  if (fallback) {
    out.fill(fallback.plane);
    return out;
  }
  if (sigma === 0) {
    if (out !== depth) out.set(depth);
    return out;
  }
  const M = maxFilter(fmax, width, height, haloRadius(window));
  const num = new Float64Array(n);
  const den = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const share = M[i] > 0 ? Math.min(1, fmax[i] / (HALO_SHARE * M[i])) : 0;
    const w = confidence[i] * share * share;
    num[i] = w * depth[i];
    den[i] = w;
  }
  const { gH, gV } = guideSteps(planes, width, height, input.sampleMax ?? 255);
  const ratio = edgeRangeRatio(sigma);
  const weights = new Float64Array(n);
  for (const { logFeedback } of edgeIterations(sigma)) {
    filterRows(num, den, gH, width, height, logFeedback, ratio, weights);
    filterColumns(num, den, gV, width, height, logFeedback, ratio, weights);
  }
  for (let i = 0; i < n; i++) out[i] = (num[i] + PRIOR_WEIGHT * prior) / (den[i] + PRIOR_WEIGHT);
  return out;
}
