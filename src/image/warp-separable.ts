/**
 * The CPU engine's fast warp: the Lanczos-3 resampling of warp.ts done in two 1-D passes (a vertical
 * pass per source column, then a horizontal pass along each output row), 12 taps per channel
 * instead of 36 + 6, with the weights looked up in a table instead of computed per pixel. On a
 * 2048x1536 plane it is ~6x faster than warpPlane (docs/alignment.md has the figures).
 *
 * The maths, for output pixel (x, y) and the affine transform u = a x + b y + c, v = d x + e y + f:
 * - Along output row y the source point runs along the line (u, v(u)), v(u) = (d / a) u + beta(y)
 *   with beta(y) = e y + f - (d / a) (b y + c).
 * - Pass 1 (vertical): for each source column i, T_y(i) = sum_j wy_j(v_i) plane(i, r_j) at
 *   v_i = v(i) clamped to [0, height - 1], the rows r_j = floor(v_i) - 2 + j clamped to the plane.
 * - Pass 2 (horizontal): dst(x, y) = sum_k wx_k(u) T_y(c_k) at u = a x + (b y + c) clamped to
 *   [0, width - 1], the columns c_k = floor(u) - 2 + k clamped to the plane.
 * - Positions are rounded to 1/WARP_PHASES px (the table's phases, error <= 0.0005 px); the sums go
 *   left to right over the taps; the result is clamped to 0..255 and rounded half up.
 * It differs from warpPlane's 2-D kernel in one respect: the vertical pass samples column c_k at
 * v(c_k), on the row's line, instead of at v(u); the two differ by |d / a| |c_k - u| <= 3 |d / a| px,
 * so the separable warp is used only where |d / a| <= SEPARABLE_MAX_SHEAR (0.015 px, rotation up to
 * 0.29 degree: camera focus sweeps), on planes of SEPARABLE_MIN_PIXELS or more, and the 2-D kernel
 * otherwise (warpPlaneCpu). Inside the plane the two agree within 1 level (about 1 % of the values
 * differ, by 1); on the replicated border outside it the vertical offset grows with the distance.
 * Edges as in warpPlane: clamp to edge. The WebGPU engine keeps the 2-D kernel (shaders/warp.wgsl).
 */
import { isOpaque, lanczos3Weights, warpPlane, WARP_TAPS, type PlaneView, type PlaneWarp } from './warp.js';

/** Sub-pixel positions per pixel of the weight table: positions are rounded to 1 / 1024 px. */
export const WARP_PHASE_BITS = 10;
export const WARP_PHASES = 1 << WARP_PHASE_BITS;
/** Largest |d / a| (vertical change of the source point per source column) the separable warp takes. */
export const SEPARABLE_MAX_SHEAR = 0.005;
/**
 * Smallest output plane (pixels) warpPlaneCpu resamples with the separable warp. Below it the 2-D
 * kernel costs little (30 ms for 384x384) and keeps the CPU engine's aligned planes equal to the
 * WebGPU engine's (shaders/warp.wgsl) within f32 rounding; at camera size it took ~0.5 s a plane.
 */
export const SEPARABLE_MIN_PIXELS = 1 << 20;

let table: Float64Array | undefined;

/**
 * Lanczos-3 weights of the six taps for every phase p / WARP_PHASES, p = 0 .. WARP_PHASES - 1,
 * six per phase: lanczos3Weights(p / WARP_PHASES) exactly.
 * @example lanczos3Table().subarray(512 * 6, 513 * 6) // the weights at t = 0.5
 */
export function lanczos3Table(): Float64Array {
  if (!table) {
    table = new Float64Array(WARP_PHASES * WARP_TAPS);
    const weights = new Float64Array(WARP_TAPS);
    for (let p = 0; p < WARP_PHASES; p++) table.set(lanczos3Weights(p / WARP_PHASES, weights), p * WARP_TAPS);
  }
  return table;
}

/**
 * Whether the separable warp may resample through `transform` (a > 0.5, |d / a| within
 * SEPARABLE_MAX_SHEAR). Like warpPlane it reads the affine part only (a .. f). @example separableWarpFits(affine(1.02, 0.001, 5, -0.001, 1.02, 3)) // true
 */
export function separableWarpFits(transform: Float64Array): boolean {
  const [a, d] = [transform[0], transform[1]];
  return a > 0.5 && Math.abs(d) <= SEPARABLE_MAX_SHEAR * a;
}

/** A separable warp: {@link warpPlaneSeparable} or one with the same maths (the CPU fast path's WebAssembly one). */
export type SeparableWarp = PlaneWarp;

/**
 * The CPU engine's warp of a plane: the separable Lanczos-3 warp for planes of SEPARABLE_MIN_PIXELS
 * or more whose transform allows it, else warpPlane's 2-D kernel.
 * @param separable the separable warp to use: this file's by default; the CPU engine's fast path
 * passes its WebAssembly one (src/cpu/fast/warp.ts, same maths in f32 sums).
 * @param twoD the 2-D warp for the other planes: warpPlane by default; the fast path passes its
 * WebAssembly twin (same bytes).
 * @example const aligned = warpPlaneCpu(view, t, 2048, 1536); // separable for a camera sweep's similarity
 */
export function warpPlaneCpu(plane: PlaneView, transform: Float64Array, dstWidth: number, dstHeight: number, separable: SeparableWarp = warpPlaneSeparable, twoD: PlaneWarp = warpPlane): Uint8Array {
  const fits = dstWidth * dstHeight >= SEPARABLE_MIN_PIXELS && separableWarpFits(transform);
  return fits ? separable(plane, transform, dstWidth, dstHeight) : twoD(plane, transform, dstWidth, dstHeight);
}

/**
 * Warps a plane into a dstWidth x dstHeight frame with the separable Lanczos-3 (see the file's
 * header for the exact maths). Throws when separableWarpFits(transform) is false.
 * @example const aligned = warpPlaneSeparable({ rgba, width: 2048, height: 1536, stride: 2048 }, t, 2048, 1536);
 */
export function warpPlaneSeparable(plane: PlaneView, transform: Float64Array, dstWidth: number, dstHeight: number, dst = new Uint8Array(dstWidth * dstHeight * 4)): Uint8Array {
  if (!separableWarpFits(transform)) throw new Error('warpPlaneSeparable: the transform is not a near-axis-aligned affine map (see separableWarpFits)');
  const { rgba, width, height, stride } = plane;
  const [a, d, b, e, c, f] = [transform[0], transform[1], transform[4], transform[5], transform[8], transform[9]];
  const slope = d / a;
  const opaque = isOpaque(rgba, width, height, stride);
  // Byte offsets of rows -2 .. height + 3 clamped to the plane, and of columns of T likewise.
  const rowAt = Int32Array.from({ length: height + 6 }, (_, r) => Math.min(Math.max(r - 2, 0), height - 1) * stride * 4);
  const colAt = Int32Array.from({ length: width + 6 }, (_, i) => Math.min(Math.max(i - 2, 0), width - 1) * 4);
  const T = new Float64Array(width * 4);
  const [maxU, maxV] = [width - 1, height - 1];
  for (let y = 0; y < dstHeight; y++) {
    const rowU = b * y + c;
    // Pass 1 only over the columns pass 2 reads (its taps reach floor(u) - 2 .. round-up + 3, clamped:
    // a row wholly beside the plane reads its edge column only).
    const uLast = a * (dstWidth - 1) + rowU;
    const lo = Math.min(maxU, Math.max(0, Math.floor(Math.min(rowU, uLast)) - 2));
    const hi = Math.max(0, Math.min(maxU, Math.floor(Math.max(rowU, uLast)) + 4));
    verticalPass(rgba, rowAt, T, lo, hi, slope, e * y + f - slope * rowU, maxV, opaque);
    horizontalPass(T, colAt, dst, y * dstWidth * 4, dstWidth, a, rowU, maxU, opaque);
  }
  return dst;
}

// The passes are functions of their own so that each is optimised as a whole after a few rows.

/** Pass 1: T(i) for columns lo .. hi, sampled at v = slope i + beta (see the file's header). */
function verticalPass(rgba: Uint8Array, rowAt: Int32Array, T: Float64Array, lo: number, hi: number, slope: number, beta: number, maxV: number, opaque: boolean): void {
  const W = lanczos3Table();
  const mask = WARP_PHASES - 1;
  for (let i = lo; i <= hi; i++) {
    let v = slope * i + beta;
    v = v < 0 ? 0 : v > maxV ? maxV : v;
    const sv = (v * WARP_PHASES + 0.5) | 0; // Math.round, as v >= 0
    const r = sv >> WARP_PHASE_BITS;
    const p = (sv & mask) * WARP_TAPS;
    const w0 = W[p], w1 = W[p + 1], w2 = W[p + 2], w3 = W[p + 3], w4 = W[p + 4], w5 = W[p + 5];
    const col = i * 4;
    const o0 = rowAt[r] + col, o1 = rowAt[r + 1] + col, o2 = rowAt[r + 2] + col, o3 = rowAt[r + 3] + col, o4 = rowAt[r + 4] + col, o5 = rowAt[r + 5] + col;
    T[col] = w0 * rgba[o0] + w1 * rgba[o1] + w2 * rgba[o2] + w3 * rgba[o3] + w4 * rgba[o4] + w5 * rgba[o5];
    T[col + 1] = w0 * rgba[o0 + 1] + w1 * rgba[o1 + 1] + w2 * rgba[o2 + 1] + w3 * rgba[o3 + 1] + w4 * rgba[o4 + 1] + w5 * rgba[o5 + 1];
    T[col + 2] = w0 * rgba[o0 + 2] + w1 * rgba[o1 + 2] + w2 * rgba[o2 + 2] + w3 * rgba[o3 + 2] + w4 * rgba[o4 + 2] + w5 * rgba[o5 + 2];
    if (!opaque) T[col + 3] = w0 * rgba[o0 + 3] + w1 * rgba[o1 + 3] + w2 * rgba[o2 + 3] + w3 * rgba[o3 + 3] + w4 * rgba[o4 + 3] + w5 * rgba[o5 + 3];
  }
}

/** Pass 2: one output row from T, sampled at u = a x + rowU (see the file's header). */
function horizontalPass(T: Float64Array, colAt: Int32Array, dst: Uint8Array, start: number, dstWidth: number, a: number, rowU: number, maxU: number, opaque: boolean): void {
  const W = lanczos3Table();
  const mask = WARP_PHASES - 1;
  for (let x = 0, o = start; x < dstWidth; x++, o += 4) {
    let u = a * x + rowU;
    u = u < 0 ? 0 : u > maxU ? maxU : u;
    const su = (u * WARP_PHASES + 0.5) | 0;
    const k = su >> WARP_PHASE_BITS;
    const p = (su & mask) * WARP_TAPS;
    const w0 = W[p], w1 = W[p + 1], w2 = W[p + 2], w3 = W[p + 3], w4 = W[p + 4], w5 = W[p + 5];
    const t0 = colAt[k], t1 = colAt[k + 1], t2 = colAt[k + 2], t3 = colAt[k + 3], t4 = colAt[k + 4], t5 = colAt[k + 5];
    const s0 = w0 * T[t0] + w1 * T[t1] + w2 * T[t2] + w3 * T[t3] + w4 * T[t4] + w5 * T[t5];
    const s1 = w0 * T[t0 + 1] + w1 * T[t1 + 1] + w2 * T[t2 + 1] + w3 * T[t3 + 1] + w4 * T[t4 + 1] + w5 * T[t5 + 1];
    const s2 = w0 * T[t0 + 2] + w1 * T[t1 + 2] + w2 * T[t2 + 2] + w3 * T[t3 + 2] + w4 * T[t4 + 2] + w5 * T[t5 + 2];
    // Assigning to a Uint8Array truncates: clamped + 0.5, truncated, is rounding half up.
    dst[o] = (s0 < 0 ? 0 : s0 > 255 ? 255 : s0) + 0.5;
    dst[o + 1] = (s1 < 0 ? 0 : s1 > 255 ? 255 : s1) + 0.5;
    dst[o + 2] = (s2 < 0 ? 0 : s2 > 255 ? 255 : s2) + 0.5;
    if (opaque) dst[o + 3] = 255;
    else {
      const s3 = w0 * T[t0 + 3] + w1 * T[t1 + 3] + w2 * T[t2 + 3] + w3 * T[t3 + 3] + w4 * T[t4 + 3] + w5 * T[t5 + 3];
      dst[o + 3] = (s3 < 0 ? 0 : s3 > 255 ? 255 : s3) + 0.5;
    }
  }
}
