/**
 * Focus measure `dlap`: diagonal Laplacian (Thelen et al. 2009; Pertuz et al. 2013 "LAPD"): the
 * modified Laplacian plus the two diagonal second differences, weighted 1/sqrt(2) for their longer
 * step, so edges at 45 degrees count like axis-aligned ones. F = Box_r[|Lx| + |Ly| + |Ld1| + |Ld2|].
 */
import { stencilImage, windowedMeasure } from '../windowed.js';

const DIAGONAL_WEIGHT = Math.SQRT1_2;

/**
 * |Lx| + |Ly| + (|Ld1| + |Ld2|) / sqrt(2) of every pixel into `out` (f64).
 * @example diagonalLaplacianImage(Y, w, h, out)
 */
export function diagonalLaplacianImage(Y: Float32Array, width: number, height: number, out: Float64Array): void {
  stencilImage(Y, width, height, out, (ul, uc, ur, ml, mc, mr, dl, dc, dr) => {
    const axes = Math.abs(2 * mc - ml - mr) + Math.abs(2 * mc - uc - dc);
    const diagonals = Math.abs(2 * mc - ul - dr) + Math.abs(2 * mc - ur - dl);
    return axes + DIAGONAL_WEIGHT * diagonals;
  });
}

/**
 * F = Box_r[diagonal Laplacian].
 * @example diagonalLaplacian(Y, 384, 384, 4, F, scratch)
 */
export const diagonalLaplacian = windowedMeasure(diagonalLaplacianImage, 'mean');
