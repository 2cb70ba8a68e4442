/**
 * auto's first glance: one linear least-squares fit per neighbour pair at the identity, on the
 * preview (luma block means, an eighth of the size for CCCID's 384 px planes: previewFactor). No
 * band-pass: the gain and offset terms take the brightness change, and the preview's wide
 * structures keep large motions visible to the correlation check. A registered stack (the common
 * case: scanner stacks like CCCID) is at the answer already, so a fit linearised there tells motion
 * from none at the cost of one pass over each pair; only a stack the glance cannot clear pays for
 * the quick look's pyramid search and Gauss-Newton iterations.
 *
 * Per pixel, B = (1 + gain) A + offset + c * laplacian(A) + steepest(A) . p, where p is the
 * similarity update of the inverse-compositional fit (see estimate.ts), gain and offset absorb the
 * contrast change between planes and c the defocus difference, which to first order is a multiple
 * of the Laplacian (the heat equation): without it a defocus difference reads as magnification.
 * Between neighbours at an eighth of the size the defocus difference is a fraction of a pixel,
 * inside that first order. The nuisance terms are profiled out of the motion's covariance.
 */
import { displacementError, updateMatrix } from './estimate.js';
import { solve } from './linear.js';
import { AUTO_SIGNIFICANCE, AUTO_THRESHOLD_PX, motionMatters } from './auto-gates.js';
import { outwards, towardsReference } from './chain.js';
import { compose, identity, invert, rescale, rmsDifference, type Mat3 } from './matrix.js';
import type { Level } from '../image/pyramid.js';

/**
 * Below this correlation at the identity a pair may have moved beyond the reach of a fit linearised
 * there, and the glance leaves the stack to the quick look. Registered neighbours of the synthetic
 * CCCID stacks correlate at >= 0.99 (luma block means, 384 px planes); shifts of 30 px between
 * neighbours drop to <= 0.3, of 8 px to 0.5 .. 0.76.
 */
export const GLANCE_MIN_CORRELATION = 0.9;

/** Unknowns of the glance's fit: similarity (4), gain, offset, blur. */
const UNKNOWNS = 7;
const MOTION = 4;

/** What one pair's glance found. */
export interface PairGlance {
  /** A pixel -> B pixel, full-size frame: the one linearised step from the identity. */
  matrix: Mat3;
  /** RMS displacement of `matrix` over the full-size frame (px). */
  displacementPx: number;
  /** Its standard error (px RMS over the frame); Infinity when the fit is singular. */
  uncertaintyPx: number;
  /** Correlation of the two preview planes at the identity, -1..1. */
  correlation: number;
}

/**
 * The sums of the glance's normal equations over the pixels of two same-size preview planes, pixels
 * within `edge` of the border left out, in this order: the 28 distinct entries of the 7 x 7 normal
 * matrix row by row from the diagonal (h00 .. h06, h11 .. h16, .., h66), the 7 right-hand sides
 * (g0 .. g6) and the squared difference (see): 36 values. The CPU engine's WebAssembly runs the same
 * expressions in the same order (src/cpu/fast/assembly/glance.ts), so either gives the same bits.
 */
export type GlanceSums = (a: Float32Array, b: Float32Array, width: number, height: number, edge: number) => Float64Array;

/** Number of values {@link GlanceSums} returns. */
export const GLANCE_SUMS = 36;

/**
 * {@link GlanceSums} in TypeScript (the reference; a fresh process interprets this loop for tens of
 * ms before the JIT compiles it, which is why the CPU engine runs its WebAssembly twin).
 * @example glanceSums(a.data, b.data, a.width, a.height, 1)[27] // h66
 */
export const glanceSums: GlanceSums = (A, B, width, height, edge) => {
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  // The normal equations' 28 distinct sums as locals (an array here costs ~3x the time).
  let h00 = 0, h01 = 0, h02 = 0, h03 = 0, h04 = 0, h05 = 0, h06 = 0;
  let h11 = 0, h12 = 0, h13 = 0, h14 = 0, h15 = 0, h16 = 0;
  let h22 = 0, h23 = 0, h24 = 0, h25 = 0, h26 = 0;
  let h33 = 0, h34 = 0, h35 = 0, h36 = 0;
  let h44 = 0, h45 = 0, h46 = 0, h55 = 0, h56 = 0, h66 = 0;
  let g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0;
  let see = 0;
  for (let y = edge; y < height - edge; y++) {
    const yc = y - cy;
    for (let x = edge; x < width - edge; x++) {
      const i = y * width + x;
      const va = A[i];
      const vb = B[i];
      const left = A[i - 1], right = A[i + 1], up = A[i - width], down = A[i + width];
      const gx = 0.5 * (right - left);
      const gy = 0.5 * (down - up);
      const xc = x - cx;
      const c0 = gx * xc + gy * yc;
      const c1 = gy * xc - gx * yc;
      const c6 = left + right + up + down - 4 * va;
      const e = vb - va;
      h00 += c0 * c0; h01 += c0 * c1; h02 += c0 * gx; h03 += c0 * gy; h04 += c0 * va; h05 += c0; h06 += c0 * c6;
      h11 += c1 * c1; h12 += c1 * gx; h13 += c1 * gy; h14 += c1 * va; h15 += c1; h16 += c1 * c6;
      h22 += gx * gx; h23 += gx * gy; h24 += gx * va; h25 += gx; h26 += gx * c6;
      h33 += gy * gy; h34 += gy * va; h35 += gy; h36 += gy * c6;
      h44 += va * va; h45 += va; h46 += va * c6; h55 += 1; h56 += c6; h66 += c6 * c6;
      g0 += c0 * e; g1 += c1 * e; g2 += gx * e; g3 += gy * e; g4 += va * e; g5 += e; g6 += c6 * e;
      see += e * e;
    }
  }
  return Float64Array.of(
    h00, h01, h02, h03, h04, h05, h06, h11, h12, h13, h14, h15, h16, h22, h23, h24, h25, h26, h33, h34, h35, h36, h44, h45, h46, h55, h56, h66,
    g0, g1, g2, g3, g4, g5, g6, see,
  );
};

/**
 * The glance at one neighbour pair: preview planes of the same size, `scale` full-size pixels per
 * preview pixel, pixels within `margin` (preview px, at least 1) of the border left out; `sums`
 * computes the normal equations (the TypeScript {@link glanceSums} unless an engine has a twin).
 * @example const { displacementPx, uncertaintyPx } = glancePair(preview[5], preview[6], 4, 1);
 */
export function glancePair(a: Level, b: Level, scale: number, margin: number, sums: GlanceSums = glanceSums): PairGlance {
  const { width, height } = a;
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const edge = Math.max(1, Math.ceil(margin));
  const sum = sums(a.data, b.data, width, height, edge);
  // The normal matrix from its upper triangle (sum[0 .. 27], row by row), then g and e^2.
  const h = new Float64Array(UNKNOWNS * UNKNOWNS);
  for (let r = 0, i = 0; r < UNKNOWNS; r++) for (let c = r; c < UNKNOWNS; c++, i++) h[r * UNKNOWNS + c] = h[c * UNKNOWNS + r] = sum[i];
  const g = sum.slice(28, 28 + UNKNOWNS);
  let see = sum[35];
  // Column 5 is the constant 1: h55 is the pixel count; sums over B follow from those over A and e.
  const used = h[5 * UNKNOWNS + 5];
  const h44 = h[4 * UNKNOWNS + 4];
  const sa = h[4 * UNKNOWNS + 5];
  const sb = g[5] + sa;
  const sab = g[4] + h44;
  const sbb = see + 2 * sab - h44;
  const correlation = used > 1 ? (sab - (sa * sb) / used) / Math.sqrt(Math.max(h44 - (sa * sa) / used, 1e-12) * Math.max(sbb - (sb * sb) / used, 1e-12)) : 0;
  const p = new Float64Array(UNKNOWNS);
  if (used < 4 * UNKNOWNS || !solve(h, g, UNKNOWNS, p)) return { matrix: identity(), displacementPx: 0, uncertaintyPx: Infinity, correlation };
  // The residual of a linear fit from the normal equations: sum e^2 - p . g.
  for (let r = 0; r < UNKNOWNS; r++) see -= p[r] * g[r];
  const variance = Math.max(see, 0) / used;
  const matrix = rescale(invert(updateMatrix('similarity', p.subarray(0, MOTION), cx, cy)), scale);
  return {
    matrix,
    displacementPx: rmsDifference(matrix, identity(), width * scale, height * scale),
    uncertaintyPx: displacementError('similarity', motionInformation(h), variance, width, height) * scale,
    correlation,
  };
}

/** The motion block of the normal matrix with the nuisance unknowns profiled out (Schur complement). */
function motionInformation(h: Float64Array): Float64Array {
  const n = UNKNOWNS - MOTION;
  const nuisance = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) nuisance[r * n + c] = h[(MOTION + r) * UNKNOWNS + MOTION + c];
  const out = new Float64Array(MOTION * MOTION);
  const cross = new Float64Array(n);
  const solved = new Float64Array(n);
  for (let c = 0; c < MOTION; c++) {
    for (let r = 0; r < n; r++) cross[r] = h[c * UNKNOWNS + MOTION + r];
    if (!solve(nuisance, cross, n, solved)) solved.fill(0);
    for (let r = 0; r < MOTION; r++) {
      let s = h[r * UNKNOWNS + c];
      for (let j = 0; j < n; j++) s -= h[r * UNKNOWNS + MOTION + j] * solved[j];
      out[r * MOTION + c] = s;
    }
  }
  return out;
}


/** What the glance saw of a stack it cleared, per plane (the reference: correlation 0, uncertainty NaN). */
export interface StackGlance {
  /** Correlation with the neighbour towards the reference, at the identity. */
  correlations: number[];
  /** Standard error of the pair's fit (px RMS over the frame). */
  uncertainties: number[];
  /** The chained motion it saw (reference pixel -> plane pixel), pairs within their noise left out. */
  transforms: Mat3[];
}

/**
 * auto's glance at a whole stack: each neighbour pair fitted once at the identity (glancePair), a
 * pair counted as motion only beyond AUTO_SIGNIFICANCE standard errors, as in the quick look, and the
 * counted ones chained outwards from the reference. The glance clears the stack only when every pair
 * correlates at the identity (GLANCE_MIN_CORRELATION) and the chained motion does not matter
 * (motionMatters: with `shares`, the fused image's pixels move by at most AUTO_THRESHOLD_PX RMS;
 * without, no plane does); otherwise (undefined) it is the quick look's to decide.
 * @param preview each plane's luma block means (shrinkLuma), `factor` full-size pixels per pixel.
 * @param sums the normal equations' sums (see glancePair).
 * @example glanceStack(preview, 5, 4) // { correlations, uncertainties } for a registered CCCID stack
 */
export function glanceStack(preview: Level[], reference: number, factor: number, shares?: readonly number[], sums: GlanceSums = glanceSums): StackGlance | undefined {
  const Z = preview.length;
  const width = preview[0].width * factor;
  const height = preview[0].height * factor;
  const seen: StackGlance = { correlations: new Array<number>(Z).fill(0), uncertainties: new Array<number>(Z).fill(NaN), transforms: preview.map(() => identity()) };
  const chained: Mat3[] = seen.transforms;
  for (const z of outwards(Z, reference)) {
    const near = towardsReference(z, reference);
    const pair = glancePair(preview[near], preview[z], factor, 1, sums);
    if (!(pair.correlation >= GLANCE_MIN_CORRELATION) || !Number.isFinite(pair.uncertaintyPx)) return undefined;
    seen.correlations[z] = pair.correlation;
    seen.uncertainties[z] = pair.uncertaintyPx;
    chained[z] = pair.displacementPx > AUTO_SIGNIFICANCE * pair.uncertaintyPx ? compose(pair.matrix, chained[near]) : chained[near];
    if (!shares && rmsDifference(chained[z], identity(), width, height) > AUTO_THRESHOLD_PX) return undefined;
  }
  return motionMatters(chained, shares, width, height) ? undefined : seen;
}
