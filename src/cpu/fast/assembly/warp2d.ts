// The 2-D Lanczos-3 warp of src/image/warp.ts (warpPlane: the reference, and what shaders/warp.wgsl
// matches), bit for bit: the same f64 operations in the same order (lanczos3Weights' polynomials
// and divisions, the clamps, the taps summed along x within each of the six rows, then along y).
// WebAssembly has no fused multiply-add and f64 arithmetic is IEEE, so the same order rounds alike.
// SIMD only across channels: (r, g) and (b, a) in two f64x2, each lane the reference's sequence for
// its channel (an opaque plane's alpha is summed too, then ignored: it writes 255, as warpPlane does).
//
// Memory (laid out by src/cpu/fast/warp.ts, nothing allocated here):
// - src: the plane, RGBA8 rows of `stride` pixels, the top-left width x height valid.
// - weights: 12 f64, the six x weights then the six y weights of the current pixel.
// - dst: the output, RGBA8, dstWidth x dstHeight.

const ROOT3_2: f64 = Math.sqrt(3.0) / 2.0;
const THIRD_PI: f64 = Math.PI / 3.0;

/** lanczos3Weights(t) into the six f64 at w (sinCos' Taylor polynomials, then normalised to sum 1). */
function lanczos3(t: f64, w: usize): void {
  if (t < 1e-6) {
    store<f64>(w, 0);
    store<f64>(w, 0, 8);
    store<f64>(w, 1, 16);
    store<f64>(w, 0, 24);
    store<f64>(w, 0, 32);
    store<f64>(w, 0, 40);
    return;
  }
  const x = THIRD_PI * t;
  const x2 = x * x;
  const a = x * (1.0 + x2 * (-1.0 / 6.0 + x2 * (1.0 / 120.0 + x2 * (-1.0 / 5040.0 + x2 * (1.0 / 362880.0)))));
  const b = 1.0 + x2 * (-1.0 / 2.0 + x2 * (1.0 / 24.0 + x2 * (-1.0 / 720.0 + x2 * (1.0 / 40320.0 + x2 * (-1.0 / 3628800.0)))));
  const ha = 0.5 * a;
  const hb = ROOT3_2 * b;
  const w0 = (hb - ha) / ((t + 2) * (t + 2));
  const w1 = -(ha + hb) / ((t + 1) * (t + 1));
  const w2 = a / (t * t);
  const w3 = -(ha - hb) / ((t - 1) * (t - 1));
  const w4 = -(ha + hb) / ((t - 2) * (t - 2));
  const w5 = a / ((t - 3) * (t - 3));
  const sum = w0 + w1 + w2 + w3 + w4 + w5;
  store<f64>(w, w0 / sum);
  store<f64>(w, w1 / sum, 8);
  store<f64>(w, w2 / sum, 16);
  store<f64>(w, w3 / sum, 24);
  store<f64>(w, w4 / sum, 32);
  store<f64>(w, w5 / sum, 40);
}

/** Byte offset of clamp(i, 0, last) times `scale`. */
@inline
function clamped(i: i32, last: i32, scale: i32): usize {
  return <usize>((i < 0 ? 0 : i > last ? last : i) * scale);
}

/** (r, g) of a pixel widened to i32x4, as f64x2. */
@inline
function lowPair(q: v128): v128 {
  return f64x2.convert_low_i32x4_u(q);
}

/** (b, a) of a pixel widened to i32x4, as f64x2. */
@inline
function highPair(q: v128): v128 {
  return f64x2.convert_low_i32x4_u(i32x4.shuffle(q, q, 2, 3, 0, 1));
}

/** The RGBA8 pixel at p as i32x4. */
@inline
function widen(p: usize): v128 {
  return i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(p)));
}

/** floor(min(max(s, 0), 255) + 0.5), warpPlane's rounding of one channel. */
@inline
function toByte(s: f64): u8 {
  return <u8>(<i32>Math.floor(Math.min(Math.max(s, 0), 255) + 0.5));
}

/**
 * Warps the plane at `src` into dstWidth x dstHeight at `dst` through u = a x + b y + c,
 * v = d x + e y + f, exactly as warpPlane does. opaque != 0 writes alpha 255 (the plane's valid
 * alpha is all 255). `weights`: 96 bytes of scratch.
 */
export function warp2d(
  src: usize, width: i32, height: i32, stride: i32, dst: usize, dstWidth: i32, dstHeight: i32,
  a: f64, d: f64, b: f64, e: f64, c: f64, f: f64, opaque: i32, weights: usize,
): void {
  const maxU = <f64>(width - 1);
  const maxV = <f64>(height - 1);
  const wx = weights;
  const wy = weights + 48;
  const rowBytes = stride << 2;
  const zero = f64x2.splat(0);
  let out = dst;
  for (let y = 0; y < dstHeight; y++) {
    for (let x = 0; x < dstWidth; x++, out += 4) {
      const u = a * <f64>x + b * <f64>y + c;
      const v = d * <f64>x + e * <f64>y + f;
      const uc = Math.min(Math.max(u, 0), maxU);
      const vc = Math.min(Math.max(v, 0), maxV);
      const fx = Math.floor(uc);
      const fy = Math.floor(vc);
      lanczos3(uc - fx, wx);
      lanczos3(vc - fy, wy);
      const x0 = <i32>fx - 2;
      const y0 = <i32>fy - 2;
      const c0 = clamped(x0, width - 1, 4);
      const c1 = clamped(x0 + 1, width - 1, 4);
      const c2 = clamped(x0 + 2, width - 1, 4);
      const c3 = clamped(x0 + 3, width - 1, 4);
      const c4 = clamped(x0 + 4, width - 1, 4);
      const c5 = clamped(x0 + 5, width - 1, 4);
      const w0 = v128.load64_splat(wx);
      const w1 = v128.load64_splat(wx + 8);
      const w2 = v128.load64_splat(wx + 16);
      const w3 = v128.load64_splat(wx + 24);
      const w4 = v128.load64_splat(wx + 32);
      const w5 = v128.load64_splat(wx + 40);
      let s01 = zero;
      let s23 = zero;
      for (let j = 0; j < 6; j++) {
        const r = src + clamped(y0 + j, height - 1, rowBytes);
        // 0 + w0 p0 + w1 p1 + ... + w5 p5, left to right, as warpPlane writes it.
        let q = widen(r + c0);
        let h01 = f64x2.add(zero, f64x2.mul(w0, lowPair(q)));
        let h23 = f64x2.add(zero, f64x2.mul(w0, highPair(q)));
        q = widen(r + c1);
        h01 = f64x2.add(h01, f64x2.mul(w1, lowPair(q)));
        h23 = f64x2.add(h23, f64x2.mul(w1, highPair(q)));
        q = widen(r + c2);
        h01 = f64x2.add(h01, f64x2.mul(w2, lowPair(q)));
        h23 = f64x2.add(h23, f64x2.mul(w2, highPair(q)));
        q = widen(r + c3);
        h01 = f64x2.add(h01, f64x2.mul(w3, lowPair(q)));
        h23 = f64x2.add(h23, f64x2.mul(w3, highPair(q)));
        q = widen(r + c4);
        h01 = f64x2.add(h01, f64x2.mul(w4, lowPair(q)));
        h23 = f64x2.add(h23, f64x2.mul(w4, highPair(q)));
        q = widen(r + c5);
        h01 = f64x2.add(h01, f64x2.mul(w5, lowPair(q)));
        h23 = f64x2.add(h23, f64x2.mul(w5, highPair(q)));
        const wj = v128.load64_splat(wy + (<usize>j << 3));
        s01 = f64x2.add(s01, f64x2.mul(wj, h01));
        s23 = f64x2.add(s23, f64x2.mul(wj, h23));
      }
      store<u8>(out, toByte(f64x2.extract_lane(s01, 0)));
      store<u8>(out, toByte(f64x2.extract_lane(s01, 1)), 1);
      store<u8>(out, toByte(f64x2.extract_lane(s23, 0)), 2);
      store<u8>(out, opaque != 0 ? <u8>255 : toByte(f64x2.extract_lane(s23, 1)), 3);
    }
  }
}
