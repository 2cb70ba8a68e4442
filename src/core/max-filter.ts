/**
 * Max filters over the (2R + 1)^2 square with clamped reads (the square is cut at the image's edges),
 * for the `edge-aware` depth's halo test and the `histogram` depth's one-plane test (browser-safe, no
 * imports beyond src/core). Max does not round, so results are exact in any order of comparisons.
 *
 * Each pass is van Herk / Gil-Werman: the line is cut into blocks of B = 2R + 1; with g the running
 * max from each block's start and h the running max towards each block's end, the window [lo, hi]
 * (lo = max(0, x - R), hi = min(last, x + R)) spans one block or two adjacent ones, and its max is
 * max(h[lo], g[hi]) for two blocks, g[hi] when lo starts the block, h[lo] when hi ends it (a window of
 * one block does one or the other). Three comparisons per pixel and pass whatever R, where the direct
 * loop takes 2R + 1 (R = 12 for the default window).
 */
import { FocusFuseError, expected } from './errors.js';

function checkArgs(width: number, height: number, radius: number, arrays: [Float32Array | undefined, string][]): void {
  if (!Number.isInteger(width) || width < 1) expected('a positive integer', 'width', width);
  if (!Number.isInteger(height) || height < 1) expected('a positive integer', 'height', height);
  if (!Number.isInteger(radius) || radius < 0) expected('a non-negative integer', 'radius', radius);
  const n = width * height;
  for (const [array, name] of arrays) {
    if (array && array.length !== n) throw new FocusFuseError('SIZE_MISMATCH', `Expected ${name} to hold ${n} values but received ${array.length}`);
  }
}

/** Working rows of {@link maxRow}: g and h, one line each. */
export interface MaxRowScratch {
  g: Float32Array;
  h: Float32Array;
}

/** Working memory of {@link maxRow} for rows of `width`. */
export function maxRowScratch(width: number): MaxRowScratch {
  return { g: new Float32Array(width), h: new Float32Array(width) };
}

/**
 * One row of {@link maxRows}: out[o + x] = max of src[o + j] over |j - x| <= radius, 0 <= j < width
 * (so a test that reads few rows can fill only those).
 */
export function maxRow(src: Float32Array, o: number, width: number, radius: number, out: Float32Array, s: MaxRowScratch): void {
  const block = 2 * radius + 1;
  const { g, h } = s;
  for (let start = 0; start < width; start += block) {
    const end = Math.min(start + block, width) - 1;
    g[start] = src[o + start];
    for (let j = start + 1; j <= end; j++) g[j] = g[j - 1] > src[o + j] ? g[j - 1] : src[o + j];
    h[end] = src[o + end];
    for (let j = end - 1; j >= start; j--) h[j] = h[j + 1] > src[o + j] ? h[j + 1] : src[o + j];
  }
  for (let x = 0; x < width; x++) {
    const lo = x > radius ? x - radius : 0;
    const hi = x + radius < width ? x + radius : width - 1;
    if (lo % block === 0) out[o + x] = g[hi];
    else if (Math.floor(lo / block) !== Math.floor(hi / block)) out[o + x] = h[lo] > g[hi] ? h[lo] : g[hi];
    else out[o + x] = h[lo]; // one block that hi ends (the line's last, cut short)
  }
}

/**
 * Max of `src` over [x - radius, x + radius] along each row (clamped): the first pass of
 * {@link maxFilter}.
 * @example maxRows(Float32Array.of(0, 5, 0, 0), 4, 1, 1) // => [5, 5, 5, 0]
 */
export function maxRows(src: Float32Array, width: number, height: number, radius: number, dst?: Float32Array): Float32Array {
  checkArgs(width, height, radius, [[src, 'src'], [dst, 'dst']]);
  const out = dst ?? new Float32Array(width * height);
  const s = maxRowScratch(width);
  for (let y = 0; y < height; y++) maxRow(src, y * width, width, radius, out, s);
  return out;
}

/**
 * Max of `src` over the (2 radius + 1)^2 square around each pixel, the square clamped to the image.
 * The column pass runs on whole rows: g and h are running maxima of rows within a block of rows, kept
 * for the two blocks the output row's window touches (2 B rows of memory), so reads stay sequential.
 * @param dst optional output (width * height); a new array otherwise.
 * @example maxFilter(Float32Array.of(0, 5, 0, 0), 2, 2, 1) // => [5, 5, 5, 5]
 */
export function maxFilter(src: Float32Array, width: number, height: number, radius: number, dst?: Float32Array): Float32Array {
  checkArgs(width, height, radius, [[src, 'src'], [dst, 'dst']]);
  const rows = maxRows(src, width, height, radius);
  const out = dst ?? new Float32Array(width * height);
  const block = 2 * radius + 1;
  const g = new Float32Array(block * width); // running max down the block that holds hi
  const h = new Float32Array(block * width); // running max up the block that holds lo
  let [gBlock, hBlock] = [-1, -1];
  const span = (b: number) => [b * block, Math.min(b * block + block, height) - 1];
  for (let y = 0; y < height; y++) {
    const lo = y > radius ? y - radius : 0;
    const hi = y + radius < height ? y + radius : height - 1;
    const [bl, bh] = [Math.floor(lo / block), Math.floor(hi / block)];
    if (bh !== gBlock) {
      const [start, end] = span((gBlock = bh));
      g.set(rows.subarray(start * width, (start + 1) * width));
      for (let r = 1; r <= end - start; r++) {
        for (let x = 0, i = r * width, p = i - width, k = (start + r) * width; x < width; x++, i++, p++, k++) g[i] = g[p] > rows[k] ? g[p] : rows[k];
      }
    }
    if (bl !== hBlock) {
      const [start, end] = span((hBlock = bl));
      const last = (end - start) * width;
      h.set(rows.subarray(end * width, (end + 1) * width), last);
      for (let r = end - start - 1; r >= 0; r--) {
        for (let x = 0, i = r * width, q = i + width, k = (start + r) * width; x < width; x++, i++, q++, k++) h[i] = h[q] > rows[k] ? h[q] : rows[k];
      }
    }
    const o = y * width;
    const gRow = (hi - bh * block) * width;
    const hRow = (lo - bl * block) * width;
    if (lo % block === 0) out.set(g.subarray(gRow, gRow + width), o);
    else if (bl !== bh) for (let x = 0; x < width; x++) out[o + x] = h[hRow + x] > g[gRow + x] ? h[hRow + x] : g[gRow + x];
    else out.set(h.subarray(hRow, hRow + width), o); // one block that hi ends (the image's last, cut short)
  }
  return out;
}
