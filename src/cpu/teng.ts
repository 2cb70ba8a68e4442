/** Focus measure `teng` (Tenengrad): box mean of the squared 3x3 Sobel gradient. */
import type { CpuScratch } from './scratch.js';
import { windowedMeasure } from './windowed.js';

/**
 * Gx^2 + Gy^2 of the standard 3x3 Sobel operator (clamped reads) into `out`, f64:
 * Gx = [Y(x+1,y-1) + 2 Y(x+1,y) + Y(x+1,y+1)] - [Y(x-1,y-1) + 2 Y(x-1,y) + Y(x-1,y+1)], Gy likewise in y.
 * @internal
 */
export function sobelEnergyImage(Y: Float32Array, width: number, height: number, out: Float64Array): void {
  const lastX = width - 1;
  const lastY = height - 1;
  for (let y = 0; y < height; y++) {
    const o = y * width;
    const up = (y > 0 ? y - 1 : 0) * width;
    const dn = (y < lastY ? y + 1 : lastY) * width;
    for (let x = 0; x < width; x++) {
      const xl = x > 0 ? x - 1 : 0;
      const xr = x < lastX ? x + 1 : lastX;
      const ul = Y[up + xl];
      const uc = Y[up + x];
      const ur = Y[up + xr];
      const ml = Y[o + xl];
      const mr = Y[o + xr];
      const dl = Y[dn + xl];
      const dc = Y[dn + x];
      const dr = Y[dn + xr];
      const gx = ur + 2 * mr + dr - (ul + 2 * ml + dl);
      const gy = dl + 2 * dc + dr - (ul + 2 * uc + ur);
      out[o + x] = gx * gx + gy * gy;
    }
  }
}

const tenengradMeasure = windowedMeasure(sobelEnergyImage, 'mean');

/**
 * F = Box_r[Gx^2 + Gy^2].
 * @param Y luma, width * height.
 * @param radius window radius r >= 0.
 * @param dst optional output (width * height).
 * @param scratch optional working memory from createCpuScratch.
 * @example tenengrad(Y, 384, 384, 4, F, scratch)
 */
export function tenengrad(Y: Float32Array, width: number, height: number, radius: number, dst?: Float32Array, scratch?: CpuScratch): Float32Array {
  return tenengradMeasure(Y, width, height, radius, dst, scratch);
}
