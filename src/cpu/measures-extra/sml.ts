/**
 * Focus measure `sml`: sum-modified Laplacian (Nayar & Nakagawa 1994). The modified Laplacian takes
 * absolute second differences per axis so opposite-signed x and y curvature cannot cancel:
 * ML = |2Y - Y(x-1) - Y(x+1)| + |2Y - Y(y-1) - Y(y+1)|; F = Box_r[ML] (step 1, no threshold: the
 * confidence's tau is the noise floor instead).
 */
import { stencilImage, windowedMeasure } from '../windowed.js';

/**
 * ML of every pixel into `out` (f64).
 * @example modifiedLaplacianImage(Y, w, h, out)
 */
export function modifiedLaplacianImage(Y: Float32Array, width: number, height: number, out: Float64Array): void {
  stencilImage(Y, width, height, out, (_ul, uc, _ur, ml, mc, mr, _dl, dc) => Math.abs(2 * mc - ml - mr) + Math.abs(2 * mc - uc - dc));
}

/**
 * F = Box_r[ML].
 * @example sumModifiedLaplacian(Y, 384, 384, 4, F, scratch)
 */
export const sumModifiedLaplacian = windowedMeasure(modifiedLaplacianImage, 'mean');
