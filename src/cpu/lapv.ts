/** Focus measure `lapv`: variance of the Laplacian over the (2r+1)^2 window. */
import type { CpuScratch } from './scratch.js';
import { checkLength, checkRadius, checkSize, useDst, useScratch } from './scratch.js';

/**
 * L = Y(x-1,y) + Y(x+1,y) + Y(x,y-1) + Y(x,y+1) - 4 Y(x,y) (clamped reads) into `out`, in f64.
 * @internal
 */
export function laplacianImage(Y: Float32Array, width: number, height: number, out: Float64Array): void {
  const lastX = width - 1;
  const lastY = height - 1;
  for (let y = 0; y < height; y++) {
    const o = y * width;
    const up = (y > 0 ? y - 1 : 0) * width;
    const dn = (y < lastY ? y + 1 : lastY) * width;
    for (let x = 0; x < width; x++) {
      const xl = x > 0 ? x - 1 : 0;
      const xr = x < lastX ? x + 1 : lastX;
      out[o + x] = Y[o + xl] + Y[o + xr] + (Y[up + x] + Y[dn + x]) - 4 * Y[o + x];
    }
  }
}

/**
 * F = Box_r[L^2] - Box_r[L]^2, clamped to >= 0 (see src/core/maths.ts on the cancellation).
 * Both box means are separable running sums in f64, done together.
 * @param Y luma, width * height.
 * @param radius window radius r >= 0.
 * @param dst optional output (width * height).
 * @param scratch optional working memory from createCpuScratch.
 * @example laplacianVariance(Y, 384, 384, 4, F, scratch)
 */
export function laplacianVariance(Y: Float32Array, width: number, height: number, radius: number, dst?: Float32Array, scratch?: CpuScratch): Float32Array {
  checkSize(width, height);
  checkRadius(radius);
  const n = width * height;
  checkLength(Y, n, 'Y');
  const out = useDst(dst, n);
  if (radius === 0) {
    // A one-pixel window has no variance: L^2 - L^2 = 0.
    out.fill(0);
    return out;
  }
  const s = useScratch(scratch, width, height);
  const L = s.a;
  laplacianImage(Y, width, height, L);
  // Horizontal running sums of L (into b) and L^2 (into c).
  const h1 = s.b;
  const h2 = s.c;
  const lastX = width - 1;
  for (let y = 0; y < height; y++) {
    const o = y * width;
    let s1 = 0;
    let s2 = 0;
    for (let k = -radius; k <= radius; k++) {
      const v = L[o + (k < 0 ? 0 : k > lastX ? lastX : k)];
      s1 += v;
      s2 += v * v;
    }
    for (let x = 0; x < width; x++) {
      h1[o + x] = s1;
      h2[o + x] = s2;
      const xin = x + radius + 1;
      const xout = x - radius;
      const vi = L[o + (xin > lastX ? lastX : xin)];
      const vo = L[o + (xout < 0 ? 0 : xout)];
      s1 += vi - vo;
      s2 += vi * vi - vo * vo;
    }
  }
  // Vertical running sums, row by row, and F.
  const a1 = s.rowA;
  const a2 = s.rowB;
  const lastY = height - 1;
  const side = 2 * radius + 1;
  const area = side * side;
  for (let x = 0; x < width; x++) {
    a1[x] = 0;
    a2[x] = 0;
  }
  for (let k = -radius; k <= radius; k++) {
    const o = (k < 0 ? 0 : k > lastY ? lastY : k) * width;
    for (let x = 0; x < width; x++) {
      a1[x] += h1[o + x];
      a2[x] += h2[o + x];
    }
  }
  for (let y = 0; y < height; y++) {
    const o = y * width;
    const yin = y + radius + 1;
    const yout = y - radius;
    const oin = (yin > lastY ? lastY : yin) * width;
    const oout = (yout < 0 ? 0 : yout) * width;
    for (let x = 0; x < width; x++) {
      const m1 = a1[x] / area;
      const f = a2[x] / area - m1 * m1;
      out[o + x] = f > 0 ? f : 0;
      a1[x] += h1[oin + x] - h1[oout + x];
      a2[x] += h2[oin + x] - h2[oout + x];
    }
  }
  return out;
}
