// The separable Lanczos-3 warp of src/image/warp-separable.ts (its header has the maths; that file
// is the reference and test/align-warp-separable.test.ts holds this one to it), with the four RGBA
// channels of a pixel in one f32x4: one multiply-add per tap per pixel.
//
// Memory (laid out by src/cpu/fast/warp.ts from the heap base, nothing allocated here):
// - src: the source plane, RGBA8 rows of `width` pixels, with the edge rows replicated: 2 above
//   row 0 and 3 below the last row, so the vertical taps r - 2 .. r + 3 of any clamped position
//   are plain reads (row r of the plane is padded row r + 2).
// - wide: the same rows as f32x4 pixels, converted here once each (48 spare bytes at its end). A
//   ring of only the rows in use (2 MB instead of 50 MB at 2048x1536) measured 35 % slower.
// - table: the weight table, WARP_PHASES x 6 f32 (lanczos3Table() rounded to f32).
// - column: T of one output row, one f32x4 per source column, with 2 columns before column 0 and
//   3 after the last, copies of the edge columns when the row's taps reach them (the horizontal
//   taps' clamp).
// - dst: the output, RGBA8, dstWidth x dstHeight.
// Positions are computed in f64 exactly as the reference computes them, so every pixel reads the
// same rows, columns and weight phases; only the sums run in f32 (within 1 level of the f64 sums).

// Mirror WARP_PHASE_BITS and WARP_TAPS of src/image/warp-separable.ts and warp.ts (the table comes from there).
const PHASE_BITS = 10;
const PHASES: f64 = <f64>(1 << PHASE_BITS);
const PHASE_MASK = (1 << PHASE_BITS) - 1;
const TAP_BYTES: usize = 6 * 4; // one phase's six f32 weights

/** w (a weight at `weights` + offset, splatted) times v, added to sum. */
@inline
function tap(sum: v128, weights: usize, offset: usize, v: v128): v128 {
  return f32x4.add(sum, f32x4.mul(v128.load32_splat(weights + offset), v));
}

/**
 * One row of the padded source as f32x4 pixels at `wide` (n pixels, 4 per step; up to 3 pixels
 * past n are written, into the next row or the buffer's spare bytes): each source pixel is
 * converted once instead of once per vertical tap (~6 times), a third off pass 1. Called per row:
 * V8 moves a function to its optimised tier between calls, never inside a running loop.
 */
function widenRow(src: usize, wide: usize, n: usize): void {
  for (let i: usize = 0; i < n; i += 4) {
    const px = v128.load(src + (i << 2));
    const lo = i16x8.extend_low_i8x16_u(px);
    const hi = i16x8.extend_high_i8x16_u(px);
    const out = wide + (i << 4);
    v128.store(out, f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(lo)));
    v128.store(out, f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(lo)), 16);
    v128.store(out, f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(hi)), 32);
    v128.store(out, f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(hi)), 48);
  }
}

/** Pass 1: T(i) for source columns lo .. hi at v = slope i + beta, clamped to [0, maxV]. */
function verticalPass(wide: usize, rowBytes: usize, table: usize, column: usize, lo: i32, hi: i32, slope: f64, beta: f64, maxV: f64): void {
  for (let i = lo; i <= hi; i++) {
    let v = slope * <f64>i + beta;
    v = v < 0 ? 0 : v > maxV ? maxV : v;
    const sv = <i32>(v * PHASES + 0.5);
    const w = table + <usize>(sv & PHASE_MASK) * TAP_BYTES;
    // Padded row (sv >> PHASE_BITS) is plane row floor(v) - 2, the first tap.
    const p = wide + <usize>(sv >> PHASE_BITS) * rowBytes + (<usize>i << 4);
    let s = f32x4.mul(v128.load32_splat(w), v128.load(p));
    s = tap(s, w, 4, v128.load(p + rowBytes));
    s = tap(s, w, 8, v128.load(p + 2 * rowBytes));
    s = tap(s, w, 12, v128.load(p + 3 * rowBytes));
    s = tap(s, w, 16, v128.load(p + 4 * rowBytes));
    s = tap(s, w, 20, v128.load(p + 5 * rowBytes));
    v128.store(column + (<usize>(i + 2) << 4), s);
  }
}

/** Pass 2: one output row from T at u = a x + rowU, clamped to [0, maxU], rounded half up. */
function horizontalPass(table: usize, column: usize, out: usize, dstWidth: i32, a: f64, rowU: f64, maxU: f64, alpha: v128): void {
  const zero = f32x4.splat(0);
  const top = f32x4.splat(255);
  const half = f32x4.splat(0.5);
  for (let x = 0; x < dstWidth; x++) {
    let u = a * <f64>x + rowU;
    u = u < 0 ? 0 : u > maxU ? maxU : u;
    const su = <i32>(u * PHASES + 0.5);
    const w = table + <usize>(su & PHASE_MASK) * TAP_BYTES;
    // Padded column (su >> PHASE_BITS) is plane column floor(u) - 2, the first tap.
    const t = column + (<usize>(su >> PHASE_BITS) << 4);
    let s = f32x4.mul(v128.load32_splat(w), v128.load(t));
    s = tap(s, w, 4, v128.load(t, 16));
    s = tap(s, w, 8, v128.load(t, 32));
    s = tap(s, w, 12, v128.load(t, 48));
    s = tap(s, w, 16, v128.load(t, 64));
    s = tap(s, w, 20, v128.load(t, 80));
    s = f32x4.add(f32x4.pmin(f32x4.pmax(s, zero), top), half);
    const c = i32x4.trunc_sat_f32x4_u(s);
    const bytes = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_u(c, c), zero);
    v128.store32_lane(out + (<usize>x << 2), v128.or(bytes, alpha), 0);
  }
}

/**
 * Warps the plane at `src` (width x height, padded as above) into dstWidth x dstHeight at `dst`
 * through u = a x + b y + c, v = d x + e y + f (a > 0.5 and |d / a| small: the caller checks
 * separableWarpFits). opaque != 0 writes alpha 255 (the plane's alpha is all 255).
 */
export function warpSeparable(
  src: usize, wide: usize, width: i32, height: i32, table: usize, column: usize, dst: usize, dstWidth: i32, dstHeight: i32,
  a: f64, d: f64, b: f64, e: f64, c: f64, f: f64, opaque: i32,
): void {
  const slope = d / a;
  const maxU = <f64>(width - 1);
  const maxV = <f64>(height - 1);
  const rowBytes = <usize>width << 4; // of `wide`
  for (let r = 0; r < height + 5; r++) widenRow(src + <usize>r * (<usize>width << 2), wide + <usize>r * rowBytes, <usize>width);
  const alpha = opaque != 0 ? i32x4.splat(0xff000000) : i32x4.splat(0);
  const first = column + 32; // T(0)
  const last = column + (<usize>(width + 1) << 4); // T(width - 1)
  for (let y = 0; y < dstHeight; y++) {
    const rowU = b * <f64>y + c;
    // Pass 1 only over the columns pass 2 reads (its taps reach floor(u) - 2 .. round-up + 3).
    const uLast = a * <f64>(dstWidth - 1) + rowU;
    const lo = <i32>Math.min(maxU, Math.max(0, Math.floor(Math.min(rowU, uLast)) - 2));
    const hi = <i32>Math.max(0, Math.min(maxU, Math.floor(Math.max(rowU, uLast)) + 4));
    const beta = e * <f64>y + f - slope * rowU;
    verticalPass(wide, rowBytes, table, column, lo, hi, slope, beta, maxV);
    if (lo == 0) {
      const edge = v128.load(first);
      v128.store(column, edge);
      v128.store(column, edge, 16);
    }
    if (hi == width - 1) {
      const edge = v128.load(last);
      v128.store(last, edge, 16);
      v128.store(last, edge, 32);
      v128.store(last, edge, 48);
    }
    horizontalPass(table, column, dst + (<usize>y * <usize>dstWidth << 2), dstWidth, a, rowU, maxU, alpha);
  }
}
