/**
 * The alignment stage: estimates one transform per plane into the reference plane's frame and warps
 * the planes there, before any focus measure. Neighbours are registered to each other and the
 * transforms chained outwards from the reference, because planes far apart in focus share little
 * detail while neighbours share almost all of it.
 */
import { FocusFuseError } from '../core/errors.js';
import type { AlignMode, AlignReference, ZStack } from '../core/types.js';
import { luma, shrinkLuma } from '../image/luma.js';
import { imageKernels } from '../image/accelerate.js';
import type { Level } from '../image/pyramid.js';
import { largestCoveredRect, warpPlane, type PlaneWarp, type Rect } from '../image/warp.js';
import { warpPlaneCpu, warpPlaneSeparable, type SeparableWarp } from '../image/warp-separable.js';
import { MIN_CORRELATION, registerPair, type MotionModel, type RegisterOptions } from './estimate.js';
import { misfits, refineJointly, type PairMeasurement } from './joint.js';
import { apply, compose, decompose, identity, invert, rmsDifference, toRows, affine, type Mat3 } from './matrix.js';
import { AUTO_MAX_UNCERTAINTY_PX, AUTO_SIGNIFICANCE, AUTO_THRESHOLD_PX, fusedDisplacement, motionMatters } from './auto-gates.js';
import { outwards, towardsReference } from './chain.js';
import { reportAlignProgress } from './progress.js';
import { glanceStack, type GlanceSums } from './glance.js';
import { buildPyramid, MIN_LEVEL_SIZE, type LevelsAllocator, type Pyramid } from './pyramid.js';
import type { AlignmentReport, AutoStep, PlaneAlignment, PlaneAlignmentStatus } from './types.js';
import { applyBrightness, estimateBrightness, type BrightnessMatch } from './photometric.js';
import { coveredSpans } from './coverage.js';

export { AUTO_MAX_UNCERTAINTY_PX, AUTO_SIGNIFICANCE, AUTO_THRESHOLD_PX };

/**
 * auto registers without the local blur terms. They take part of the defocus bias away but also
 * shrink the standard errors (they explain part of the residual), and what is left of the bias
 * then passes the significance gate: a registered 96 px field (seed 2, endocervical) got a
 * spurious 1.1 % magnification applied. auto's gates are calibrated on the plain fit.
 */
const AUTO_REGISTRATION: RegisterOptions = { localBlur: false };

/**
 * Gauss-Newton steps per level in auto's quick look. On a registered stack the look starts at the
 * answer and 2 steps land within its standard error; a moving stack only has to look significant
 * here (its transforms come from the full estimate). 45 -> 33 ms on 11 x 384x384, the same
 * decisions on the registered and the moved test stacks (docs/alignment.md).
 */
const QUICK_LOOK_ITERATIONS = 2;

/**
 * Plausible motion between NEIGHBOURING planes; an estimate outside is rejected as a failed
 * registration. Wide enough for independent per-plane errors of +-6 % scale, +-2 degrees and
 * +-30 px (differences of neighbours double them), narrow enough to reject a wrong match.
 */
export const PAIR_LIMITS = { minScale: 0.85, maxScale: 1.18, maxRotationDeg: 6, maxAnisotropy: 0.06, maxShiftFraction: 0.45 } as const;

/** A plane whose band-passed luma has less RMS than this (luma units, 0..1) is too flat to register. */
export const MIN_TEXTURE = 1.5e-3;

export interface AlignOptions {
  mode: AlignMode;
  reference?: AlignReference;
  crop?: boolean;
  /** Called with each plane that could not be registered. */
  onWarning?: (message: string) => void;
  /**
   * auto only: each plane's luma block means at previewFactor(stack), as shrinkLuma gives them, when
   * the caller has them already (the CPU engine gathers them with its own luma); made here otherwise.
   */
  preview?: Level[];
  /**
   * auto only: each plane's share of the fused image (planeShares of the focus maps), when the caller
   * has measured focus already (the CPU engine). auto then applies motion only when the fused
   * image's pixels would move by more than AUTO_THRESHOLD_PX RMS (fusedDisplacement); without it,
   * when any plane would.
   */
  planeShares?: number[];
  /**
   * auto only: how the glance sums its normal equations, when the caller has a faster twin of
   * glanceSums that gives the same bits (the CPU engine's WebAssembly). Default glanceSums.
   */
  glanceSums?: GlanceSums;
  /**
   * Match each plane's brightness and colour balance to the reference plane (photometric.ts) when
   * planes are resampled anyway. Default true.
   */
  matchBrightness?: boolean;
}

export interface AlignedStack {
  /** The aligned stack (the input itself when nothing had to change). */
  stack: ZStack;
  /** Undefined for `none`. */
  report?: AlignmentReport;
}

/** Each plane's valid size (see ZStack.planeSizes). */
export function planeSizesOf(stack: ZStack): { width: number; height: number }[] {
  return stack.planes.map((_, z) => stack.planeSizes?.[z] ?? { width: stack.width, height: stack.height });
}

function planeName(stack: ZStack, z: number): string {
  const file = stack.meta?.files?.[z];
  return file ? `plane ${z} (${file})` : `plane ${z}`;
}

/**
 * Aligns a stack's planes into its reference plane's frame.
 * @example
 * const { stack: aligned, report } = alignStack(stack, { mode: 'similarity' });
 * report.planes[0].matrix; // rows of plane 0's 3x3 transform
 * @param separable the separable warp for large planes (see warpPlaneCpu; the CPU fast path passes its WebAssembly one).
 * @throws FocusFuseError SIZE_MISMATCH for planes of different sizes with mode `none`.
 */
export function alignStack(stack: ZStack, options: AlignOptions, separable: SeparableWarp = warpPlaneSeparable): AlignedStack {
  const { report, warp } = planAlignment(stack, options);
  if (!report) return { stack };
  const t0 = performance.now();
  const aligned = warp ? warpStackCpu(stack, warp, separable) : stack;
  report.timings.warp = performance.now() - t0;
  return { stack: aligned, report };
}

/** How to warp a stack into the reference frame: what any engine's warp pass needs. */
export interface WarpPlan {
  /** Size of the aligned planes (reference plane or crop). */
  width: number;
  height: number;
  /** Per plane: aligned-frame pixel -> source pixel (crop offset included). */
  transforms: Mat3[];
  /** Per plane: its valid size in the (padded) source buffer of stack.width pixels per row. */
  sizes: { width: number; height: number }[];
  /** Per plane: true where the source plane is already the aligned plane (no resampling). */
  keep: boolean[];
  /** Per plane: the brightness match applied to the source plane before the warp (photometric.ts). */
  brightness?: (BrightnessMatch | undefined)[];
  /** Without a crop, the pixels every plane covers (ZStack.covered; undefined: all of them). */
  covered?: Int32Array;
}

/**
 * The estimation half of {@link alignStack}: the report (timings.warp still 0) and, when planes must
 * be resampled, the warp plan; the WebGPU engine runs the plan with shaders/warp.wgsl.
 * @example const { report, warp } = planAlignment(stack, { mode: 'auto' }); // warp undefined: untouched
 */
export function planAlignment(stack: ZStack, options: AlignOptions): { report?: AlignmentReport; warp?: WarpPlan } {
  const sizes = planeSizesOf(stack);
  if (options.mode === 'none') {
    sizes.forEach((size, z) => {
      if (size.width !== stack.width || size.height !== stack.height) {
        throw new FocusFuseError(
          'SIZE_MISMATCH',
          `is ${size.width}x${size.height} but the stack is ${stack.width}x${stack.height}; planes of different sizes need alignment (align/--align other than none)`,
          stack.meta?.files?.[z] ?? planeName(stack, z),
        );
      }
    });
    return {};
  }
  const t0 = performance.now();
  const model: MotionModel = options.mode === 'auto' ? 'similarity' : options.mode;
  const auto = options.mode === 'auto';
  const fullPyramids = () => {
    // The planes' luma only feeds their pyramids: one buffer for all (see planeLuma).
    const luma = new Float32Array(Math.max(...sizes.map((s) => s.width * s.height)));
    return pooledPyramids(stack.planes.length, (z, allocate) => estimationPyramid(stack.planes[z], stack.width, sizes[z], luma, allocate));
  };
  const middle = Math.floor((stack.planes.length - 1) / 2);
  const sharpest = (pyramids: PyramidSource) => argMax(stack.planes.map((_, z) => pyramids.get(z).texture));
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  const significant: CountsAsMotion = (displacement, uncertainty) => displacement > AUTO_SIGNIFICANCE * uncertainty;
  const reliable: CountsAsMotion = (displacement, uncertainty) => uncertainty <= AUTO_MAX_UNCERTAINTY_PX && significant(displacement, uncertainty);
  const fullEstimate = (pyramids: PyramidSource, reference: number) =>
    estimateChain(stack, pyramids, reference, model, auto ? AUTO_REGISTRATION : {}, { onWarning: warn, ...(auto ? { countsAsMotion: reliable } : {}), skipOne: true });
  const mixed = mixedSizes(sizes);
  const shares = auto && options.planeShares?.length === stack.planes.length ? options.planeShares : undefined;
  let reference = middle;
  let estimate: Chain | undefined;
  let decidedBy: AutoStep | undefined;
  if (auto && !mixed) {
    // auto first glances at the preview (luma block means), then takes a quick look at the planes
    // at twice its size, and only a stack that the quick look sees moving pays for the full
    // estimate. Planes under 384 px are looked at at half or full size, and at full size the look is
    // the full estimate.
    const factor = previewFactor(stack);
    const quick = quickLookFactor(stack);
    const preview = options.preview ? checkedPreview(stack, options.preview, factor) : stack.planes.map((plane) => shrinkLuma(plane, stack.width, stack.width, stack.height, factor));
    let built: PyramidSource | undefined;
    const quickPyramids = () =>
      (built ??=
        quick > 1
          ? pooledPyramids(stack.planes.length, (z, allocate) => {
              const shrunk = shrinkLuma(stack.planes[z], stack.width, stack.width, stack.height, quick);
              return buildPyramid(shrunk.data, shrunk.width, shrunk.height, 8, quick, 1, allocate);
            })
          : fullPyramids());
    if (options.reference === 'sharpest') reference = sharpest(quickPyramids());
    estimate = glanceChain(preview, reference, factor, shares, options.glanceSums);
    decidedBy = estimate ? 'glance' : undefined;
    if (!estimate && quick > 1) {
      // Only what the quick look can tell from its own noise counts; its warnings are dropped: when it
      // finds nothing to apply, there is nothing to warn about.
      estimate = estimateChain(stack, quickPyramids(), reference, model, { convergedPx: 1e-2, fineBlurMatch: false, localBlur: false, maxIterations: QUICK_LOOK_ITERATIONS }, { countsAsMotion: significant });
      const { width, height } = sizes[reference];
      decidedBy = 'quick-look';
      if (motionMatters(estimate.transforms, shares, width, height)) [estimate, decidedBy] = [fullEstimate(fullPyramids(), reference), 'estimate'];
    }
    if (!estimate) [estimate, decidedBy] = [fullEstimate(quickPyramids(), reference), 'estimate'];
  } else {
    const pyramids = fullPyramids();
    if (options.reference === 'sharpest') reference = sharpest(pyramids);
    estimate = fullEstimate(pyramids, reference);
    if (auto) decidedBy = 'estimate';
  }
  const { width, height } = sizes[reference];
  const statuses = estimate.statuses;
  const estimated = estimate.estimated ?? estimate.transforms;
  // auto: when the fused image would not move enough to matter, no plane is applied.
  const matters = !auto || !shares || motionMatters(estimated, shares, width, height);
  const transforms = estimated.map((t, z) => {
    if (options.mode !== 'auto' || z === reference) return t;
    if (matters && rmsDifference(t, identity(), width, height) > AUTO_THRESHOLD_PX) {
      // Its own registration may have been too uncertain to count, while its neighbour's moves it.
      if (statuses[z] === 'below-threshold') statuses[z] = 'estimated';
      return t;
    }
    statuses[z] = 'below-threshold';
    return identity();
  });
  // Planes of one size that none moves cover the whole frame: a crop would keep all of it.
  const untouched = !mixed && transforms.every((t, z) => statuses[z] === 'below-threshold' || z === reference);
  let warp: WarpPlan | undefined;
  let crop: Rect | undefined;
  if (!untouched) {
    crop = options.crop ? coveredRect(transforms, sizes, width, height) : undefined;
    if (crop && crop.width === 0) {
      throw new FocusFuseError('BAD_OPTION', 'no part of the reference frame is covered by every plane; fuse without --crop', stack.meta?.name);
    }
    warp = warpPlan(stack, sizes, transforms, statuses, crop ?? { x: 0, y: 0, width, height });
    // A crop keeps only covered pixels; without one, the moved planes' filled-in edges are marked.
    const covered = crop ? undefined : coveredSpans(transforms, sizes, width, height);
    if (covered) warp.covered = covered;
    if (options.matchBrightness !== false) {
      const views = stack.planes.map((rgba, z) => ({ rgba, width: sizes[z].width, height: sizes[z].height, stride: stack.width }));
      const brightness = estimateBrightness(views, transforms, reference, width, height);
      if (brightness.some(Boolean)) warp.brightness = brightness;
    }
  }
  const t1 = performance.now();
  const planes: PlaneAlignment[] = transforms.map((t, z) => {
    const parts = decompose(t);
    const entry: PlaneAlignment = {
      plane: z,
      matrix: toRows(t),
      displacementPx: rmsDifference(t, identity(), width, height),
      scale: parts.scale,
      rotationDeg: parts.rotationDeg,
      status: statuses[z],
    };
    const file = stack.meta?.files?.[z];
    if (file !== undefined) entry.file = file;
    if (z !== reference) entry.correlation = estimate.correlations[z];
    if (Number.isFinite(estimate.uncertainties[z])) entry.uncertaintyPx = estimate.uncertainties[z];
    if (auto && z !== reference) entry.estimatedPx = rmsDifference(estimated[z], identity(), width, height);
    const match = warp?.brightness?.[z];
    if (match) entry.brightness = { gain: match.gain.map(round4) as Triple, offset: match.offset.map(round4) as Triple };
    return entry;
  });
  const report: AlignmentReport = {
    mode: options.mode,
    model,
    reference,
    applied: !untouched,
    thresholdPx: AUTO_THRESHOLD_PX,
    ...(decidedBy ? { decidedBy } : {}),
    width: warp?.width ?? stack.width,
    height: warp?.height ?? stack.height,
    planes,
    warnings,
    timings: { estimate: t1 - t0, warp: 0 },
  };
  if (crop) report.crop = crop;
  if (auto && shares) report.fusedDisplacementPx = fusedDisplacement(estimated, shares, width, height);
  return { report, warp };
}

/** Whether the planes differ in size. */
function mixedSizes(sizes: { width: number; height: number }[]): boolean {
  return sizes.some((s) => s.width !== sizes[0].width || s.height !== sizes[0].height);
}

/** Block size of auto's quick look: 4, or less where the planes are small; 0 where they differ in size. */
function quickLookFactor(stack: ZStack): number {
  if (mixedSizes(planeSizesOf(stack))) return 0;
  const short = Math.min(stack.width, stack.height);
  return short >= 16 * MIN_LEVEL_SIZE ? 4 : short >= 8 * MIN_LEVEL_SIZE ? 2 : 1;
}

/**
 * Block size of auto's preview, the luma block means its glance looks at: twice the quick look's
 * (8 for CCCID's 384 px planes) where that leaves MIN_LEVEL_SIZE px, else the quick look's; 0 where
 * the planes differ in size (auto then estimates at full size). At twice the quick look's block
 * size the glance's standard errors are still below the quick look's (0.08 .. 0.2 against 0.15 ..
 * 0.35 px per pair on registered 384 px stacks), so it clears no more than the quick look would;
 * at the quick look's own size it saw the outer planes' defocus bias (0.15 .. 0.45 px per pair) at
 * 2 .. 3.5 standard errors and sent 4 of 118 registered synthetic CCCID FOVs on to the quick look,
 * at 4x the cost. The CPU engine gathers the preview while it computes the luma (AlignOptions.preview).
 * @example previewFactor(cccidStack) // 8 (384 x 384 planes: a 48 x 48 preview)
 */
export function previewFactor(stack: ZStack): number {
  const quick = quickLookFactor(stack);
  return quick > 0 && Math.min(stack.width, stack.height) >= 2 * quick * MIN_LEVEL_SIZE ? 2 * quick : quick;
}

/** A caller's preview, checked against the stack (see AlignOptions.preview). */
function checkedPreview(stack: ZStack, preview: Level[], factor: number): Level[] {
  const width = Math.floor(stack.width / factor);
  const height = Math.floor(stack.height / factor);
  const wrong = preview.length !== stack.planes.length ? `${preview.length} planes` : preview.find((l) => l.width !== width || l.height !== height || l.data.length !== width * height);
  if (wrong) {
    const got = typeof wrong === 'string' ? wrong : `a ${wrong.width}x${wrong.height} plane`;
    throw new FocusFuseError('BAD_OPTION', `Expected ${stack.planes.length} planes of ${width}x${height} for preview but received ${got}`, stack.meta?.name);
  }
  return preview;
}

/** auto's glance (glance.ts) as a chain: every plane below the threshold; undefined unless it clears the stack. */
function glanceChain(preview: Level[], reference: number, factor: number, shares: readonly number[] | undefined, sums?: GlanceSums): Chain | undefined {
  const seen = glanceStack(preview, reference, factor, shares, sums);
  if (!seen) return undefined;
  return { ...seen, estimated: seen.transforms, transforms: preview.map(() => identity()), statuses: preview.map((_, z) => (z === reference ? 'reference' : 'below-threshold')) };
}

/**
 * The full estimate looks at planes of at most this many pixels along their longer side: larger
 * planes are shrunk first (luma block means, a power of 2). A camera's 2048 x 1536 plane is
 * estimated at 512 x 384, where its standard error is still ~0.05 full-size px (docs/alignment.md,
 * Cost), for a sixteenth of the work of the full size.
 */
export const ESTIMATE_MAX_PX = 512;

/** Block size (a power of 2) that brings a plane's longer side down to ESTIMATE_MAX_PX. */
export function estimationFactor(size: { width: number; height: number }): number {
  let factor = 1;
  while (Math.max(size.width, size.height) / factor > ESTIMATE_MAX_PX) factor *= 2;
  return factor;
}

/**
 * The pyramid the full estimate registers a plane on (see ESTIMATE_MAX_PX); `luma`: a buffer for the
 * plane's luma, `allocate`: where its levels go (see buildPyramid).
 */
function estimationPyramid(rgba: Uint8Array, stride: number, size: { width: number; height: number }, luma?: Float32Array, allocate?: LevelsAllocator): Pyramid {
  const factor = estimationFactor(size);
  if (factor === 1) return buildPyramid(planeLuma(rgba, stride, size, luma), size.width, size.height, 8, 1, 1, allocate);
  const shrunk = shrinkLuma(rgba, stride, size.width, size.height, factor);
  // The shift search on the coarsest level needs some structure there: stop at twice MIN_LEVEL_SIZE
  // (a 2048 x 1536 plane at 24 px showed 0.2 .. 0.5 correlation and wrong matches, at 48 px 0.6 .. 0.98).
  let levels = 1;
  while (Math.min(shrunk.width, shrunk.height) >> levels >= 2 * MIN_LEVEL_SIZE) levels++;
  return buildPyramid(shrunk.data, shrunk.width, shrunk.height, levels, factor, factor, allocate);
}

/**
 * The stack with the plan's brightness matches applied to its source planes (copies; the others
 * shared): what every engine's warp resamples. The warp's weights sum to 1, so matching before the
 * warp is matching after it.
 * @example const aligned = warpOnGpu(device, brightnessMatched(stack, plan), plan);
 */
export function brightnessMatched(stack: ZStack, plan: WarpPlan): ZStack {
  if (!plan.brightness) return stack;
  const planes = stack.planes.map((rgba, z) => {
    const match = plan.brightness?.[z];
    return match ? applyBrightness(rgba, match) : rgba;
  });
  return { ...stack, planes };
}

type Triple = [number, number, number];
const round4 = (v: number) => Math.round(v * 1e4) / 1e4;

/**
 * Luma of the valid part of a (possibly padded) plane: luma(), or its registered faster twin
 * (src/image/accelerate.ts, the same values; the CPU engine's own luma stage stays luma()), into
 * `dst` (at least width x height) when given: buildPyramid keeps none of it, and a fresh array per
 * plane cost more than the luma itself (docs/alignment.md, Cost).
 */
function planeLuma(rgba: Uint8Array, stride: number, size: { width: number; height: number }, dst?: Float32Array): Float32Array {
  const n = size.width * size.height;
  let compact = rgba.subarray(0, n * 4);
  if (size.width !== stride) {
    compact = new Uint8Array(n * 4);
    for (let y = 0; y < size.height; y++) compact.set(rgba.subarray(y * stride * 4, (y * stride + size.width) * 4), y * size.width * 4);
  }
  const kernels = imageKernels();
  if (kernels) {
    const out = dst?.subarray(0, n) ?? new Float32Array(n);
    if (kernels.luma(compact, n, out)) return out;
  }
  return luma(compact, size.width, size.height, dst?.subarray(0, n));
}

function argMax(values: number[]): number {
  return values.reduce((best, v, i) => (v > values[best] ? i : best), 0);
}

interface Chain {
  transforms: Mat3[];
  statuses: PlaneAlignmentStatus[];
  correlations: number[];
  /** Per plane: standard error of its registration to its neighbour (px RMS; NaN where none). */
  uncertainties: number[];
  /** What was estimated, where `transforms` already dropped it (the glance clears a stack with identities). */
  estimated?: Mat3[];
}

/** Whether a neighbour registration (its displacement and standard error, px RMS) counts as motion. */
type CountsAsMotion = (displacementPx: number, uncertaintyPx: number) => boolean;

/** What estimateChain does besides registering neighbours. */
interface ChainOptions {
  onWarning?: (message: string) => void;
  /**
   * Without it every registration counts; one that does not is taken as no motion (the plane keeps
   * its neighbour's transform, status below-threshold): auto's reliability gate.
   */
  countsAsMotion?: CountsAsMotion;
  /** Also register every plane to the plane two away and refine all transforms jointly (see joint.ts). */
  skipOne?: boolean;
}

/**
 * A skip-one registration whose squared Mahalanobis distance from the chain exceeds this is a wrong
 * match, not a second opinion, and is left out. Good ones measure 0.1 .. 140 on the moved fixtures
 * (their standard errors, ~0.05 px, ignore the defocus bias); 400 is ~1 px off at such an error,
 * and a wrong match is off by several pixels.
 */
export const MAX_SKIP_MISFIT = 400;

/**
 * One registration of an estimate: plane `to` onto plane `from` (the one nearer the reference, as
 * A), a neighbour pair of the chain or (skip) a pair two apart.
 */
export interface Registration {
  from: number;
  to: number;
  skip: boolean;
}

/**
 * The order of an estimate's registrations: each plane's neighbour registration, outwards from the
 * reference; with skipOne, each followed by the skip-one pair that it completes (both of whose planes
 * are chained by then): the pair with the plane two nearer the reference, and, after the first plane
 * on the second side, the pair across the reference. So a plane's pyramid is done with as soon as
 * the pairs two away from it are, and the pool (pooledPyramids) holds ~5 at a time, not every plane's.
 * @example registrationOrder(5, 2, true) // 2->3, 3->4, 2->4 (skip), 2->1, 1->3 (skip), 1->0, 2->0 (skip)
 */
export function registrationOrder(Z: number, reference: number, skipOne: boolean): Registration[] {
  const order: Registration[] = [];
  for (const z of outwards(Z, reference)) {
    const near = towardsReference(z, reference);
    order.push({ from: near, to: z, skip: false });
    if (!skipOne) continue;
    if (near !== reference) order.push({ from: towardsReference(near, reference), to: z, skip: true });
    else if (z === reference - 1 && reference + 1 < Z) order.push({ from: z, to: reference + 1, skip: true });
  }
  return order;
}

/**
 * Registers each plane to its neighbour towards the reference and chains the transforms outwards;
 * with `skipOne`, also each plane to the plane two away (the one nearer the reference as A), then
 * replaces the chained transforms of the estimated planes by the joint fit of all registrations
 * (planes that kept a neighbour's transform follow their neighbour's new one). Chained errors add up
 * outwards, and the outer planes are the most defocused: the second path halves the worst errors
 * (docs/alignment.md). Each pyramid is handed back to `pyramids` after its last registration.
 */
function estimateChain(stack: ZStack, pyramids: PyramidSource, reference: number, model: MotionModel, registration: RegisterOptions, options: ChainOptions = {}): Chain {
  const { onWarning, countsAsMotion } = options;
  const Z = pyramids.count;
  const chain: Chain = { transforms: new Array<Mat3>(Z), statuses: new Array<PlaneAlignmentStatus>(Z), correlations: new Array<number>(Z).fill(0), uncertainties: new Array<number>(Z).fill(NaN) };
  chain.transforms[reference] = identity();
  chain.statuses[reference] = 'reference';
  const neighbours: PairMeasurement[] = [];
  // Skip-one measurements by the lower plane of their pair: the joint fit takes them in that order.
  const skips = new Array<PairMeasurement | undefined>(Z);
  // Each plane's defocus against the reference's as measured by the blur matches: the variance
  // (full-size px^2) of the blur that matches the reference to it, signed (negative: the plane is
  // the sharper). Neighbours' differences predict where each next blur match is (blurGuess).
  const defocus = new Array<number>(Z).fill(0);
  const order = registrationOrder(Z, reference, options.skipOne ?? false);
  const lastUse = new Array<number>(Z).fill(-1);
  order.forEach(({ from, to }, i) => (lastUse[from] = lastUse[to] = i));
  const referenceCentre = centreOf(pyramids.get(reference));
  order.forEach(({ from, to, skip }, i) => {
    if (skip) registerSkipOne(from, to);
    else registerNeighbour(from, to);
    reportAlignProgress(i + 1, order.length);
    for (const z of [from, to]) if (lastUse[z] === i) pyramids.release(z);
  });
  const skipped = skips.filter((m): m is PairMeasurement => m !== undefined);
  if (skipped.length > 0) {
    const refined = refineJointly(chain.transforms, reference, model, [...neighbours, ...skipped], referenceCentre);
    for (const z of outwards(Z, reference)) {
      const near = towardsReference(z, reference);
      chain.transforms[z] = chain.statuses[z] === 'estimated' ? refined[z] : chain.transforms[near];
    }
  }
  return chain;

  function registerNeighbour(near: number, z: number): void {
    // Defocus grows steadily away from focus: the previous step outwards predicts this one.
    const previous = near === reference ? 0 : defocus[near] - defocus[towardsReference(near, reference)];
    const a = pyramids.get(near);
    const { matrix, correlation, uncertaintyPx, information, blurSigma, problem } = registerChecked(a, pyramids.get(z), model, { ...registration, blurGuess: signedRoot(previous) });
    defocus[z] = defocus[near] + (problem ? 0 : Math.sign(blurSigma) * blurSigma * blurSigma);
    chain.correlations[z] = correlation;
    chain.uncertainties[z] = uncertaintyPx;
    const size = a.levels[0];
    const displacement = () => rmsDifference(matrix, identity(), size.width * a.scale, size.height * a.scale);
    if (!problem && countsAsMotion && !countsAsMotion(displacement(), uncertaintyPx)) {
      chain.transforms[z] = chain.transforms[near];
      chain.statuses[z] = 'below-threshold';
    } else if (problem) {
      onWarning?.(`${planeName(stack, z)}: cannot be aligned (${problem}); it keeps the transform of plane ${near}`);
      chain.transforms[z] = chain.transforms[near];
      chain.statuses[z] = 'kept-neighbour';
    } else {
      chain.transforms[z] = compose(matrix, chain.transforms[near]);
      chain.statuses[z] = 'estimated';
      if (information) neighbours.push({ from: near, to: z, matrix, information, centre: centreOf(a) });
    }
  }

  /**
   * The skip-one registration of plane `to` onto plane `from` (two apart, `from` nearer the
   * reference), both already chained: into skips[lower plane] unless either plane was not
   * estimated, the registration failed, or it disagrees with the chain by more than MAX_SKIP_MISFIT.
   */
  function registerSkipOne(from: number, to: number): void {
    const estimated = (z: number) => chain.statuses[z] === 'reference' || chain.statuses[z] === 'estimated';
    if (!estimated(from) || !estimated(to)) return;
    // The chain predicts this pair closely: start there instead of searching. No re-match of the
    // blur on the finest level: a second opinion does not need it (recovery errors the same to
    // 0.001 px on the fixtures, docs/alignment.md), and it was ~15 % of the smear's estimate.
    const initial = compose(chain.transforms[to], invert(chain.transforms[from]));
    const blurGuess = signedRoot(defocus[to] - defocus[from]);
    const a = pyramids.get(from);
    const { matrix, information, problem } = registerChecked(a, pyramids.get(to), model, { ...registration, initial, fineBlurMatch: false, blurGuess });
    if (problem || !information) return;
    const measurement = { from, to, matrix, information, centre: centreOf(a) };
    if (misfits(model, [measurement], chain.transforms)[0] <= MAX_SKIP_MISFIT) skips[Math.min(from, to)] = measurement;
  }
}

/** The blur (signed full-size px) of a signed variance. */
function signedRoot(variance: number): number {
  return Math.sign(variance) * Math.sqrt(Math.abs(variance));
}

/** Centre of a pyramid's full-size frame, in full-size pixels. */
function centreOf(p: Pyramid): [number, number] {
  const { width, height } = p.levels[0];
  return [(width * p.scale - 1) / 2, (height * p.scale - 1) / 2];
}

/**
 * The planes' pyramids for the estimates of one stack: each built when first asked for, and its
 * memory taken back by `release` for the next one to reuse. On the VMs we measure on, a page a
 * process touches for the first time costs ~10 us, more than building the pyramid's levels in it:
 * a 19 x 352x307 sweep held 11 MB of pyramids, now ~5 planes' worth (registrationOrder).
 */
export interface PyramidSource {
  readonly count: number;
  get(z: number): Pyramid;
  /** Done with plane z's pyramid for now (get builds it again, the same, if asked). */
  release(z: number): void;
}

/** A PyramidSource over `build` (plane z's pyramid, its levels from `allocate`). */
export function pooledPyramids(count: number, build: (z: number, allocate: LevelsAllocator) => Pyramid): PyramidSource {
  const built = new Map<number, { pyramid: Pyramid; memory: Float32Array | undefined }>();
  const free: Float32Array[] = [];
  return {
    count,
    get(z) {
      const held = built.get(z);
      if (held) return held.pyramid;
      let memory: Float32Array | undefined;
      const pyramid = build(z, (length) => {
        const i = free.findIndex((f) => f.length >= length);
        memory = i >= 0 ? free.splice(i, 1)[0] : new Float32Array(length);
        return memory;
      });
      built.set(z, { pyramid, memory });
      return pyramid;
    },
    release(z) {
      const held = built.get(z);
      if (!held) return;
      built.delete(z);
      if (held.memory) free.push(held.memory);
    },
  };
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

/** The part of the reference frame inside every plane. */
function coveredRect(transforms: Mat3[], sizes: { width: number; height: number }[], width: number, height: number): Rect {
  const mask = new Uint8Array(width * height).fill(1);
  const pt: [number, number] = [0, 0];
  transforms.forEach((t, z) => {
    const { width: w, height: h } = sizes[z];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        apply(t, x, y, pt);
        if (!(pt[0] >= -0.5 && pt[1] >= -0.5 && pt[0] <= w - 0.5 && pt[1] <= h - 0.5)) mask[y * width + x] = 0;
      }
    }
  });
  return largestCoveredRect(mask, width, height);
}

function warpPlan(stack: ZStack, sizes: { width: number; height: number }[], transforms: Mat3[], statuses: PlaneAlignmentStatus[], frame: Rect): WarpPlan {
  const shift = affine(1, 0, frame.x, 0, 1, frame.y);
  const whole = frame.x === 0 && frame.y === 0 && frame.width === stack.width && frame.height === stack.height;
  return {
    width: frame.width,
    height: frame.height,
    transforms: transforms.map((t) => compose(t, shift)),
    sizes,
    keep: statuses.map((status, z) => whole && sizes[z].width === stack.width && sizes[z].height === stack.height && (status === 'below-threshold' || status === 'reference')),
  };
}

/**
 * The CPU warp pass: every plane of `stack` resampled by the plan (kept planes shared, not copied),
 * with the separable Lanczos-3 where the transform allows (src/image/warp-separable.ts), by
 * `separable` (the TypeScript one by default).
 * @example const aligned = warpStackCpu(stack, planAlignment(stack, { mode: 'similarity' }).warp!);
 */
export function warpStackCpu(input: ZStack, plan: WarpPlan, separable: SeparableWarp = warpPlaneSeparable, twoD: PlaneWarp = warpPlane): ZStack {
  const stack = brightnessMatched(input, plan);
  const planes = stack.planes.map((rgba, z) => {
    if (plan.keep[z]) return rgba;
    const view = { rgba, width: plan.sizes[z].width, height: plan.sizes[z].height, stride: stack.width };
    return warpPlaneCpu(view, plan.transforms[z], plan.width, plan.height, separable, twoD);
  });
  const aligned: ZStack = { width: plan.width, height: plan.height, planes };
  if (plan.covered) aligned.covered = plan.covered;
  if (stack.meta !== undefined) aligned.meta = stack.meta;
  return aligned;
}
