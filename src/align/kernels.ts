/**
 * A faster twin of the estimate's Gauss-Newton sums (estimate.ts, gaussNewtonSweep), computing the
 * same values bit for bit. The CPU engine's fast path registers its WebAssembly one
 * (src/cpu/fast/align.ts) where WebAssembly SIMD exists; elsewhere the TypeScript loop runs.
 * Registered rather than imported, because src/align sits below the engines.
 */
import { registered } from '../core/registered.js';
import type { Level } from '../image/pyramid.js';
import type { Mat3 } from './matrix.js';
import type { MotionModel } from './estimate.js';

/** One level's Gauss-Newton: level A, the pixels it takes (indices, see texturedPixels), the model and the tiles of local blur terms (0 x 0: none). */
export interface GaussNewtonSetup {
  a: Level;
  pixels: Int32Array;
  model: MotionModel;
  tilesX: number;
  tilesY: number;
}

/** What one level's Gauss-Newton sums over: per pixel taken, what does not change between iterations (estimate.ts gaussNewtonPixels). */
export interface GaussNewtonPixels {
  /** Pixel positions in A's level. */
  px: Float64Array;
  py: Float64Array;
  /** A's values there. */
  values: Float64Array;
  /** Steepest-descent rows, k per pixel. */
  rows: Float64Array;
  /** Tile of each pixel, and A's Laplacian there (all 0 without tiles). */
  tileOf: Int32Array;
  laps: Float64Array;
  /** Parameters of the model, and tiles of local blur terms (0: none). */
  k: number;
  tiles: number;
}

/**
 * The normal equations one sweep fills (see refine): per tile tt, tg, tp, and h (k x k) and g with
 * the tile terms profiled out (estimate.ts profileTiles).
 */
export interface GaussNewtonSystem {
  h: Float64Array;
  g: Float64Array;
  tt: Float64Array;
  tg: Float64Array;
  tp: Float64Array;
}

/**
 * Sums over the pixels whose match falls inside B: their count, A and B values' sums, and the
 * residuals' squares; with the ridge of the tile terms profiled out (estimate.ts profileTiles).
 */
export interface OverlapSums {
  used: number;
  sa: number;
  sb: number;
  saa: number;
  sab: number;
  see: number;
  ridge: number;
}

/** One iteration's sums: under transform m (A pixel -> B pixel), B compared with gain A + offset + blur terms, Huber-weighted. */
export interface GaussNewtonIteration {
  m: Mat3;
  margin: number;
  gain: number;
  offset: number;
  huber: number;
  /** Local blur coefficient per tile (one unused 0 without tiles). */
  blur: Float64Array;
}

/** Sums one iteration into `system` (overwritten) and returns the overlap sums. */
export type GaussNewtonSweep = (iteration: GaussNewtonIteration, system: GaussNewtonSystem) => OverlapSums;

/**
 * The blur match's scoring (estimate.ts matchBlur): B resampled into A's frame once, then the
 * correlation of the pair with A or B blurred by a Gaussian of `sigma` level pixels.
 */
export interface BlurScorer {
  score(sigma: number, blurA: boolean): number;
  /** A blurred by `sigma` level pixels (what score(sigma, true) correlated): into `dst` when given, else a fresh array. */
  blurredA(sigma: number, dst?: Float32Array): Float32Array;
}

export interface AlignKernels {
  /**
   * pyramid.ts buildPyramid's levels: luma blurred by fineSigma minus luma blurred by coarseSigma,
   * normalised by its RMS, then halved into `levels` levels in all; with the band's sum of squares
   * before normalising; the levels are views into one array (from `allocate` when given). Undefined
   * where it cannot run.
   */
  bandPassPyramid(luma: Level, fineSigma: number, coarseSigma: number, levels: number, allocate?: (length: number) => Float32Array): { levels: Level[]; energy: number } | undefined;
  /**
   * estimate.ts searchShift's exhaustive search around the integer shift (ox, oy), up to `range`
   * pixels each way: the first best shift (dx, dy) and its correlation (-2: no shift overlapped
   * enough), or undefined where it cannot run.
   */
  searchShift(a: Level, b: Level, ox: number, oy: number, range: number): { dx: number; dy: number; correlation: number } | undefined;
  /**
   * A scorer for A against B under transform m (A pixel -> B pixel), for blurs up to `maxSigma`
   * level pixels, or undefined where it cannot run.
   */
  blurScorer(a: Level, b: Level, m: Mat3, maxSigma: number): BlurScorer | undefined;
  /**
   * estimate.ts texturedPixels' choice: per block x block square of the level within `edge` of its
   * border (bw x bh squares), the pixel of largest gradient energy, as indices; undefined where it cannot run.
   */
  texturedPixels(level: Level, edge: number, block: number, bw: number, bh: number): Int32Array | undefined;
  /** A sweep over the setup's pixels against level B, or undefined where it cannot run (the TypeScript one runs then). */
  gaussNewton(setup: GaussNewtonSetup, b: Level): GaussNewtonSweep | undefined;
  /**
   * photometric.ts robustLine's fit of y = gain x + offset: null where its system is singular,
   * undefined where it cannot run.
   */
  robustLine(x: Float64Array, y: Float64Array): { gain: number; offset: number } | null | undefined;
}

const slot = registered<AlignKernels>();

/**
 * Registers (or, with undefined, removes) the faster kernels; returns the ones registered before.
 * @example const before = useAlignKernels(undefined); try { reference() } finally { useAlignKernels(before) }
 */
export const useAlignKernels = slot.use;

/** The registered kernels, if any. */
export const alignKernels = slot.get;
