/**
 * The CPU reference of the warp: resamples one RGBA8 plane into the reference frame through its
 * transform, bilinearly. It is what shaders/warp.wgsl must match.
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
 * Warps a plane into a dstWidth x dstHeight frame: dst(x, y) = plane(transform * (x, y)).
 * @param coverage optional, set to 1 where the source point is inside the plane (within half a pixel
 *   of its outer pixel centres), else left untouched, so one mask can be ANDed over the planes.
 * @example const aligned = warpPlane({ rgba, width: 330, height: 286, stride: 362 }, t, 352, 307);
 */
export function warpPlane(plane: PlaneView, transform: Mat3, dstWidth: number, dstHeight: number, dst = new Uint8Array(dstWidth * dstHeight * 4), coverage?: Uint8Array): Uint8Array {
  const { rgba, width, height, stride } = plane;
  const [a, d, b, e, c, f] = [transform[0], transform[1], transform[4], transform[5], transform[8], transform[9]];
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
      const x1 = Math.min(x0 + 1, width - 1);
      const y1 = Math.min(y0 + 1, height - 1);
      const fx = uc - x0;
      const fy = vc - y0;
      const i00 = (y0 * stride + x0) * 4;
      const i10 = (y0 * stride + x1) * 4;
      const i01 = (y1 * stride + x0) * 4;
      const i11 = (y1 * stride + x1) * 4;
      for (let ch = 0; ch < 4; ch++) {
        const top = rgba[i00 + ch] + fx * (rgba[i10 + ch] - rgba[i00 + ch]);
        const bottom = rgba[i01 + ch] + fx * (rgba[i11 + ch] - rgba[i01 + ch]);
        dst[o + ch] = Math.round(top + fy * (bottom - top));
      }
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
