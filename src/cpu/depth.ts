/** Stage 3: depth (argmax plus Gaussian sub-plane fit) and confidence from the per-plane focus measures. */
import { FocusFuseError, expected } from '../core/errors.js';
import { FIT_EPS, MAX_FIT_DELTA } from '../core/maths.js';
import { checkLength, checkSize, useDst } from '../image/checks.js';

/** Per-pixel outputs of {@link depthFromFocus}. */
export interface DepthMaps {
  /** D = k + delta, in planes. */
  depth: Float32Array;
  /** C = (Fmax - Fmean) / (Fmax + tau), in [0, 1). */
  confidence: Float32Array;
  /** k = argmax_z F_z (ties: lowest z), when asked for. */
  argmax?: Int32Array;
}

/**
 * k = argmax_z F_z (ties: the lowest z). For 0 < k < Z-1, l_i = ln(F_i + FIT_EPS),
 * den = l_{k-1} - 2 l_k + l_{k+1}; delta = clamp((l_{k-1} - l_{k+1}) / (2 den), -0.5, 0.5) if den < 0,
 * else 0 (also 0 at k = 0 or Z-1, so Z = 1 and Z = 2 need no fit). D = k + delta.
 * C = max(0, (Fmax - Fmean) / (Fmax + tau)), and 0 where Fmax + tau = 0. All in f64, stored as f32.
 * @param focus Z arrays of width * height focus values, plane order.
 * @param tau noise floor of the confidence (>= 0).
 * @param dst optional outputs; `argmax` is filled when present. Without dst all three are allocated.
 * @example const { depth, confidence, argmax } = depthFromFocus(F, w, h, DEFAULT_TAU.lapv);
 */
export function depthFromFocus(
  focus: Float32Array[],
  width: number,
  height: number,
  tau: number,
  dst?: DepthMaps,
): DepthMaps {
  checkSize(width, height);
  if (!Array.isArray(focus) || focus.length === 0) {
    throw new FocusFuseError('NO_IMAGES', 'Expected at least one focus plane but received none');
  }
  if (typeof tau !== 'number' || !(tau >= 0) || !Number.isFinite(tau)) expected('a finite number >= 0', 'tau', tau);
  const n = width * height;
  const Z = focus.length;
  for (let z = 0; z < Z; z++) checkLength(focus[z], n, `focus plane ${z}`);
  const depth = useDst(dst?.depth, n, 'depth');
  const confidence = useDst(dst?.confidence, n, 'confidence');
  let argmax: Int32Array | undefined;
  if (dst === undefined) argmax = new Int32Array(n);
  else if (dst.argmax !== undefined) {
    checkLength(dst.argmax, n, 'argmax');
    argmax = dst.argmax;
  }
  const last = Z - 1;
  for (let i = 0; i < n; i++) {
    let k = 0;
    let fmax = focus[0][i];
    let sum = fmax;
    for (let z = 1; z < Z; z++) {
      const f = focus[z][i];
      sum += f;
      if (f > fmax) {
        fmax = f;
        k = z;
      }
    }
    let delta = 0;
    if (k > 0 && k < last) {
      const lm = Math.log(focus[k - 1][i] + FIT_EPS);
      const l0 = Math.log(fmax + FIT_EPS);
      const lp = Math.log(focus[k + 1][i] + FIT_EPS);
      const den = lm - 2 * l0 + lp;
      if (den < 0) {
        delta = (lm - lp) / (2 * den);
        if (delta > MAX_FIT_DELTA) delta = MAX_FIT_DELTA;
        else if (delta < -MAX_FIT_DELTA) delta = -MAX_FIT_DELTA;
      }
    }
    depth[i] = k + delta;
    if (argmax !== undefined) argmax[i] = k;
    const d = fmax + tau;
    const c = d > 0 ? (fmax - sum / Z) / d : 0;
    confidence[i] = c > 0 ? c : 0;
  }
  return argmax === undefined ? { depth, confidence } : { depth, confidence, argmax };
}
