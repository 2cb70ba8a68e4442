/**
 * One small descriptor per WGSL kernel: label, source, entry points, workgroup size, bindings and
 * dispatch size. The descriptors are the single place the host learns a kernel's interface; the
 * pipeline cache builds layouts from `bindings`, the encoder dispatches with `dispatch`.
 * Constants here mirror the `const` declarations in the WGSL files (test/gpu-kernels.test.ts
 * checks that they agree).
 */
import boxMeanWgsl from '../../shaders/box_mean.wgsl';
import commonWgsl from '../../shaders/common.wgsl';
import compositeWgsl from '../../shaders/composite.wgsl';
import depthWgsl from '../../shaders/depth.wgsl';
import lapvWgsl from '../../shaders/lapv.wgsl';
import lumaWgsl from '../../shaders/luma.wgsl';
import measureTileWgsl from '../../shaders/measure_tile.wgsl';
import smoothWgsl from '../../shaders/smooth.wgsl';
import statsWgsl from '../../shaders/stats.wgsl';
import tengWgsl from '../../shaders/teng.wgsl';
import waveletWgsl from '../../shaders/wavelet.wgsl';
import { MAX_SIGMA, MAX_WINDOW } from '../core/options.js';
import { gaussianRadius } from '../core/maths.js';
import type { Measure } from '../core/types.js';

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
  luma: {
    label: 'focusfuse.luma',
    code: commonWgsl + lumaWgsl,
    entryPoints: ['main'],
    workgroupSize: [TILE, TILE, 1],
    bindings: [U, RO, RW], // params, planes, luma
    shared: false,
    dispatch: perPixel,
  },
  lapv: measureKernel('lapv', lapvWgsl),
  teng: measureKernel('teng', tengWgsl),
  wavelet: measureKernel('wavelet', waveletWgsl),
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
  composite: {
    label: 'focusfuse.composite',
    code: commonWgsl + compositeWgsl,
    entryPoints: ['main'],
    workgroupSize: [TILE, TILE, 1],
    bindings: [U, RO, RO, RW], // params, planes, depth, image
    shared: false,
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

/** Measure kernel and how many energy channels it writes (lapv: L and L^2). */
export function measureKernelFor(measure: Measure): { kernel: KernelName; channels: number } {
  return { kernel: measure, channels: measure === 'lapv' ? 2 : 1 };
}

/**
 * Workgroups of the statistics pass: at most STATS_MAX_LANES invocations per plane, so the partial
 * sums stay a small readback (each invocation adds ~pixels / 1024 values in f32; the host adds the
 * partials in f64).
 */
export function statsGroups(pixels: number): number {
  return ceilDiv(Math.min(pixels, STATS_MAX_LANES), STATS_GROUP);
}
