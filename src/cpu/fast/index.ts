/**
 * The fast CPU path: the stages of maths version 1 after alignment (lapv or teng measure with its
 * luma, gaussian depth, smoothing, interpolate/nearest composite), depth mode histogram's smoothing
 * (./histogram.ts), the pyramid and select composites (assembly/pyramid.ts), so the v2 preset
 * too, on RGBA8 planes and on RGBA16 ones at their own bit depth, and alignment's warps (./warp.ts: the
 * separable one of large planes, the 2-D one of the others, same bytes as warpPlane) in
 * WebAssembly with SIMD, exact integer arithmetic where the maths allows (docs/cpu-fast-path.md);
 * an aligned stack is warped straight into the fusion's plane slots (warpIntoSlots). auto takes
 * its decision from the fast sweep's argmax (planeShares); alignment's estimate (its loops in
 * WebAssembly too, ./align.ts) and every option it does not cover run on the reference stages: {@link fuseCpuFast} is fuseCpu with its
 * stages swapped, not a second pipeline.
 */
import { FIT_EPS, MAX_FIT_DELTA, MIN_SMOOTH_WEIGHT } from '../../core/maths.js';
import { halosDecision, runsHalosTest, type FocusPeaks } from '../../core/halos.js';
import { smoothingTaps } from '../smooth.js';
import { histogramDepthIn, histogramTaps } from './histogram.js';
import type { AnyZStack, FuseOptions, FuseResult, FusionBackend, ResolvedOptions, ZStack } from '../../core/types.js';
import { createCpuWorkspace, fuseCpuWith, type AutoDecision, type CpuStages, type CpuWorkspace, type FusedStages } from '../pipeline.js';
import { SHARE_STEP, sharesFromSums } from '../../align/auto-gates.js';
import { statsFromSums } from '../stats.js';
import type { GlanceSums } from '../../align/glance.js';
import type { WarpPlan } from '../../align/align-stack.js';
import { applyBrightness, brightnessTables } from '../../align/photometric.js';
import { warpPlaneCpu, warpPlaneSeparable } from '../../image/warp-separable.js';
import { warpPlane, type PlaneWarp } from '../../image/warp.js';
import { fastKernels, fitLayout, initFusionKernels, layoutGeneration, readBeforeReuse, sweepExact, unstride, type FastKernels, type FastLayout, type FastMeasure } from './kernels.js';
import { isWideStack, sampleMax, toRgba8Stack } from '../../core/stack.js';
import { separableWarp, twoDWarp, warp2dInto, warpSeparableInto, type WarpInto } from './warp.js';
// Registers alignment's WebAssembly blur and luma block means (the estimate runs before the fusion).
import { initAlignKernels } from './align.js';

/**
 * Instantiates the fast path's WebAssembly once: the fusion's module and the alignment estimate's
 * own instance of it. Resolves false where WebAssembly SIMD is missing or the page may not compile
 * WebAssembly (Content-Security-Policy without 'wasm-unsafe-eval'): the reference fuses then. Call
 * it before {@link fuseCpuFast} in a browser: a main thread may not compile modules synchronously
 * (Chromium refuses modules over 4 KB), and without it the fusion and the estimate would fall back
 * to their TypeScript loops there.
 * @example if (!(await initFastCpu())) console.warn('no wasm SIMD here: the TypeScript reference fuses');
 */
export async function initFastCpu(): Promise<boolean> {
  const [fusion] = await Promise.all([initFusionKernels(), initAlignKernels()]);
  return fusion;
}

// What the fast stages cover, one set per stage: an option outside them runs every stage after
// alignment on the reference stages.
const FAST_MEASURES: ReadonlySet<ResolvedOptions['measure']> = new Set(['lapv', 'teng'] satisfies FastMeasure[]);
const FAST_DEPTH_MODES: ReadonlySet<ResolvedOptions['depthMode']> = new Set(['gaussian', 'histogram']);
const FAST_COMPOSITES: ReadonlySet<ResolvedOptions['composite']> = new Set(['interpolate', 'nearest', 'pyramid', 'select']);

/**
 * Whether the fast stages cover these options on this stack (the rest run on the reference
 * stages): RGBA16 stacks where the sweep's integer sums stay exact at their bit depth (sweepExact).
 */
function covers(options: ResolvedOptions, stack: AnyZStack): boolean {
  if (!(FAST_MEASURES.has(options.measure) && FAST_DEPTH_MODES.has(options.depthMode) && FAST_COMPOSITES.has(options.composite))) return false;
  return !isWideStack(stack) || sweepExact(options.measure as FastMeasure, options.window, sampleMax(stack));
}

/**
 * planeShares of the planes just measured, from the sweep's running max and argmax where they lie
 * (every SHARE_STEP-th pixel), summed in WebAssembly: the same bits as sharesOfSharpest.
 * @internal exported for its test
 */
export function sharesFromSweep(k: FastKernels, at: FastLayout, width: number, height: number, planeCount: number): number[] {
  k.shareSums(at.fMax, at.argmax, width, height, at.stride, SHARE_STEP, planeCount, at.shares);
  return sharesFromSums(new Float64Array(k.memory.buffer, at.shares, 4 * planeCount), planeCount);
}

/**
 * The glance's sums (glanceSums) in WebAssembly, the pair copied into the layout's glance room: the
 * same bits as the TypeScript, at compiled speed from the first call (see assembly/glance.ts).
 * @internal exported for its test
 */
export function glanceSumsIn(k: FastKernels, at: FastLayout): GlanceSums {
  return (a, b, width, height, edge) => {
    const count = width * height;
    const memory = k.memory.buffer;
    new Float32Array(memory, at.glance, count).set(a.subarray(0, count));
    new Float32Array(memory, at.glance + count * 4, count).set(b.subarray(0, count));
    const out = at.glance + count * 8;
    k.glanceSums(at.glance, at.glance + count * 4, width, height, edge, out);
    return new Float64Array(memory, out, 36).slice();
  };
}

/**
 * Warps the stack by the plan straight into the layout's plane slots (kept planes are copied there;
 * the separable warp and, below SEPARABLE_MIN_PIXELS, the 2-D one write there), with their working
 * buffers in the layout's working images: no aligned plane is copied out and back in, and the pages the warp
 * touches are pages the fusion touches anyway (a first touch of fresh memory costs ~3 ms per MB on
 * some VMs, more than the copies). The aligned stack returned reads its planes out of the slots
 * when first asked for (--save-aligned), or before the memory is laid out again (readBeforeReuse)
 * while anyone still holds it.
 */
function warpIntoSlots(k: FastKernels, at: FastLayout, stack: ZStack, plan: WarpPlan): ZStack {
  const bytes = plan.width * plan.height * 4;
  const slot = (z: number) => at.planes + z * bytes;
  // Per plane, the array holding it, or undefined where only its slot does.
  const held = stack.planes.map((rgba, z) => {
    const match = plan.brightness?.[z];
    if (plan.keep[z]) return match ? applyBrightness(rgba, match) : rgba;
    // The brightness match is applied to the warp's own copy of the plane (no matched copy of it).
    const lut = match && brightnessTables(match);
    let inSlot = false;
    const intoSlot = (warpInto: WarpInto, reference: PlaneWarp): PlaneWarp => (plane, transform, width, height) => {
      try {
        warpInto(k, plane, transform, width, height, slot(z), at.scratch, lut);
      } catch (error) {
        // Memory.grow's RangeError (a source plane too large for wasm32 memory): the reference warps it.
        if (error instanceof RangeError) return reference(match ? { ...plane, rgba: applyBrightness(plane.rgba, match) } : plane, transform, width, height);
        throw error;
      }
      inSlot = true;
      return new Uint8Array(0);
    };
    const view = { rgba, width: plan.sizes[z].width, height: plan.sizes[z].height, stride: stack.width };
    const warped = warpPlaneCpu(view, plan.transforms[z], plan.width, plan.height, intoSlot(warpSeparableInto, warpPlaneSeparable), intoSlot(warp2dInto, warpPlane));
    return inSlot ? undefined : warped;
  });
  const memory = new Uint8Array(k.memory.buffer);
  held.forEach((rgba, z) => rgba && memory.set(rgba, slot(z)));
  let planes: Uint8Array[] | undefined;
  const read = () => (planes ??= held.map((rgba, z) => rgba ?? new Uint8Array(k.memory.buffer).slice(slot(z), slot(z) + bytes)));
  const aligned: ZStack = {
    width: plan.width,
    height: plan.height,
    get planes() {
      return read();
    },
    set planes(value) {
      planes = value;
    },
  };
  if (plan.covered) aligned.covered = plan.covered;
  if (stack.meta !== undefined) aligned.meta = stack.meta;
  const holder = new WeakRef(aligned);
  readBeforeReuse(() => holder.deref() && read());
  return aligned;
}

// The one-plane test's own arrays (never handed to the caller), reused from stack to stack: fresh
// pages cost more than the test itself (~3 ms for two 384^2 images on the test VM).
const testPeaks = { best: new Float32Array(0), fmax: new Float32Array(0) };

/** Each pixel's focus peak from the measure sweep's running argmax (i32) and max, unstrided into testPeaks. */
function sweepPeaks(buffer: ArrayBuffer, at: FastLayout, planes: number, options: ResolvedOptions): FocusPeaks {
  const { width, height, stride } = at;
  const n = width * height;
  if (testPeaks.fmax.length !== n) Object.assign(testPeaks, { best: new Float32Array(n), fmax: new Float32Array(n) });
  // The argmax's i32 bits copied as f32 words (set copies bits), read back as i32.
  const best = new Int32Array(unstride(buffer, at.argmax, width, height, stride, testPeaks.best).buffer, 0, n);
  return { best, fmax: unstride(buffer, at.fMax, width, height, stride, testPeaks.fmax), planes, width, height, tau: options.tau, window: options.window };
}

/**
 * Arrays {@link fuseCpuFast} writes its outputs into instead of allocating them (the `dst` style of
 * hot-path APIs: a loop over many stacks of one size then allocates no output). Each is used where
 * its length is the output's (`image`: width x height x 4 bytes, the others width x height floats)
 * and the fast stages fuse the stack; elsewhere that output is a fresh array, as without `dst`. Every
 * element is overwritten, so what they held before does not matter; they must not overlap one
 * another or the stack's planes. The result holds the arrays themselves where they were used.
 * @example
 * const dst = { image: new Uint8Array(384 * 384 * 4), depth: new Float32Array(384 * 384) };
 * const result = fuseCpuFast(stack, options, workspace, dst); // result.image === dst.image
 */
export interface FuseOutputs {
  image?: Uint8Array;
  depth?: Float32Array;
  rawDepth?: Float32Array;
  confidence?: Float32Array;
}

/** `dst` when it has `length` elements, else undefined (a fresh array is made). */
function fitting<T extends Uint8Array | Float32Array>(dst: T | undefined, length: number): T | undefined {
  return dst && dst.length === length ? dst : undefined;
}

/**
 * The fast stages: every output in `dst` where it fits, else as fresh arrays, or undefined when
 * they do not cover the options. With a warp plan they warp the (unaligned) stack into their memory
 * first (see warpIntoSlots).
 */
function fastStages(stack: AnyZStack, options: ResolvedOptions, plan?: WarpPlan, decide?: AutoDecision, dst: FuseOutputs = {}): FusedStages | undefined {
  const k = covers(options, stack) ? fastKernels() : undefined;
  if (!k) return undefined;
  const { width, height } = plan ?? stack;
  const planes = stack.planes;
  // RGBA16 planes (never aligned: alignment fuses them at 8 bits) are fused at their own 16 bits.
  const wide = isWideStack(stack);
  const Z = planes.length;
  const n = width * height;
  const modeHistogram = options.depthMode === 'histogram';
  const taps = modeHistogram ? histogramTaps(options.sigma) : smoothingTaps(options.sigma);
  const t0 = performance.now();
  let at: FastLayout;
  try {
    const blend = options.composite === 'pyramid' || options.composite === 'select' ? options.composite : undefined;
    at = fitLayout(k, width, height, Z, options.window, taps.length, { blockFactor: decide && !plan ? decide.factor : 0, measure: options.measure as FastMeasure, histogram: modeHistogram, blend, sampleBytes: wide ? 2 : 1, sampleMax: sampleMax(stack) });
  } catch {
    // wasm32 memory ends at 4 GiB (e.g. 41 planes of 4096^2 and their working images): the
    // reference stages, whose arrays live outside it, fuse such a stack instead.
    return undefined;
  }
  const tw = performance.now();
  const aligned = plan && warpIntoSlots(k, at, stack as ZStack, plan);
  const warp = performance.now() - tw;
  // Read after the warp: a grown memory has a new buffer.
  const buffer = k.memory.buffer;
  const bytes = new Uint8Array(buffer);
  if (wide) for (let z = 0; z < Z; z++) new Uint16Array(buffer, at.planes + z * n * 8, n * 4).set(planes[z]);
  else if (!plan) for (let z = 0; z < Z; z++) bytes.set(planes[z], at.planes + z * n * 4);
  new Float32Array(buffer, at.taps, taps.length).set(taps);
  const t1 = performance.now();
  // Luma, Laplacian (lapv) or Sobel energy (teng), window sums, F and the running argmax, one sweep per plane; F_z is copied out
  // only when the caller keeps the focus planes, auto's preview block sums only for auto.
  const focus: Float32Array[] = [];
  const blockBytes = at.blockCount * 4;
  k.beginStack();
  for (let z = 0; z < Z; z++) {
    k.measurePlane(z, options.keepFocus ? at.keep : 0, at.blockFactor > 0 ? at.blocks + z * blockBytes : 0);
    if (options.keepFocus) focus.push(new Float32Array(buffer, at.keep, n).slice());
  }
  const tMeasured = performance.now();
  if (decide && !plan) {
    // auto: decided from this sweep's argmax and luma; a plan starts again on the warped planes.
    const f = at.blockFactor;
    const [columns, rows] = [Math.floor(width / f), Math.floor(height / f)];
    const preview = Array.from({ length: Z }, (_, z) => ({ data: new Float32Array(buffer, at.blocks + z * blockBytes, at.blockCount).slice(), width: columns, height: rows }));
    const laidOut = layoutGeneration();
    const next = decide.decide(sharesFromSweep(k, at, width, height, Z), preview, glanceSumsIn(k, at));
    if (next) return fastStages(stack, options, next, undefined, dst);
    // Whatever the decision ran in this module's memory (none of it today) has overwritten the sweep.
    if (layoutGeneration() !== laidOut) return fastStages(stack, options, undefined, undefined, dst);
  }
  const t2 = performance.now();
  // The one-plane test (src/core/halos.ts) on the sweep's running argmax and max, read before
  // finishDepth, whose successors reuse that memory; F_P, when the test needs it, measured again
  // on its own (focusPlane leaves the depth state alone) rather than every F_z kept.
  const focusOf = (plane: number) => {
    k.focusPlane(plane, at.keep);
    return new Float32Array(k.memory.buffer, at.keep, n);
  };
  const covered = plan?.covered ?? stack.covered;
  const halos = runsHalosTest(options) ? halosDecision({ ...sweepPeaks(buffer, at, Z, options), ...(covered ? { covered } : {}) }, focusOf) : undefined;
  k.finishDepth(options.tau, FIT_EPS, MAX_FIT_DELTA);
  const rawDepth = unstride(buffer, at.depth, width, height, at.stride, fitting(dst.rawDepth, n));
  const confidence = unstride(buffer, at.confidence, width, height, at.stride, fitting(dst.confidence, n));
  const t3 = performance.now();
  // Shown as one plane: Ds = P, and the nearest composite then copies plane P itself.
  if (halos) new Float32Array(buffer, at.smooth, at.stride * height).fill(halos.plane);
  else if (options.sigma === 0) k.copyDepth();
  else if (modeHistogram) histogramDepthIn(k, at, taps.length);
  else k.smooth(taps.length, MIN_SMOOTH_WEIGHT);
  const depth = unstride(buffer, at.smooth, width, height, at.stride, fitting(dst.depth, n));
  const t4 = performance.now();
  if (halos || options.composite === 'nearest') k.compositeNearest();
  else if (options.composite === 'pyramid') k.compositePyramid();
  else if (options.composite === 'select') k.compositeSelect();
  else k.compositeInterpolate();
  // RGBA16: image16 is the composite's own samples, image the shared scaling to 8 bits (as the reference).
  const image16 = wide ? new Uint16Array(buffer, at.image, n * 4).slice() : undefined;
  const fused = image16 ? toRgba8Stack({ width, height, planes: [image16], bitDepth: stack.bitDepth }).planes[0] : bytes.subarray(at.image, at.image + n * 4);
  const into = fitting(dst.image, n * 4);
  into?.set(fused);
  const image = into ?? (image16 ? fused : fused.slice());
  const t5 = performance.now();
  const curve = Array.from(new Float64Array(buffer, at.curve, Z), (s) => s / n);
  k.depthSums(at.sums);
  const [sumDepth, sumConfidence, squaredDeviations] = new Float64Array(buffer, at.sums, 3);
  const histogram = Array.from(new Int32Array(buffer, at.sums + 24, Z));
  const stats = statsFromSums(curve, { histogram, depth: sumDepth, confidence: sumConfidence, squaredDeviations }, n);
  const t6 = performance.now();
  return {
    image,
    ...(image16 ? { image16 } : {}),
    depth,
    rawDepth,
    confidence,
    stats,
    focus,
    ...(runsHalosTest(options) ? { halosTested: true } : {}),
    ...(halos ? { depthFallback: halos } : {}),
    runtime: 'wasm simd',
    ...(aligned ? { aligned, warp } : {}),
    // luma is the planes' copy into wasm memory: the luma itself is fused into the measure sweep.
    timings: { luma: t1 - t0 - warp, measure: tMeasured - t1, depth: t3 - t2, smooth: t4 - t3, composite: t5 - t4, stats: t6 - t5 },
  };
};

/** Whether this runtime fuses on the fast path (WebAssembly SIMD present and the module loaded). */
export function fastCpuReady(): boolean {
  return fastKernels() !== undefined;
}

/**
 * Fuses a stack on the CPU with the fast stages where they cover the options (lapv or teng, gaussian or
 * histogram depth, interpolate, nearest, pyramid or select composite, 8-bit planes after alignment, 16-bit ones without it where sweepExact holds) and the reference stages
 * elsewhere; same arguments and result as fuseCpu, and `dst`: arrays to write the outputs into
 * (see {@link FuseOutputs}; the same bytes as fresh ones). Synchronous: in a browser main thread, await
 * {@link initFastCpu} first (elsewhere the module is instantiated on first use).
 * @example
 * await initFastCpu();
 * const result = fuseCpuFast(stack, resolveOptions({}));
 * // Many stacks of one size: the workspace and the outputs reused, nothing allocated per stack.
 * const dst = { image: new Uint8Array(384 * 384 * 4), depth: new Float32Array(384 * 384), rawDepth: new Float32Array(384 * 384), confidence: new Float32Array(384 * 384) };
 * for (const s of stacks) save(fuseCpuFast(s, options, workspace, dst)); // save before the next call overwrites dst
 */
export function fuseCpuFast(stack: AnyZStack, options?: FuseOptions | ResolvedOptions, workspace: CpuWorkspace = createCpuWorkspace(), dst?: FuseOutputs): FuseResult {
  const stages: CpuStages = dst ? (s, o, plan, decide) => fastStages(s, o, plan, decide, dst) : fastStages;
  return fuseCpuWith(stages, stack, options, workspace, separableWarp(), twoDWarp());
}

const sharedWorkspace = createCpuWorkspace();

/** The CPU engine as a {@link FusionBackend}: the fast path where WebAssembly SIMD exists, else the reference. */
export const cpuBackend: FusionBackend = {
  name: 'cpu',
  aligns: true,
  describe: () => (fastCpuReady() ? 'cpu (wasm simd)' : 'cpu (TypeScript reference: WebAssembly SIMD unavailable here)'),
  fuse: async (stack: AnyZStack, options?: FuseOptions | ResolvedOptions): Promise<FuseResult> => {
    await initFastCpu();
    return fuseCpuFast(stack, options, sharedWorkspace);
  },
};
