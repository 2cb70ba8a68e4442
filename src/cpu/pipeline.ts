/**
 * The CPU reference engine: runs every stage of maths version 1 on one thread and times each stage.
 * It is the reference the WebGPU engine and the fast CPU path (src/cpu/fast) are tested against.
 */
import type { AnyZStack, FuseOptions, FuseResult, FusionBackend, ResolvedOptions, StackStats, ZStack } from '../core/types.js';
import { isWideStack, sampleMax, toRgba8Stack, validateStack, type StackInput } from '../core/stack.js';
import { asResolvedOptions } from '../core/options.js';
import { halosFallback, runsHalosTest } from '../core/halos.js';
import { planAlignment, previewFactor, warpStackCpu, type WarpPlan } from '../align/align-stack.js';
import { warpPlaneSeparable, type SeparableWarp } from '../image/warp-separable.js';
import { warpPlane, type PlaneWarp } from '../image/warp.js';
import { planeShares as sharesOf } from '../align/auto-gates.js';
import type { AlignmentReport } from '../align/types.js';
import type { Level } from '../image/pyramid.js';
import type { GlanceSums } from '../align/glance.js';
import { composite } from './composite.js';
import { depthFromFocus } from './depth.js';
import { edgeAwareDepth, type EdgeDepthInfo } from './edge-depth.js';
import { histogramDepth } from './histogram-depth.js';
import { blockMeans, luma, type LumaBlockSums } from '../image/luma.js';
import { focusMeasure } from './measures.js';
import type { CpuScratch } from './scratch.js';
import { createCpuScratch } from './scratch.js';
import { smoothDepth } from './smooth.js';
import { stackStats, statsFromCurve } from './stats.js';

/**
 * Buffers reused across stacks of the same size: luma (one plane at a time), the focus planes (all Z
 * are needed at once for the depth stage) and the f64 scratch. Not safe to share between concurrent
 * calls, which cannot happen: fuseCpu is synchronous.
 */
export interface CpuWorkspace {
  width: number;
  height: number;
  luma: Float32Array;
  focus: Float32Array[];
  scratch: CpuScratch;
}

/** An empty workspace; {@link fuseCpu} sizes it on first use and whenever the stack size changes. */
export function createCpuWorkspace(): CpuWorkspace {
  return { width: 0, height: 0, luma: new Float32Array(0), focus: [], scratch: createCpuScratch(1, 1) };
}

function fitWorkspace(ws: CpuWorkspace, width: number, height: number, planeCount: number): void {
  const n = width * height;
  if (ws.width !== width || ws.height !== height) {
    ws.width = width;
    ws.height = height;
    ws.luma = new Float32Array(n);
    ws.focus = [];
    ws.scratch = createCpuScratch(width, height);
  }
  while (ws.focus.length < planeCount) ws.focus.push(new Float32Array(n));
}

/**
 * Fuses a stack on the CPU. Stage timings (ms, performance.now()) are align (only when aligning), luma,
 * measure, depth, smooth, composite, stats and total; luma and measure are summed over the planes.
 * @param input validated here too, so direct callers get the same errors as fuse(); aligned first unless options.align is none.
 * @param options resolved options (see resolveOptions); partial ones (plain JS) are resolved here.
 * @param workspace optional buffers to reuse across calls (see createCpuWorkspace).
 * @example const result = fuseCpu(stack, resolveOptions({ measure: 'teng' }));
 */
export function fuseCpu(given: StackInput, options?: FuseOptions | ResolvedOptions, workspace: CpuWorkspace = createCpuWorkspace()): FuseResult {
  return fuseCpuWith(undefined, given, options, workspace);
}

/**
 * Every stage after alignment done another way (the fast path, src/cpu/fast): the outputs, or
 * undefined when it does not handle this stack or these options (the reference stages run then).
 * With a warp plan, `stack` is the unaligned stack and the stages warp it by the plan first (as
 * warpStackCpu would, within its rounding): FusedStages.aligned and .warp say what and how long.
 */
export type CpuStages = (stack: AnyZStack, options: ResolvedOptions, warp?: WarpPlan, decide?: AutoDecision) => FusedStages | undefined;

/**
 * auto's decision taken inside the stages, from what their own measure pass found: the planes'
 * shares of the sharpest pixels (planeShares) and each plane's luma block means at `factor`
 * (previewFactor; as shrinkLuma gives them), with the stages' own twin of glanceSums. `decide`
 * returns a warp plan, with which the stages start again on the warped planes, or undefined, with
 * which they fuse on from the pass they have.
 */
export interface AutoDecision {
  factor: number;
  decide(planeShares: number[], preview: Level[], glanceSums: GlanceSums): WarpPlan | undefined;
}

/** What the stages after alignment hand over: outputs and stage timings (ms). */
export interface FusedStages {
  image: Uint8Array;
  image16?: Uint16Array;
  depth: Float32Array;
  rawDepth: Float32Array;
  confidence: Float32Array;
  stats: StackStats;
  focus: Float32Array[];
  /**
   * Set by stages that ran the one-plane test themselves (src/core/halos.ts; the fast path, on its
   * sweep's argmax): their result already shows the plane where it held (depthFallback).
   */
  halosTested?: boolean;
  timings: { luma: number; measure: number; depth: number; smooth: number; composite: number; stats: number };
  depthFallback?: EdgeDepthInfo['fallback'];
  /** Set by stages other than the reference's: what ran them (the result's backend.runtime). */
  runtime?: string;
  /** With a warp plan: the aligned stack the stages fused, and the warp's time (ms). */
  aligned?: ZStack;
  warp?: number;
}

/**
 * {@link fuseCpu} with its stages after alignment swapped for `stages` where it handles the stack
 * (8-bit planes after alignment, and 16-bit stacks without alignment at their own bit depth). Alignment,
 * auto's preview and the result are the reference's, shared; `separable` and `twoD` are the warps
 * alignment uses where the stages do not warp themselves (the fast path's WebAssembly ones, see
 * warpPlaneCpu).
 * @internal
 */
export function fuseCpuWith(stages: CpuStages | undefined, stackInput: StackInput, optionsInput: FuseOptions | ResolvedOptions | undefined, workspace: CpuWorkspace, separable: SeparableWarp = warpPlaneSeparable, twoD: PlaneWarp = warpPlane): FuseResult {
  const t0 = performance.now();
  // Plain-JS callers of fuseCpu and fuseCpuFast may pass partial options ({ measure: 'lapv' }) or none.
  const options = asResolvedOptions(optionsInput);
  const given = validateStack(stackInput);
  const wide = isWideStack(given);
  const fuseWide = (aligned?: { alignment: AlignmentReport; ms: number }) => {
    const fused = stages?.(given, options);
    if (fused) return assembleResult(given, fused, options, t0, aligned);
    return fuseMeasured(given, measurePlanes(given, options, workspace), options, workspace, t0, aligned);
  };
  if (options.align === 'none' && wide) return fuseWide();
  // Alignment resamples 8-bit planes: it looks at the 16-bit stack at 8 bits, and a stack that it
  // warps is fused at 8 bits (README "High bit depth"); one it leaves as it is keeps its 16 bits.
  const input = toRgba8Stack(given);
  const alignOptions = { mode: options.align, reference: options.alignReference, crop: options.alignCrop, matchBrightness: options.alignMatchBrightness };
  // auto's preview is gathered by the first luma pass over the unaligned planes; when it finds the
  // stack registered (the usual case), that pass is the fusion's, and auto has cost only its glance
  // (with or without a crop: planes that do not move leave nothing to crop). Not for a 16-bit stack:
  // that pass would be at 8 bits.
  const factor = options.align === 'auto' && !wide ? previewFactor(input) : 0;
  let alignment: AlignmentReport | undefined;
  let plan: WarpPlan | undefined;
  let measured: MeasurePass | undefined;
  // The alignment's time: its estimate (after auto's preview pass) and its warp.
  const timed = (warpMs: number) => {
    if (!alignment) return undefined;
    alignment.timings.warp = warpMs;
    return { alignment, ms: alignment.timings.estimate + warpMs };
  };
  if (factor > 0 && stages) {
    // Stages with their own measure pass (the fast path) take auto's decision from it: the shares
    // from their running argmax, the preview from the luma rows they make anyway.
    const fused = stages(input, options, undefined, {
      factor,
      decide: (planeShares, preview, glanceSums) => {
        ({ report: alignment, warp: plan } = planAlignment(input, { ...alignOptions, planeShares, preview, glanceSums }));
        return plan;
      },
    });
    if (fused) return assembleResult(input, fused, options, t0, timed(fused.warp ?? 0));
  }
  if (factor > 0) {
    const columns = Math.floor(input.width / factor);
    const rows = Math.floor(input.height / factor);
    const sums = input.planes.map(() => new Float64Array(columns * rows));
    measured = measurePlanes(input, options, workspace, sums.map((s) => ({ factor, sums: s })));
    const planeShares = sharesOf(measured.focus);
    ({ report: alignment, warp: plan } = planAlignment(input, { ...alignOptions, preview: sums.map((s) => blockMeans(s, columns, rows, factor)), planeShares }));
    if (plan) measured = undefined; // measured before alignment: measure the aligned planes instead
  } else {
    // Alignment first: every later stage sees planes in the reference plane's frame (see docs/alignment.md).
    ({ report: alignment, warp: plan } = planAlignment(input, alignOptions));
    if (wide && !plan) return fuseWide(timed(0));
  }
  if (stages) {
    // The fast stages warp the planes themselves (into their own memory, no copies), and also fuse
    // when auto's preview pass measured the planes and applied nothing: so auto on a registered
    // stack gives exactly what align none gives on this engine.
    const fused = stages(input, options, plan);
    if (fused) return assembleResult(input, fused, options, t0, timed(fused.warp ?? 0));
  }
  let stack = input;
  const tw = performance.now();
  if (plan) stack = warpStackCpu(input, plan, separable, twoD);
  const timedAlignment = timed(plan ? performance.now() - tw : 0);
  measured ??= measurePlanes(stack, options, workspace);
  return fuseMeasured(stack, measured, options, workspace, t0, timedAlignment);
}

/**
 * Stages 3 to 6 (depth, smoothing, composite, stats) on measured planes, and the result. A 16-bit
 * stack composites its 16-bit samples (`image16`); `image` is that scaled to 8 bits for display.
 */
function fuseMeasured(stack: AnyZStack, measured: MeasurePass, options: ResolvedOptions, workspace: CpuWorkspace, t0: number, aligned?: { alignment: AlignmentReport; ms: number }): FuseResult {
  const { width, height, planes } = stack;
  const Z = planes.length;
  const n = width * height;
  const { focus, luma: tLuma, measure: tMeasure } = measured;
  const t1 = performance.now();
  const rawDepth = new Float32Array(n);
  const confidence = new Float32Array(n);
  depthFromFocus(focus, width, height, options.tau, { depth: rawDepth, confidence });
  const t2 = performance.now();
  const edgeInfo: EdgeDepthInfo = {};
  const depth =
    options.depthMode === 'edge-aware'
      ? edgeAwareDepth({ width, height, planes, sampleMax: sampleMax(stack), focus, depth: rawDepth, confidence, window: options.window, sigma: options.sigma, tau: options.tau }, undefined, edgeInfo)
      : options.depthMode === 'histogram'
        ? histogramDepth(rawDepth, confidence, width, height, Z, options.sigma)
        : smoothDepth(rawDepth, confidence, width, height, options.sigma, new Float32Array(n), workspace.scratch);
  const t3 = performance.now();
  const fused = composite<Uint8Array | Uint16Array>(planes, depth, width, height, options.composite);
  const image16 = fused instanceof Uint16Array ? fused : undefined;
  const image = image16 ? toRgba8Stack({ width, height, planes: [image16], bitDepth: stack.bitDepth }).planes[0] : (fused as Uint8Array);
  const t4 = performance.now();
  const stats = stackStats(focus, depth, confidence, Z);
  const t5 = performance.now();
  const timings = { luma: tLuma, measure: tMeasure, depth: t2 - t1, smooth: t3 - t2, composite: t4 - t3, stats: t5 - t4 };
  return assembleResult(stack, { image, ...(image16 ? { image16 } : {}), depth, rawDepth, confidence, stats, focus, timings, depthFallback: edgeInfo.fallback }, options, t0, aligned);
}

/**
 * The result of either engine's stages (total time measured from t0): `stack` is the stack they
 * fused, or the unaligned one when they warped it themselves (fused.aligned, whose planes may be
 * read out of the fast path's memory only when asked for: not touched here).
 */
function assembleResult(stack: AnyZStack, stages: FusedStages, options: ResolvedOptions, t0: number, aligned?: { alignment: AlignmentReport; ms: number }): FuseResult {
  const fused = withHalosTest(stack, stages, options);
  const { width, height } = fused.aligned ?? stack;
  const result: FuseResult = {
    width,
    height,
    planeCount: stack.planes.length,
    image: fused.image,
    ...(fused.image16 ? { image16: fused.image16 } : {}),
    depth: fused.depth,
    rawDepth: fused.rawDepth,
    confidence: fused.confidence,
    stats: fused.stats,
    options,
    // Which CPU stages ran, for callers who asked for `cpu` and got the reference (options or bit
    // depths the fast path does not cover, no WebAssembly SIMD, a page's CSP refusing WebAssembly).
    backend: { name: 'cpu', runtime: fused.runtime ?? 'TypeScript stages' },
    timings: { ...(aligned ? { align: aligned.ms } : {}), ...fused.timings, total: performance.now() - t0 },
  };
  if (options.keepFocus) result.focus = fused.focus;
  if (stack.meta !== undefined) result.meta = stack.meta;
  if (aligned) {
    result.alignment = aligned.alignment;
    result.aligned = fused.aligned ?? (stack as ZStack);
  }
  if (fused.depthFallback) result.depthFallback = fused.depthFallback;
  return result;
}

/**
 * The `histogram` depth's one-plane test (src/core/halos.ts) on the stages' focus planes, for both
 * CPU stages: where it holds, the result shows that plane itself (its own samples, 16-bit ones
 * included) and Ds = the plane. The test's time counts as the depth stage's (`smooth`).
 */
function withHalosTest(stack: AnyZStack, fused: FusedStages, options: ResolvedOptions): FusedStages {
  if (!runsHalosTest(options) || fused.halosTested || fused.depthFallback) return fused;
  const t = performance.now();
  const source = fused.aligned ?? stack;
  const { width, height } = source;
  const fallback = halosFallback(fused.focus, width, height, options.tau, options.window, source.covered);
  const timings = { ...fused.timings, smooth: fused.timings.smooth + performance.now() - t };
  if (!fallback) return { ...fused, timings };
  const n = width * height;
  const plane = source.planes[fallback.plane];
  const image16 = plane instanceof Uint16Array ? plane.slice() : undefined;
  const image = image16 ? toRgba8Stack({ width, height, planes: [image16], bitDepth: stack.bitDepth }).planes[0] : (plane as Uint8Array).slice();
  const depth = new Float32Array(n).fill(fallback.plane);
  const { image16: _composite, ...rest } = fused;
  return { ...rest, image, ...(image16 ? { image16 } : {}), depth, stats: statsFromCurve(fused.stats.focusCurve, depth, fused.confidence), depthFallback: fallback, timings };
}

/** The focus planes of a stack and what their luma and measure stages took (ms). */
interface MeasurePass {
  focus: Float32Array[];
  luma: number;
  measure: number;
}

/** Stages 1 and 2 over every plane; `blocks` (one per plane) gathers auto's preview on the way. */
function measurePlanes(stack: AnyZStack, options: ResolvedOptions, workspace: CpuWorkspace, blocks?: LumaBlockSums[]): MeasurePass {
  const { width, height, planes } = stack;
  const n = width * height;
  fitWorkspace(workspace, width, height, options.keepFocus ? 0 : planes.length);
  // With keepFocus the focus planes are handed to the caller, so they cannot be the workspace's.
  const focus = options.keepFocus ? planes.map(() => new Float32Array(n)) : workspace.focus.slice(0, planes.length);
  let tLuma = 0;
  let tMeasure = 0;
  for (let z = 0; z < planes.length; z++) {
    const a = performance.now();
    luma(planes[z], width, height, workspace.luma, blocks?.[z], sampleMax(stack));
    const b = performance.now();
    focusMeasure(options.measure, workspace.luma, width, height, options.window, focus[z], workspace.scratch);
    tLuma += b - a;
    tMeasure += performance.now() - b;
  }
  return { focus, luma: tLuma, measure: tMeasure };
}

// One workspace for the backend object: CCCID stacks all have one size, so after the first stack
// only the outputs are allocated.
const sharedWorkspace = createCpuWorkspace();

/**
 * The CPU reference engine as a {@link FusionBackend} (backend `cpu-reference`): the readable
 * TypeScript stages, for tests and debugging. Backend `cpu` is the fast path (src/cpu/fast).
 */
export const cpuReferenceBackend: FusionBackend = {
  name: 'cpu',
  aligns: true,
  describe: () => 'cpu (TypeScript reference)',
  fuse: async (stack: AnyZStack, options?: FuseOptions | ResolvedOptions): Promise<FuseResult> => fuseCpu(stack, options, sharedWorkspace),
};
