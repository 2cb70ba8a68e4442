/**
 * The CPU reference of the warp: resamples one RGBA8 plane into the reference frame through its
 * transform with a Lanczos-3 kernel (6 x 6 taps). It is what shaders/warp.wgsl must match.
 * Why Lanczos-3: every resampling is a low-pass filter, and the fused image keeps what the warp
 * keeps. On the moved synthetic stacks the fused image inside cells lost 0.37 dB to Keys' bicubic
 * and 0.09 dB to Lanczos-3 against the still stack (mean of 3 seeds; a bilinear warp lost 2.4 dB
 * on an earlier fixture), see docs/alignment.md; the cost is ~3x the bicubic's time.
 *
 * Edges: a reference pixel whose source point lies outside the plane takes the plane's nearest edge
 * pixel (clamp to edge) and is marked uncovered. Replicated edges carry no texture, so the focus
 * measure gives them nothing and the depth goes to the planes that do cover the pixel; a zero or
 * constant fill would instead draw a sharp false edge along the plane's border that every focus
 * measure would pick.
 */
/** Where a plane's pixels are: `stride` pixels per row, of which the top-left width x height are valid. */
export interface PlaneView {
  rgba: Uint8Array;
  width: number;
  height: number;
  stride: number;
}

/** A warp of a plane into a dstWidth x dstHeight frame: {@link warpPlane} or one giving the same bytes (the CPU fast path's WebAssembly one). */
export type PlaneWarp = (plane: PlaneView, transform: Float64Array, dstWidth: number, dstHeight: number) => Uint8Array;

/** Taps per axis of the warp kernel, at offsets -2 .. 3 from floor(source point). */
export const WARP_TAPS = 6;
const ROOT3_2 = Math.sqrt(3) / 2;

/**
 * sin and cos of x in [0, pi/3] by Taylor polynomials (error < 1e-7): plain arithmetic, so the
 * WGSL twin (warp.wgsl's sin_cos_third) computes the same weights on any GPU, whose own sin and cos
 * may be off by 5e-4.
 */
function sinCos(x: number): [number, number] {
  const x2 = x * x;
  const sin = x * (1 + x2 * (-1 / 6 + x2 * (1 / 120 + x2 * (-1 / 5040 + x2 * (1 / 362880)))));
  const cos = 1 + x2 * (-1 / 2 + x2 * (1 / 24 + x2 * (-1 / 720 + x2 * (1 / 40320 + x2 * (-1 / 3628800)))));
  return [sin, cos];
}

/**
 * Lanczos-3 weights of the six taps at -2 .. 3 for a fraction t in [0, 1), normalised to sum 1.
 * L(d) = 3 sin(pi d) sin(pi d / 3) / (pi d)^2 at d = t - k; sin(pi (t - k)) = (-1)^k sin(pi t) is
 * common to all six and cancels in the normalisation, and sin(pi (t - k) / 3) follows from
 * sin and cos of pi t / 3 by the angle-difference formula, so one polynomial pair serves all taps.
 * Written in the same order as warp.wgsl's lanczos3_weights so both round alike.
 * @example lanczos3Weights(0.5) // [0.0245, -0.1359, 0.6114, 0.6114, -0.1359, 0.0245] (rounded)
 */
export function lanczos3Weights(t: number, dst: Float64Array = new Float64Array(WARP_TAPS)): Float64Array {
  if (t < 1e-6) {
    dst.fill(0);
    dst[2] = 1;
    return dst;
  }
  const [a, b] = sinCos((Math.PI / 3) * t);
  const ha = 0.5 * a;
  const hb = ROOT3_2 * b;
  dst[0] = (hb - ha) / ((t + 2) * (t + 2));
  dst[1] = -(ha + hb) / ((t + 1) * (t + 1));
  dst[2] = a / (t * t);
  dst[3] = -(ha - hb) / ((t - 1) * (t - 1));
  dst[4] = -(ha + hb) / ((t - 2) * (t - 2));
  dst[5] = a / ((t - 3) * (t - 3));
  const sum = dst[0] + dst[1] + dst[2] + dst[3] + dst[4] + dst[5];
  for (let k = 0; k < WARP_TAPS; k++) dst[k] /= sum;
  return dst;
}

/**
 * Warps a plane into a dstWidth x dstHeight frame: dst(x, y) = plane(transform * (x, y)), Lanczos-3,
 * taps clamped to the plane's valid pixels, values clamped to 0..255 and rounded half up.
 * @param transform a 3x3 transform in wgpu-matrix's mat3d layout (src/align/matrix.ts Mat3): maps a
 *   pixel of the destination frame to the plane's pixel it is sampled from.
 * @param coverage optional, set to 1 where the source point is inside the plane (within half a pixel
 *   of its outer pixel centres), else left untouched, so one mask can be ANDed over the planes.
 * @example const aligned = warpPlane({ rgba, width: 330, height: 286, stride: 362 }, t, 352, 307);
 */
export function warpPlane(plane: PlaneView, transform: Float64Array, dstWidth: number, dstHeight: number, dst = new Uint8Array(dstWidth * dstHeight * 4), coverage?: Uint8Array): Uint8Array {
  const { rgba, width, height, stride } = plane;
  const [a, d, b, e, c, f] = [transform[0], transform[1], transform[4], transform[5], transform[8], transform[9]];
  const wx = new Float64Array(WARP_TAPS);
  const wy = new Float64Array(WARP_TAPS);
  const offsets = new Int32Array(2 * WARP_TAPS); // byte offsets of the six columns, then the six rows
  const opaque = isOpaque(rgba, width, height, stride);
  for (let y = 0; y < dstHeight; y++) {
    for (let x = 0; x < dstWidth; x++) {
      const u = a * x + b * y + c;
      const v = d * x + e * y + f;
      const o = (y * dstWidth + x) * 4;
      if (coverage && u >= -0.5 && v >= -0.5 && u <= width - 0.5 && v <= height - 0.5) coverage[y * dstWidth + x] = 1;
      const uc = Math.min(Math.max(u, 0), width - 1);
      const vc = Math.min(Math.max(v, 0), height - 1);
      const x0 = Math.floor(uc);
      const y0 = Math.floor(vc);
      lanczos3Weights(uc - x0, wx);
      lanczos3Weights(vc - y0, wy);
      for (let k = 0; k < WARP_TAPS; k++) {
        offsets[k] = Math.min(Math.max(x0 - 2 + k, 0), width - 1) * 4;
        offsets[WARP_TAPS + k] = Math.min(Math.max(y0 - 2 + k, 0), height - 1) * stride * 4;
      }
      // Along x within each of the six rows, then along y: the order warp.wgsl uses. Unrolled, in
      // that order, so the sums round exactly as the loops did.
      const w0 = wx[0], w1 = wx[1], w2 = wx[2], w3 = wx[3], w4 = wx[4], w5 = wx[5];
      const c0 = offsets[0], c1 = offsets[1], c2 = offsets[2], c3 = offsets[3], c4 = offsets[4], c5 = offsets[5];
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < WARP_TAPS; j++) {
        const r = offsets[WARP_TAPS + j];
        const wj = wy[j];
        const i0 = r + c0, i1 = r + c1, i2 = r + c2, i3 = r + c3, i4 = r + c4, i5 = r + c5;
        s0 += wj * (0 + w0 * rgba[i0] + w1 * rgba[i1] + w2 * rgba[i2] + w3 * rgba[i3] + w4 * rgba[i4] + w5 * rgba[i5]);
        s1 += wj * (0 + w0 * rgba[i0 + 1] + w1 * rgba[i1 + 1] + w2 * rgba[i2 + 1] + w3 * rgba[i3 + 1] + w4 * rgba[i4 + 1] + w5 * rgba[i5 + 1]);
        s2 += wj * (0 + w0 * rgba[i0 + 2] + w1 * rgba[i1 + 2] + w2 * rgba[i2 + 2] + w3 * rgba[i3 + 2] + w4 * rgba[i4 + 2] + w5 * rgba[i5 + 2]);
        if (!opaque) s3 += wj * (0 + w0 * rgba[i0 + 3] + w1 * rgba[i1 + 3] + w2 * rgba[i2 + 3] + w3 * rgba[i3 + 3] + w4 * rgba[i4 + 3] + w5 * rgba[i5 + 3]);
      }
      dst[o] = Math.floor(Math.min(Math.max(s0, 0), 255) + 0.5);
      dst[o + 1] = Math.floor(Math.min(Math.max(s1, 0), 255) + 0.5);
      dst[o + 2] = Math.floor(Math.min(Math.max(s2, 0), 255) + 0.5);
      // Weights sum to 1, so an opaque plane stays opaque (255 within rounding): no need to sum it.
      dst[o + 3] = opaque ? 255 : Math.floor(Math.min(Math.max(s3, 0), 255) + 0.5);
    }
  }
  return dst;
}

/** Whether every valid pixel of a plane has alpha 255 (the usual case: decoded JPEG and PNG). */
export function isOpaque(rgba: Uint8Array, width: number, height: number, stride: number): boolean {
  for (let y = 0; y < height; y++) {
    for (let i = y * stride * 4 + 3, end = i + width * 4; i < end; i += 4) if (rgba[i] !== 255) return false;
  }
  return true;
}

/** An axis-aligned rectangle of the reference frame. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * A large rectangle inside a coverage mask: starts from the whole frame and drops, one line at a
 * time, whichever border row or column has the most uncovered pixels. Not always the largest
 * possible rectangle, but the covered area of warped planes is convex, where this does well.
 * @example largestCoveredRect(mask, 352, 307) // { x: 9, y: 8, width: 334, height: 290 }
 */
export function largestCoveredRect(mask: Uint8Array, width: number, height: number): Rect {
  let [x0, y0, x1, y1] = [0, 0, width - 1, height - 1];
  const missingInRow = (y: number) => { let n = 0; for (let x = x0; x <= x1; x++) n += mask[y * width + x] ? 0 : 1; return n; };
  const missingInCol = (x: number) => { let n = 0; for (let y = y0; y <= y1; y++) n += mask[y * width + x] ? 0 : 1; return n; };
  while (x0 <= x1 && y0 <= y1) {
    const sides = [missingInRow(y0), missingInRow(y1), missingInCol(x0), missingInCol(x1)];
    const worst = Math.max(...sides);
    if (worst === 0) break;
    const side = sides.indexOf(worst);
    if (side === 0) y0++;
    else if (side === 1) y1--;
    else if (side === 2) x0++;
    else x1--;
  }
  if (x0 > x1 || y0 > y1) return { x: 0, y: 0, width: 0, height: 0 };
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}
