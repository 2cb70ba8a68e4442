/**
 * Box mean Box_r[f]: mean of f over the (2r+1)^2 window with clamp-to-edge reads. Separable direct
 * sums in f64: a border pixel counts as many times as clamping repeats it, exactly as a direct
 * window loop over clamped reads would. r = 0 is the identity.
 */
import type { CpuScratch, FloatImage } from './scratch.js';
import { checkLength, checkRadius, checkSize, useDst, useScratch } from './scratch.js';

/**
 * Horizontal pass: out[y][x] = sum_{k=-r..r} src[y][clamp(x+k)] (not divided), f64.
 * Each window is summed directly, not as a running sum: a running sum carries the rounding residue of
 * every value that ever entered it, so a window of exact zeros (flat background, where F must be 0)
 * would come out as ~1e-17 and pick an arbitrary plane. Direct sums give exactly 0 there.
 * @internal
 */
export function boxSumRows(src: FloatImage, width: number, height: number, radius: number, out: Float64Array): void {
  const last = width - 1;
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let x = 0; x < width; x++) {
      let s = 0;
      if (x >= radius && x + radius <= last) {
        for (let i = o + x - radius, end = o + x + radius; i <= end; i++) s += src[i];
      } else {
        for (let k = x - radius; k <= x + radius; k++) s += src[o + (k < 0 ? 0 : k > last ? last : k)];
      }
      out[o + x] = s;
    }
  }
}

/**
 * Vertical pass over the row sums, row by row (cache-friendly): dst[y][x] = (sum_{k=-r..r}
 * rows[clamp(y+k)][x]) / area, summed directly for the same reason as boxSumRows. `acc` is a row of
 * f64 working memory.
 * @internal
 */
export function boxSumCols(rows: Float64Array, width: number, height: number, radius: number, acc: Float64Array, dst: FloatImage, area: number): void {
  const last = height - 1;
  for (let y = 0; y < height; y++) {
    acc.fill(0, 0, width);
    for (let k = y - radius; k <= y + radius; k++) {
      const o = (k < 0 ? 0 : k > last ? last : k) * width;
      for (let x = 0; x < width; x++) acc[x] += rows[o + x];
    }
    const o = y * width;
    for (let x = 0; x < width; x++) dst[o + x] = acc[x] / area;
  }
}

/**
 * Box_r[src]: mean over the (2r+1)^2 window, clamp-to-edge.
 * @param src width * height values.
 * @param radius r >= 0 (0 copies src).
 * @param dst optional output (width * height).
 * @param scratch optional working memory from createCpuScratch (uses `a` and `rowA`).
 * @example boxMean(new Float32Array([0, 3]), 2, 1, 1) // [1, 2]: windows (0,0,3) and (0,3,3)
 */
export function boxMean(src: Float32Array, width: number, height: number, radius: number, dst?: Float32Array, scratch?: CpuScratch): Float32Array {
  checkSize(width, height);
  checkRadius(radius);
  const n = width * height;
  checkLength(src, n, 'src');
  const out = useDst(dst, n);
  if (radius === 0) {
    if (out !== src) out.set(src);
    return out;
  }
  const s = useScratch(scratch, width, height);
  boxSumRows(src, width, height, radius, s.a);
  const side = 2 * radius + 1;
  boxSumCols(s.a, width, height, radius, s.rowA, out, side * side);
  return out;
}
