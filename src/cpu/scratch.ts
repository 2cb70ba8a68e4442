/**
 * Argument checks and reusable f64 scratch for the CPU stages, so a pipeline that fuses many stacks
 * allocates nothing per stack (pass the same scratch and dst arrays every time).
 */
import { FocusFuseError, expected } from '../core/errors.js';
import { checkSize } from '../image/checks.js';

/** Any float image the stages read. */
export type FloatImage = Float32Array | Float64Array;

/**
 * Working memory of the focus measures, the box mean and the smoothing: three f64 images and two
 * f64 rows. One scratch serves any image with at most `capacity` pixels and rows of at most `rowCapacity`.
 */
export interface CpuScratch {
  a: Float64Array;
  b: Float64Array;
  c: Float64Array;
  rowA: Float64Array;
  rowB: Float64Array;
}

/**
 * Allocates scratch for images up to width x height.
 * @example const s = createCpuScratch(384, 384); laplacianVariance(Y, 384, 384, 4, F, s);
 */
export function createCpuScratch(width: number, height: number): CpuScratch {
  checkSize(width, height);
  const n = width * height;
  return {
    a: new Float64Array(n),
    b: new Float64Array(n),
    c: new Float64Array(n),
    rowA: new Float64Array(width),
    rowB: new Float64Array(width),
  };
}

/** Returns `scratch` when it is big enough for width x height, a new one when it is undefined; throws otherwise. */
export function useScratch(scratch: CpuScratch | undefined, width: number, height: number): CpuScratch {
  if (scratch === undefined) return createCpuScratch(width, height);
  const n = width * height;
  if (scratch.a.length < n || scratch.b.length < n || scratch.c.length < n || scratch.rowA.length < width || scratch.rowB.length < width) {
    throw new FocusFuseError('SIZE_MISMATCH', `Expected scratch for at least ${width}x${height} but received one for ${scratch.a.length} pixels and rows of ${scratch.rowA.length}`);
  }
  return scratch;
}

/** Throws unless `radius` is an integer >= 0. */
export function checkRadius(radius: number, name = 'window'): void {
  if (!Number.isInteger(radius) || radius < 0) expected('an integer >= 0', name, radius);
}
