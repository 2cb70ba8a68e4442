/** Focus measure `lapv`: variance of the Laplacian over the (2r+1)^2 window. */
import { boxSumCols, boxSumRows } from './box-mean.js';
import type { CpuScratch } from './scratch.js';
import { checkLength, checkRadius, checkSize, useDst, useScratch } from './scratch.js';

/**
 * L = Y(x-1,y) + Y(x+1,y) + Y(x,y-1) + Y(x,y+1) - 4 Y(x,y) (clamped reads) into `out`, in f64.
 * @internal
 */
export function laplacianImage(Y: Float32Array, width: number, height: number, out: Float64Array): void {
  const lastX = width - 1;
  const lastY = height - 1;
  for (let y = 0; y < height; y++) {
    const o = y * width;
    const up = (y > 0 ? y - 1 : 0) * width;
    const dn = (y < lastY ? y + 1 : lastY) * width;
    for (let x = 0; x < width; x++) {
      const xl = x > 0 ? x - 1 : 0;
      const xr = x < lastX ? x + 1 : lastX;
      out[o + x] = Y[o + xl] + Y[o + xr] + (Y[up + x] + Y[dn + x]) - 4 * Y[o + x];
    }
  }
}

/**
 * F = Box_r[L^2] - Box_r[L]^2, clamped to >= 0 (see src/core/maths.ts on the cancellation).
 * Both box means are separable direct sums in f64 (boxSumRows / boxSumCols).
 * @param Y luma, width * height.
 * @param radius window radius r >= 0.
 * @param dst optional output (width * height).
 * @param scratch optional working memory from createCpuScratch.
 * @example laplacianVariance(Y, 384, 384, 4, F, scratch)
 */
export function laplacianVariance(Y: Float32Array, width: number, height: number, radius: number, dst?: Float32Array, scratch?: CpuScratch): Float32Array {
  checkSize(width, height);
  checkRadius(radius);
  const n = width * height;
  checkLength(Y, n, 'Y');
  const out = useDst(dst, n);
  if (radius === 0) {
    // A one-pixel window has no variance: L^2 - L^2 = 0.
    out.fill(0);
    return out;
  }
  const s = useScratch(scratch, width, height);
  const side = 2 * radius + 1;
  const area = side * side;
  // L in a; row sums of L in b; then a holds L^2 and its row sums go to c.
  laplacianImage(Y, width, height, s.a);
  boxSumRows(s.a, width, height, radius, s.b);
  for (let i = 0; i < n; i++) s.a[i] *= s.a[i];
  boxSumRows(s.a, width, height, radius, s.c);
  // Column pass: Box[L] into a, Box[L^2] into b (both f64), then F.
  boxSumCols(s.b, width, height, radius, s.rowA, s.a, area);
  boxSumCols(s.c, width, height, radius, s.rowA, s.b, area);
  for (let i = 0; i < n; i++) {
    const f = s.b[i] - s.a[i] * s.a[i];
    out[i] = f > 0 ? f : 0;
  }
  return out;
}
