/**
 * Joint refinement of a stack's transforms from more registrations than the chain needs.
 * Chaining neighbour registrations adds up their errors towards the outer planes, which are also
 * the most defocused and the least certain. Registering each plane to the plane two away as well
 * gives a second, independent path; this module finds the transforms that agree best with every
 * registration, each weighted by its own inverse covariance (generalised least squares, solved by
 * Gauss-Newton over all planes at once).
 */
import { modelParams, modelSize, updateMatrix, type MotionModel } from './estimate.js';
import { solve } from './linear.js';
import { compose, identity, invert, type Mat3 } from './matrix.js';

/** One registration: plane `from`'s pixel -> plane `to`'s pixel, with its parameters' inverse covariance. */
export interface PairMeasurement {
  from: number;
  to: number;
  matrix: Mat3;
  /** PairEstimate.information: about the centre of plane `from`'s frame. */
  information: Float64Array;
  /** Centre of plane `from`'s full-size frame. */
  centre: readonly [number, number];
}

/** Gauss-Newton steps; the problem is nearly linear, so two or three reach the optimum. */
const ITERATIONS = 4;
/** Finite-difference step for the Jacobian (parameters are ~1e-2 for the linear part, ~px for shifts). */
const STEP = 1e-6;

/**
 * Residual parameters of one measurement under the transforms `t`: the update that would take the
 * measured matrix to the one the transforms imply (zero when they agree), about `from`'s centre.
 */
function residual(model: MotionModel, m: PairMeasurement, t: Mat3[], dst: Float64Array): Float64Array {
  // t[to] = M t[from] when they agree; what is left over is t[from] t[to]^-1 M (in `from`'s frame).
  const { inverse, product, left } = scratch;
  return modelParams(model, compose(t[m.from], compose(invert(t[m.to], inverse), m.matrix, product), left), m.centre[0], m.centre[1], dst);
}

/** residual's and refineJointly's intermediate matrices: the fit evaluates ~10^4 residuals per stack. */
const scratch = { inverse: identity(), product: identity(), left: identity(), update: identity() };

/** The measurements' Mahalanobis distances (squared) under the transforms `t`. */
export function misfits(model: MotionModel, measurements: PairMeasurement[], t: Mat3[]): number[] {
  const k = modelSize(model);
  const r = new Float64Array(k);
  return measurements.map((m) => {
    residual(model, m, t, r);
    let sum = 0;
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) sum += r[i] * m.information[i * k + j] * r[j];
    return sum;
  });
}

/**
 * The transforms (reference pixel -> plane pixel; `reference` stays the identity) that best agree
 * with all `measurements`, starting from `initial` (the chain). Planes that no measurement touches
 * keep their initial transform.
 * @example const refined = refineJointly(chain, 5, 'affine', [...neighbourPairs, ...skipOnePairs], [191.5, 191.5]);
 */
export function refineJointly(initial: Mat3[], reference: number, model: MotionModel, measurements: PairMeasurement[], centre: readonly [number, number]): Mat3[] {
  const k = modelSize(model);
  const planes = initial.length;
  // Unknowns: an update of every plane but the reference, applied in the reference frame.
  const slot = initial.map((_, z) => (z === reference ? -1 : z < reference ? z : z - 1));
  const n = k * (planes - 1);
  const theta = new Float64Array(n);
  // Plane z's transform under `params`, into `dst` when given (never the reference's: it is `initial`'s own).
  const transformOf = (z: number, params: Float64Array, dst?: Mat3): Mat3 =>
    slot[z] < 0 ? initial[z] : compose(initial[z], updateMatrix(model, params.subarray(slot[z] * k, slot[z] * k + k), centre[0], centre[1], scratch.update), dst);
  const transforms = (params: Float64Array): Mat3[] => initial.map((_, z) => transformOf(z, params));
  const h = new Float64Array(n * n);
  const g = new Float64Array(n);
  const delta = new Float64Array(n);
  const r = new Float64Array(k);
  const shifted = new Float64Array(k);
  // One measurement's Jacobian columns (at most 2k: the two planes it links) and W times each.
  const columnIndex = new Int32Array(2 * k);
  const columns = new Float64Array(2 * k * k);
  const wa = new Float64Array(k);
  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    h.fill(0);
    g.fill(0);
    const t = transforms(theta);
    for (const m of measurements) {
      residual(model, m, t, r);
      // Jacobian columns of this residual: only the two planes it links have any.
      let count = 0;
      for (const z of [m.from, m.to]) {
        if (slot[z] < 0) continue;
        for (let p = 0; p < k; p++) {
          const index = slot[z] * k + p;
          const saved = theta[index];
          theta[index] = saved + STEP;
          // Only plane z's transform moves: recompute it alone, not every plane's.
          transformOf(z, theta, t[z]);
          residual(model, m, t, shifted);
          theta[index] = saved;
          columnIndex[count] = index;
          for (let i = 0; i < k; i++) columns[count * k + i] = (shifted[i] - r[i]) / STEP;
          count++;
        }
        transformOf(z, theta, t[z]);
      }
      // h += J^T W J, g -= J^T W r with W the measurement's information.
      for (let a = 0; a < count; a++) {
        wa.fill(0);
        for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) wa[j] += columns[a * k + i] * m.information[i * k + j];
        for (let j = 0; j < k; j++) g[columnIndex[a]] -= wa[j] * r[j];
        for (let b = 0; b < count; b++) {
          let sum = 0;
          for (let j = 0; j < k; j++) sum += wa[j] * columns[b * k + j];
          h[columnIndex[a] * n + columnIndex[b]] += sum;
        }
      }
    }
    // Planes no measurement touches would make h singular: pin them.
    for (let i = 0; i < n; i++) if (h[i * n + i] === 0) h[i * n + i] = 1;
    if (!solve(h, g, n, delta)) return initial;
    for (let i = 0; i < n; i++) theta[i] += delta[i];
  }
  return transforms(theta);
}
