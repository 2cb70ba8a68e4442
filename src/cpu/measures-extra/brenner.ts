/**
 * Focus measure `brenner` (Brenner et al. 1976; Pertuz et al. 2013 "BREN"): squared two-pixel
 * difference, the larger of the horizontal and vertical one, F = Box_r[max(Dx, Dy)^2]. The classic
 * operator takes Y(x+2) - Y(x); we take the centred Y(x+1) - Y(x-1), the same difference shifted by
 * one pixel, so the depth map is not shifted against the image.
 */
import { stencilImage, windowedMeasure } from '../windowed.js';

/**
 * max((Y(x+1) - Y(x-1))^2, (Y(y+1) - Y(y-1))^2) of every pixel into `out` (f64).
 * @example brennerImage(Y, w, h, out)
 */
export function brennerImage(Y: Float32Array, width: number, height: number, out: Float64Array): void {
  stencilImage(Y, width, height, out, (_ul, uc, _ur, ml, _mc, mr, _dl, dc) => {
    const dx = mr - ml;
    const dy = dc - uc;
    return Math.max(dx * dx, dy * dy);
  });
}

/**
 * F = Box_r[Brenner difference].
 * @example brenner(Y, 384, 384, 4, F, scratch)
 */
export const brenner = windowedMeasure(brennerImage, 'mean');
