/**
 * The `pyramid` composite: Laplacian-pyramid blending of the planes with weights from the smoothed
 * depth, clamped against ringing. The maths and its constants are in src/core/pyramid.ts; the WGSL
 * kernels pyramid_reduce.wgsl / pyramid_blend.wgsl compute the same sums in f32.
 */
import { PYRAMID_CLAMP_REACH, PYRAMID_CLAMP_TOLERANCE, PYRAMID_TAPS, clampDepth, pyramidLevels, pyramidPixels, pyramidWeight } from '../core/pyramid.js';
import type { PyramidLevel } from '../core/pyramid.js';

/**
 * One plane's Gaussian pyramid and its weights' (level 0 of `weight` already filled): the plane's n
 * pixels into level 0 of `colour`, then every level reduced from the one below.
 * @internal
 */
export function gaussianLevels(plane: ArrayLike<number>, n: number, colour: Float32Array, weight: Float32Array, levels: readonly PyramidLevel[], rows: Float64Array): void {
  for (let i = 0; i < 4 * n; i++) colour[i] = plane[i];
  for (let l = 0; l + 1 < levels.length; l++) {
    reduce(colour, 4, levels[l], levels[l + 1], rows);
    reduce(weight, 1, levels[l], levels[l + 1], rows);
  }
}

/**
 * Reduces level `from` of a `channels`-channel pyramid into the next level: binomial taps centred on
 * (2x, 2y), reads clamped to the source level; separable (rows into `rows`, then columns), which is
 * the 5x5 product the GPU sums, in another order.
 */
export function reduce(pyr: Float32Array, channels: number, from: PyramidLevel, to: PyramidLevel, rows: Float64Array): void {
  const k = PYRAMID_TAPS;
  const fw = from.width;
  const tw = to.width;
  for (let y = 0; y < from.height; y++) {
    const src = (from.offset + y * fw) * channels;
    for (let x = 0; x < tw; x++) {
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let i = 0; i < 5; i++) {
          const sx = Math.min(fw - 1, Math.max(0, 2 * x + i - 2));
          acc += k[i] * pyr[src + sx * channels + c];
        }
        rows[(y * tw + x) * channels + c] = acc;
      }
    }
  }
  for (let y = 0; y < to.height; y++) {
    const dst = (to.offset + y * tw) * channels;
    for (let x = 0; x < tw * channels; x++) {
      let acc = 0;
      for (let j = 0; j < 5; j++) {
        const sy = Math.min(from.height - 1, Math.max(0, 2 * y + j - 2));
        acc += k[j] * rows[sy * tw * channels + x];
      }
      pyr[dst + x] = acc;
    }
  }
}

/**
 * Taps of the expand along one axis at fine coordinate x: even x = 2m reads m-1, m, m+1 with
 * 1/8, 6/8, 1/8; odd x = 2m + 1 reads m, m+1 with 1/2, 1/2 (the binomial taps that land on the
 * coarse grid, times 2). Indices are clamped to the coarse level. Writes the taps at [at0, at0 + 3).
 */
function expandTaps(x: number, size: number, index: Int32Array, weight: Float64Array, at0: number): number {
  const m = x >> 1;
  const at = (v: number): number => Math.min(size - 1, Math.max(0, v));
  if ((x & 1) === 0) {
    index[at0] = at(m - 1);
    index[at0 + 1] = at(m);
    index[at0 + 2] = at(m + 1);
    weight[at0] = 0.125;
    weight[at0 + 1] = 0.75;
    weight[at0 + 2] = 0.125;
    return 3;
  }
  index[at0] = at(m);
  index[at0 + 1] = at(m + 1);
  weight[at0] = 0.5;
  weight[at0 + 1] = 0.5;
  return 2;
}

const tapIndex = new Int32Array(6);
const tapWeight = new Float64Array(6);

/** Expand of the 4-channel level `coarse` at fine pixel (x, y), into out[0..3]. */
export function expandAt(pyr: Float32Array, coarse: PyramidLevel, x: number, y: number, out: Float64Array): void {
  const nx = expandTaps(x, coarse.width, tapIndex, tapWeight, 0);
  const ny = expandTaps(y, coarse.height, tapIndex, tapWeight, 3);
  let r = 0;
  let g = 0;
  let b = 0;
  let a = 0;
  for (let j = 0; j < ny; j++) {
    const row = coarse.offset + tapIndex[3 + j] * coarse.width;
    for (let i = 0; i < nx; i++) {
      const w = tapWeight[3 + j] * tapWeight[i];
      const s = (row + tapIndex[i]) * 4;
      r += w * pyr[s];
      g += w * pyr[s + 1];
      b += w * pyr[s + 2];
      a += w * pyr[s + 3];
    }
  }
  out[0] = r;
  out[1] = g;
  out[2] = b;
  out[3] = a;
}

/** Working memory of {@link pyramidComposite}; reuse it across stacks of the same size. */
export interface PyramidScratch {
  width: number;
  height: number;
  levels: PyramidLevel[];
  /** RGBA Gaussian pyramid of the current plane. */
  colour: Float32Array;
  /** Gaussian pyramid of the current plane's weights. */
  weight: Float32Array;
  /** RGBA output pyramid (sum over planes of weight x Laplacian). */
  sum: Float32Array;
  /** One expanded pixel, RGBA. */
  expanded: Float64Array;
  /** Row pass of the reduce, RGBA, half width x full height. */
  rows: Float64Array;
}

/** @example const s = createPyramidScratch(384, 384); pyramidComposite(planes, Ds, 384, 384, out, s); */
export function createPyramidScratch(width: number, height: number): PyramidScratch {
  const levels = pyramidLevels(width, height);
  const total = pyramidPixels(levels);
  return {
    width,
    height,
    levels,
    colour: new Float32Array(4 * total),
    weight: new Float32Array(total),
    sum: new Float32Array(4 * total),
    expanded: new Float64Array(4),
    rows: new Float64Array(4 * ((width + 1) >> 1) * height),
  };
}

/**
 * Laplacian-pyramid composite (see src/core/pyramid.ts for the maths). Arguments are checked by
 * {@link composite}, which calls this for mode `pyramid`. Planes whose weight is 0 everywhere add
 * nothing and are skipped, so the work grows with the depth range of the image, not with Z.
 * @example pyramidComposite(stack.planes, Ds, w, h, new Uint8Array(w * h * 4))
 */
export function pyramidComposite<P extends Uint8Array | Uint16Array>(planes: P[], depth: Float32Array, width: number, height: number, out: P, scratch?: PyramidScratch): P {
  const s = scratch !== undefined && scratch.width === width && scratch.height === height ? scratch : createPyramidScratch(width, height);
  const { levels, colour, weight, sum, expanded, rows } = s;
  const Z = planes.length;
  const n = width * height;
  const L = levels.length - 1;
  sum.fill(0);
  for (let z = 0; z < Z; z++) {
    let used = false;
    for (let i = 0; i < n; i++) {
      const w = pyramidWeight(depth[i], z, Z);
      weight[i] = w;
      if (w > 0) used = true;
    }
    if (!used) continue;
    gaussianLevels(planes[z], n, colour, weight, levels, rows);
    // sum_l += G_l(w) (G_l(P) - expand(G_{l+1}(P))), only where G_l(w) > 0; the coarsest level takes G_L(w) G_L(P).
    for (let l = 0; l <= L; l++) {
      const level = levels[l];
      for (let y = 0, i = 0; y < level.height; y++) {
        for (let x = 0; x < level.width; x++, i++) {
          const w = weight[level.offset + i];
          if (w === 0) continue;
          const p = (level.offset + i) * 4;
          if (l < L) expandAt(colour, levels[l + 1], x, y, expanded);
          else expanded.fill(0, 0, 4);
          for (let c = 0; c < 4; c++) sum[p + c] += w * (colour[p + c] - expanded[c]);
        }
      }
    }
  }
  collapse(sum, levels, expanded);
  clampAndRound(planes, depth, sum, n, out, PYRAMID_CLAMP_REACH);
  return out;
}

/** Collapse in place: out_l = sum_l + expand(out_{l+1}), from the coarsest level up; level 0 is the image. */
export function collapse(sum: Float32Array, levels: PyramidLevel[], expanded: Float64Array): void {
  for (let l = levels.length - 2; l >= 0; l--) {
    const level = levels[l];
    for (let y = 0, p = level.offset * 4; y < level.height; y++) {
      for (let x = 0; x < level.width; x++, p += 4) {
        expandAt(sum, levels[l + 1], x, y, expanded);
        for (let c = 0; c < 4; c++) sum[p + c] += expanded[c];
      }
    }
  }
}

/**
 * Anti-ringing clamp and rounding: each channel into [min - tol, max + tol] of the planes within
 * `reach` of Ds (PYRAMID_CLAMP_REACH for `pyramid`; Infinity: every plane), then floor(x + 0.5) into
 * 0..255 (0..65535 for RGBA16 planes, whose tolerance is the same share of the range:
 * PYRAMID_CLAMP_TOLERANCE x 257).
 */
export function clampAndRound(planes: (Uint8Array | Uint16Array)[], depth: Float32Array, sum: Float32Array, n: number, out: Uint8Array | Uint16Array, reach: number): void {
  const Z = planes.length;
  const full = out instanceof Uint16Array ? 65535 : 255;
  const tol = (PYRAMID_CLAMP_TOLERANCE * full) / 255;
  for (let i = 0; i < n; i++) {
    const dc = clampDepth(depth[i], Z);
    const zLo = Math.max(0, Math.ceil(dc - reach));
    const zHi = Math.min(Z - 1, Math.floor(dc + reach));
    for (let c = 0; c < 4; c++) {
      const j = i * 4 + c;
      let lo = full;
      let hi = 0;
      for (let z = zLo; z <= zHi; z++) {
        const v = planes[z][j];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      let v = sum[j];
      if (v < lo - tol) v = lo - tol;
      else if (v > hi + tol) v = hi + tol;
      const r = Math.floor(v + 0.5);
      out[j] = r < 0 ? 0 : r > full ? full : r;
    }
  }
}
