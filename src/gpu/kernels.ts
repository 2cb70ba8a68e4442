/**
 * One small descriptor per WGSL kernel: label, source, entry points, workgroup size, bindings and
 * dispatch size. The descriptors are the single place the host learns a kernel's interface; the
 * pipeline cache builds layouts from `bindings`, the encoder dispatches with `dispatch`.
 * Constants here mirror the `const` declarations in the WGSL files (test/gpu-kernels.test.ts
 * checks that they agree).
 */
import boxMeanWgsl from '../../shaders/box_mean.wgsl';
import brennerWgsl from '../../shaders/brenner.wgsl';
import commonWgsl from '../../shaders/common.wgsl';
import compositeWgsl from '../../shaders/composite.wgsl';
import depthWgsl from '../../shaders/depth.wgsl';
import dlapWgsl from '../../shaders/dlap.wgsl';
import edgeDepthWgsl from '../../shaders/edge_depth.wgsl';
import glvWgsl from '../../shaders/glv.wgsl';
import haloPeaksWgsl from '../../shaders/halo_peaks.wgsl';
import histogramDepthWgsl from '../../shaders/histogram_depth.wgsl';
import lapvWgsl from '../../shaders/lapv.wgsl';
import lumaWgsl from '../../shaders/luma.wgsl';
import lumaOfWgsl from '../../shaders/luma_of.wgsl';
import measureTileWgsl from '../../shaders/measure_tile.wgsl';
import pyramidBlendWgsl from '../../shaders/pyramid_blend.wgsl';
import pyramidLevelsWgsl from '../../shaders/pyramid_levels.wgsl';
import pyramidReduceWgsl from '../../shaders/pyramid_reduce.wgsl';
import smlWgsl from '../../shaders/sml.wgsl';
import smoothWgsl from '../../shaders/smooth.wgsl';
import statsWgsl from '../../shaders/stats.wgsl';
import tengWgsl from '../../shaders/teng.wgsl';
import tenvWgsl from '../../shaders/tenv.wgsl';
import warpWgsl from '../../shaders/warp.wgsl';
import waveletWgsl from '../../shaders/wavelet.wgsl';
import { COMPOSITE_MODES, DEPTH_MODES, MAX_SIGMA, MAX_WINDOW } from '../core/options.js';
import { gaussianRadius } from '../core/maths.js';
import { FocusFuseError } from '../core/errors.js';
import type { CompositeMode, DepthMode, Measure } from '../core/types.js';

/** Side of the square pixel tile of the 2-D kernels (luma, measures, box mean, depth, composite). */
export const TILE = 16;
/** Largest box radius the box-mean strips are sized for (WGSL box_mean.wgsl MAX_RADIUS). */
export const BOX_MAX_RADIUS = MAX_WINDOW;
/** Consecutive outputs per box-mean invocation along the pass direction (WGSL box_mean.wgsl RUN). */
export const BOX_RUN = 8;
/** Smoothing strips: pixels along the pass direction and across it (WGSL smooth.wgsl ALONG, ACROSS). */
export const SMOOTH_ALONG = 64;
export const SMOOTH_ACROSS = 4;
/** Largest Gaussian radius the smoothing strips are sized for (WGSL smooth.wgsl MAX_RADIUS). */
export const SMOOTH_MAX_RADIUS = gaussianRadius(MAX_SIGMA);
/** Invocations per statistics workgroup (WGSL stats.wgsl GROUP). */
export const STATS_GROUP = 64;
/** Most partial sums per plane the statistics kernel writes. */
export const STATS_MAX_LANES = 1024;
/** Halo of the measure tile: before and after the block (WGSL measure_tile.wgsl HALO_BEFORE, HALO_AFTER). */
export const MEASURE_HALO_BEFORE = 1;
export const MEASURE_HALO_AFTER = 3;

/** Histogram bins per `rows` layer of histogram_depth.wgsl (one vec4f per pixel: bins 4g..4g+3). */
export const HISTOGRAM_BIN_GROUP = 4;

/** Layers of histogram_depth.wgsl's `rows` scratch for Z bins. */
export const histogramLayers = (planes: number): number => Math.ceil(planes / HISTOGRAM_BIN_GROUP);

/** Lines (rows or columns) per workgroup of edge_depth.wgsl's recursive passes (WGSL LINES_PER_GROUP). */
export const EDGE_LINES_PER_GROUP = TILE * TILE;

/** How a kernel sees one binding; binding 0 is always the `Params` uniform of common.wgsl. */
export type BindingKind = 'uniform' | 'storage' | 'read-only-storage';

/** Size of the work a dispatch covers: pixels of the band and layers (planes or channels x planes). */
export interface DispatchShape {
  width: number;
  height: number;
  layers: number;
}

export interface KernelDescriptor {
  /** Label of the shader module, layouts and pipelines (shows up in every WebGPU error). */
  label: string;
  /** Complete WGSL: common.wgsl plus the kernel. */
  code: string;
  /** Entry points, each compiled to its own pipeline. */
  entryPoints: readonly string[];
  workgroupSize: readonly [number, number, number];
  /** Binding kinds in binding order (index = binding number). */
  bindings: readonly BindingKind[];
  /**
   * Whether the kernel has the `SHARED` override: stage windows in workgroup memory (true) or read
   * storage directly (false, for software adapters where barriers are slow).
   */
  shared: boolean;
  /** Workgroup counts for an entry point over a shape. */
  dispatch(shape: DispatchShape, entryPoint: string): [number, number, number];
}

const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);

/** Dispatch of a kernel with one invocation per pixel in TILE x TILE workgroups, one layer per z. */
const perPixel = (shape: DispatchShape): [number, number, number] => [ceilDiv(shape.width, TILE), ceilDiv(shape.height, TILE), shape.layers];

const RO: BindingKind = 'read-only-storage';
const RW: BindingKind = 'storage';
const U: BindingKind = 'uniform';

function measureKernel(measure: Measure, source: string): KernelDescriptor {
  return {
    label: `focusfuse.${measure}`,
    code: commonWgsl + measureTileWgsl + source,
    entryPoints: ['main'],
    workgroupSize: [TILE, TILE, 1],
    bindings: [U, RO, RW], // params, luma, energy
    shared: true,
    dispatch: perPixel,
  };
}

export const KERNELS = {
  warp: {
    label: 'focusfuse.warp',
    code: commonWgsl + warpWgsl,
    entryPoints: ['main'],
    workgroupSize: [TILE, TILE, 1],
    bindings: [U, RO, RO, RW], // params, warps, source, warped
    shared: false,
    dispatch: perPixel,
  },
  luma: {
    label: 'focusfuse.luma',
    code: commonWgsl + lumaOfWgsl + lumaWgsl,
    entryPoints: ['main'],
    workgroupSize: [TILE, TILE, 1],
    bindings: [U, RO, RW], // params, planes, luma
    shared: false,
    dispatch: perPixel,
  },
  lapv: measureKernel('lapv', lapvWgsl),
  teng: measureKernel('teng', tengWgsl),
  wavelet: measureKernel('wavelet', waveletWgsl),
  dlap: measureKernel('dlap', dlapWgsl),
  sml: measureKernel('sml', smlWgsl),
  brenner: measureKernel('brenner', brennerWgsl),
  tenv: measureKernel('tenv', tenvWgsl),
  glv: {
    label: 'focusfuse.glv',
    code: commonWgsl + glvWgsl,
    entryPoints: ['horizontal', 'vertical'], // run in this order: row statistics, then F
    workgroupSize: [TILE, TILE, 1],
    bindings: [U, RO, RW, RW], // params, luma, row statistics (the box-mean scratch), energy
    shared: false,
    dispatch: perPixel,
  },
  boxMean: {
    label: 'focusfuse.box_mean',
    code: commonWgsl + boxMeanWgsl,
    entryPoints: ['horizontal', 'vertical'],
    workgroupSize: [TILE, TILE, 1],
    bindings: [U, RO, RW], // params, src, dst
    shared: true,
    dispatch: (shape, entryPoint) =>
      entryPoint === 'horizontal'
        ? [ceilDiv(shape.width, TILE * BOX_RUN), ceilDiv(shape.height, TILE), shape.layers]
        : [ceilDiv(shape.width, TILE), ceilDiv(shape.height, TILE * BOX_RUN), shape.layers],
  },
  depth: {
    label: 'focusfuse.depth',
    code: commonWgsl + depthWgsl,
    entryPoints: ['main'],
    workgroupSize: [TILE, TILE, 1],
    bindings: [U, RO, RW, RW, RW], // params, means, focus, raw_depth, confidence
    shared: false,
    dispatch: perPixel,
  },
  haloPeaks: {
    label: 'focusfuse.halo_peaks',
    code: commonWgsl + haloPeaksWgsl,
    entryPoints: ['find_peaks', 'majority'], // in this order: every count is in before `majority` reads them
    workgroupSize: [TILE, TILE, 1],
    bindings: [U, RO, RW, RW, RW], // params, focus, peaks (2 layers), counts (Z u32, zeroed), focus_p
    shared: false,
    dispatch: perPixel,
  },
  smooth: {
    label: 'focusfuse.smooth',
    code: commonWgsl + smoothWgsl,
    entryPoints: ['horizontal', 'vertical'],
    workgroupSize: [SMOOTH_ALONG, SMOOTH_ACROSS, 1], // vertical: [SMOOTH_ACROSS, SMOOTH_ALONG, 1]
    bindings: [U, RO, RO, RO, RW, RW], // params, raw_depth, confidence, weights, sums, depth
    shared: true,
    dispatch: (shape, entryPoint) =>
      entryPoint === 'horizontal'
        ? [ceilDiv(shape.width, SMOOTH_ALONG), ceilDiv(shape.height, SMOOTH_ACROSS), 1]
        : [ceilDiv(shape.width, SMOOTH_ACROSS), ceilDiv(shape.height, SMOOTH_ALONG), 1],
  },
  edgeDepth: {
    label: 'focusfuse.edge_depth',
    code: commonWgsl + lumaOfWgsl + edgeDepthWgsl,
    // Run in this order; rows and columns once per iteration (see edge_depth.wgsl).
    entryPoints: ['summary', 'row_max', 'weigh', 'rows', 'columns', 'decide', 'resolve'],
    workgroupSize: [TILE, TILE, 1],
    // params, planes, focus, raw_depth, confidence, guide, sums, depth, counts, edge (one slot per iteration)
    bindings: [U, RO, RO, RO, RO, RW, RW, RW, RW, U],
    shared: false,
    dispatch: (shape, entryPoint) =>
      entryPoint === 'decide'
        ? [1, 1, 1]
        : entryPoint === 'rows'
          ? [ceilDiv(shape.height, EDGE_LINES_PER_GROUP), 1, 1]
          : entryPoint === 'columns'
            ? [ceilDiv(shape.width, EDGE_LINES_PER_GROUP), 1, 1]
            : perPixel(shape),
  },
  histogramDepth: {
    label: 'focusfuse.histogram_depth',
    code: commonWgsl + histogramDepthWgsl,
    entryPoints: ['vote', 'horizontal', 'vertical', 'resolve'], // in this order: block votes, rows, columns (coarse grid), then per pixel the running best
    workgroupSize: [TILE, TILE, 1],
    // params, raw_depth, confidence, weights, rows, depth, votes (rows and votes: histogramLayers(Z) vec4f layers of the coarse grid)
    bindings: [U, RO, RO, RO, RW, RW, RW],
    shared: false,
    // Shape: the coarse grid (histogramCoarseSize) x histogramLayers(Z) for `vote`, `horizontal` and `vertical`; the band for `resolve`.
    dispatch: perPixel,
  },
  composite: {
    label: 'focusfuse.composite',
    code: commonWgsl + compositeWgsl,
    entryPoints: ['main'],
    workgroupSize: [TILE, TILE, 1],
    bindings: [U, RO, RO, RW], // params, planes, depth, image
    shared: false,
    dispatch: perPixel,
  },
  pyramidReduce: {
    label: 'focusfuse.pyramid_reduce',
    code: commonWgsl + pyramidLevelsWgsl + pyramidReduceWgsl,
    entryPoints: ['rows', 'columns'], // run in this order per level
    workgroupSize: [TILE, TILE, 1],
    // `select` also keeps the luma of levels 0..SELECT_LEVELS for its choice: level luma (levels >= 1, laid out as gauss), plane luma (level 0).
    bindings: [U, U, RO, RO, RW, RW, RW, RW, RW, RW], // params, level, planes, depth, gauss, weights, row colour, row weight, level luma, plane luma
    shared: false,
    // Shape: one invocation per pair of outputs (rows: ceil(w_{l+1} / 2) x h_l; columns: w_{l+1} x ceil(h_{l+1} / 2)), one layer (each invocation loops over the planes).
    dispatch: perPixel,
  },
  pyramidBlend: {
    label: 'focusfuse.pyramid_blend',
    code: commonWgsl + pyramidLevelsWgsl + pyramidBlendWgsl,
    // blend: levels L..1, then collapse: level 0; `select` chooses its planes inside the blend of
    // level 1 and the collapse (no pass or buffer of its own).
    entryPoints: ['blend', 'collapse'],
    workgroupSize: [TILE, TILE, 1],
    bindings: [U, U, RO, RO, RO, RO, RW, RW, RO, RO], // params, level, planes, depth, gauss, weights, blended, image, level luma, plane luma
    shared: false,
    // Shape: blend: the coarsest level when it is written, else the level below (2x2 blocks);
    // collapse: the level below (2x2 blocks). One layer.
    dispatch: perPixel,
  },
  stats: {
    label: 'focusfuse.stats',
    code: commonWgsl + statsWgsl,
    entryPoints: ['main'],
    workgroupSize: [STATS_GROUP, 1, 1],
    bindings: [U, RO, RW], // params, focus, partials
    shared: false,
    // Shape: the kept rows of the band, layers = Z (one dispatch row per plane).
    dispatch: (shape) => [statsGroups(shape.width * shape.height), shape.layers, 1],
  },
} satisfies Record<string, KernelDescriptor>;

export type KernelName = keyof typeof KERNELS;

/** A measure's kernel, its energy channels and whether it forms the window statistic itself (see MEASURE_KERNELS). */
export interface MeasureKernel {
  kernel: KernelName;
  channels: 1 | 2;
  ownWindow?: boolean;
}

/**
 * The kernel of each measure and how many energy channels it writes: 2 for the window variances
 * (the value and its square; depth.wgsl forms Box[v^2] - Box[v]^2), 1 for the window means. A
 * measure with `ownWindow` forms F over the window itself (its entry points run in order, luma ->
 * box-mean scratch -> energy, with `channels` layers per plane of scratch) instead of the box-mean
 * pass, and depth.wgsl reads F as is. A Record over every Measure, so a new measure is a type error
 * here until it has a kernel or says why it has none.
 */
const MEASURE_KERNELS: Readonly<Record<Measure, MeasureKernel | { none: string }>> = {
  lapv: { kernel: 'lapv', channels: 2 },
  teng: { kernel: 'teng', channels: 1 },
  wavelet: { kernel: 'wavelet', channels: 1 },
  dlap: { kernel: 'dlap', channels: 1 },
  sml: { kernel: 'sml', channels: 1 },
  brenner: { kernel: 'brenner', channels: 1 },
  tenv: { kernel: 'tenv', channels: 2 },
  // Box[Y^2] - Box[Y]^2 of raw luma cancels in f32 (both means ~0.1..0.8, flat background's variance
  // ~3e-5): glv.wgsl computes the variance from centred row and column statistics instead, which
  // need the 2 scratch channels (row mean, row M2).
  glv: { kernel: 'glv', channels: 2, ownWindow: true },
};

/** Measures the WebGPU engine runs (the rest are CPU only, see MEASURE_KERNELS). */
export const GPU_MEASURES: readonly Measure[] = (Object.keys(MEASURE_KERNELS) as Measure[]).filter((m) => 'kernel' in MEASURE_KERNELS[m]);

/**
 * Measure kernel and how many energy channels it writes (lapv: L and L^2).
 * @throws FocusFuseError BACKEND for a measure without a WebGPU kernel, saying to use the CPU.
 * @example measureKernelFor('tenv') // => { kernel: 'tenv', channels: 2 }
 */
export function measureKernelFor(measure: Measure): MeasureKernel {
  const entry = MEASURE_KERNELS[measure];
  if (entry === undefined || 'none' in entry) {
    const why = entry === undefined ? 'it is unknown' : entry.none;
    throw new FocusFuseError('BACKEND', `measure '${measure}' has no WebGPU kernel (${why}); use backend 'cpu' for it`);
  }
  return entry;
}

/** Depth and composite modes, by kind, that a WebGPU engine is asked to run. */
export interface ModeLists {
  readonly depthMode: readonly DepthMode[];
  readonly composite: readonly CompositeMode[];
}

/**
 * Depth and composite modes with no WebGPU kernel yet: the CPU engines run them (docs/fusion-v2.md).
 * Empty since `histogram` and `select` got theirs; a mode added on the CPU first goes here until its
 * kernel exists, and the engine then refuses it before any GPU work.
 */
export const CPU_ONLY_MODES: ModeLists = { depthMode: [], composite: [] };

/** The modes of `options` (defaults: version 1's) that have no WebGPU kernel: listed in `cpuOnly`, or unknown. */
function modesWithoutKernel(options: { depthMode?: DepthMode; composite?: CompositeMode }, cpuOnly: ModeLists): string[] {
  const depthMode = options.depthMode ?? 'gaussian';
  const composite = options.composite ?? 'interpolate';
  return [
    ...(cpuOnly.depthMode.includes(depthMode) || !DEPTH_MODES.includes(depthMode) ? [`depth mode '${depthMode}'`] : []),
    ...(cpuOnly.composite.includes(composite) || !COMPOSITE_MODES.includes(composite) ? [`composite '${composite}'`] : []),
  ];
}

/**
 * Whether the WebGPU engine has kernels for these modes (defaults: version 1's).
 * @param cpuOnly the modes without a kernel (default CPU_ONLY_MODES; tests pass their own).
 * @example hasGpuModes({ composite: 'select' }) // true
 */
export function hasGpuModes(options: { depthMode?: DepthMode; composite?: CompositeMode }, cpuOnly: ModeLists = CPU_ONLY_MODES): boolean {
  return modesWithoutKernel(options, cpuOnly).length === 0;
}

/**
 * @param cpuOnly the modes without a kernel (default CPU_ONLY_MODES; tests pass their own).
 * @throws FocusFuseError BACKEND for a depth or composite mode without a WebGPU kernel (or one it does not know), saying to use the CPU.
 * @example checkGpuModes({ depthMode: 'gaussian', composite: 'select' }, { depthMode: [], composite: ['select'] }) // throws: composite 'select' has no WebGPU kernel ...
 */
export function checkGpuModes(options: { depthMode: DepthMode; composite: CompositeMode }, cpuOnly: ModeLists = CPU_ONLY_MODES): void {
  const missing = modesWithoutKernel(options, cpuOnly);
  if (missing.length > 0) throw new FocusFuseError('BACKEND', `${missing.join(' and ')} ${missing.length > 1 ? 'have' : 'has'} no WebGPU kernel yet; use backend 'cpu' for ${missing.length > 1 ? 'them' : 'it'}`);
}

/**
 * Workgroups of the statistics pass: at most STATS_MAX_LANES invocations per plane, so the partial
 * sums stay a small readback (each invocation adds ~pixels / 1024 values in f32; the host adds the
 * partials in f64).
 */
export function statsGroups(pixels: number): number {
  return ceilDiv(Math.min(pixels, STATS_MAX_LANES), STATS_GROUP);
}
