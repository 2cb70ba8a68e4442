/**
 * The separable Lanczos-3 warp (src/image/warp-separable.ts: maths and reference) in WebAssembly
 * SIMD (src/cpu/fast/assembly/warp.ts): the same positions, rows, columns and weight phases, the
 * sums in f32 instead of f64, so a value differs from the reference's by at most one level, and
 * only where the exact sum lies within ~1e-4 of a half level. warpPlaneCpu takes it for the planes
 * it warps separably when the CPU engine's fast path is ready (see {@link separableWarp}).
 * The 2-D Lanczos-3 warp of the other planes (src/image/warp.ts warpPlane) in WebAssembly too
 * (src/cpu/fast/assembly/warp2d.ts, {@link warp2dInto}): the same f64 operations, the same bytes.
 */
import { isOpaque, warpPlane, type PlaneView, type PlaneWarp } from '../../image/warp.js';
import { lanczos3Table, separableWarpFits, warpPlaneSeparable, type SeparableWarp } from '../../image/warp-separable.js';
import { fastKernels, growTo, heapLayout, layoutFrom, type FastKernels } from './kernels.js';

let table32: Float32Array | undefined;

/**
 * Warps a plane like {@link warpPlaneSeparable}, in WebAssembly: the source rows (edge rows
 * replicated, see the kernel's header) and the f32 weight table go into the module's memory, the
 * output comes back as a fresh array. Throws when separableWarpFits(transform) is false.
 * @example const aligned = warpPlaneSeparableWasm(fastKernels()!, view, t, 2048, 1536);
 */
export function warpPlaneSeparableWasm(k: FastKernels, plane: PlaneView, transform: Float64Array, dstWidth: number, dstHeight: number): Uint8Array {
  return warpOut(k, warpSeparableInto, plane, transform, dstWidth, dstHeight);
}

/**
 * A warp that writes into the module's memory at `dst`, its working buffers from `scratch` on; with
 * `lut` (photometric.ts brightnessTables), of the plane with its brightness match applied (the same
 * bytes as warping applyBrightness's copy of it, without making one).
 */
export type WarpInto = (k: FastKernels, plane: PlaneView, transform: Float64Array, dstWidth: number, dstHeight: number, dst: number, scratch: number, lut?: Uint8Array) => void;

/** Runs `into` on a fresh layout and copies its output out of the module's memory. */
function warpOut(k: FastKernels, into: WarpInto, plane: PlaneView, transform: Float64Array, dstWidth: number, dstHeight: number): Uint8Array {
  const { take } = heapLayout(k);
  const dst = take(dstWidth * dstHeight * 4);
  into(k, plane, transform, dstWidth, dstHeight, dst, take(0));
  return new Uint8Array(k.memory.buffer).slice(dst, dst + dstWidth * dstHeight * 4);
}

/**
 * The WebAssembly separable warp with its output written into the module's memory at `dst`
 * (dstWidth * dstHeight * 4 bytes) and its working buffers laid out from `scratch` on (they must
 * not overlap `dst`); grows the memory when they reach past its end. The CPU engine warps each
 * plane straight into the fusion's plane slot this way (src/cpu/fast/index.ts). Throws like
 * {@link warpPlaneSeparableWasm}, and a RangeError when the memory cannot grow that far.
 * @example warpSeparableInto(k, view, t, 2048, 1536, layout.planes + z * 2048 * 1536 * 4, layout.scratch);
 */
export function warpSeparableInto(k: FastKernels, plane: PlaneView, transform: Float64Array, dstWidth: number, dstHeight: number, dst: number, scratch: number, lut?: Uint8Array): void {
  if (!separableWarpFits(transform)) throw new Error('warpPlaneSeparableWasm: the transform is not a near-axis-aligned affine map (see separableWarpFits)');
  const { rgba, width, height, stride } = plane;
  table32 ??= Float32Array.from(lanczos3Table());
  const rowBytes = width * 4;
  const { take, end } = layoutFrom(scratch);
  const src = take((height + 5) * rowBytes);
  const wide = take((height + 5) * width * 16 + 48);
  const table = take(table32.byteLength);
  const column = take((width + 5) * 16);
  const tables = take(768);
  growTo(k, Math.max(end(), dst + dstWidth * dstHeight * 4));
  const bytes = new Uint8Array(k.memory.buffer);
  // Rows 0 .. height - 1 at padded rows 2 .., then the edge rows twice above and three times below.
  for (let y = 0; y < height; y++) bytes.set(rgba.subarray(y * stride * 4, y * stride * 4 + rowBytes), src + (y + 2) * rowBytes);
  matchBrightness(k, src + 2 * rowBytes, width * height, lut, tables);
  for (const r of [0, 1]) bytes.copyWithin(src + r * rowBytes, src + 2 * rowBytes, src + 3 * rowBytes);
  for (const r of [2, 3, 4]) bytes.copyWithin(src + (height + r) * rowBytes, src + (height + 1) * rowBytes, src + (height + 2) * rowBytes);
  new Float32Array(k.memory.buffer, table, table32.length).set(table32);
  const [a, d, b, e, c, f] = [transform[0], transform[1], transform[4], transform[5], transform[8], transform[9]];
  k.warpSeparable(src, wide, width, height, table, column, dst, dstWidth, dstHeight, a, d, b, e, c, f, isOpaque(rgba, width, height, stride) ? 1 : 0);
}

/** With `lut`, maps the n pixels copied to `at` through it in place (the tables copied to `tables` first). */
function matchBrightness(k: FastKernels, at: number, n: number, lut: Uint8Array | undefined, tables: number): void {
  if (!lut) return;
  new Uint8Array(k.memory.buffer).set(lut, tables);
  k.mapChannels(at, n, tables);
}

/**
 * The separable warp for warpPlaneCpu on this runtime: the WebAssembly one when the fast kernels
 * load (WebAssembly SIMD present), else the TypeScript reference. A plane too large for wasm32
 * memory is warped by the reference too.
 * @example warpPlaneCpu(view, t, 2048, 1536, separableWarp());
 */
export function separableWarp(): SeparableWarp {
  return wasmOr(warpPlaneSeparableWasm, warpPlaneSeparable);
}

/**
 * The 2-D warp for warpPlaneCpu on this runtime: {@link warpPlane2dWasm} (the same bytes as
 * warpPlane, ~2x faster) when the fast kernels load, else warpPlane; a plane too large for wasm32
 * memory is warped by warpPlane too. The CPU engine's reference stages use it when the fast stages
 * do not cover the options (the fast stages warp into their own memory).
 * @example warpPlaneCpu(view, t, 384, 384, separableWarp(), twoDWarp());
 */
export function twoDWarp(): PlaneWarp {
  return wasmOr(warpPlane2dWasm, warpPlane);
}

/** `wasm` on the fast kernels when they load, `reference` otherwise and where wasm32 memory is too small. */
function wasmOr(wasm: (k: FastKernels, ...args: Parameters<PlaneWarp>) => Uint8Array, reference: PlaneWarp): PlaneWarp {
  const k = fastKernels();
  if (!k) return reference;
  return (plane, transform, dstWidth, dstHeight) => {
    try {
      return wasm(k, plane, transform, dstWidth, dstHeight);
    } catch (error) {
      // Memory.grow's RangeError: the plane and its output do not fit in wasm32 memory.
      if (error instanceof RangeError) return reference(plane, transform, dstWidth, dstHeight);
      throw error;
    }
  };
}

/**
 * Warps a plane like warpPlane (src/image/warp.ts: the 2-D Lanczos-3 kernel), in WebAssembly, to
 * the same bytes (src/cpu/fast/assembly/warp2d.ts); the output comes back as a fresh array.
 * @example const aligned = warpPlane2dWasm(fastKernels()!, view, t, 384, 384); // equals warpPlane(view, t, 384, 384)
 */
export function warpPlane2dWasm(k: FastKernels, plane: PlaneView, transform: Float64Array, dstWidth: number, dstHeight: number): Uint8Array {
  return warpOut(k, warp2dInto, plane, transform, dstWidth, dstHeight);
}

/**
 * The WebAssembly 2-D warp with its output written into the module's memory at `dst` (dstWidth *
 * dstHeight * 4 bytes) and the source plane copied to `scratch` on, then widened to f64 after it
 * (32 bytes a pixel; neither overlapping `dst`), like
 * {@link warpSeparableInto}; a RangeError when the memory cannot grow that far.
 * @example warp2dInto(k, view, t, 384, 384, layout.planes + z * 384 * 384 * 4, layout.scratch);
 */
export function warp2dInto(k: FastKernels, plane: PlaneView, transform: Float64Array, dstWidth: number, dstHeight: number, dst: number, scratch: number, lut?: Uint8Array): void {
  const { rgba, width, height, stride } = plane;
  const bytes = ((height - 1) * stride + width) * 4;
  const { take, end } = layoutFrom(scratch);
  const weights = take(2 * 112); // two pixels' set-ups (warp2d.ts SETUP_BYTES)
  const src = take(bytes);
  const wide = take(width * height * 32);
  const tables = take(768);
  growTo(k, Math.max(end(), dst + dstWidth * dstHeight * 4));
  new Uint8Array(k.memory.buffer).set(rgba.subarray(0, bytes), src);
  matchBrightness(k, src, bytes / 4, lut, tables);
  const [a, d, b, e, c, f] = [transform[0], transform[1], transform[4], transform[5], transform[8], transform[9]];
  k.warp2d(src, width, height, stride, wide, dst, dstWidth, dstHeight, a, d, b, e, c, f, isOpaque(rgba, width, height, stride) ? 1 : 0, weights);
}
