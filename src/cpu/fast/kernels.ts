/**
 * Loads the fast CPU path's WebAssembly module (src/cpu/fast/assembly, built by `npm run build:wasm`)
 * and lays its linear memory out per stack size. Browser-safe: the bytes are bundled, nothing is
 * fetched or read from disk.
 */
import wasmBytes from './kernels.wasm';
import { histogramCoarseSize } from '../../core/histogram.js';
import { PYRAMID_CLAMP_REACH, PYRAMID_CLAMP_TOLERANCE, PYRAMID_LEVELS, PYRAMID_SOFTNESS, pyramidLevels, pyramidPixels } from '../../core/pyramid.js';
import { SELECT_ENERGY_RADIUS, SELECT_GATE_HIGH, SELECT_GATE_LOW, SELECT_LEVELS } from '../../core/select.js';

/** The module's exports (see src/cpu/fast/assembly/index.ts for what each does). */
export interface FastKernels {
  memory: WebAssembly.Memory;
  heapBase(): number;
  configure(...args: number[]): void;
  beginStack(): void;
  configureBlocks(factor: number, acc: number): void;
  configureMeasure(kind: number): void;
  configureSamples(bytes: number, max: number): void;
  measurePlane(z: number, keep: number, blocks: number): void;
  focusPlane(z: number, keep: number): void;
  glanceSums(a: number, b: number, width: number, height: number, edge: number, out: number): void;
  shareSums(best: number, which: number, width: number, height: number, stride: number, step: number, planeCount: number, out: number): void;
  finishDepth(tau: number, fitEps: number, maxDelta: number): void;
  smooth(taps: number, minWeight: number): void;
  copyDepth(): void;
  compositeInterpolate(): void;
  compositeNearest(): void;
  depthSums(out: number): void;
  warpSeparable(src: number, wide: number, width: number, height: number, table: number, column: number, dst: number, dstWidth: number, dstHeight: number, a: number, d: number, b: number, e: number, c: number, f: number, opaque: number): void;
  warp2d(src: number, width: number, height: number, stride: number, wide: number, dst: number, dstWidth: number, dstHeight: number, a: number, d: number, b: number, e: number, c: number, f: number, opaque: number, weights: number): void;
  mapChannels(rgba: number, n: number, lut: number): void;
  histogramDepth(depth: number, conf: number, out: number, width: number, height: number, stride: number, planeCount: number, taps: number, tapCount: number, grid: number, rows: number, pad: number, minWeight: number): void;
  histogramGridStride(width: number): number;
  configurePyramid(...args: number[]): void;
  compositePyramid(): void;
  compositeSelect(): void;
}

let kernels: FastKernels | undefined;
// undefined: not tried yet; false: WebAssembly SIMD (or WebAssembly) is missing here.
let available: boolean | undefined;

function supported(): boolean {
  if (available === undefined) available = typeof WebAssembly === 'object' && WebAssembly.validate(wasmBytes);
  return available;
}

/**
 * Instantiates the fusion's module once, asynchronously (see initFastCpu in ./index.ts); resolves
 * false where WebAssembly SIMD is missing or the page may not compile WebAssembly.
 */
export async function initFusionKernels(): Promise<boolean> {
  if (kernels) return true;
  if (!supported()) return false;
  try {
    const { instance } = await WebAssembly.instantiate(wasmBytes);
    kernels ??= instance.exports as unknown as FastKernels;
  } catch (error) {
    // A page whose Content-Security-Policy forbids compiling WebAssembly: the reference fuses.
    available = false;
    warnNoWasm(error);
    return false;
  }
  return true;
}

let warnedNoWasm = false;

/**
 * Says once, on the console, that the CPU engine runs its TypeScript stages because WebAssembly
 * could not be compiled: ~10x slower, and otherwise seen only in result.backend.runtime.
 */
function warnNoWasm(error: unknown): void {
  if (warnedNoWasm) return;
  warnedNoWasm = true;
  console.warn(
    `focusfuse: WebAssembly could not be compiled here (${error instanceof Error ? error.message : String(error)}); the CPU engine runs its TypeScript stages, ` +
      "about 10x slower. A page's Content-Security-Policy must allow it (script-src 'self' 'wasm-unsafe-eval'); on a browser's main thread, await initFastCpu() first.",
  );
}

/**
 * The kernels, instantiated synchronously when initFusionKernels has not run yet (fine in Node and
 * in workers); undefined where SIMD is missing or synchronous compiling is refused.
 */
export function fastKernels(): FastKernels | undefined {
  if (kernels || !supported()) return kernels;
  try {
    kernels = new WebAssembly.Instance(new WebAssembly.Module(wasmBytes)).exports as unknown as FastKernels;
  } catch (error) {
    warnNoWasm(error);
    return undefined;
  }
  return kernels;
}

/** Where each buffer lives in linear memory for one stack shape (byte offsets). */
export interface FastLayout {
  key: string;
  width: number;
  height: number;
  stride: number;
  planeCount: number;
  planes: number;
  /**
   * First byte after the planes: from here on the working images, which every stage writes before
   * it reads them, so a warp into the plane slots may use them as its own working memory.
   */
  scratch: number;
  /** The measure sweep's running max of F (f32) and its argmax (i32), rows of `stride`: dead after finishDepth. */
  fMax: number;
  argmax: number;
  depth: number;
  confidence: number;
  smooth: number;
  taps: number;
  image: number;
  curve: number;
  /** depthSums' output: sums of Ds, C and squared deviations (f64), then the depth histogram (i32), then its scratch. */
  sums: number;
  keep: number;
  /** auto's preview: its block size (0: none) and each plane's block means (f32, `blockCount` per plane, plane after plane). */
  blockFactor: number;
  blockCount: number;
  blocks: number;
  /** auto's glance: room for two preview planes and the 36 f64 sums (see glanceSums). */
  glance: number;
  /** auto's plane shares: four f64 partial sums per plane (see shareSums). */
  shares: number;
  /**
   * Depth mode histogram's working memory (0: not laid out): Z slices of its coarse grid, one more
   * slice (or Z grid rows, if more), and a padded coarse row (see assembly/histogram.ts histogramDepth).
   */
  histogramGrid: number;
  histogramRows: number;
  histogramPad: number;
  /** The composite whose pyramids this layout has room for (see pyramidRoom), if any. */
  blend?: PyramidBlend;
  /** Where the composite's larger buffers lie (see pyramidRoom; 0: none, e.g. `best` for `pyramid`). */
  blendBuffers?: PyramidBuffers;
}

/** The larger buffers of the `pyramid` / `select` composite (byte offsets; see assembly/pyramid.ts). */
export interface PyramidBuffers {
  colour: number;
  weight: number;
  sum: number;
  best: number;
  bestEnergy: number;
  energySum: number;
}

/** The composites that need pyramids in linear memory. */
export type PyramidBlend = 'pyramid' | 'select';

/**
 * Room for the `pyramid` / `select` composite (assembly/pyramid.ts), from `take` (fitLayout's lays
 * what fits over the measure's dead images, the rest after the fusion's own buffers): what does
 * not grow with Z (the running sums and, for `select`, the running best of the selected levels),
 * about 32 bytes per pixel for `pyramid` and 62 for `select`. Returns configurePyramid's arguments,
 * passed once the memory has grown (a layout that does not fit leaves the last one configured),
 * and where the larger buffers lie.
 */
function pyramidRoom(take: (bytes: number) => number, width: number, height: number, planeCount: number, stride: number, planes: number, smooth: number, image: number, blend: PyramidBlend, sampleBytes: 1 | 2): { args: number[]; buffers: PyramidBuffers } {
  const levels = pyramidLevels(width, height);
  const n = width * height;
  const total = pyramidPixels(levels);
  const half = (width + 1) >> 1;
  const colour = take(16 * (total - n));
  const weight = take(4 * total);
  const sum = take(16 * total);
  const rows = take(16 * half * 5); // a ring of five rows (REDUCE_RING)
  const rowsWeight = take(4 * half * 5);
  const hx = take(16 * width * 3);
  // select: levels 0..SELECT_LEVELS - 1, back to back from offset 0.
  const selected = blend === 'select' ? levels[Math.min(SELECT_LEVELS, PYRAMID_LEVELS)].offset : 0;
  const room = (bytes: number) => (bytes > 0 ? take(bytes) : 0);
  // A level's coefficients, a row at a time (select: a ring of r + 1 rows, and 2r + 2 rows of energies).
  const coefficients = take(16 * width * (selected > 0 ? SELECT_ENERGY_RADIUS + 1 : 1));
  const [best, bestEnergy, energySum] = [room(16 * selected), room(4 * selected), room(4 * selected)];
  const box = room(selected > 0 ? 4 * width * (2 * SELECT_ENERGY_RADIUS + 2) : 0);
  // RGBA16 planes: the same share of the 16-bit range (the reference's clampAndRound: tolerance x 65535 / 255).
  const tolerance = sampleBytes === 2 ? (PYRAMID_CLAMP_TOLERANCE * 65535) / 255 : PYRAMID_CLAMP_TOLERANCE;
  const args = [width, height, planeCount, stride, PYRAMID_LEVELS, PYRAMID_SOFTNESS, PYRAMID_CLAMP_REACH, tolerance,
    SELECT_GATE_LOW, SELECT_GATE_HIGH, SELECT_LEVELS, SELECT_ENERGY_RADIUS, sampleBytes,
    planes, smooth, image, colour, weight, sum, rows, rowsWeight, hx, coefficients, best, bestEnergy, energySum, box];
  return { args, buffers: { colour, weight, sum, best, bestEnergy, energySum } };
}

/**
 * A `take` that lays each buffer into the first of `regions` ([start, end) byte ranges) with room
 * for it (16-byte aligned, 16 spare bytes after it, as {@link layoutFrom}), else with `rest`.
 */
function firstFit(regions: readonly (readonly [number, number])[], rest: (bytes: number) => number): (bytes: number) => number {
  const next = regions.map(([start]) => start);
  return (bytes) => {
    for (let i = 0; i < regions.length; i++) {
      const at = Math.ceil(next[i] / 16) * 16;
      if (at + bytes + 16 <= regions[i][1]) {
        next[i] = at + bytes + 16;
        return at;
      }
    }
    return rest(bytes);
  };
}

/**
 * A width x height f32 image out of a strided one in linear memory: into `dst` when given (its
 * length must be width * height), else a fresh array.
 */
export function unstride(buffer: ArrayBuffer, at: number, width: number, height: number, stride: number, dst?: Float32Array): Float32Array {
  if (stride === width && !dst) return new Float32Array(buffer, at, width * height).slice();
  const out = dst ?? new Float32Array(width * height);
  for (let y = 0; y < height; y++) out.set(new Float32Array(buffer, at + y * stride * 4, width), y * width);
  return out;
}

let layout: FastLayout | undefined;

/**
 * Lays buffers out one after another from the module's heap base (16-byte aligned, 16 spare bytes
 * after each: a SIMD read past a row end stays inside its buffer); `end` is the first free byte.
 * Every user (the fusion's layout, the warp) starts again at the heap base: the kernels run
 * synchronously and their results are copied out before the call returns (or, for the aligned
 * planes the fusion leaves in its plane slots, before the next user lays out: readBeforeReuse), so
 * the uses never overlap in time.
 */
export function heapLayout(k: FastKernels): { take: (bytes: number) => number; end: () => number } {
  beforeReuse();
  generation++;
  return layoutFrom(k.heapBase());
}

/** {@link heapLayout}'s buffers from byte `start` on. */
export function layoutFrom(start: number): { take: (bytes: number) => number; end: () => number } {
  let next = start;
  return {
    take: (bytes) => {
      // Not `& ~15`: bitwise operators wrap offsets past 2 GiB to negative int32 (a layout past
      // wasm32 memory would then look small enough, and not throw).
      const at = Math.ceil(next / 16) * 16;
      next = at + bytes + 16;
      return at;
    },
    end: () => next,
  };
}

let pending: (() => void) | undefined;
let generation = 0;

/**
 * Counts the times the memory was laid out anew ({@link heapLayout}): a caller that hands control to
 * other code between two stages (auto's decision in the CPU engine) knows by a changed count that
 * its buffers may have been overwritten meanwhile.
 */
export function layoutGeneration(): number {
  return generation;
}

/**
 * Registers what must read the module's memory before the next user lays it out again (one at a
 * time: a later registration replaces it). The CPU engine's aligned planes stay in their plane
 * slots until read (src/cpu/fast/index.ts); this copies them out before a later call overwrites them.
 */
export function readBeforeReuse(read: () => void): void {
  pending = read;
}

/** Runs and clears what {@link readBeforeReuse} registered. */
function beforeReuse(): void {
  const read = pending;
  pending = undefined;
  read?.();
}

/** Grows the module's memory to hold `end` bytes; never shrinks it. Throws past wasm32's 4 GiB. */
export function growTo(k: Pick<FastKernels, 'memory'>, end: number): void {
  const pages = Math.ceil(end / 65536) - k.memory.buffer.byteLength / 65536;
  if (pages > 0) k.memory.grow(pages);
}

/** The measures the sweep computes, as configureMeasure numbers them (assembly/index.ts). */
export const FAST_MEASURE_KINDS = { lapv: 0, teng: 1 } as const;

/** A measure the sweep computes. */
export type FastMeasure = keyof typeof FAST_MEASURE_KINDS;

/**
 * Whether the measure sweep's integer sums stay exact for this measure and window radius on RGBA16
 * samples up to `sampleMax` (2^bitDepth - 1; RGBA8 stacks do not ask, see below): the luma
 * numerator N is at most D = 1000 sampleMax, the Laplacian |L| <= 4 D, the Sobel |G| <= 4 D.
 * teng: a window sum of E = Gx^2 + Gy^2 <= 32 D^2 below 2^64 (read as u64), or E below 2^63 with
 * its high and low words summed apart (teng16 in the assembly: area 2^32 < 2^51). lapv, the path the
 * sweep takes (sweepPlane in the assembly): S1 = sum L in an i32 (four rows, area 4 D < 2^31); or
 * the one-row path's numerator area S2 - S1^2 <= area^2 (4 D)^2 below 2^64; or the four-row path on
 * 64-bit column sums (`wideSums`), whose bounds are L in an i32, the column sums of L^2 below 2^63
 * (side (4 D)^2), S1 and area Lo (area side 2^32) below 2^51 and the numerator below 2^81 (so its
 * f64 estimate errs by < 2^30 and settles its multiple of 2^32). So every window up to MAX_WINDOW
 * (32) of both measures runs fast at every bit depth up to 16. RGBA8 stacks take the one-row path
 * past r = 22 (exact but for lapv's r = 32 on a saturated checkerboard, docs/cpu-fast-path.md
 * "Exactness").
 * @example sweepExact('lapv', 4, 65535) // => true
 */
export function sweepExact(measure: FastMeasure, radius: number, sampleMax: number): boolean {
  const side = 2 * radius + 1;
  const area = side * side;
  const d = 1000 * sampleMax;
  if (measure === 'teng') return area * 32 * d * d < 2 ** 64 || (32 * d * d < 2 ** 63 && area * 2 ** 32 < 2 ** 51);
  const lMax = 4 * d;
  const numerator = area * area * lMax * lMax;
  if (area * lMax < 2 ** 31 || numerator < 2 ** 64) return true;
  return lMax < 2 ** 31 && side * lMax * lMax < 2 ** 63 && area * side * 2 ** 32 < 2 ** 51 && area * lMax < 2 ** 51 && numerator < 2 ** 81;
}

/** What a stack's stages need besides version 1's buffers (see {@link fitLayout}). */
export interface FastStageRoom {
  /** auto's preview block size (0: none): room for its block sums (measurePlane's `blocks`). */
  blockFactor?: number;
  /** The measure the sweep computes (default lapv; teng's working image is i64). */
  measure?: FastMeasure;
  /** Depth mode histogram: room for its grids (`taps` are then its coarse Gaussian's). */
  histogram?: boolean;
  /** The `pyramid` or `select` composite: room for its pyramids. */
  blend?: PyramidBlend;
  /** Bytes per sample of the planes and the image: 1 (RGBA8, default) or 2 (RGBA16). */
  sampleBytes?: 1 | 2;
  /** The samples' largest value: 255 (default), 2^bitDepth - 1 for RGBA16 (the luma's scale). */
  sampleMax?: number;
}

/**
 * Lays out and configures the module's memory for a stack shape and the stages in `stages`; grows
 * the memory when needed, never shrinks it (so a batch of same-size stacks allocates nothing after
 * the first).
 * @example const at = fitLayout(k, 384, 384, 11, 4, taps.length, { measure: 'teng', histogram: true, blend: 'select' });
 */
export function fitLayout(k: FastKernels, width: number, height: number, planeCount: number, radius: number, taps: number, stages: FastStageRoom = {}): FastLayout {
  const { blockFactor = 0, measure = 'lapv', histogram = false, blend, sampleBytes = 1, sampleMax = 255 } = stages;
  const key = `${width}x${height}x${planeCount}r${radius}t${taps}b${blockFactor}${measure}h${+histogram}${blend ?? ''}s${sampleBytes}m${sampleMax}`;
  if (layout?.key === key) {
    beforeReuse();
    return layout;
  }
  const stride = (width + 3) & ~3;
  const pixels = stride * height;
  const { take, end } = heapLayout(k);
  const planes = take(width * height * 4 * sampleBytes * planeCount);
  const n = take(3 * (stride + 8) * 4);
  const scratch = n;
  // The measure's operator image: L (i32) for lapv, the Sobel energy E (i64) for teng.
  const l = take(pixels * (measure === 'teng' ? 8 : 4));
  // Four copies each (the four-row path keeps four rows' sums; see colSums1 in the assembly). RGBA16
  // lapv sums L in i64 where its window sum passes an i32 (wideSums), with the L^2 sums' high words
  // in f64 beside them (colsTH): room for that at every RGBA16 radius (a few KB a row).
  const c1Bytes = sampleBytes === 2 ? 8 : 4;
  const colSum1 = take(4 * (((stride + 2 * radius + 4) * c1Bytes + 15) & ~15));
  const colSum2 = take(4 * (stride + 2 * radius + 4) * 8);
  const fRow = take(4 * stride * 4);
  const colsT1 = take((stride + 2 * radius + 4) * 4 * c1Bytes);
  const colsT2 = take((stride + 2 * radius + 4) * 32);
  const fCols = take(stride * 16);
  const colsTH = sampleBytes === 2 ? take((stride + 2 * radius + 4) * 32) : 0;
  const fPrev = take(pixels * 4);
  const fMax = take(pixels * 4);
  const argmax = take(pixels * 4);
  const fBefore = take(pixels * 4);
  const fAfter = take(pixels * 4);
  const fSum = take(pixels * 4);
  const depth = take(pixels * 4);
  const confidence = take(pixels * 4);
  // The smoothing and composite stages run after finishDepth, when the measure's working images
  // are dead: their outputs reuse those (50 MB less fresh memory for a 2048 x 1536 stack, whose
  // first touch costs more than the stages themselves on some VMs; docs/cpu-fast-path.md).
  const hNum = l;
  const hDen = fPrev;
  const smooth = fMax;
  // width * height RGBA8 fits in pixels f32 (stride >= width); RGBA16 takes twice that, room of its own.
  const image = sampleBytes === 1 ? fSum : take(width * height * 8);
  const padNum = take((stride + 2 * taps + 8) * 4);
  const padDen = take((stride + 2 * taps + 8) * 4);
  const tapsAt = take(taps * 4);
  const curve = take(planeCount * 8);
  const sums = take(24 + planeCount * 4 + planeCount * 16 + 96); // + depthSums' scratch
  const keep = take(width * height * 4);
  const blockCount = blockFactor > 0 ? Math.floor(width / blockFactor) * Math.floor(height / blockFactor) : 0;
  const blockAcc = take(stride * 4);
  const blocks = take(planeCount * blockCount * 4);
  const glance = take(2 * blockCount * 4 + 36 * 8);
  const shares = take(planeCount * 32);
  // Depth mode histogram's Z f32 grids of a quarter of the pixels each (a quarter of the planes'
  // bytes; its per-pixel mode state then stays in registers, assembly/histogram.ts), its row-filter
  // slice and padded row: where the measure's running state lay (argmax .. fSum, dead once
  // finishDepth has run; the composite writes its image over them after the histogram) when they fit
  // there (Z up to ~14 on large planes), so neither more memory nor fresh pages; else after the rest.
  let [histogramGrid, histogramRows, histogramPad] = [0, 0, 0];
  if (histogram) {
    const gridRow = k.histogramGridStride(width) * 4;
    const cells = histogramCoarseSize(height);
    const sizes = [planeCount * gridRow * cells, gridRow * Math.max(cells, planeCount), (histogramCoarseSize(width) + taps + 8) * 4];
    const dead = layoutFrom(argmax);
    const inDead = sizes.map((bytes) => dead.take(bytes));
    [histogramGrid, histogramRows, histogramPad] = dead.end() <= depth ? inDead : sizes.map((bytes) => take(bytes));
  }
  // The composite runs last: the measure's operator image, column sums and previous plane (l ..
  // fPrev) and its running state between Ds and the image (argmax .. fAfter, where the histogram's
  // grids may have been) are dead by then, and their pages touched already this call; what fits
  // there costs no fresh memory (~3 MB of ~9 for select at 384^2; a fresh page's first touch costs
  // more than the composite's work on it on some VMs, docs/cpu-fast-path.md "Memory").
  const pyramid = blend && pyramidRoom(firstFit([[l, fMax], [argmax, fSum]], take), width, height, planeCount, stride, planes, smooth, image, blend, sampleBytes);
  growTo(k, end());
  if (pyramid) k.configurePyramid(...pyramid.args);
  k.configure(width, height, stride, radius, planeCount, planes, n, l, colSum1, colSum2, fRow, fPrev, fMax, argmax, fBefore, fAfter, fSum, depth, confidence, smooth, hNum, hDen, padNum, padDen, tapsAt, image, curve, colsT1, colsT2, fCols, colsTH);
  k.configureBlocks(blockFactor, blockAcc);
  k.configureMeasure(FAST_MEASURE_KINDS[measure]);
  k.configureSamples(sampleBytes, sampleMax);
  layout = { key, width, height, stride, planeCount, planes, scratch, fMax, argmax, depth, confidence, smooth, taps: tapsAt, image, curve, sums, keep, blockFactor, blockCount, blocks, glance, shares, histogramGrid, histogramRows, histogramPad, ...(blend && pyramid ? { blend, blendBuffers: pyramid.buffers } : {}) };
  return layout;
}
