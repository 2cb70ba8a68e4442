/** Stage 6: per-stack statistics. */
import { FocusFuseError } from '../core/errors.js';
import type { StackStats } from '../core/types.js';
import { checkLength } from '../image/checks.js';

/**
 * focusCurve[z] = mean of F_z; bestPlane = argmax of the curve (ties: lowest z);
 * depthHistogram[z] = pixels whose floor(Ds + 0.5), clamped into [0, Z-1], is z;
 * depthMean / depthStd = mean and population standard deviation of Ds; confidenceMean = mean of C.
 * Sums in f64 (the per-pixel ones as four partial sums, see {@link DepthSums}).
 * @param focus Z arrays of F (same length as depth).
 * @param depth smoothed depth Ds.
 * @param confidence C.
 * @param planeCount Z.
 * @example stackStats(F, Ds, C, F.length).bestPlane
 */
export function stackStats(focus: Float32Array[], depth: Float32Array, confidence: Float32Array, planeCount: number): StackStats {
  if (!Number.isInteger(planeCount) || planeCount < 1 || focus.length !== planeCount) {
    throw new FocusFuseError('SIZE_MISMATCH', `Expected ${planeCount} focus planes but received ${focus.length}`);
  }
  const n = depth.length;
  checkLength(confidence, n, 'confidence');
  const focusCurve: number[] = [];
  for (let z = 0; z < planeCount; z++) {
    const f = focus[z];
    checkLength(f, n, `focus plane ${z}`);
    let s = 0;
    for (let i = 0; i < n; i++) s += f[i];
    focusCurve.push(n > 0 ? s / n : 0);
  }
  return statsFromCurve(focusCurve, depth, confidence);
}

/**
 * The per-pixel sums behind {@link statsFromCurve}: the depth histogram, sum of Ds, sum of C and sum
 * of squared deviations of Ds from its mean. Each f64 sum runs as four partial sums, pixel i into
 * partial i mod 4, combined as (p0 + p1) + (p2 + p3): four independent chains of additions instead of
 * one (the fast path's wasm `depthSums` adds in this order, in SIMD lanes where rows are a multiple of
 * 4 wide, so both give the same bits).
 */
export interface DepthSums {
  histogram: number[];
  depth: number;
  confidence: number;
  squaredDeviations: number;
}

/**
 * {@link stackStats} from a focus curve already gathered (the fast path sums each F_z while it makes
 * it): the best plane, the depth histogram and the depth and confidence means.
 * @example statsFromCurve([0.1, 0.3], Ds, C).bestPlane // 1
 */
export function statsFromCurve(focusCurve: number[], depth: Float32Array, confidence: Float32Array): StackStats {
  const planeCount = focusCurve.length;
  const n = depth.length;
  checkLength(confidence, n, 'confidence');
  const hist = new Array<number>(planeCount).fill(0);
  const last = planeCount - 1;
  const sd = [0, 0, 0, 0];
  const sc = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    const d = depth[i];
    let z = Math.floor(d + 0.5);
    if (!(z >= 0)) z = 0;
    else if (z > last) z = last;
    hist[z]++;
    sd[i & 3] += d;
    sc[i & 3] += confidence[i];
  }
  const sumDepth = lanesTotal(sd);
  const depthMean = n > 0 ? sumDepth / n : 0;
  const sv = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    const e = depth[i] - depthMean;
    sv[i & 3] += e * e;
  }
  return statsFromSums(focusCurve, { histogram: hist, depth: sumDepth, confidence: lanesTotal(sc), squaredDeviations: lanesTotal(sv) }, n);
}

/** The four partial sums' total, in the order the fast path adds its lanes. */
function lanesTotal(p: number[]): number {
  return p[0] + p[1] + (p[2] + p[3]);
}

/**
 * The stack statistics from the focus curve and the per-pixel sums over `pixels` pixels.
 * @example statsFromSums([0.1, 0.3], { histogram: [1, 3], depth: 3, confidence: 2, squaredDeviations: 0.75 }, 4).depthMean // 0.75
 */
export function statsFromSums(focusCurve: number[], sums: DepthSums, pixels: number): StackStats {
  let bestPlane = 0;
  for (let z = 1; z < focusCurve.length; z++) if (focusCurve[z] > focusCurve[bestPlane]) bestPlane = z;
  const n = pixels;
  return {
    focusCurve,
    bestPlane,
    depthHistogram: sums.histogram,
    depthMean: n > 0 ? sums.depth / n : 0,
    depthStd: n > 0 ? Math.sqrt(sums.squaredDeviations / n) : 0,
    confidenceMean: n > 0 ? sums.confidence / n : 0,
  };
}
