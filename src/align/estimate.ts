/**
 * Registers one plane onto its neighbour: a coarse exhaustive normalised-cross-correlation search for
 * the shift (robust to blur and brightness, cheap on the coarsest level), then inverse-compositional
 * Lucas-Kanade (Gauss-Newton) from coarse to fine for the chosen motion model.
 */
import { affine, apply, compose, identity, invert, rescale, type Mat3 } from './matrix.js';
import { gaussianBlur } from '../image/blur.js';
import { solve } from './linear.js';
import { sampleBilinear, type Level } from '../image/pyramid.js';
import type { Pyramid } from './pyramid.js';
import { alignKernels, type BlurScorer, type GaussNewtonPixels, type GaussNewtonSetup, type GaussNewtonSweep, type GaussNewtonSystem } from './kernels.js';

/** Motion models, from the most to the least constrained. */
export type MotionModel = 'translation' | 'similarity' | 'affine';

const PARAMS: Readonly<Record<MotionModel, number>> = { translation: 2, similarity: 4, affine: 6 };

/** Shift search range on the coarsest level, as a fraction of its short side. */
export const SEARCH_FRACTION = 0.4;
/** Below this coarse correlation the planes are taken as not matching. */
export const MIN_CORRELATION = 0.2;
/**
 * Gauss-Newton stops by default when an update moves no frame corner by more than this (level
 * pixels) on the finest level. A tenth of the smallest standard errors seen (~0.1 px on defocused
 * neighbours); 1e-3 took twice the iterations for no measurable change (docs/alignment.md, Cost).
 */
const CONVERGED_PX = 1e-2;
/**
 * On the levels above the finest one the estimate only has to land within the next level's reach:
 * stop there at this update (level pixels), or at the finest level's, whichever is larger.
 */
const COARSE_CONVERGED_PX = 0.05;
/**
 * Gauss-Newton on a level of more pixels than this uses a subsample: the best-textured pixel of
 * every k x k block (largest gradient, the pixels that carry the motion), k the smallest that keeps
 * it within budget. Flat pixels add work but next to no information.
 */
export const REFINE_PIXEL_BUDGET = 32_768;
/** The budget on levels above the finest: they only start the next level off. */
export const COARSE_PIXEL_BUDGET = 8_192;
const MAX_ITERATIONS = 40;
/** Residuals beyond this many RMS count linearly, not squared (Huber). */
const HUBER_K = 1.0;

export interface PairEstimate {
  /** Maps a pixel of plane A (the one nearer the reference) to the pixel of plane B it shows. */
  matrix: Mat3;
  /** Correlation of the coarse shift search, -1..1. */
  correlation: number;
  /** Whether Gauss-Newton converged on the finest level used. */
  converged: boolean;
  /** Extra blur (full-size px) given to the sharper plane: > 0 on A, < 0 on B. */
  blurSigma: number;
  /**
   * Standard error of the estimate as a displacement, RMS over the frame (full-size px), from the
   * Gauss-Newton covariance on the finest level used; Infinity when that fit failed.
   */
  uncertaintyPx: number;
  /**
   * Inverse covariance of the model's parameters (see updateMatrix) about the centre of plane A's
   * full-size frame, for combining several registrations (src/align/joint.ts); only where the finest
   * level fitted is the full size one, else undefined.
   */
  information?: Float64Array;
}

export interface RegisterOptions {
  /** The finest pyramid level refined (0, the default: the pyramid's full size). */
  finestLevel?: number;
  /**
   * Gauss-Newton stops when an update moves no frame corner by more than this (level pixels) on
   * the finest level (default 1e-2; coarser levels stop at COARSE_CONVERGED_PX).
   */
  convergedPx?: number;
  /**
   * Re-match the blur on the finest level among the neighbouring steps (default true): halves the
   * similarity error on defocused synthetic stacks for ~20 % more time; auto's quick look skips it.
   */
  fineBlurMatch?: boolean;
  /** Fit local blur terms (BLUR_TILE_PX) with the motion from the blur-matched levels down (default true). */
  localBlur?: boolean;
  /**
   * Gauss-Newton iterations per level at most (default 40). auto's quick look uses 2: on a
   * registered stack it starts at the answer, and 2 steps are enough to tell motion from none.
   */
  maxIterations?: number;
  /** A starting transform (full-size A pixel -> B pixel) instead of the coarse shift search. */
  initial?: Mat3;
  /**
   * Where the blur match's climb starts (signed full-size px, as PairEstimate.blurSigma; default 0,
   * no blur): a prediction from neighbouring pairs saves most of its steps, and the climb ends on
   * the same peak from anywhere on its slopes.
   */
  blurGuess?: number;
}

/**
 * Estimates the transform from plane A's full-size pixels to plane B's (both pyramids of one scale).
 * @example const { matrix } = registerPair(pyramidA, pyramidB, 'similarity');
 */
export function registerPair(a: Pyramid, b: Pyramid, model: MotionModel, options: RegisterOptions = {}): PairEstimate {
  const top = Math.min(a.levels.length, b.levels.length) - 1;
  const finest = Math.min(options.finestLevel ?? 0, top);
  const convergedPx = options.convergedPx ?? CONVERGED_PX;
  const maxIterations = options.maxIterations ?? MAX_ITERATIONS;
  const la = a.levels[top];
  const lb = b.levels[top];
  // Start from the frame centres on top of each other: planes of different sizes differ mostly by
  // magnification about the centre.
  const centred = affine(1, 0, (lb.width - la.width) / 2, 0, 1, (lb.height - la.height) / 2);
  let m: Mat3;
  let correlation: number;
  if (options.initial) {
    // A prediction (e.g. two chained neighbour registrations) replaces the coarse search.
    m = rescale(options.initial, 1 / (a.scale * 2 ** top));
    correlation = correlationUnder(la, lb, m);
  } else {
    const found = searchShift(la, lb, centred);
    m = compose(affine(1, 0, found.shift[0], 0, 1, found.shift[1]), centred);
    correlation = found.correlation;
  }
  let converged = false;
  // Levels above `matched` see both planes about equally sharp; from there down, the sharper plane is
  // blurred to the other's defocus first (see matchBlur).
  const matched = Math.max(finest, Math.min(1, top));
  let blur: BlurMatch = { sigma: 0, blurA: true };
  const fit: Fit = { uncertainty: Infinity };
  for (let level = top; level >= finest; level--) {
    if (level !== top) m = rescale(m, 2);
    const pixel = a.scale * 2 ** level; // full-size pixels per pixel of this level
    const stop = level === finest ? convergedPx : Math.max(convergedPx, COARSE_CONVERGED_PX);
    let matchedHere: MatchedBlur | undefined;
    if (level === matched) {
      converged = refine(a.levels[level], b.levels[level], model, m, { margin: Math.max(1, a.border / pixel), convergedPx: stop, maxIterations, ...(level === finest ? {} : { budget: COARSE_PIXEL_BUDGET }) });
      matchedHere = matchBlur(a.levels[level], b.levels[level], m, pixel, SIGNED_BLUR_STEPS, nearestStep(options.blurGuess ?? 0));
    } else if (level === finest && level < matched && options.fineBlurMatch !== false) {
      // The finest level sees the defocus difference best: re-match among the neighbouring steps only.
      matchedHere = matchBlur(a.levels[level], b.levels[level], m, pixel, neighbourSteps(blur));
    }
    if (matchedHere) blur = matchedHere.blur;
    // Plane A blurred to the match was already made while scoring it: the same blur of the same level.
    const [la, lb] = matchedHere?.blurredA ? [matchedHere.blurredA, b.levels[level]] : blurred(a.levels[level], b.levels[level], blur, pixel);
    const tile = level <= matched && options.localBlur !== false ? BLUR_TILE_PX / pixel : undefined;
    converged = refine(la, lb, model, m, { margin: Math.max(1, a.border / pixel), convergedPx: stop, maxIterations, ...(level === finest ? { fit } : { budget: COARSE_PIXEL_BUDGET }), ...(tile ? { tile } : {}) });
  }
  const pixel = a.scale * 2 ** finest;
  const estimate: PairEstimate = { matrix: rescale(m, pixel), correlation, converged, blurSigma: blur.blurA ? blur.sigma : -blur.sigma, uncertaintyPx: fit.uncertainty * pixel };
  if (fit.information) estimate.information = fullSizeInformation(model, fit.information, pixel);
  return estimate;
}

/**
 * The information of parameters fitted on a level of `pixel` full-size pixels per pixel, as that of
 * the full-size parameters (updateMatrix about the frame centre, which both frames share): the
 * shifts are `pixel` times larger at full size, the linear parts the same.
 */
function fullSizeInformation(model: MotionModel, information: Float64Array, pixel: number): Float64Array {
  if (pixel === 1) return information;
  const k = PARAMS[model];
  const factor = (i: number) => (i >= k - 2 ? 1 / pixel : 1); // the shifts are the last two parameters
  return information.map((v, i) => v * factor(Math.floor(i / k)) * factor(i % k));
}

/** Extra Gaussian blur (full-size pixels) given to plane A (blurA) or to plane B before comparing. */
interface BlurMatch {
  sigma: number;
  blurA: boolean;
}

/** Candidate extra blurs, full-size pixels: > 0 on plane A, < 0 on plane B. */
const BLUR_STEPS = [0, 0.5, 1, 1.5, 2, 3, 4, 6];
const SIGNED_BLUR_STEPS = [...BLUR_STEPS.slice(1).map((s) => -s).reverse(), ...BLUR_STEPS];

/** Index of the step of SIGNED_BLUR_STEPS nearest a signed blur. */
function nearestStep(sigma: number): number {
  return SIGNED_BLUR_STEPS.reduce((best, step, i) => (Math.abs(step - sigma) < Math.abs(SIGNED_BLUR_STEPS[best] - sigma) ? i : best), SIGNED_BLUR_STEPS.indexOf(0));
}

/** A blur match and its neighbours among SIGNED_BLUR_STEPS. */
function neighbourSteps(blur: BlurMatch): number[] {
  const i = SIGNED_BLUR_STEPS.indexOf(blur.blurA ? blur.sigma : -blur.sigma);
  return SIGNED_BLUR_STEPS.slice(Math.max(0, i - 1), i + 2);
}

/**
 * Defocus makes every blob look bigger to a gradient-based fit (its band-passed edges move outwards),
 * which reads as magnification: a registered stack would drift by ~0.2 % scale per defocused plane.
 * Blurring the sharper plane to the other's defocus removes that bias. The blur is the one of
 * `steps` (signed, see SIGNED_BLUR_STEPS) that best correlates the two planes under the current
 * transform: the best of all, or with `climbFrom` (an index into steps) the peak a climb from there reaches.
 */
function matchBlur(a: Level, b: Level, m: Mat3, pixel: number, steps: readonly number[], climbFrom?: number): MatchedBlur {
  // B is resampled into A's frame once; blurring it there instead of before the warp differs only
  // by the transform's scale and rotation of the blur, which are near 1 and 0 between neighbours.
  const maxSigma = Math.max(...steps.map((s) => Math.abs(s) / pixel));
  const scorer = alignKernels()?.blurScorer(a, b, m, maxSigma) ?? blurScorer(a, b, m);
  const scores = new Map<number, number>();
  const score = (i: number): number => {
    let value = scores.get(i);
    if (value === undefined) {
      value = scorer.score(Math.abs(steps[i]) / pixel, steps[i] >= 0);
      scores.set(i, value);
    }
    return value;
  };
  let best = 0;
  if (climbFrom !== undefined) {
    // The correlation rises to one peak as the blur nears the defocus difference: climb to it from
    // the guess, instead of trying every step (3 .. 6 blurs instead of 15; 3 from a good guess).
    best = climbFrom;
    for (;;) {
      const next = [best - 1, best + 1].filter((i) => i >= 0 && i < steps.length).reduce((p, i) => (score(i) > score(p) ? i : p), best);
      if (next === best) break;
      best = next;
    }
  } else {
    for (let i = 1; i < steps.length; i++) if (score(i) > score(best)) best = i;
  }
  const blur = { sigma: Math.abs(steps[best]), blurA: steps[best] >= 0 };
  // The refinement's input: plane A blurred to the match (the same blur of the same level as scored).
  const sigma = blur.sigma / pixel;
  return blur.blurA && sigma >= MIN_BLUR_SIGMA ? { blur, blurredA: { ...a, data: scorer.blurredA(sigma, levelBuffer('blurredA', a.width * a.height)) } } : { blur };
}

/**
 * Buffers reused by every registration for the blurred planes a level's refinement compares (the
 * blur match's plane A, or blurred()'s plane): fresh arrays of a level's size for every level and
 * pair are short-lived external memory whose first touch costs page faults (with the pyramids' and
 * the luma's buffers, ~15 % of a warm estimate of the 19 x 352x307 sweep, docs/alignment.md). What
 * is in them lives until the level's refinement has run, before any other registration starts.
 */
const levelBuffers = { blurredA: new Float32Array(0), blurred: new Float32Array(0) };

function levelBuffer(use: keyof typeof levelBuffers, n: number): Float32Array {
  if (levelBuffers[use].length < n) levelBuffers[use] = new Float32Array(n);
  return levelBuffers[use].subarray(0, n);
}

/** Below this many level pixels a blur match leaves the planes as they are (see blurred). */
const MIN_BLUR_SIGMA = 0.05;

/**
 * The TypeScript blur scorer (AlignKernels.blurScorer's reference): B resampled into A's frame by
 * warpInto, each candidate blurred by gaussianBlur and scored by correlationWhere; the blurs of A
 * are kept, one of them is the refinement's input.
 */
export function blurScorer(a: Level, b: Level, m: Mat3): BlurScorer {
  const { warped, inside } = warpInto(a, b, m);
  const n = a.width * a.height;
  const scratch = new Float32Array(n);
  const bBuffers: BlurBuffers = { dst: new Float32Array(n), scratch };
  const blurredAs = new Map<number, Float32Array>();
  return {
    score(sigma, blurA) {
      const buffers = blurA ? { dst: new Float32Array(n), scratch } : bBuffers;
      const [la, lb] = blurred(a, warped, { sigma, blurA }, 1, buffers);
      if (blurA && la !== a) blurredAs.set(sigma, la.data);
      return correlationWhere(la.data, lb.data, inside);
    },
    blurredA: (sigma, dst) => {
      const kept = blurredAs.get(sigma);
      if (!kept) return gaussianBlur(a.data, a.width, a.height, sigma, dst);
      if (!dst) return kept;
      dst.set(kept);
      return dst;
    },
  };
}

/** The blur matchBlur chose, and plane A blurred by it where that is a blur of A. */
interface MatchedBlur {
  blur: BlurMatch;
  blurredA?: Level;
}

/** Reusable output and scratch images of one level's size for gaussianBlur. */
interface BlurBuffers {
  dst: Float32Array;
  scratch: Float32Array;
}

/** B resampled into A's frame by `m` (bilinear), B's edge value outside it, and where it was inside. */
function warpInto(a: Level, b: Level, m: Mat3): { warped: Level; inside: Uint8Array } {
  const data = new Float32Array(a.width * a.height);
  const inside = new Uint8Array(a.width * a.height);
  const pt: [number, number] = [0, 0];
  for (let y = 0, i = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++, i++) {
      apply(m, x, y, pt);
      const v = sampleBilinear(b, pt[0], pt[1]);
      inside[i] = Number.isNaN(v) ? 0 : 1;
      data[i] = Number.isNaN(v) ? sampleBilinear(b, Math.min(Math.max(pt[0], 0), b.width - 1), Math.min(Math.max(pt[1], 0), b.height - 1)) : v;
    }
  }
  return { warped: { data, width: a.width, height: a.height }, inside };
}

/** Correlation of two images of one size over the pixels where `inside` is set. */
function correlationWhere(a: Float32Array, b: Float32Array, inside: Uint8Array): number {
  let n = 0, sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  for (let i = 0; i < a.length; i++) {
    if (!inside[i]) continue;
    const va = a[i];
    const vb = b[i];
    n++; sa += va; sb += vb; saa += va * va; sbb += vb * vb; sab += va * vb;
  }
  if (n < 16) return -1;
  return (sab - (sa * sb) / n) / Math.sqrt(Math.max(saa - (sa * sa) / n, 1e-12) * Math.max(sbb - (sb * sb) / n, 1e-12));
}

function blurred(a: Level, b: Level, blur: BlurMatch, pixel: number, buffers?: BlurBuffers): [Level, Level] {
  const sigma = blur.sigma / pixel;
  if (sigma < MIN_BLUR_SIGMA) return [a, b];
  const soften = (l: Level): Level => ({ ...l, data: gaussianBlur(l.data, l.width, l.height, sigma, buffers?.dst ?? levelBuffer('blurred', l.width * l.height), buffers?.scratch) });
  return blur.blurA ? [soften(a), b] : [a, soften(b)];
}

/** Correlation of A with B warped by `m` over their overlap. */
function correlationUnder(a: Level, b: Level, m: Mat3): number {
  const pt: [number, number] = [0, 0];
  let n = 0, sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      apply(m, x, y, pt);
      const vb = sampleBilinear(b, pt[0], pt[1]);
      if (Number.isNaN(vb)) continue;
      const va = a.data[y * a.width + x];
      n++; sa += va; sb += vb; saa += va * va; sbb += vb * vb; sab += va * vb;
    }
  }
  if (n < 16) return -1;
  return (sab - (sa * sb) / n) / Math.sqrt(Math.max(saa - (sa * sa) / n, 1e-12) * Math.max(sbb - (sb * sb) / n, 1e-12));
}

/** Integer shift (on top of `start`) that maximises the normalised cross-correlation (exported for tests). */
export function searchShift(a: Level, b: Level, start: Mat3): { shift: [number, number]; correlation: number } {
  const range = Math.max(2, Math.ceil(SEARCH_FRACTION * Math.min(a.width, a.height)));
  const ox = Math.round(start[8]);
  const oy = Math.round(start[9]);
  const fast = alignKernels()?.searchShift(a, b, ox, oy, range);
  if (fast) return { shift: fast.correlation === -2 ? [0, 0] : [fast.dx - start[8], fast.dy - start[9]], correlation: fast.correlation };
  let best: { shift: [number, number]; correlation: number } = { shift: [0, 0], correlation: -2 };
  const minOverlap = 0.5 * a.width * a.height;
  for (let sy = -range; sy <= range; sy++) {
    for (let sx = -range; sx <= range; sx++) {
      const dx = ox + sx;
      const dy = oy + sy;
      const x0 = Math.max(0, -dx);
      const x1 = Math.min(a.width, b.width - dx);
      const y0 = Math.max(0, -dy);
      const y1 = Math.min(a.height, b.height - dy);
      const count = (x1 - x0) * (y1 - y0);
      if (x1 <= x0 || y1 <= y0 || count < minOverlap) continue;
      let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
      for (let y = y0; y < y1; y++) {
        const ra = y * a.width;
        const rb = (y + dy) * b.width + dx;
        for (let x = x0; x < x1; x++) {
          const va = a.data[ra + x];
          const vb = b.data[rb + x];
          sa += va; sb += vb; saa += va * va; sbb += vb * vb; sab += va * vb;
        }
      }
      const cov = sab - (sa * sb) / count;
      const den = Math.sqrt(Math.max(saa - (sa * sa) / count, 1e-12) * Math.max(sbb - (sb * sb) / count, 1e-12));
      const c = cov / den;
      if (c > best.correlation) best = { shift: [dx - start[8], dy - start[9]], correlation: c };
    }
  }
  return best;
}

/**
 * The update transform of parameters `p`, in coordinates centred on (cx, cy): translation (dx, dy);
 * similarity (s - 1, rotation-ish, dx, dy); affine (a - 1, d, b, e - 1, dx, dy) of x' = a x + b y.
 */
export function updateMatrix(model: MotionModel, p: Float64Array, cx: number, cy: number, dst?: Mat3): Mat3 {
  // Into scratch matrices: Gauss-Newton and the joint fit call this thousands of times per stack.
  const { centred, toCentre, back, inner } = matrixScratch;
  if (model === 'translation') affine(1, 0, p[0], 0, 1, p[1], centred);
  else if (model === 'similarity') affine(1 + p[0], -p[1], p[2], p[1], 1 + p[0], p[3], centred);
  else affine(1 + p[0], p[2], p[4], p[1], 1 + p[3], p[5], centred);
  affine(1, 0, -cx, 0, 1, -cy, toCentre);
  return compose(invert(toCentre, back), compose(centred, toCentre, inner), dst);
}

/** updateMatrix's and modelParams' intermediate matrices (neither calls the other). */
const matrixScratch = { centred: identity(), toCentre: identity(), back: identity(), inner: identity(), centredM: identity() };

/**
 * The parameters of `m` as an update about (cx, cy): the inverse of updateMatrix (for a similarity
 * or translation model, of the nearest one in the least-squares sense).
 */
export function modelParams(model: MotionModel, m: Mat3, cx: number, cy: number, dst: Float64Array = new Float64Array(PARAMS[model])): Float64Array {
  const { toCentre, back, inner, centredM } = matrixScratch;
  affine(1, 0, -cx, 0, 1, -cy, toCentre);
  const c = compose(toCentre, compose(m, invert(toCentre, back), inner), centredM);
  const a = c[0], d = c[1], b = c[4], e = c[5], tx = c[8], ty = c[9];
  if (model === 'translation') {
    dst[0] = tx;
    dst[1] = ty;
  } else if (model === 'similarity') {
    dst[0] = (a + e) / 2 - 1;
    dst[1] = (d - b) / 2;
    dst[2] = tx;
    dst[3] = ty;
  } else {
    dst[0] = a - 1;
    dst[1] = d;
    dst[2] = b;
    dst[3] = e - 1;
    dst[4] = tx;
    dst[5] = ty;
  }
  return dst;
}

/** Number of parameters of a motion model. */
export function modelSize(model: MotionModel): number {
  return PARAMS[model];
}

/** Writes the steepest-descent row (gradient times the warp Jacobian at p = 0) for one pixel at out[at ..]. */
function steepest(model: MotionModel, gx: number, gy: number, xc: number, yc: number, out: Float64Array, at = 0): void {
  if (model === 'translation') {
    out[at] = gx; out[at + 1] = gy;
  } else if (model === 'similarity') {
    out[at] = gx * xc + gy * yc; out[at + 1] = -gx * yc + gy * xc; out[at + 2] = gx; out[at + 3] = gy;
  } else {
    out[at] = gx * xc; out[at + 1] = gy * xc; out[at + 2] = gx * yc; out[at + 3] = gy * yc; out[at + 4] = gx; out[at + 5] = gy;
  }
}

/**
 * What refine reports about its last iteration: the estimate's standard error (level px RMS) and
 * the parameters' inverse covariance (see PairEstimate.information).
 */
interface Fit {
  uncertainty: number;
  information?: Float64Array;
}

/**
 * Band-passed pixels are not independent: neighbours within about the band-pass's inner scale carry
 * the same information. The covariance of a least-squares fit that counts every pixel is too small
 * by about this many pixels per independent sample (~ the area of a sigma-1.5 blob, 2 pi 1.5^2).
 */
const PIXELS_PER_SAMPLE = 14;

/**
 * RMS over a width x height frame (sampled on an 8 x 8 grid) of the displacement's standard error,
 * for parameters with covariance variance * h^-1 (h: the Gauss-Newton normal matrix).
 * @example displacementError('translation', Float64Array.of(100, 0, 0, 100), 1e-2, 96, 96) // ~0.053
 */
export function displacementError(model: MotionModel, h: Float64Array, variance: number, width: number, height: number, pixelsPerSample = PIXELS_PER_SAMPLE): number {
  const k = PARAMS[model];
  const inverse = new Float64Array(k * k);
  const unit = new Float64Array(k);
  const column = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    unit.fill(0);
    unit[c] = 1;
    if (!solve(h, unit, k, column)) return Infinity;
    for (let r = 0; r < k; r++) inverse[r * k + c] = column[r];
  }
  const jx = new Float64Array(k);
  const jy = new Float64Array(k);
  let sum = 0;
  const grid = 8;
  for (let i = 0; i < grid; i++) {
    for (let j = 0; j < grid; j++) {
      const xc = ((i + 0.5) / grid - 0.5) * (width - 1);
      const yc = ((j + 0.5) / grid - 0.5) * (height - 1);
      // The displacement's Jacobian: the steepest-descent row of a unit gradient along x, then y.
      steepest(model, 1, 0, xc, yc, jx);
      steepest(model, 0, 1, xc, yc, jy);
      for (let r = 0; r < k; r++) for (let c = 0; c < k; c++) sum += (jx[r] * jx[c] + jy[r] * jy[c]) * inverse[r * k + c];
    }
  }
  return Math.sqrt((variance * pixelsPerSample * sum) / (grid * grid));
}

/**
 * Defocus left over after the global blur match differs from object to object (each sits at its
 * own depth), and a blob blurred more on one plane than on the other looks magnified about its own
 * centre: the fit reads that as motion. To first order, blurring by a Gaussian of variance v adds
 * (v / 2) times the Laplacian (the heat equation), so B is compared with A + c_t * laplacian(A), one
 * coefficient c_t (either sign) per tile of this many full-size pixels, fitted with the motion.
 */
export const BLUR_TILE_PX = 32;
/** Ridge on each tile's coefficient, relative to the mean tile curvature: flat tiles stay at c = 0. */
export const BLUR_RIDGE = 1e-3;

/**
 * Five-point Laplacian of a level at inner pixel i, rounded to f32 (the precision of the levels):
 * refine needs it only at the pixels it takes, never on the outer ones (margin >= 1).
 */
function laplacianAt(data: Float32Array, width: number, i: number): number {
  return Math.fround(data[i - 1] + data[i + 1] + data[i - width] + data[i + width] - 4 * data[i]);
}

/** How refine runs on one level. */
interface RefineOptions {
  /** Pixels within this distance of either plane's border are left out (level pixels). */
  margin: number;
  /** Stop when an update moves no frame corner by more than this (level pixels). */
  convergedPx: number;
  maxIterations: number;
  /** Filled in from the last iteration. */
  fit?: Fit;
  /** At most about this many pixels take part (default REFINE_PIXEL_BUDGET, see texturedPixels). */
  budget?: number;
  /**
   * Side (level pixels) of the tiles of local blur terms (BLUR_TILE_PX); they are nuisance
   * parameters: the reported information is the motion's, with them profiled out.
   */
  tile?: number;
}

/**
 * Inverse-compositional Gauss-Newton on one level; updates `m` (A pixel -> B pixel) in place.
 * Pixels within `margin` of either plane's border, or whose match falls outside B, are left out of
 * every sum, so planes of different sizes and large shifts do not drag the estimate.
 */
function refine(a: Level, b: Level, model: MotionModel, m: Mat3, options: RefineOptions): boolean {
  const { margin, convergedPx, maxIterations, fit, tile } = options;
  const k = PARAMS[model];
  const { width, height } = a;
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const tilesX = tile ? Math.max(1, Math.round(width / tile)) : 0;
  const tilesY = tile ? Math.max(1, Math.round(height / tile)) : 0;
  const tiles = tilesX * tilesY;
  const blur = new Float64Array(Math.max(tiles, 1)); // c_t (one unused 0 without tiles)
  // Per tile: sum w L^2, sum w L e, and the motion cross terms sum w L sd (k each).
  const tt = new Float64Array(tiles);
  const tg = new Float64Array(tiles);
  const tp = new Float64Array(tiles * k);
  const h = new Float64Array(k * k);
  const g = new Float64Array(k);
  const p = new Float64Array(k);
  // Contrast differs between planes (defocus) and across the overlap, so B is compared with
  // gain * A + offset, refitted on the overlap each iteration; a plain difference would bias the scale.
  let gain = 1;
  let offset = 0;
  let huber = Infinity;
  const { pixels, block } = texturedPixels(a, Math.ceil(margin), options.budget ?? REFINE_PIXEL_BUDGET);
  const pixelsPerSample = Math.max(1, PIXELS_PER_SAMPLE / (block * block));
  const setup: GaussNewtonSetup = { a, pixels, model, tilesX, tilesY };
  const sweep = alignKernels()?.gaussNewton(setup, b) ?? gaussNewtonSweep(gaussNewtonPixels(setup), b);
  const system: GaussNewtonSystem = { h, g, tt, tg, tp };
  const [update, inverse] = [identity(), identity()];
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const { used, sa, sb, saa, sab, see, ridge } = sweep({ m, margin, gain, offset, huber, blur }, system);
    if (used < 4 * k + tiles) return false;
    const varA = saa - (sa * sa) / used;
    if (varA > 0) {
      gain = Math.max(0.1, (sab - (sa * sb) / used) / varA);
      offset = (sb - gain * sa) / used;
    }
    huber = HUBER_K * Math.sqrt(see / used);
    // The sweep profiled the tile terms out (profileTiles): solve for the motion, then back-substitute each tile.
    if (!solve(h, g, k, p)) return false;
    for (let t = 0; t < tiles; t++) {
      let s = tg[t];
      for (let r = 0; r < k; r++) s -= tp[t * k + r] * p[r];
      blur[t] += s / (tt[t] + ridge);
    }
    const delta = updateMatrix(model, p, cx, cy, update);
    compose(m, invert(delta, inverse), m);
    const done = maxCornerMove(delta, width, height) < convergedPx;
    if (fit && (done || iteration === maxIterations - 1)) {
      const variance = (see / used) * pixelsPerSample;
      fit.uncertainty = displacementError(model, h, variance, width, height, 1);
      fit.information = h.map((v) => v / variance);
    }
    if (done) return true;
  }
  return false;
}

/**
 * What refine's Gauss-Newton does not recompute between iterations (inverse compositional): per
 * pixel taken, its position, A's value, steepest-descent row, tile and Laplacian.
 */
export function gaussNewtonPixels({ a, pixels, model, tilesX, tilesY }: GaussNewtonSetup): GaussNewtonPixels {
  const { width, height, data } = a;
  const k = PARAMS[model];
  const tiles = tilesX * tilesY;
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const count = pixels.length;
  const px = new Float64Array(count);
  const py = new Float64Array(count);
  const values = new Float64Array(count);
  const rows = new Float64Array(count * k);
  const tileOf = new Int32Array(count);
  const laps = new Float64Array(count);
  for (let n = 0; n < count; n++) {
    const i = pixels[n];
    const y = Math.floor(i / width);
    const x = i - y * width;
    px[n] = x;
    py[n] = y;
    values[n] = data[i];
    steepest(model, 0.5 * (data[i + 1] - data[i - 1]), 0.5 * (data[i + width] - data[i - width]), x - cx, y - cy, rows, n * k);
    if (tiles > 0) {
      tileOf[n] = Math.min(tilesY - 1, Math.floor((y * tilesY) / height)) * tilesX + Math.min(tilesX - 1, Math.floor((x * tilesX) / width));
      laps[n] = laplacianAt(data, width, i);
    }
  }
  return { px, py, values, rows, tileOf, laps, k, tiles };
}

/**
 * Gauss-Newton's sums for one iteration (refine), the TypeScript reference of AlignKernels'
 * (src/align/kernels.ts). The terms of the normal equations that do not depend on the residual are
 * summed once over every pixel at weight 1; each iteration then only takes off what its weights
 * leave out (pixels whose match falls outside B, and the Huber weights below 1 of the ~quarter of
 * pixels with a large residual), instead of summing the k (k + 1) / 2 products of every pixel again.
 */
export function gaussNewtonSweep(pixels: GaussNewtonPixels, b: Level): GaussNewtonSweep {
  const { px, py, values, rows, tileOf, laps, k, tiles } = pixels;
  const count = px.length;
  const hAll = new Float64Array(k * k);
  const ttAll = new Float64Array(tiles);
  const tpAll = new Float64Array(tiles * k);
  const all: PixelTerms = { rows, laps, tileOf, k, tiles, h: hAll, tt: ttAll, tp: tpAll };
  for (let n = 0; n < count; n++) addPixelTerms(all, n, 1);
  const bd = b.data;
  const bw = b.width;
  return ({ m, margin, gain, offset, huber, blur }, { h, g, tt, tg, tp }) => {
    h.set(hAll);
    g.fill(0);
    tt.set(ttAll);
    tg.fill(0);
    tp.set(tpAll);
    const terms: PixelTerms = { rows, laps, tileOf, k, tiles, h, tt, tp };
    let used = 0;
    let sa = 0, sb = 0, saa = 0, sab = 0, see = 0;
    const [bx1, by1] = [b.width - 1 - margin, b.height - 1 - margin];
    const [m0, m1, m4, m5, m8, m9] = [m[0], m[1], m[4], m[5], m[8], m[9]];
    for (let n = 0; n < count; n++) {
      const x = px[n];
      const y = py[n];
      const u = m0 * x + m4 * y + m8;
      const v = m1 * x + m5 * y + m9;
      if (!(u >= margin && v >= margin && u <= bx1 && v <= by1)) {
        addPixelTerms(terms, n, -1);
        continue;
      }
      // Bilinear sample of B; margin >= 1 keeps (u, v) off B's last row and column.
      const x0 = Math.floor(u);
      const y0 = Math.floor(v);
      const fx = u - x0;
      const fy = v - y0;
      const j = y0 * bw + x0;
      const top = bd[j] + fx * (bd[j + 1] - bd[j]);
      const vb = top + fy * (bd[j + bw] + fx * (bd[j + bw + 1] - bd[j + bw]) - top);
      const va = values[n];
      sa += va; sb += vb; saa += va * va; sab += va * vb;
      const t = tileOf[n];
      const l = laps[n];
      const e = (vb - offset) / gain - va - blur[t] * l;
      see += e * e;
      // Huber weight: detail in focus on one plane only must not pull the fit.
      const w = Math.abs(e) <= huber ? 1 : huber / Math.abs(e);
      const row = n * k;
      for (let r = 0; r < k; r++) g[r] += w * rows[row + r] * e;
      if (w < 1) addPixelTerms(terms, n, w - 1);
      if (tiles > 0) tg[t] += w * l * e;
      used++;
    }
    return { used, sa, sb, saa, sab, see, ridge: profileTiles({ h, g, tt, tg, tp }, k, tiles) };
  };
}

/**
 * The last step of every sweep (AlignKernels' runs the same operations in WebAssembly): h made
 * symmetric from its upper triangle, then the tile terms, each tied to its own pixels only (a
 * diagonal block), profiled out of the motion's system in place (Schur complement), so that h and g
 * are the motion's own normal equations. Returns the ridge added to each tile's diagonal (refine
 * back-substitutes the tiles with it).
 */
export function profileTiles({ h, g, tt, tg, tp }: GaussNewtonSystem, k: number, tiles: number): number {
  for (let r = 0; r < k; r++) for (let c = 0; c < r; c++) h[r * k + c] = h[c * k + r];
  let ridge = 0;
  for (let t = 0; t < tiles; t++) ridge += tt[t];
  ridge = (BLUR_RIDGE * ridge) / Math.max(tiles, 1) + 1e-12;
  for (let t = 0; t < tiles; t++) {
    const d = tt[t] + ridge;
    for (let r = 0; r < k; r++) {
      g[r] -= (tp[t * k + r] * tg[t]) / d;
      for (let c = 0; c < k; c++) h[r * k + c] -= (tp[t * k + r] * tp[t * k + c]) / d;
    }
  }
  return ridge;
}

/** What refine's normal equations sum per pixel apart from its residual (see addPixelTerms). */
interface PixelTerms {
  rows: Float64Array;
  laps: Float64Array;
  tileOf: Int32Array;
  k: number;
  tiles: number;
  /** Upper triangle of the motion's normal matrix, k x k. */
  h: Float64Array;
  /** Per tile: sum of w L^2, and the cross terms sum of w L sd (k each). */
  tt: Float64Array;
  tp: Float64Array;
}

/** Adds `weight` times pixel n's residual-free terms (outer product of its steepest-descent row, its tile's L terms). */
function addPixelTerms(terms: PixelTerms, n: number, weight: number): void {
  const { rows, k, h } = terms;
  const row = n * k;
  for (let r = 0; r < k; r++) {
    const wr = weight * rows[row + r];
    for (let c = r; c < k; c++) h[r * k + c] += wr * rows[row + c];
  }
  if (terms.tiles > 0) {
    const t = terms.tileOf[n];
    const l = terms.laps[n];
    terms.tt[t] += weight * l * l;
    for (let r = 0; r < k; r++) terms.tp[t * k + r] += weight * l * rows[row + r];
  }
}

/**
 * The pixels Gauss-Newton sums over: every pixel at least `edge` from the border, or where that is
 * more than `budget`, the one with the largest gradient in each block x block square (block the
 * smallest that fits the budget). Returned as indices into the level, with the block size.
 */
function texturedPixels(level: Level, edge: number, budget: number): { pixels: Int32Array; block: number } {
  const { width, height, data } = level;
  const w = Math.max(0, width - 2 * edge);
  const h = Math.max(0, height - 2 * edge);
  const block = Math.max(1, Math.ceil(Math.sqrt((w * h) / budget)));
  const bw = Math.ceil(w / block);
  const bh = Math.ceil(h / block);
  const fast = alignKernels()?.texturedPixels(level, edge, block, bw, bh);
  if (fast) return { pixels: fast, block };
  const pixels = new Int32Array(bw * bh);
  let n = 0;
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      let best = -1;
      let bestEnergy = -1;
      for (let y = edge + by * block; y < Math.min(edge + (by + 1) * block, height - edge); y++) {
        for (let x = edge + bx * block; x < Math.min(edge + (bx + 1) * block, width - edge); x++) {
          const i = y * width + x;
          const gx = data[i + 1] - data[i - 1];
          const gy = data[i + width] - data[i - width];
          const energy = gx * gx + gy * gy;
          if (energy > bestEnergy) [best, bestEnergy] = [i, energy];
        }
      }
      if (best >= 0) pixels[n++] = best;
    }
  }
  return { pixels: pixels.subarray(0, n), block };
}

/** Largest distance a transform moves any corner of a width x height frame. */
function maxCornerMove(m: Mat3, width: number, height: number): number {
  const pt: [number, number] = [0, 0];
  let worst = 0;
  for (const [x, y] of [[0, 0], [width - 1, 0], [0, height - 1], [width - 1, height - 1]]) {
    apply(m, x, y, pt);
    worst = Math.max(worst, Math.hypot(pt[0] - x, pt[1] - y));
  }
  return worst;
}
