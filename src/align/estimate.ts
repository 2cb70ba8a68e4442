/**
 * Registers one plane onto its neighbour: a coarse exhaustive normalised-cross-correlation search for
 * the shift (robust to blur and brightness, cheap on the coarsest level), then inverse-compositional
 * Lucas-Kanade (Gauss-Newton) from coarse to fine for the chosen motion model.
 */
import { affine, apply, compose, invert, rescale, type Mat3 } from './matrix.js';
import { gaussianBlur } from '../synth/blur.js';
import { solve } from './linear.js';
import { BORDER_MARGIN, sampleBilinear, type Level, type Pyramid } from './pyramid.js';

/** Motion models, from the most to the least constrained. */
export type MotionModel = 'translation' | 'similarity' | 'affine';

const PARAMS: Readonly<Record<MotionModel, number>> = { translation: 2, similarity: 4, affine: 6 };

/** Shift search range on the coarsest level, as a fraction of its short side. */
export const SEARCH_FRACTION = 0.4;
/** Below this coarse correlation the planes are taken as not matching. */
export const MIN_CORRELATION = 0.2;
/** Gauss-Newton stops by default when an update moves no frame corner by more than this (level pixels). */
const CONVERGED_PX = 1e-3;
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
   * Gauss-Newton stops when an update moves no frame corner by more than this (level pixels).
   * Default 1e-3; auto's quick look, whose own standard error is ~0.05 level px, uses 1e-2 and
   * halves its cost.
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
  const { shift, correlation } = searchShift(la, lb, centred);
  let m = compose(affine(1, 0, shift[0], 0, 1, shift[1]), centred);
  let converged = false;
  // Levels above `matched` see both planes about equally sharp; from there down, the sharper plane is
  // blurred to the other's defocus first (see matchBlur).
  const matched = Math.max(finest, Math.min(1, top));
  let blur: BlurMatch = { sigma: 0, blurA: true };
  const fit: Fit = { uncertainty: Infinity };
  for (let level = top; level >= finest; level--) {
    if (level !== top) m = rescale(m, 2);
    const pixel = a.scale * 2 ** level; // full-size pixels per pixel of this level
    if (level === matched) {
      converged = refine(a.levels[level], b.levels[level], model, m, { margin: Math.max(1, BORDER_MARGIN / pixel), convergedPx, maxIterations });
      blur = matchBlur(a.levels[level], b.levels[level], m, pixel, SIGNED_BLUR_STEPS);
    } else if (level === finest && level < matched && options.fineBlurMatch !== false) {
      // The finest level sees the defocus difference best: re-match among the neighbouring steps only.
      blur = matchBlur(a.levels[level], b.levels[level], m, pixel, neighbourSteps(blur));
    }
    const [la, lb] = blurred(a.levels[level], b.levels[level], blur, pixel);
    const tile = level <= matched && options.localBlur !== false ? BLUR_TILE_PX / pixel : undefined;
    converged = refine(la, lb, model, m, { margin: Math.max(1, BORDER_MARGIN / pixel), convergedPx, maxIterations, ...(level === finest ? { fit } : {}), ...(tile ? { tile } : {}) });
  }
  const uncertaintyPx = fit.uncertainty * a.scale * 2 ** finest;
  const estimate: PairEstimate = { matrix: rescale(m, a.scale * 2 ** finest), correlation, converged, blurSigma: blur.blurA ? blur.sigma : -blur.sigma, uncertaintyPx };
  if (fit.information && a.scale * 2 ** finest === 1) estimate.information = fit.information;
  return estimate;
}

/** Extra Gaussian blur (full-size pixels) given to plane A (blurA) or to plane B before comparing. */
interface BlurMatch {
  sigma: number;
  blurA: boolean;
}

/** Candidate extra blurs, full-size pixels: > 0 on plane A, < 0 on plane B. */
const BLUR_STEPS = [0, 0.5, 1, 1.5, 2, 3, 4, 6];
const SIGNED_BLUR_STEPS = [...BLUR_STEPS.slice(1).map((s) => -s).reverse(), ...BLUR_STEPS];

/** A blur match and its neighbours among SIGNED_BLUR_STEPS. */
function neighbourSteps(blur: BlurMatch): number[] {
  const i = SIGNED_BLUR_STEPS.indexOf(blur.blurA ? blur.sigma : -blur.sigma);
  return SIGNED_BLUR_STEPS.slice(Math.max(0, i - 1), i + 2);
}

/**
 * Defocus makes every blob look bigger to a gradient-based fit (its band-passed edges move outwards),
 * which reads as magnification: a registered stack would drift by ~0.2 % scale per defocused plane.
 * Blurring the sharper plane to the other's defocus removes that bias. The blur is the one of
 * `steps` (signed, see SIGNED_BLUR_STEPS) that best correlates the two planes under the current transform.
 */
function matchBlur(a: Level, b: Level, m: Mat3, pixel: number, steps: readonly number[]): BlurMatch {
  let best: BlurMatch = { sigma: 0, blurA: true };
  let bestScore = -Infinity;
  for (const step of steps) {
    const candidate = { sigma: Math.abs(step), blurA: step >= 0 };
    const [la, lb] = blurred(a, b, candidate, pixel);
    const score = correlationUnder(la, lb, m);
    if (score > bestScore) [best, bestScore] = [candidate, score];
  }
  return best;
}

function blurred(a: Level, b: Level, blur: BlurMatch, pixel: number): [Level, Level] {
  const sigma = blur.sigma / pixel;
  if (sigma < 0.05) return [a, b];
  const soften = (l: Level): Level => ({ ...l, data: gaussianBlur(l.data, l.width, l.height, sigma) });
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

/** Integer shift (on top of `start`) that maximises the normalised cross-correlation. */
function searchShift(a: Level, b: Level, start: Mat3): { shift: [number, number]; correlation: number } {
  const range = Math.max(2, Math.ceil(SEARCH_FRACTION * Math.min(a.width, a.height)));
  const ox = Math.round(start[8]);
  const oy = Math.round(start[9]);
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
export function updateMatrix(model: MotionModel, p: Float64Array, cx: number, cy: number): Mat3 {
  let centred: Mat3;
  if (model === 'translation') centred = affine(1, 0, p[0], 0, 1, p[1]);
  else if (model === 'similarity') centred = affine(1 + p[0], -p[1], p[2], p[1], 1 + p[0], p[3]);
  else centred = affine(1 + p[0], p[2], p[4], p[1], 1 + p[3], p[5]);
  const toCentre = affine(1, 0, -cx, 0, 1, -cy);
  return compose(invert(toCentre), compose(centred, toCentre));
}

/**
 * The parameters of `m` as an update about (cx, cy): the inverse of updateMatrix (for a similarity
 * or translation model, of the nearest one in the least-squares sense).
 */
export function modelParams(model: MotionModel, m: Mat3, cx: number, cy: number, dst: Float64Array = new Float64Array(PARAMS[model])): Float64Array {
  const toCentre = affine(1, 0, -cx, 0, 1, -cy);
  const c = compose(toCentre, compose(m, invert(toCentre)));
  const [a, d, b, e, tx, ty] = [c[0], c[1], c[4], c[5], c[8], c[9]];
  if (model === 'translation') dst.set([tx, ty]);
  else if (model === 'similarity') dst.set([(a + e) / 2 - 1, (d - b) / 2, tx, ty]);
  else dst.set([a - 1, d, b, e - 1, tx, ty]);
  return dst;
}

/** Number of parameters of a motion model. */
export function modelSize(model: MotionModel): number {
  return PARAMS[model];
}

/** Writes the steepest-descent row (gradient times the warp Jacobian at p = 0) for one pixel. */
function steepest(model: MotionModel, gx: number, gy: number, xc: number, yc: number, out: Float64Array): void {
  if (model === 'translation') {
    out[0] = gx; out[1] = gy;
  } else if (model === 'similarity') {
    out[0] = gx * xc + gy * yc; out[1] = -gx * yc + gy * xc; out[2] = gx; out[3] = gy;
  } else {
    out[0] = gx * xc; out[1] = gy * xc; out[2] = gx * yc; out[3] = gy * yc; out[4] = gx; out[5] = gy;
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
export function displacementError(model: MotionModel, h: Float64Array, variance: number, width: number, height: number): number {
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
  return Math.sqrt((variance * PIXELS_PER_SAMPLE * sum) / (grid * grid));
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
const BLUR_RIDGE = 1e-3;

/** Five-point Laplacian of a level (0 on its outer pixels). */
function laplacian(level: Level): Float32Array {
  const { width, height, data } = level;
  const out = new Float32Array(width * height);
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      out[i] = data[i - 1] + data[i + 1] + data[i - width] + data[i + width] - 4 * data[i];
    }
  }
  return out;
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
  const { width, height, data } = a;
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const tilesX = tile ? Math.max(1, Math.round(width / tile)) : 0;
  const tilesY = tile ? Math.max(1, Math.round(height / tile)) : 0;
  const tiles = tilesX * tilesY;
  const lap = tiles > 0 ? laplacian(a) : undefined;
  const blur = new Float64Array(tiles); // c_t
  // Per tile: sum w L^2, sum w L e, and the motion cross terms sum w L sd (k each).
  const tt = new Float64Array(tiles);
  const tg = new Float64Array(tiles);
  const tp = new Float64Array(tiles * k);
  const sd = new Float64Array(k);
  const h = new Float64Array(k * k);
  const g = new Float64Array(k);
  const p = new Float64Array(k);
  const pt: [number, number] = [0, 0];
  // Contrast differs between planes (defocus) and across the overlap, so B is compared with
  // gain * A + offset, refitted on the overlap each iteration; a plain difference would bias the scale.
  let gain = 1;
  let offset = 0;
  let huber = Infinity;
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    h.fill(0);
    g.fill(0);
    tt.fill(0);
    tg.fill(0);
    tp.fill(0);
    let used = 0;
    let sa = 0, sb = 0, saa = 0, sab = 0, see = 0;
    const [bx1, by1] = [b.width - 1 - margin, b.height - 1 - margin];
    const edge = Math.ceil(margin);
    for (let y = edge; y < height - edge; y++) {
      const rowTile = tiles > 0 ? Math.min(tilesY - 1, Math.floor((y * tilesY) / height)) * tilesX : 0;
      for (let x = edge; x < width - edge; x++) {
        apply(m, x, y, pt);
        if (!(pt[0] >= margin && pt[1] >= margin && pt[0] <= bx1 && pt[1] <= by1)) continue;
        const vb = sampleBilinear(b, pt[0], pt[1]);
        const i = y * width + x;
        const gx = 0.5 * (data[i + 1] - data[i - 1]);
        const gy = 0.5 * (data[i + width] - data[i - width]);
        steepest(model, gx, gy, x - cx, y - cy, sd);
        const va = data[i];
        sa += va; sb += vb; saa += va * va; sab += va * vb;
        const t = lap ? rowTile + Math.min(tilesX - 1, Math.floor((x * tilesX) / width)) : 0;
        const l = lap ? lap[i] : 0;
        const e = (vb - offset) / gain - va - (lap ? blur[t] * l : 0);
        see += e * e;
        // Huber weight: detail in focus on one plane only must not pull the fit.
        const w = Math.abs(e) <= huber ? 1 : huber / Math.abs(e);
        for (let r = 0; r < k; r++) {
          g[r] += w * sd[r] * e;
          for (let c = r; c < k; c++) h[r * k + c] += w * sd[r] * sd[c];
        }
        if (lap) {
          tt[t] += w * l * l;
          tg[t] += w * l * e;
          for (let r = 0; r < k; r++) tp[t * k + r] += w * l * sd[r];
        }
        used++;
      }
    }
    if (used < 4 * k + tiles) return false;
    const varA = saa - (sa * sa) / used;
    if (varA > 0) {
      gain = Math.max(0.1, (sab - (sa * sb) / used) / varA);
      offset = (sb - gain * sa) / used;
    }
    huber = HUBER_K * Math.sqrt(see / used);
    for (let r = 0; r < k; r++) for (let c = 0; c < r; c++) h[r * k + c] = h[c * k + r];
    // The tile terms are each tied to their own pixels only (a diagonal block): profile them out of
    // the motion's system (Schur complement), solve for the motion, then back-substitute each tile.
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
    if (!solve(h, g, k, p)) return false;
    for (let t = 0; t < tiles; t++) {
      let s = tg[t];
      for (let r = 0; r < k; r++) s -= tp[t * k + r] * p[r];
      blur[t] += s / (tt[t] + ridge);
    }
    const delta = updateMatrix(model, p, cx, cy);
    m.set(compose(m, invert(delta)));
    const done = maxCornerMove(delta, width, height) < convergedPx;
    if (fit && (done || iteration === maxIterations - 1)) {
      const variance = see / used;
      fit.uncertainty = displacementError(model, h, variance, width, height);
      fit.information = h.map((v) => v / (variance * PIXELS_PER_SAMPLE));
    }
    if (done) return true;
  }
  return false;
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
