/** Stage 6: per-stack statistics. */
import { FocusFuseError } from '../core/errors.js';
import type { StackStats } from '../core/types.js';
import { checkLength } from '../image/checks.js';

/**
 * focusCurve[z] = mean of F_z; bestPlane = argmax of the curve (ties: lowest z);
 * depthHistogram[z] = pixels whose floor(Ds + 0.5), clamped into [0, Z-1], is z;
 * depthMean / depthStd = mean and population standard deviation of Ds; confidenceMean = mean of C.
 * Sums in f64.
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
 * {@link stackStats} from a focus curve already gathered (the fast path sums each F_z while it makes
 * it): the best plane, the depth histogram and the depth and confidence means.
 * @example statsFromCurve([0.1, 0.3], Ds, C).bestPlane // 1
 */
export function statsFromCurve(focusCurve: number[], depth: Float32Array, confidence: Float32Array): StackStats {
  const planeCount = focusCurve.length;
  const n = depth.length;
  checkLength(confidence, n, 'confidence');
  let bestPlane = 0;
  for (let z = 1; z < planeCount; z++) if (focusCurve[z] > focusCurve[bestPlane]) bestPlane = z;
  const hist = new Array<number>(planeCount).fill(0);
  const last = planeCount - 1;
  let sd = 0;
  let sc = 0;
  for (let i = 0; i < n; i++) {
    const d = depth[i];
    let z = Math.floor(d + 0.5);
    if (!(z >= 0)) z = 0;
    else if (z > last) z = last;
    hist[z]++;
    sd += d;
    sc += confidence[i];
  }
  const depthMean = n > 0 ? sd / n : 0;
  let sv = 0;
  for (let i = 0; i < n; i++) {
    const e = depth[i] - depthMean;
    sv += e * e;
  }
  return {
    focusCurve,
    bestPlane,
    depthHistogram: hist,
    depthMean,
    depthStd: n > 0 ? Math.sqrt(sv / n) : 0,
    confidenceMean: n > 0 ? sc / n : 0,
  };
}
