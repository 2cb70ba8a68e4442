// The 2-D Lanczos-3 warp of src/image/warp.ts (warpPlane: the reference, and what shaders/warp.wgsl
// matches), bit for bit: the same f64 operations in the same order (lanczos3Weights' polynomials
// and divisions, the clamps, the taps summed along x within each of the six rows, then along y).
// WebAssembly has no fused multiply-add and f64 arithmetic is IEEE, so the same order rounds alike.
// SIMD only where every lane runs the reference's own sequence: the x and y weights of a pixel side
// by side in f64x2 (one polynomial pair and one set of divisions for both), and the channels (r, g)
// and (b, a) in two f64x2 (an opaque plane's alpha is summed too, then ignored: it writes 255, as
// warpPlane does). The plane is widened to f64 once (exact), so a tap is two loads.
//
// Memory (laid out by src/cpu/fast/warp.ts, nothing allocated here):
// - src: the plane, RGBA8 rows of `stride` pixels, the top-left width x height valid.
// - wide: the same pixels as f64 (r, g, b, a), 32 bytes each, rows of `width` pixels.
// - weights: two pixels' set-ups (SETUP_BYTES each): 6 f64x2, tap k's (x weight, y weight), then
//   the first tap's column and row.
// - dst: the output, RGBA8, dstWidth x dstHeight.

const ROOT3_2: f64 = Math.sqrt(3.0) / 2.0;
const THIRD_PI: f64 = Math.PI / 3.0;

/** c + x2 * rest, lane by lane (the polynomials' Horner step). */
@inline
function horner(c: f64, x2: v128, rest: v128): v128 {
  return f64x2.add(f64x2.splat(c), f64x2.mul(x2, rest));
}

/** w / (d * d), lane by lane. */
@inline
function over(w: v128, d: v128): v128 {
  return f64x2.div(w, f64x2.mul(d, d));
}

/**
 * lanczos3Weights of both lanes of t (the x and the y fraction) into six f64x2 at w: sinCos'
 * Taylor polynomials, the six divisions, the normalisation, and the t < 1e-6 case (0 0 1 0 0 0)
 * selected per lane.
 */
function lanczos3Pair(t: v128, w: usize): void {
  const x = f64x2.mul(f64x2.splat(THIRD_PI), t);
  const x2 = f64x2.mul(x, x);
  const a = f64x2.mul(x, horner(1.0, x2, horner(-1.0 / 6.0, x2, horner(1.0 / 120.0, x2, horner(-1.0 / 5040.0, x2, f64x2.splat(1.0 / 362880.0))))));
  const b = horner(1.0, x2, horner(-1.0 / 2.0, x2, horner(1.0 / 24.0, x2, horner(-1.0 / 720.0, x2, horner(1.0 / 40320.0, x2, f64x2.splat(-1.0 / 3628800.0))))));
  const ha = f64x2.mul(f64x2.splat(0.5), a);
  const hb = f64x2.mul(f64x2.splat(ROOT3_2), b);
  const w0 = over(f64x2.sub(hb, ha), f64x2.add(t, f64x2.splat(2)));
  const w1 = over(f64x2.neg(f64x2.add(ha, hb)), f64x2.add(t, f64x2.splat(1)));
  const w2 = over(a, t);
  const w3 = over(f64x2.neg(f64x2.sub(ha, hb)), f64x2.sub(t, f64x2.splat(1)));
  const w4 = over(f64x2.neg(f64x2.add(ha, hb)), f64x2.sub(t, f64x2.splat(2)));
  const w5 = over(a, f64x2.sub(t, f64x2.splat(3)));
  const sum = f64x2.add(f64x2.add(f64x2.add(f64x2.add(f64x2.add(w0, w1), w2), w3), w4), w5);
  const small = f64x2.lt(t, f64x2.splat(1e-6));
  const zero = f64x2.splat(0);
  v128.store(w, v128.bitselect(zero, f64x2.div(w0, sum), small));
  v128.store(w, v128.bitselect(zero, f64x2.div(w1, sum), small), 16);
  v128.store(w, v128.bitselect(f64x2.splat(1), f64x2.div(w2, sum), small), 32);
  v128.store(w, v128.bitselect(zero, f64x2.div(w3, sum), small), 48);
  v128.store(w, v128.bitselect(zero, f64x2.div(w4, sum), small), 64);
  v128.store(w, v128.bitselect(zero, f64x2.div(w5, sum), small), 80);
}

/** Byte offset of clamp(i, 0, last) times `scale`. */
@inline
function clamped(i: i32, last: i32, scale: i32): usize {
  return <usize>((i < 0 ? 0 : i > last ? last : i) * scale);
}

/**
 * floor(min(max(s, 0), 255) + 0.5), warpPlane's rounding, of both lanes, as i32 in lanes 0 and 1.
 * pmax keeps a -0 where Math.max gives +0: the same byte either way.
 */
@inline
function toBytes(s: v128): v128 {
  const clamped = f64x2.pmin(f64x2.pmax(s, f64x2.splat(0)), f64x2.splat(255));
  return i32x4.trunc_sat_f64x2_u_zero(f64x2.floor(f64x2.add(clamped, f64x2.splat(0.5))));
}

/**
 * One row of the plane as f64 pixels (r, g, b, a) at `out`. Called per row, like everything with a
 * loop here: V8 moves a function to its optimised tier between calls, never inside a running loop,
 * so a single call warping a whole plane would run on the baseline compiler's code throughout.
 */
function widenRow(row: usize, out: usize, width: i32): void {
  for (let x = 0; x < width; x++, out += 32) {
    const q = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(row + (<usize>x << 2))));
    v128.store(out, f64x2.convert_low_i32x4_u(q));
    v128.store(out, f64x2.convert_low_i32x4_u(i32x4.shuffle(q, q, 2, 3, 0, 1)), 16);
  }
}

/** Bytes of one pixel's set-up at `weights`: six f64x2 weights, then the first tap's column and row. */
const SETUP_BYTES: usize = 112;

/**
 * Output pixel x's set-up into `w`: its source point u = a x + by + c, v = d x + ey + f (by = b y,
 * ey = e y, summed as warpPlane sums them), clamped, its weights and first tap's column and row.
 */
@inline
function setUp(x: i32, a: f64, d: f64, by: f64, c: f64, ey: f64, f: f64, maxU: f64, maxV: f64, w: usize): void {
  const u = a * <f64>x + by + c;
  const v = d * <f64>x + ey + f;
  // Math.min(Math.max(u, 0), maxU) for any u but NaN, without f64.min/max's NaN and -0 fix-ups.
  const uc = u > 0 ? (u < maxU ? u : maxU) : 0;
  const vc = v > 0 ? (v < maxV ? v : maxV) : 0;
  const fx = Math.floor(uc);
  const fy = Math.floor(vc);
  lanczos3Pair(f64x2.replace_lane(f64x2.splat(uc - fx), 1, vc - fy), w);
  store<i32>(w, <i32>fx - 2, 96);
  store<i32>(w, <i32>fy - 2, 100);
}

/**
 * Output row y of warp2d at `out`. Each pixel's weights are set up one pixel ahead (two buffers at
 * `weights`), so their divisions overlap the previous pixel's taps instead of waiting on them.
 */
function warpRow(wide: usize, width: i32, height: i32, out: usize, dstWidth: i32, a: f64, d: f64, by: f64, c: f64, ey: f64, f: f64, weights: usize): void {
  const maxU = <f64>(width - 1);
  const maxV = <f64>(height - 1);
  const rowBytes = width << 5;
  const zero = f64x2.splat(0);
  let cur = weights;
  let next = weights + SETUP_BYTES;
  setUp(0, a, d, by, c, ey, f, maxU, maxV, cur);
  for (let x = 0; x < dstWidth; x++, out += 4) {
    if (x + 1 < dstWidth) setUp(x + 1, a, d, by, c, ey, f, maxU, maxV, next);
    const x0 = load<i32>(cur, 96);
    const y0 = load<i32>(cur, 100);
    const c0 = clamped(x0, width - 1, 32);
    const c1 = clamped(x0 + 1, width - 1, 32);
    const c2 = clamped(x0 + 2, width - 1, 32);
    const c3 = clamped(x0 + 3, width - 1, 32);
    const c4 = clamped(x0 + 4, width - 1, 32);
    const c5 = clamped(x0 + 5, width - 1, 32);
    const w0 = v128.load64_splat(cur);
    const w1 = v128.load64_splat(cur + 16);
    const w2 = v128.load64_splat(cur + 32);
    const w3 = v128.load64_splat(cur + 48);
    const w4 = v128.load64_splat(cur + 64);
    const w5 = v128.load64_splat(cur + 80);
    let s01 = zero;
    let s23 = zero;
    for (let j = 0; j < 6; j++) {
      const r = wide + clamped(y0 + j, height - 1, rowBytes);
      // 0 + w0 p0 + w1 p1 + ... + w5 p5, left to right, as warpPlane writes it.
      let h01 = f64x2.add(zero, f64x2.mul(w0, v128.load(r + c0)));
      let h23 = f64x2.add(zero, f64x2.mul(w0, v128.load(r + c0, 16)));
      h01 = f64x2.add(h01, f64x2.mul(w1, v128.load(r + c1)));
      h23 = f64x2.add(h23, f64x2.mul(w1, v128.load(r + c1, 16)));
      h01 = f64x2.add(h01, f64x2.mul(w2, v128.load(r + c2)));
      h23 = f64x2.add(h23, f64x2.mul(w2, v128.load(r + c2, 16)));
      h01 = f64x2.add(h01, f64x2.mul(w3, v128.load(r + c3)));
      h23 = f64x2.add(h23, f64x2.mul(w3, v128.load(r + c3, 16)));
      h01 = f64x2.add(h01, f64x2.mul(w4, v128.load(r + c4)));
      h23 = f64x2.add(h23, f64x2.mul(w4, v128.load(r + c4, 16)));
      h01 = f64x2.add(h01, f64x2.mul(w5, v128.load(r + c5)));
      h23 = f64x2.add(h23, f64x2.mul(w5, v128.load(r + c5, 16)));
      const wj = v128.load64_splat(cur + (<usize>j << 4) + 8);
      s01 = f64x2.add(s01, f64x2.mul(wj, h01));
      s23 = f64x2.add(s23, f64x2.mul(wj, h23));
    }
    const bytes = i32x4.shuffle(toBytes(s01), toBytes(s23), 0, 1, 4, 5);
    v128.store32_lane(out, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_u(bytes, bytes), bytes), 0);
    const t = cur;
    cur = next;
    next = t;
  }
}

/**
 * Warps the plane at `src` into dstWidth x dstHeight at `dst` through u = a x + b y + c,
 * v = d x + e y + f, exactly as warpPlane does. opaque != 0 writes alpha 255 (the plane's valid
 * alpha is all 255: its sums are ignored). `wide`: width * height * 32 bytes; `weights`: 2 SETUP_BYTES.
 */
export function warp2d(
  src: usize, width: i32, height: i32, stride: i32, wide: usize, dst: usize, dstWidth: i32, dstHeight: i32,
  a: f64, d: f64, b: f64, e: f64, c: f64, f: f64, opaque: i32, weights: usize,
): void {
  for (let y = 0; y < height; y++) widenRow(src + (<usize>(y * stride) << 2), wide + (<usize>(y * width) << 5), width);
  for (let y = 0; y < dstHeight; y++) {
    warpRow(wide, width, height, dst + (<usize>(y * dstWidth) << 2), dstWidth, a, d, b * <f64>y, c, e * <f64>y, f, weights);
  }
  if (opaque != 0) for (let i: usize = 3, end = <usize>(dstWidth * dstHeight) << 2; i < end; i += 4) store<u8>(dst + i, 255);
}
