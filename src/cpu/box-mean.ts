/**
 * Box mean Box_r[f]: mean of f over the (2r+1)^2 window with clamp-to-edge reads. Separable running
 * sums in f64 (with an exact zero where the window is all zeros, see boxSumRows): a border pixel counts as many times as clamping repeats it, exactly as a direct
 * window loop over clamped reads would. r = 0 is the identity.
 */
import type { CpuScratch, FloatImage } from './scratch.js';
import { checkLength, checkSize, useDst } from '../image/checks.js';
import { checkRadius, useScratch } from './scratch.js';

/**
 * Horizontal pass: out[y][x] = sum_{k=-r..r} src[y][clamp(x+k)] (not divided), f64 running sums.
 * A running sum carries the rounding residue of every value that ever entered it, so a window of
 * exact zeros (flat background, where F must be exactly 0 or an arbitrary plane wins the argmax)
 * would come out as ~1e-17. An exact count of the window's non-zero values catches that case: where
 * it is 0 the sum is written as exactly 0. Elsewhere the residue is ~1e-16 of the row's largest sum.
 * @internal
 */
export function boxSumRows(src: FloatImage, width: number, height: number, radius: number, out: Float64Array): void {
  const last = width - 1;
  for (let y = 0; y < height; y++) {
    const o = y * width;
    let s = 0;
    let nonZero = 0;
    for (let k = -radius; k <= radius; k++) {
      const v = src[o + (k < 0 ? 0 : k > last ? last : k)];
      s += v;
      if (v !== 0) nonZero++;
    }
    for (let x = 0; x < width; x++) {
      out[o + x] = nonZero === 0 ? 0 : s;
      const xin = x + radius + 1;
      const xout = x - radius;
      const vi = src[o + (xin > last ? last : xin)];
      const vo = src[o + (xout < 0 ? 0 : xout)];
      s += vi - vo;
      nonZero += (vi !== 0 ? 1 : 0) - (vo !== 0 ? 1 : 0);
    }
  }
}

/**
 * Vertical pass over the row sums, row by row (cache-friendly): dst[y][x] = (sum_{k=-r..r}
 * rows[clamp(y+k)][x]) / area, running sums with the same exact-zero count as boxSumRows. `acc` and
 * `counts` are rows of f64 working memory.
 * @internal
 */
export function boxSumCols(
  rows: Float64Array,
  width: number,
  height: number,
  radius: number,
  acc: Float64Array,
  counts: Float64Array,
  dst: FloatImage,
  area: number,
): void {
  const last = height - 1;
  acc.fill(0, 0, width);
  counts.fill(0, 0, width);
  for (let k = -radius; k <= radius; k++) {
    const o = (k < 0 ? 0 : k > last ? last : k) * width;
    for (let x = 0; x < width; x++) {
      const v = rows[o + x];
      acc[x] += v;
      if (v !== 0) counts[x]++;
    }
  }
  for (let y = 0; y < height; y++) {
    const o = y * width;
    const yin = y + radius + 1;
    const yout = y - radius;
    const oin = (yin > last ? last : yin) * width;
    const oout = (yout < 0 ? 0 : yout) * width;
    for (let x = 0; x < width; x++) {
      dst[o + x] = counts[x] === 0 ? 0 : acc[x] / area;
      const vi = rows[oin + x];
      const vo = rows[oout + x];
      acc[x] += vi - vo;
      counts[x] += (vi !== 0 ? 1 : 0) - (vo !== 0 ? 1 : 0);
    }
  }
}

/**
 * Box_r[O^2] - Box_r[O]^2 of `src` (O) into `out`, clamped to >= 0: the window variance of the
 * variance focus measures (lapv, glv, tenv). The row sums of O and O^2 run together, reading O
 * once and squaring on the fly (the values and their order are boxSumRows' on O and on O^2, so the
 * result is bit-identical to separate passes; lapv 20 % faster per plane); the column sums
 * are boxSumCols'. Both means stay in f64 until the subtraction, for the cancellation
 * src/core/maths.ts describes. The row pass counts O's non-zero values for both sums: O^2 is zero
 * exactly where O is (an O^2 underflow needs |O| < 1e-154, far below any difference of 8-bit luma).
 * Overwrites `src` (scratch a) and uses scratch b, c, rowA and rowB.
 * @internal
 */
export function boxVariance(src: Float64Array, width: number, height: number, radius: number, out: Float32Array, s: CpuScratch): void {
  const O = src;
  const rows1 = s.b;
  const rows2 = s.c;
  const lastX = width - 1;
  for (let y = 0; y < height; y++) {
    const o = y * width;
    let s1 = 0;
    let s2 = 0;
    let nonZero = 0;
    for (let k = -radius; k <= radius; k++) {
      const v = O[o + (k < 0 ? 0 : k > lastX ? lastX : k)];
      s1 += v;
      s2 += v * v;
      if (v !== 0) nonZero++;
    }
    for (let x = 0; x < width; x++) {
      rows1[o + x] = nonZero === 0 ? 0 : s1;
      rows2[o + x] = nonZero === 0 ? 0 : s2;
      const xin = x + radius + 1;
      const xout = x - radius;
      const vi = O[o + (xin > lastX ? lastX : xin)];
      const vo = O[o + (xout < 0 ? 0 : xout)];
      s1 += vi - vo;
      s2 += vi * vi - vo * vo;
      nonZero += (vi !== 0 ? 1 : 0) - (vo !== 0 ? 1 : 0);
    }
  }
  // Column pass over each row-sum image (each keeps its own exact-zero count: a row sum of O can
  // cancel to 0 where its O^2 sum does not); O is no longer needed, so Box[O] goes where it was.
  const side = 2 * radius + 1;
  const area = side * side;
  const m1 = src;
  const m2 = rows1;
  boxSumCols(rows1, width, height, radius, s.rowA, s.rowB, m1, area);
  boxSumCols(rows2, width, height, radius, s.rowA, s.rowB, m2, area);
  for (let i = 0; i < width * height; i++) {
    const f = m2[i] - m1[i] * m1[i];
    out[i] = f > 0 ? f : 0;
  }
}

/**
 * Box_r[src]: mean over the (2r+1)^2 window, clamp-to-edge.
 * @param src width * height values.
 * @param radius r >= 0 (0 copies src).
 * @param dst optional output (width * height).
 * @param scratch optional working memory from createCpuScratch (uses `a`, `rowA` and `rowB`).
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
  boxSumCols(s.a, width, height, radius, s.rowA, s.rowB, out, side * side);
  return out;
}
