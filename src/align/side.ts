/**
 * One side of the registration chain: the planes on one side of the reference plane, each registered
 * to its neighbour towards the reference and chained outwards, and (with skip-one registrations) the
 * pairs two apart whose planes both lie on that side. A side needs nothing from the other one;
 * estimateChain (align-stack.ts) registers both and joins them (the skip-one pair across the
 * reference and the joint fit need both).
 */
import { AUTO_MAX_UNCERTAINTY_PX, AUTO_SIGNIFICANCE } from './auto-gates.js';
import { towardsReference } from './chain.js';
import { MIN_CORRELATION, registerPair, type MotionModel, type RegisterOptions } from './estimate.js';
import type { PairMeasurement } from './joint.js';
import { apply, compose, decompose, identity, invert, rmsDifference, type Mat3 } from './matrix.js';
import type { Pyramid } from './pyramid.js';
import type { PlaneAlignmentStatus } from './types.js';

/**
 * Plausible motion between NEIGHBOURING planes; an estimate outside is rejected as a failed
 * registration. Wide enough for independent per-plane errors of +-6 % scale, +-2 degrees and
 * +-30 px (differences of neighbours double them), narrow enough to reject a wrong match.
 */
export const PAIR_LIMITS = { minScale: 0.85, maxScale: 1.18, maxRotationDeg: 6, maxAnisotropy: 0.06, maxShiftFraction: 0.45 } as const;

/** A plane whose band-passed luma has less RMS than this (luma units, 0..1) is too flat to register. */
export const MIN_TEXTURE = 1.5e-3;

/**
 * Which neighbour registrations count as motion (a plane whose registration does not keeps its
 * neighbour's transform, status below-threshold): `significant`, displacement above
 * AUTO_SIGNIFICANCE standard errors (auto's quick look); `reliable`, that and a standard error of at
 * most AUTO_MAX_UNCERTAINTY_PX (auto's full estimate). Without a gate every registration counts.
 */
export type MotionGate = 'significant' | 'reliable';

function countsAsMotion(gate: MotionGate, displacementPx: number, uncertaintyPx: number): boolean {
  const significant = displacementPx > AUTO_SIGNIFICANCE * uncertaintyPx;
  return gate === 'significant' ? significant : uncertaintyPx <= AUTO_MAX_UNCERTAINTY_PX && significant;
}

/** What one side of the chain is given. */
export interface SideJob {
  /** Per plane of the stack; only the side's planes and the reference's are needed (others may be undefined). */
  pyramids: readonly (Pyramid | undefined)[];
  reference: number;
  /** The side's planes, from the reference outwards. */
  planes: readonly number[];
  model: MotionModel;
  registration: RegisterOptions;
  gate?: MotionGate;
  /** Also register each plane to the plane two away on this side (see refineWithSkipOne). */
  skipOne: boolean;
  /** Plane names for the warnings, per plane of the stack. */
  names: readonly string[];
}

/** A plane's place in the chain, as its side found it. */
export interface SidePlane {
  z: number;
  /** Reference pixel -> plane pixel. */
  transform: Mat3;
  status: PlaneAlignmentStatus;
  correlation: number;
  /** Standard error of its registration to its neighbour (px RMS; NaN where none). */
  uncertainty: number;
  /**
   * The plane's defocus against the reference's as the blur matches measured it: the variance
   * (full-size px^2) of the blur that matches the reference to it, signed (negative: the plane is
   * the sharper one).
   */
  defocus: number;
}

/** A skip-one registration, plane `i` with plane `i + 2` (see skipOneRegistration). */
export interface SkipMeasurement {
  i: number;
  measurement: PairMeasurement;
}

export interface SideResult {
  planes: SidePlane[];
  /** The neighbour registrations that entered the chain, from the reference outwards. */
  neighbours: PairMeasurement[];
  /** The side's skip-one registrations that succeeded, by `i`. */
  skips: SkipMeasurement[];
  /** In the order they arose. */
  warnings: string[];
}

/**
 * Registers the side's planes outwards, then (skipOne) its skip-one pairs. `onRegistered` is called
 * after each registration (progress).
 * @example const upper = estimateSide({ pyramids, reference: 5, planes: [6, 7, 8, 9, 10], model: 'similarity', registration: {}, skipOne: true, names });
 */
export function estimateSide(job: SideJob, onRegistered?: () => void): SideResult {
  const { reference, model, registration, gate, names } = job;
  const pyramid = (z: number): Pyramid => {
    const p = job.pyramids[z];
    if (!p) throw new Error(`estimateSide: no pyramid for plane ${z}`);
    return p;
  };
  const result: SideResult = { planes: [], neighbours: [], skips: [], warnings: [] };
  const found = new Map<number, SidePlane>();
  const at = (z: number): SidePlane => found.get(z) ?? { z, transform: identity(), status: 'reference', correlation: 0, uncertainty: NaN, defocus: 0 };
  for (const z of job.planes) {
    const near = towardsReference(z, reference);
    const inner = at(near);
    // Defocus grows steadily away from focus: the previous step outwards predicts this one.
    const previous = near === reference ? 0 : inner.defocus - at(towardsReference(near, reference)).defocus;
    const { matrix, correlation, uncertaintyPx, information, blurSigma, problem } = registerChecked(pyramid(near), pyramid(z), model, { ...registration, blurGuess: signedRoot(previous) });
    onRegistered?.();
    const plane: SidePlane = { z, transform: inner.transform, status: 'kept-neighbour', correlation, uncertainty: uncertaintyPx, defocus: inner.defocus + (problem ? 0 : Math.sign(blurSigma) * blurSigma * blurSigma) };
    const size = pyramid(near).levels[0];
    const displacement = () => rmsDifference(matrix, identity(), size.width * pyramid(near).scale, size.height * pyramid(near).scale);
    if (!problem && gate && !countsAsMotion(gate, displacement(), uncertaintyPx)) {
      plane.status = 'below-threshold';
    } else if (problem) {
      result.warnings.push(`${names[z]}: cannot be aligned (${problem}); it keeps the transform of plane ${near}`);
    } else {
      plane.transform = compose(matrix, inner.transform);
      plane.status = 'estimated';
      if (information) result.neighbours.push({ from: near, to: z, matrix, information, centre: centreOf(pyramid(near)) });
    }
    found.set(z, plane);
    result.planes.push(plane);
  }
  if (job.skipOne) {
    // The pairs (i, i + 2) with both planes on this side (the reference counts as on both sides).
    const mine = new Set([reference, ...job.planes]);
    for (let i = 0; i + 2 < job.pyramids.length; i++) {
      if (!mine.has(i) || !mine.has(i + 2)) continue;
      const skip = skipOneRegistration(i, reference, model, registration, pyramid, at);
      onRegistered?.();
      if (skip) result.skips.push(skip);
    }
  }
  return result;
}

/**
 * Registers plane i to plane i + 2 (the one nearer the reference as A), starting from what the
 * chain predicts; null when a plane of the pair was not estimated (nothing registered), undefined
 * when the registration failed.
 */
export function skipOneRegistration(
  i: number,
  reference: number,
  model: MotionModel,
  registration: RegisterOptions,
  pyramid: (z: number) => Pyramid,
  plane: (z: number) => Pick<SidePlane, 'transform' | 'status' | 'defocus'>,
): SkipMeasurement | undefined | null {
  const [from, to] = Math.abs(i - reference) <= Math.abs(i + 2 - reference) ? [i, i + 2] : [i + 2, i];
  const estimated = (z: number) => z === reference || plane(z).status === 'estimated';
  if (!estimated(from) || !estimated(to)) return null;
  // The chain predicts this pair closely: start there instead of searching. No re-match of the
  // blur on the finest level: a second opinion does not need it (recovery errors the same to
  // 0.001 px on the fixtures, docs/alignment.md), and it was ~15 % of the smear's estimate.
  const initial = compose(plane(to).transform, invert(plane(from).transform));
  const blurGuess = signedRoot(plane(to).defocus - plane(from).defocus);
  const { matrix, information, problem } = registerChecked(pyramid(from), pyramid(to), model, { ...registration, initial, fineBlurMatch: false, blurGuess });
  if (problem || !information) return undefined;
  return { i, measurement: { from, to, matrix, information, centre: centreOf(pyramid(from)) } };
}

/** The blur (signed full-size px) of a signed variance. */
function signedRoot(variance: number): number {
  return Math.sign(variance) * Math.sqrt(Math.abs(variance));
}

/** Centre of a pyramid's full-size frame, in full-size pixels. */
export function centreOf(p: Pyramid): [number, number] {
  const { width, height } = p.levels[0];
  return [(width * p.scale - 1) / 2, (height * p.scale - 1) / 2];
}

/** registerPair plus the texture, correlation and plausibility checks; `problem` says why it failed. */
function registerChecked(a: Pyramid, b: Pyramid, model: MotionModel, registration: RegisterOptions): { matrix: Mat3; correlation: number; uncertaintyPx: number; blurSigma: number; information?: Float64Array; problem?: string } {
  const flat = Math.min(a.texture, b.texture);
  if (flat < MIN_TEXTURE) return { matrix: identity(), correlation: 0, uncertaintyPx: NaN, blurSigma: 0, problem: `too little texture: band-pass RMS ${flat.toExponential(2)} < ${MIN_TEXTURE}` };
  const { matrix, correlation, uncertaintyPx, blurSigma, information } = registerPair(a, b, model, registration);
  const checked = (problem?: string) => ({ matrix, correlation, uncertaintyPx, blurSigma, ...(information ? { information } : {}), ...(problem ? { problem } : {}) });
  if (!(correlation >= MIN_CORRELATION)) return checked(`no match with its neighbour: correlation ${correlation.toFixed(2)}`);
  const parts = decompose(matrix);
  const a0 = a.levels[0];
  const centre = apply(matrix, (a0.width - 1) / 2, (a0.height - 1) / 2);
  const b0 = b.levels[0];
  const shift = Math.hypot(centre[0] - (b0.width - 1) / 2, centre[1] - (b0.height - 1) / 2);
  const L = PAIR_LIMITS;
  if (!Number.isFinite(parts.scale) || parts.scale < L.minScale || parts.scale > L.maxScale) return checked(`implausible scale ${parts.scale.toFixed(3)}`);
  if (Math.abs(parts.rotationDeg) > L.maxRotationDeg) return checked(`implausible rotation ${parts.rotationDeg.toFixed(2)} degrees`);
  if (parts.anisotropy > L.maxAnisotropy) return checked(`implausible shear ${parts.anisotropy.toFixed(3)}`);
  if (shift > L.maxShiftFraction * Math.min(a0.width, a0.height)) return checked(`implausible shift ${shift.toFixed(1)} px`);
  return checked();
}
