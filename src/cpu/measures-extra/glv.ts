/**
 * Focus measure `glv`: gray-level variance (Pertuz et al. 2013 "GLVA"), F = Box_r[Y^2] - Box_r[Y]^2.
 * The oldest statistical measure: no derivative at all, so it is the least noise-sensitive and the
 * least selective (large smooth gradients count as much as fine texture).
 */
import { windowedMeasure } from '../windowed.js';

function copyLuma(Y: Float32Array, width: number, height: number, out: Float64Array): void {
  const n = width * height;
  for (let i = 0; i < n; i++) out[i] = Y[i];
}

/**
 * F = variance of the luma over the window.
 * @example grayLevelVariance(Y, 384, 384, 4, F, scratch)
 */
export const grayLevelVariance = windowedMeasure(copyLuma, 'variance');
