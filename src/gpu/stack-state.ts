/**
 * What the engine accumulates for one stack while its bands come back from the GPU, and how that
 * becomes a FuseResult shaped exactly like the CPU engine's.
 */
import type { DepthFallback, FuseResult, ResolvedOptions, StackStats, ZStack } from '../core/types.js';
import { halosDecision, halosFallback, mostCommonPlane, runsHalosTest } from '../core/halos.js';

export interface StackState {
  stack: ZStack;
  options: ResolvedOptions;
  /** Name used in errors: meta.name, or `stack` like validateStack. */
  name: string;
  image: Uint8Array;
  depth: Float32Array;
  rawDepth: Float32Array;
  confidence: Float32Array;
  /** Every plane's F, read back with the bands: see HalosReadback. */
  focus?: Float32Array[];
  /** An untiled stack's peaks, counts and F_P for the one-plane test: see HalosReadback. */
  peaks?: HalosPeaks;
  /** Sum of F_z over all pixels, from the statistics kernel's partials (added in f64). */
  focusSums: Float64Array;
  /** The edge-aware mode's fallback, from the first band that took one. */
  depthFallback?: DepthFallback;
  /** GPU milliseconds per stage, summed over bands. */
  gpuTimes: Record<string, number>;
  /** Wall-clock milliseconds (upload, compute, readback), this stack's share of its submissions. */
  wallTimes: Record<string, number>;
  /** Bands the stack was tiled into (1: untiled). */
  bands: number;
}

/**
 * What the GPU reads back for the `histogram` depth's one-plane test (and for `keepFocus`):
 * - `focus`: every plane's F (the caller keeps them; or a tiled stack's test reads them, since a
 *   band's most common plane need not be the stack's; or an aligned stack's, whose test counts only
 *   the covered pixels (ZStack.covered), which the kernel's counts do not know);
 * - `peaks`: an untiled stack's per-pixel argmax and F_max, the counts of evident peaks per plane and
 *   F of the most common plane (halo_peaks.wgsl): 3 values per pixel instead of Z;
 * - `none`: nothing beyond the fused outputs.
 * @example halosReadback(resolveOptions({}), 1) // => 'peaks'
 */
export type HalosReadback = 'none' | 'focus' | 'peaks';

/** @see HalosReadback */
export function halosReadback(options: Pick<ResolvedOptions, 'keepFocus' | 'depthMode' | 'sigma' | 'onePlane'>, bands: number, covered?: Int32Array): HalosReadback {
  if (options.keepFocus) return 'focus';
  if (!runsHalosTest(options)) return 'none';
  return bands > 1 || covered ? 'focus' : 'peaks';
}

/** The `peaks` read-back of an untiled stack (halo_peaks.wgsl). */
export interface HalosPeaks {
  /** argmax_z F_z per pixel (ties: lowest z), as f32. */
  best: Float32Array;
  fmax: Float32Array;
  /** Pixels with F_max > tau per argmax plane. */
  counts: Uint32Array;
  /** F of the plane with the most counts (ties: lowest). */
  focusP: Float32Array;
}

/**
 * The arrays the band jobs fill for the one-plane test, once the stack's bands are planned.
 * @example prepareHalosReadback(state, bands.length)
 */
export function prepareHalosReadback(state: StackState, bands: number): void {
  const n = state.stack.width * state.stack.height;
  const mode = halosReadback(state.options, bands, state.stack.covered);
  state.focus = mode === 'focus' ? state.stack.planes.map(() => new Float32Array(n)) : undefined;
  state.peaks =
    mode === 'peaks'
      ? { best: new Float32Array(n), fmax: new Float32Array(n), counts: new Uint32Array(state.stack.planes.length), focusP: new Float32Array(n) }
      : undefined;
}

/** @example const state = createStackState(stack, options); prepareHalosReadback(state, bands.length); */
export function createStackState(stack: ZStack, options: ResolvedOptions): StackState {
  const n = stack.width * stack.height;
  const planes = stack.planes.length;
  return {
    stack,
    options,
    name: stack.meta?.name ?? 'stack',
    image: new Uint8Array(n * 4),
    depth: new Float32Array(n),
    rawDepth: new Float32Array(n),
    confidence: new Float32Array(n),
    focusSums: new Float64Array(planes),
    gpuTimes: {},
    wallTimes: {},
    bands: 0,
  };
}

/**
 * Statistics with the CPU's definitions (src/cpu/stats.ts): the focus curve from the GPU's partial
 * sums; depth mean, standard deviation (two-pass), histogram of floor(Ds + 0.5) and confidence
 * mean in f64 from the read-back maps.
 */
export function finishStats(state: StackState): StackStats {
  const { depth, confidence } = state;
  const n = depth.length;
  const planes = state.focusSums.length;
  const focusCurve = Array.from(state.focusSums, (sum) => sum / n);
  let bestPlane = 0;
  focusCurve.forEach((mean, z) => {
    if (mean > focusCurve[bestPlane]) bestPlane = z;
  });
  const depthHistogram = new Array<number>(planes).fill(0);
  let depthSum = 0;
  let confidenceSum = 0;
  for (let i = 0; i < n; i++) {
    const z = Math.floor(depth[i] + 0.5);
    depthHistogram[z >= 0 ? Math.min(z, planes - 1) : 0]++;
    depthSum += depth[i];
    confidenceSum += confidence[i];
  }
  const depthMean = depthSum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (depth[i] - depthMean) ** 2;
  return {
    focusCurve,
    bestPlane,
    depthHistogram,
    depthMean,
    depthStd: Math.sqrt(squares / n),
    confidenceMean: confidenceSum / n,
  };
}

/** Adds `ms` to `times[key]`. */
export function addTime(times: Record<string, number>, key: string, ms: number): void {
  times[key] = (times[key] ?? 0) + ms;
}

/**
 * The FuseResult of a finished stack. Timings: GPU time per stage (luma, measure, depth, smooth,
 * composite, stats; only with timestamp queries), wall-clock upload / compute / readback and their
 * sum `total` (a stack's share where several stacks shared a submission), and `bands`, the number
 * of bands the stack was tiled into (1 = untiled; a count, not milliseconds).
 */
export function finishStack(state: StackState, backend: FuseResult['backend']): FuseResult {
  const { stack } = state;
  showHalosPlane(state); // before the statistics, which read Ds
  const result: FuseResult = {
    width: stack.width,
    height: stack.height,
    planeCount: stack.planes.length,
    image: state.image,
    depth: state.depth,
    rawDepth: state.rawDepth,
    confidence: state.confidence,
    stats: finishStats(state),
    options: state.options,
    backend,
    timings: {
      ...state.gpuTimes,
      ...state.wallTimes,
      total: Object.values(state.wallTimes).reduce((a, b) => a + b, 0),
      bands: state.bands,
    },
  };
  if (state.focus && state.options.keepFocus) result.focus = state.focus;
  if (stack.meta !== undefined) result.meta = stack.meta;
  if (state.depthFallback) result.depthFallback = state.depthFallback;
  return result;
}

/**
 * The `histogram` depth's one-plane test (src/core/halos.ts, the CPU engine's code) on the focus
 * planes read back with the bands; where it holds, the state shows that plane itself (the stack's
 * own samples, as on the CPU) and Ds = the plane.
 */
function showHalosPlane(state: StackState): void {
  const { stack, options, focus, peaks } = state;
  if (!runsHalosTest(options) || state.depthFallback) return;
  const { width, height } = stack;
  const fallback = peaks
    ? halosDecision({ ...peaks, planes: stack.planes.length, width, height, tau: options.tau, window: options.window }, (plane) =>
        // The GPU counted against tau in f32, the host in f64: were a peak to lie between the two, the
        // planes could differ, and F of the host's plane is not here (the per-pixel fusion stays).
        plane === mostCommonPlane(peaks.counts) ? peaks.focusP : undefined,
      )
    : focus && halosFallback(focus, width, height, options.tau, options.window, stack.covered);
  if (!fallback) return;
  state.image.set(stack.planes[fallback.plane]);
  state.depth.fill(fallback.plane);
  state.depthFallback = fallback;
}
