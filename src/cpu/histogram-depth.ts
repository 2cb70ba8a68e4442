/**
 * Stage 4, depth mode `histogram`: the depth Ds at each pixel is the local mode of a confidence-
 * weighted histogram of the raw depth D over a Gaussian window, refined to sub-plane precision by
 * the centroid of the mode's bin and its two neighbours (docs/fusion-v2.md, "The histogram depth").
 *
 * Why a mode and not version 1's mean: where two translucent cells overlap, both layers are textured
 * and the raw depth alternates between them pixel by pixel; a weighted mean lands between the two
 * layers (wrong for both, and the composite then blends two defocused planes), while the mode keeps
 * the layer with the most evidence around the pixel. A mode is also edge-preserving: at a depth step
 * the side with the majority of the window wins, so the step is not smeared into a ramp.
 */
import { expected } from '../core/errors.js';
import { MIN_SMOOTH_WEIGHT, gaussianKernel } from '../core/maths.js';
import { HISTOGRAM_DECIMATION, HISTOGRAM_SIGMA_FACTOR, depthFilterSigma, histogramCoarseSize } from '../core/histogram.js';
import { depthFilterOutput } from './smooth.js';

export { HISTOGRAM_SIGMA_FACTOR };

/**
 * out = G * src on a grid of width x height: the separable Gaussian of `taps` with clamp-to-edge
 * reads, f64 sums; `rows` is working memory of width * height.
 */
function gaussianBlur(src: Float64Array, width: number, height: number, taps: Float32Array, rows: Float64Array, out: Float64Array): void {
  const R = (taps.length - 1) >> 1;
  const lastX = width - 1;
  const lastY = height - 1;
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let k = -R; k <= R; k++) {
        const xx = x + k;
        s += taps[k + R] * src[o + (xx < 0 ? 0 : xx > lastX ? lastX : xx)];
      }
      rows[o + x] = s;
    }
  }
  out.fill(0);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let k = -R; k <= R; k++) {
      const yy = y + k;
      const ok = (yy < 0 ? 0 : yy > lastY ? lastY : yy) * width;
      const t = taps[k + R];
      for (let x = 0; x < width; x++) out[o + x] += t * rows[ok + x];
    }
  }
}

/**
 * Where pixel i of a side of `size` px reads the coarse grid of `coarse` cells: cells lo[i] and
 * hi[i] with weights 1 - f[i] and f[i]. Cell c's centre lies at image coordinate D c + (D - 1) / 2,
 * so pixel i sits at u = (i + 0.5) / D - 0.5 cells; both cells clamp to the grid.
 */
function bilinearTaps(size: number, coarse: number): { lo: Int32Array; hi: Int32Array; f: Float64Array } {
  const lo = new Int32Array(size);
  const hi = new Int32Array(size);
  const f = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const u = (i + 0.5) / HISTOGRAM_DECIMATION - 0.5;
    const c = Math.floor(u);
    f[i] = u - c;
    lo[i] = Math.min(Math.max(c, 0), coarse - 1);
    hi[i] = Math.min(c + 1, coarse - 1);
  }
  return { lo, hi, f };
}

/**
 * The `histogram` depth Ds from the raw depth D and confidence C of Z planes, s = HISTOGRAM_SIGMA_FACTOR sigma,
 * on a grid HISTOGRAM_DECIMATION (d) times coarser than the image:
 * 1. votes v_z = C hat(D - z), hat(t) = max(0, 1 - |t|) (each pixel's confidence split between the
 *    two bins around its D); V_z = the mean of v_z over each d x d block (clamp-to-edge reads at the
 *    right and bottom edges), on a grid of ceil(W / d) x ceil(H / d);
 * 2. Hc_z = G_{s/d}[V_z] on that grid (G: version 1's separable Gaussian, gaussianKernel's taps,
 *    clamp-to-edge reads);
 * 3. H_z = Hc_z interpolated bilinearly at the pixel (bilinearTaps), so sum_z H_z ~ G_s[C];
 * 4. k = argmax_z H_z (ties: lowest z); Ds = sum_{|z-k| <= 1} z H_z / sum_{|z-k| <= 1} H_z (the mode
 *    bin and its neighbours). Where sum_z H_z < MIN_SMOOTH_WEIGHT (no evidence within reach) Ds = D,
 *    as in version 1. sigma 0 copies D.
 * Sums in f64, Ds stored as f32.
 * @param planeCount Z (the bins).
 * @param dst optional output (width * height).
 * @example const Ds = histogramDepth(D, C, 384, 384, 11, 3); // an 8 px window
 */
export function histogramDepth(depth: Float32Array, confidence: Float32Array, width: number, height: number, planeCount: number, sigma: number, dst?: Float32Array): Float32Array {
  if (!Number.isInteger(planeCount) || planeCount < 1) expected('an integer >= 1', 'planeCount', planeCount);
  const { out, n } = depthFilterOutput(depth, confidence, width, height, sigma, dst);
  if (sigma === 0) return out;
  const Z = planeCount;
  const d = HISTOGRAM_DECIMATION;
  const cw = histogramCoarseSize(width);
  const ch = histogramCoarseSize(height);
  const taps = gaussianKernel(depthFilterSigma('histogram', sigma));
  const xs = bilinearTaps(width, cw);
  const ys = bilinearTaps(height, ch);
  // One bin at a time, keeping per pixel the best bin so far and its neighbours' counts, so memory
  // does not grow with Z (a 41-plane stack of 12 Mpx would need 4 GB for every H_z at once).
  const votes = new Float64Array(cw * ch);
  const rows = new Float64Array(cw * ch);
  const coarse = new Float64Array(cw * ch);
  let previous = new Float64Array(n); // H_{z-1}
  let H = new Float64Array(n);
  const best = new Float64Array(n).fill(-1);
  const bestBin = new Int32Array(n);
  const below = new Float64Array(n); // H_{k-1} of the best bin k
  const above = new Float64Array(n); // H_{k+1}
  const total = new Float64Array(n);
  for (let z = 0; z < Z; z++) {
    for (let Y = 0; Y < ch; Y++) {
      for (let X = 0; X < cw; X++) {
        let s = 0;
        for (let j = 0; j < d; j++) {
          const o = Math.min(d * Y + j, height - 1) * width;
          for (let i = 0; i < d; i++) {
            const p = o + Math.min(d * X + i, width - 1);
            const t = 1 - Math.abs(depth[p] - z);
            if (t > 0) s += confidence[p] * t;
          }
        }
        votes[Y * cw + X] = s / (d * d);
      }
    }
    gaussianBlur(votes, cw, ch, taps, rows, coarse);
    for (let y = 0; y < height; y++) {
      const top = ys.lo[y] * cw;
      const bottom = ys.hi[y] * cw;
      const fy = ys.f[y];
      for (let x = 0; x < width; x++) {
        const fx = xs.f[x];
        const upper = (1 - fx) * coarse[top + xs.lo[x]] + fx * coarse[top + xs.hi[x]];
        const lower = (1 - fx) * coarse[bottom + xs.lo[x]] + fx * coarse[bottom + xs.hi[x]];
        H[y * width + x] = (1 - fy) * upper + fy * lower;
      }
    }
    for (let i = 0; i < n; i++) {
      const h = H[i];
      total[i] += h;
      if (z === bestBin[i] + 1) above[i] = h;
      if (h > best[i]) {
        best[i] = h;
        bestBin[i] = z;
        below[i] = z > 0 ? previous[i] : 0;
        above[i] = 0;
      }
    }
    [previous, H] = [H, previous];
  }
  for (let i = 0; i < n; i++) {
    if (total[i] < MIN_SMOOTH_WEIGHT) {
      out[i] = depth[i];
      continue;
    }
    // The centroid of bins k-1, k, k+1 (a neighbour outside 0..Z-1 counts 0).
    const k = bestBin[i];
    out[i] = ((k - 1) * below[i] + k * best[i] + (k + 1) * above[i]) / (below[i] + best[i] + above[i]);
  }
  return out;
}
