/**
 * The CPU reference of the warp: resamples one RGBA8 plane into the reference frame through its
 * transform with a bicubic (Keys a = -0.5, Catmull-Rom) kernel. It is what shaders/warp.wgsl must
 * match. Bicubic, not bilinear: a bilinear resampling at a half-pixel offset is a [1/2 1/2] blur
 * that costs the fused image ~1 dB inside cells; Keys' kernel keeps fine detail (see docs/alignment.md).
 *
 * Edges: a reference pixel whose source point lies outside the plane takes the plane's nearest edge
 * pixel (clamp to edge) and is marked uncovered. Replicated edges carry no texture, so the focus
 * measure gives them nothing and the depth goes to the planes that do cover the pixel; a zero or
 * constant fill would instead draw a sharp false edge along the plane's border that every focus
 * measure would pick.
 */
import type { Mat3 } from './matrix.js';

/** Where a plane's pixels are: `stride` pixels per row, of which the top-left width x height are valid. */
export interface PlaneView {
  rgba: Uint8Array;
  width: number;
  height: number;
  stride: number;
}

/**
 * Keys' cubic convolution weights (a = -0.5) of the four taps at -1, 0, 1, 2 for a fraction t in [0, 1);
 * they sum to 1. Written in the same Horner form as warp.wgsl's so both round alike.
 * @example keysWeights(0.5) // [-0.0625, 0.5625, 0.5625, -0.0625]
 */
export function keysWeights(t: number, dst: Float64Array = new Float64Array(4)): Float64Array {
  dst[0] = ((-0.5 * t + 1) * t - 0.5) * t;
  dst[1] = (1.5 * t - 2.5) * t * t + 1;
  dst[2] = ((-1.5 * t + 2) * t + 0.5) * t;
  dst[3] = (0.5 * t - 0.5) * t * t;
  return dst;
}

/**
 * Warps a plane into a dstWidth x dstHeight frame: dst(x, y) = plane(transform * (x, y)), bicubic,
 * taps clamped to the plane's valid pixels, values clamped to 0..255 and rounded half up.
 * @param coverage optional, set to 1 where the source point is inside the plane (within half a pixel
 *   of its outer pixel centres), else left untouched, so one mask can be ANDed over the planes.
 * @example const aligned = warpPlane({ rgba, width: 330, height: 286, stride: 362 }, t, 352, 307);
 */
export function warpPlane(plane: PlaneView, transform: Mat3, dstWidth: number, dstHeight: number, dst = new Uint8Array(dstWidth * dstHeight * 4), coverage?: Uint8Array): Uint8Array {
  const { rgba, width, height, stride } = plane;
  const [a, d, b, e, c, f] = [transform[0], transform[1], transform[4], transform[5], transform[8], transform[9]];
  const wx = new Float64Array(4);
  const wy = new Float64Array(4);
  const cols = new Int32Array(4);
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
      keysWeights(uc - x0, wx);
      keysWeights(vc - y0, wy);
      for (let k = 0; k < 4; k++) cols[k] = Math.min(Math.max(x0 - 1 + k, 0), width - 1) * 4;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      // Along x within each of the four rows, then along y: the order warp.wgsl uses.
      for (let j = 0; j < 4; j++) {
        const r = Math.min(Math.max(y0 - 1 + j, 0), height - 1) * stride * 4;
        const i0 = r + cols[0];
        const i1 = r + cols[1];
        const i2 = r + cols[2];
        const i3 = r + cols[3];
        const w = wy[j];
        s0 += w * (wx[0] * rgba[i0] + wx[1] * rgba[i1] + wx[2] * rgba[i2] + wx[3] * rgba[i3]);
        s1 += w * (wx[0] * rgba[i0 + 1] + wx[1] * rgba[i1 + 1] + wx[2] * rgba[i2 + 1] + wx[3] * rgba[i3 + 1]);
        s2 += w * (wx[0] * rgba[i0 + 2] + wx[1] * rgba[i1 + 2] + wx[2] * rgba[i2 + 2] + wx[3] * rgba[i3 + 2]);
        s3 += w * (wx[0] * rgba[i0 + 3] + wx[1] * rgba[i1 + 3] + wx[2] * rgba[i2 + 3] + wx[3] * rgba[i3 + 3]);
      }
      dst[o] = Math.floor(Math.min(Math.max(s0, 0), 255) + 0.5);
      dst[o + 1] = Math.floor(Math.min(Math.max(s1, 0), 255) + 0.5);
      dst[o + 2] = Math.floor(Math.min(Math.max(s2, 0), 255) + 0.5);
      dst[o + 3] = Math.floor(Math.min(Math.max(s3, 0), 255) + 0.5);
    }
  }
  return dst;
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
