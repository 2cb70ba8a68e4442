/**
 * 3x3 plane transforms, held as wgpu-matrix `mat3d` (Float64Array of 12: three padded columns, the
 * layout WGSL's mat3x3 uses), so the same matrices feed the CPU warp and the GPU uniform.
 * Convention everywhere in src/align: a plane's transform maps a pixel of the REFERENCE frame to the
 * pixel of that plane it is sampled from; pixel (i, j) has its centre at x = i, y = j.
 */
import { mat3d } from 'wgpu-matrix';

export type Mat3 = Float64Array;

/** Rows [[a, b, c], [d, e, f], [g, h, i]] of a transform, as written to JSON. */
export type MatrixRows = [[number, number, number], [number, number, number], [number, number, number]];

/**
 * A transform from its 6 affine coefficients: x' = a x + b y + c, y' = d x + e y + f; into `dst`
 * when given (here and below: hot paths allocate nothing).
 * @example affine(1, 0, 5, 0, 1, -2) // a shift by (5, -2)
 */
export function affine(a: number, b: number, c: number, d: number, e: number, f: number, dst?: Mat3): Mat3 {
  // mat3d.create and set take the values column by column.
  return dst ? mat3d.set(a, d, 0, b, e, 0, c, f, 1, dst) : mat3d.create(a, d, 0, b, e, 0, c, f, 1);
}

/** The identity transform. @example identity() */
export function identity(): Mat3 {
  return mat3d.identity();
}

/**
 * `a` after `b`: the transform that applies `b` first, then `a`.
 * @example compose(shift, scale) // scales, then shifts
 */
export function compose(a: Mat3, b: Mat3, dst?: Mat3): Mat3 {
  // wgpu-matrix reads both operands before writing: dst may be a or b.
  return mat3d.multiply(a, b, dst);
}

/** @example invert(affine(2, 0, 0, 0, 2, 0)) // halves */
export function invert(m: Mat3, dst?: Mat3): Mat3 {
  return mat3d.inverse(m, dst);
}

/**
 * Where `m` sends the point (x, y), written into `out` (no allocation on hot paths).
 * @example apply(affine(1, 0, 5, 0, 1, 0), 1, 2) // [6, 2]
 */
export function apply(m: Mat3, x: number, y: number, out: [number, number] = [0, 0]): [number, number] {
  out[0] = m[0] * x + m[4] * y + m[8];
  out[1] = m[1] * x + m[5] * y + m[9];
  return out;
}

/** The rows of a transform, for JSON and reports. @example toRows(identity()) // [[1,0,0],[0,1,0],[0,0,1]] */
export function toRows(m: Mat3): MatrixRows {
  return [
    [m[0], m[4], m[8]],
    [m[1], m[5], m[9]],
    [m[2], m[6], m[10]],
  ];
}

/** A transform from rows (the JSON form). @example fromRows([[1,0,3],[0,1,0],[0,0,1]]) */
export function fromRows(rows: readonly (readonly number[])[]): Mat3 {
  return mat3d.create(rows[0][0], rows[1][0], rows[2][0], rows[0][1], rows[1][1], rows[2][1], rows[0][2], rows[1][2], rows[2][2]);
}

/**
 * The same transform expressed on images scaled by `factor` (pyramid levels: factor 0.5 per level),
 * for pixel-centre coordinates: x_small = (x + 0.5) * factor - 0.5.
 * @example rescale(shift10, 0.5) // shift of 5 on the half-size image
 */
export function rescale(m: Mat3, factor: number): Mat3 {
  const offset = 0.5 * factor - 0.5;
  const toSmall = affine(factor, 0, offset, 0, factor, offset);
  return compose(compose(toSmall, m), invert(toSmall));
}

/**
 * Root-mean-square distance between where two transforms send the pixels of a width x height frame
 * (sampled on a (grid + 1)^2 grid over it, corners included): the "px RMS over the frame" the
 * recovery tests and `auto` use.
 * @example rmsDifference(identity(), affine(1, 0, 0.3, 0, 1, 0.4), 100, 100) // 0.5
 */
export function rmsDifference(a: Mat3, b: Mat3, width: number, height: number, grid = 16): number {
  // The difference of two affine maps is affine, so its mean square over the grid has a closed
  // form; about the grid's centre the cross terms vanish (no cancellation). auto evaluates it for
  // every plane several times per stack, where the 289-point loop cost ~0.1 ms a stack.
  const [cx, cy] = [(width - 1) / 2, (height - 1) / 2];
  let spread = 0; // mean of (i / grid - 1/2)^2 over the grid's columns
  for (let i = 0; i <= grid; i++) spread += (i / grid - 0.5) ** 2;
  spread /= grid + 1;
  let sum = 0;
  for (const r of [0, 1]) {
    const kx = a[r] - b[r];
    const ky = a[r + 4] - b[r + 4];
    const atCentre = kx * cx + ky * cy + (a[r + 8] - b[r + 8]);
    sum += (kx * kx * (width - 1) ** 2 + ky * ky * (height - 1) ** 2) * spread + atCentre * atCentre;
  }
  return Math.sqrt(sum);
}

/**
 * Scale, rotation (degrees) and shear/anisotropy of a transform's linear part, for the plausibility
 * bounds and the report. `anisotropy` is 0 for a similarity.
 * @example decompose(affine(1.02, 0, 3, 0, 1.02, 0)) // { scale: 1.02, rotationDeg: 0, anisotropy: 0, ... }
 */
export function decompose(m: Mat3): { scale: number; rotationDeg: number; anisotropy: number; shiftX: number; shiftY: number } {
  const [a, d, b, e] = [m[0], m[1], m[4], m[5]];
  // Nearest similarity [[s c, -s n], [s n, s c]] in the least-squares sense, and what is left over.
  const p = (a + e) / 2;
  const q = (d - b) / 2;
  const scale = Math.hypot(p, q);
  const anisotropy = Math.hypot((a - e) / 2, (d + b) / 2) / Math.max(scale, 1e-12);
  return { scale, rotationDeg: (Math.atan2(q, p) * 180) / Math.PI, anisotropy, shiftX: m[8], shiftY: m[9] };
}
