/**
 * Scores a fused result against ground truth: depth error on object pixels, all-in-focus quality
 * (PSNR, SSIM) and a halo score. SSIM is ssim.js (Weber's fast integral-image variant, full
 * resolution), not hand-rolled: it is the well-kept implementation the issue asks for.
 */
import { ssim } from 'ssim.js';
import { boxMean } from '../src/cpu/box-mean.js';

/** What is scored: an image (RGBA8) and optionally a depth map, both width x height. */
export interface Scored {
  image: Uint8Array;
  depth?: Float32Array;
}

/** The ground truth a synthetic stack comes with (see src/synth). */
export interface Truth {
  width: number;
  height: number;
  image: Uint8Array;
  depth: Float32Array;
  mask: Uint8Array;
}

/** Scores of one result. Depth figures are absent for results without a depth map (peers). */
export interface Scores {
  /** Root mean square depth error over object pixels, in planes. */
  depthRmse?: number;
  /** Share of object pixels whose depth is within 0.5 and 1 plane of the truth. */
  within05?: number;
  within1?: number;
  /** PSNR of the all-in-focus image against the truth, dB, RGB, peak 255. */
  psnr: number;
  /** Mean SSIM of the all-in-focus image against the truth (ssim.js on gray). */
  ssim: number;
  /**
   * Halo score: mean absolute image error in a band of {@link HALO_BAND} px around object edges
   * divided by the mean absolute error over the whole image. 1 = no concentration at edges; the
   * classic focus-stacking halo (a blurred plane picked beside a sharp edge) drives it up.
   */
  halo: number;
  /** Mean absolute error in that band, 8-bit levels (RGB mean), so a ratio can be read in context. */
  edgeError: number;
}

/** Half-width in pixels of the band around object edges the halo score looks at. */
export const HALO_BAND = 3;

/**
 * Depth RMSE and within-tolerance shares over object pixels (mask 1); all pixels when the mask is empty.
 * @example depthErrors(result.depth, truth.depth, truth.mask) // { rmse: 0.41, within05: 0.83, within1: 0.95 }
 */
export function depthErrors(depth: Float32Array, truth: Float32Array, mask: Uint8Array): { rmse: number; within05: number; within1: number } {
  const useAll = !mask.some((m) => m !== 0);
  let count = 0;
  let sq = 0;
  let in05 = 0;
  let in1 = 0;
  for (let i = 0; i < depth.length; i++) {
    if (!useAll && mask[i] === 0) continue;
    const e = Math.abs(depth[i] - truth[i]);
    count++;
    sq += e * e;
    if (e <= 0.5) in05++;
    if (e <= 1) in1++;
  }
  return { rmse: Math.sqrt(sq / count), within05: in05 / count, within1: in1 / count };
}

/**
 * PSNR in dB of two RGBA8 images over RGB (alpha ignored); Infinity when identical.
 * @example psnr(fused.image, truth.image) // 34.2
 */
export function psnr(a: Uint8Array, b: Uint8Array): number {
  let sq = 0;
  for (let i = 0; i < a.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      const d = a[i + c] - b[i + c];
      sq += d * d;
    }
  }
  const mse = sq / ((a.length / 4) * 3);
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

/**
 * Mean SSIM of two RGBA8 images (ssim.js, Weber variant, no downsampling).
 * @example meanSsim(fused.image, truth.image, 384, 384) // 0.93
 */
export function meanSsim(a: Uint8Array, b: Uint8Array, width: number, height: number): number {
  const wrap = (data: Uint8Array) => ({ data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), width, height });
  return ssim(wrap(a), wrap(b), { ssim: 'weber', downsample: false }).mssim;
}

/**
 * 1 for pixels within `band` px of an object edge (the box mean of the mask is strictly between 0
 * and 1 there), else 0.
 * @example edgeBand(truth.mask, 384, 384, 3)
 */
export function edgeBand(mask: Uint8Array, width: number, height: number, band = HALO_BAND): Uint8Array {
  const m = Float32Array.from(mask, (v) => (v ? 1 : 0));
  const mean = boxMean(m, width, height, band);
  return Uint8Array.from(mean, (v) => (v > 1e-6 && v < 1 - 1e-6 ? 1 : 0));
}

/** Mean absolute RGB error (8-bit levels) over pixels where `where` is 1, or all when it is undefined. */
function meanAbsError(a: Uint8Array, b: Uint8Array, where?: Uint8Array): number {
  let sum = 0;
  let count = 0;
  for (let p = 0, i = 0; i < a.length; p++, i += 4) {
    if (where && where[p] === 0) continue;
    sum += Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2]);
    count += 3;
  }
  return count === 0 ? 0 : sum / count;
}

/**
 * Every score of one result against the truth.
 * @example const scores = scoreAgainstTruth({ image: r.image, depth: r.depth }, truth);
 */
export function scoreAgainstTruth(result: Scored, truth: Truth, band: Uint8Array = edgeBand(truth.mask, truth.width, truth.height)): Scores {
  const overall = meanAbsError(result.image, truth.image);
  const edgeError = meanAbsError(result.image, truth.image, band);
  const scores: Scores = {
    psnr: psnr(result.image, truth.image),
    ssim: meanSsim(result.image, truth.image, truth.width, truth.height),
    halo: overall === 0 ? 1 : edgeError / overall,
    edgeError,
  };
  if (result.depth) {
    const d = depthErrors(result.depth, truth.depth, truth.mask);
    scores.depthRmse = d.rmse;
    scores.within05 = d.within05;
    scores.within1 = d.within1;
  }
  return scores;
}
