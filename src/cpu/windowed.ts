/**
 * The shape every focus measure shares: a per-pixel operator image O (f64) from the luma, then a
 * window statistic of O over the (2r+1)^2 window: its mean Box_r[O] (teng, wavelet, ...) or its
 * variance Box_r[O^2] - Box_r[O]^2 (lapv, ...). Each measure file only defines its operator.
 */
import { boxSumCols, boxSumRows, boxVariance } from './box-mean.js';
import type { CpuScratch } from './scratch.js';
import { checkLength, checkSize, useDst } from '../image/checks.js';
import { checkRadius, useScratch } from './scratch.js';

/**
 * Writes the operator image of luma Y into `out` (width * height, f64; it is scratch.a), clamp-to-edge
 * reads. An operator may use scratch.b as working memory; nothing else of the scratch survives it.
 */
export type OperatorImage = (Y: Float32Array, width: number, height: number, out: Float64Array, scratch: CpuScratch) => void;

/** Which statistic of the operator image over the window the measure is. */
export type WindowStatistic = 'mean' | 'variance';

/** Signature of every CPU focus measure (same as laplacianVariance, tenengrad, waveletEnergy). */
export type CpuMeasure = (Y: Float32Array, width: number, height: number, radius: number, dst?: Float32Array, scratch?: CpuScratch) => Float32Array;

/** Mean over the window of s.a. */
function windowMean(width: number, height: number, radius: number, out: Float32Array, s: CpuScratch): void {
  const side = 2 * radius + 1;
  boxSumRows(s.a, width, height, radius, s.c);
  boxSumCols(s.c, width, height, radius, s.rowA, s.rowB, out, side * side);
}

/**
 * Builds a CPU focus measure from an operator and a window statistic. r = 0 gives O itself for `mean`
 * and 0 for `variance` (a one-pixel window has no variance).
 * @example const brenner = windowedMeasure(brennerImage, 'mean'); brenner(Y, 384, 384, 4, F, scratch);
 */
export function windowedMeasure(operator: OperatorImage, statistic: WindowStatistic): CpuMeasure {
  return (Y, width, height, radius, dst, scratch) => {
    checkSize(width, height);
    checkRadius(radius);
    const n = width * height;
    checkLength(Y, n, 'Y');
    const out = useDst(dst, n);
    const s = useScratch(scratch, width, height);
    operator(Y, width, height, s.a, s);
    if (radius === 0) {
      // A one-pixel window: its mean is the pixel, its variance 0.
      if (statistic === 'variance') out.fill(0);
      else for (let i = 0; i < n; i++) out[i] = s.a[i];
    } else if (statistic === 'variance') {
      boxVariance(s.a, width, height, radius, out, s);
    } else {
      windowMean(width, height, radius, out, s);
    }
    return out;
  };
}

/** A 3x3 operator: the pixel's neighbourhood, row by row (u = up, m = middle, d = down; l, c, r). */
export type Stencil3x3 = (ul: number, uc: number, ur: number, ml: number, mc: number, mr: number, dl: number, dc: number, dr: number) => number;

/**
 * Applies a 3x3 stencil to every pixel with clamp-to-edge reads (as lapv and teng read), in f64.
 * @example stencilImage(Y, w, h, out, (ul, uc, ur, ml, mc, mr) => Math.abs(mr - ml));
 */
export function stencilImage(Y: Float32Array, width: number, height: number, out: Float64Array, stencil: Stencil3x3): void {
  const lastX = width - 1;
  const lastY = height - 1;
  for (let y = 0; y < height; y++) {
    const o = y * width;
    const up = (y > 0 ? y - 1 : 0) * width;
    const dn = (y < lastY ? y + 1 : lastY) * width;
    for (let x = 0; x < width; x++) {
      const xl = x > 0 ? x - 1 : 0;
      const xr = x < lastX ? x + 1 : lastX;
      out[o + x] = stencil(Y[up + xl], Y[up + x], Y[up + xr], Y[o + xl], Y[o + x], Y[o + xr], Y[dn + xl], Y[dn + x], Y[dn + xr]);
    }
  }
}
