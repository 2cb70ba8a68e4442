/**
 * Focus measure `tenv`: Tenengrad variance (Pertuz et al. 2013 "TENV"): the variance over the window
 * of the Sobel gradient magnitude G = sqrt(Gx^2 + Gy^2), F = Box_r[G^2] - Box_r[G]^2. Unlike `teng`
 * (the mean of G^2) a uniform ramp scores 0: only gradient contrast inside the window counts.
 */
import { sobelEnergyImage } from '../teng.js';
import { windowedMeasure } from '../windowed.js';

/**
 * Sobel gradient magnitude of every pixel into `out` (f64), the same Sobel operator as `teng`.
 * @example sobelMagnitudeImage(Y, w, h, out)
 */
export function sobelMagnitudeImage(Y: Float32Array, width: number, height: number, out: Float64Array): void {
  sobelEnergyImage(Y, width, height, out);
  const n = width * height;
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(out[i]);
}

/**
 * F = variance of the Sobel magnitude over the window.
 * @example tenengradVariance(Y, 384, 384, 4, F, scratch)
 */
export const tenengradVariance = windowedMeasure(sobelMagnitudeImage, 'variance');
