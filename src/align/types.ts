/** What the alignment stage reports: per plane, the transform used and how it was obtained. */
import type { MatrixRows } from './matrix.js';
import type { MotionModel } from './estimate.js';
import type { Rect } from '../image/warp.js';

/** How a plane's transform came about. */
export type PlaneAlignmentStatus =
  /** The reference plane: identity by definition. */
  | 'reference'
  /** Registered to its neighbour and chained. */
  | 'estimated'
  /** Registration failed (too little texture, no match, implausible result): the neighbour's transform, with a warning. */
  | 'kept-neighbour'
  /** `auto`: the estimated motion was below the threshold, or too uncertain to count, so identity was used. */
  | 'below-threshold';

export interface PlaneAlignment {
  plane: number;
  file?: string;
  /** Reference-frame pixel (x, y, 1) -> this plane's pixel, rows of a 3x3 matrix (pixel centres at integers). */
  matrix: MatrixRows;
  /** RMS over the reference frame of how far the transform moves pixels, in pixels. */
  displacementPx: number;
  scale: number;
  rotationDeg: number;
  status: PlaneAlignmentStatus;
  /** Coarse correlation with the neighbour it was registered to (not for the reference). */
  correlation?: number;
  /**
   * Standard error of the registration to that neighbour, as px RMS over the frame (not for the
   * reference, nor where registration failed). `auto` counts an estimate above AUTO_MAX_UNCERTAINTY_PX as no motion.
   */
  uncertaintyPx?: number;
  /** `auto`: RMS displacement of the transform it estimated, applied or not (`displacementPx` is the applied one). */
  estimatedPx?: number;
  /**
   * Brightness match applied before the focus measures (`--match-brightness`): each RGB value v of
   * the plane became gain[c] * v + offset[c]; absent where it changed no value by a level.
   */
  brightness?: { gain: [number, number, number]; offset: [number, number, number] };
}

/** The steps of `auto`, cheapest first. */
export type AutoStep = 'glance' | 'quick-look' | 'estimate';

export interface AlignmentReport {
  mode: 'translation' | 'similarity' | 'affine' | 'auto';
  model: MotionModel;
  /** Index of the reference plane, whose frame (and size) the output has. */
  reference: number;
  /** False when `auto` found nothing to correct and the stack went on untouched. */
  applied: boolean;
  /** `auto` applies a plane's transform only above this displacement (pixels RMS over the frame). */
  thresholdPx: number;
  /**
   * `auto` only: the step that decided. `glance` (one linear fit per neighbour pair on the preview)
   * and `quick-look` (a Gauss-Newton look at the preview) can only clear a stack; `estimate` is the
   * full estimation, which ran because neither could (docs/alignment.md, auto).
   */
  decidedBy?: AutoStep;
  /** The aligned stack's size: the reference plane's, or the crop's. */
  width: number;
  height: number;
  /** With crop: the part of the reference frame every plane covers. */
  crop?: Rect;
  planes: PlaneAlignment[];
  /** One line per plane that could not be registered, naming the plane. */
  warnings: string[];
  /**
   * `auto` on the CPU engine: how far the fused image's pixels would move under the estimated
   * transforms, RMS (each plane's displacement weighted by its share of the sharpest pixels); motion
   * is applied only above thresholdPx.
   */
  fusedDisplacementPx?: number;
  /** Milliseconds: estimation (luma, pyramids, registration) and warping. */
  timings: { estimate: number; warp: number };
}
