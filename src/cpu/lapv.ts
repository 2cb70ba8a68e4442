/** Focus measure `lapv`: variance of the Laplacian over the (2r+1)^2 window. */
import type { CpuScratch } from './scratch.js';
import { windowedMeasure } from './windowed.js';

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

const laplacianVarianceMeasure = windowedMeasure(laplacianImage, 'variance');

/**
 * F = Box_r[L^2] - Box_r[L]^2, clamped to >= 0 (see src/core/maths.ts on the cancellation).
 * Both box means are separable running sums in f64 (boxSumRows / boxSumCols, via windowedMeasure).
 * @param Y luma, width * height.
 * @param radius window radius r >= 0.
 * @param dst optional output (width * height).
 * @param scratch optional working memory from createCpuScratch.
 * @example laplacianVariance(Y, 384, 384, 4, F, scratch)
 */
export function laplacianVariance(Y: Float32Array, width: number, height: number, radius: number, dst?: Float32Array, scratch?: CpuScratch): Float32Array {
  return laplacianVarianceMeasure(Y, width, height, radius, dst, scratch);
}
