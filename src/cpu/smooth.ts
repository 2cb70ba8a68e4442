/** Stage 4: confidence-weighted normalised convolution of the depth map. */
import { expected } from '../core/errors.js';
import { MIN_SMOOTH_WEIGHT, gaussianKernel } from '../core/maths.js';
import type { CpuScratch } from './scratch.js';
import { checkLength, checkSize, useDst } from '../image/checks.js';
import { useScratch } from './scratch.js';

// The last kernel built, so a pipeline with a fixed sigma builds it once.
let cachedSigma = -1;
let cachedKernel: Float32Array = new Float32Array([1]);

/**
 * The Gaussian taps of `sigma` (gaussianKernel), built once per sigma: both CPU engines smooth with them.
 * @example smoothingTaps(3).length // 19
 */
export function smoothingTaps(sigma: number): Float32Array {
  if (sigma !== cachedSigma) {
    cachedKernel = gaussianKernel(sigma);
    cachedSigma = sigma;
  }
  return cachedKernel;
}

/**
 * Checks the arguments every depth filter takes (smoothDepth, histogramDepth) and returns its output
 * array (`dst` or a new one), already holding D when sigma is 0 (nothing to filter).
 * @internal
 */
export function depthFilterOutput(depth: Float32Array, confidence: Float32Array, width: number, height: number, sigma: number, dst?: Float32Array): { out: Float32Array; n: number } {
  checkSize(width, height);
  if (typeof sigma !== 'number' || !(sigma >= 0) || !Number.isFinite(sigma)) expected('a finite number >= 0', 'sigma', sigma);
  const n = width * height;
  checkLength(depth, n, 'depth');
  checkLength(confidence, n, 'confidence');
  const out = useDst(dst, n);
  if (sigma === 0 && out !== depth) out.set(depth);
  return { out, n };
}

/**
 * Ds = G[C D] / G[C], G the normalised separable Gaussian of `sigma` (taps from gaussianKernel,
 * radius ceil(3 sigma)), clamp-to-edge reads; where G[C] < MIN_SMOOTH_WEIGHT, Ds = D. sigma 0 copies D.
 * Sums in f64, Ds stored as f32.
 * @param depth D, width * height.
 * @param confidence C, width * height.
 * @param dst optional output (width * height); may be `depth` itself (in place).
 * @param scratch optional working memory from createCpuScratch.
 * @example smoothDepth(D, C, 384, 384, 3, Ds, scratch)
 */
export function smoothDepth(
  depth: Float32Array,
  confidence: Float32Array,
  width: number,
  height: number,
  sigma: number,
  dst?: Float32Array,
  scratch?: CpuScratch,
): Float32Array {
  const { out, n } = depthFilterOutput(depth, confidence, width, height, sigma, dst);
  if (sigma === 0) return out;
  const s = useScratch(scratch, width, height);
  const w = smoothingTaps(sigma);
  const R = (w.length - 1) >> 1;
  const cd = s.c;
  for (let i = 0; i < n; i++) cd[i] = confidence[i] * depth[i];
  // Horizontal pass: numerator into a, denominator into b.
  const hn = s.a;
  const hd = s.b;
  const lastX = width - 1;
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let x = 0; x < width; x++) {
      let sn = 0;
      let sd = 0;
      if (x >= R && x + R <= lastX) {
        const base = o + x - R;
        for (let k = 0; k <= 2 * R; k++) {
          const wk = w[k];
          sn += wk * cd[base + k];
          sd += wk * confidence[base + k];
        }
      } else {
        for (let k = 0; k <= 2 * R; k++) {
          const xx = x + k - R;
          const j = o + (xx < 0 ? 0 : xx > lastX ? lastX : xx);
          const wk = w[k];
          sn += wk * cd[j];
          sd += wk * confidence[j];
        }
      }
      hn[o + x] = sn;
      hd[o + x] = sd;
    }
  }
  // Vertical pass, row by row.
  const an = s.rowA;
  const ad = s.rowB;
  const lastY = height - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      an[x] = 0;
      ad[x] = 0;
    }
    for (let k = 0; k <= 2 * R; k++) {
      const yy = y + k - R;
      const o = (yy < 0 ? 0 : yy > lastY ? lastY : yy) * width;
      const wk = w[k];
      for (let x = 0; x < width; x++) {
        an[x] += wk * hn[o + x];
        ad[x] += wk * hd[o + x];
      }
    }
    const o = y * width;
    for (let x = 0; x < width; x++) {
      const g = ad[x];
      out[o + x] = g < MIN_SMOOTH_WEIGHT ? depth[o + x] : an[x] / g;
    }
  }
  return out;
}
