/**
 * Photometric matching (`--match-brightness`): the planes of a camera sweep differ in brightness
 * and colour balance (exposure, vignetting through focus), which biases both the focus measure and
 * the composite. Each plane gets a gain and an offset per colour channel that map it onto the
 * reference plane, fitted on the area both cover.
 *
 * Why block means: defocus moves no brightness, it spreads it, so the means of 16 x 16 px blocks
 * are nearly the same on a sharp and a blurred plane, while single pixels are not (a fit on pixels
 * reads the lost contrast of a blurred plane as a gain below 1). Blocks across a strong edge still
 * differ; the fit is robust (Huber weights at 2 MADs) so they do not pull it.
 */
import type { Mat3 } from './matrix.js';
import { solve } from './linear.js';
import { alignKernels } from './kernels.js';

/** Maps a plane's channel values onto the reference's: v' = gain[c] * v + offset[c] (RGB). */
export interface BrightnessMatch {
  gain: [number, number, number];
  offset: [number, number, number];
}

/** Side of the blocks whose means are compared (reference-frame pixels), and sample step inside them. */
export const BRIGHTNESS_BLOCK_PX = 16;
const SAMPLE_STEP = 4;
/**
 * A match is applied only when it changes some value of the plane by at least this many levels.
 * Defocus alone shifts block means a little (a blurred dark object spreads into its bright
 * surround): registered, evenly exposed synthetic stacks fit matches of up to ~4 levels at the ends
 * of their range, worth -0.07 .. +0.03 dB inside cells; exposure drifts worth correcting are larger.
 */
export const MIN_BRIGHTNESS_CHANGE = 5;
/** Gains outside this range are taken as a failed fit (a different scene, not an exposure change). */
const GAIN_RANGE = [0.5, 2] as const;
/**
 * At most about this many blocks enter a fit: a larger frame takes every 2nd (3rd, ...) block in
 * both directions. 4,096 blocks pin a gain and offset far below a level; a 2048x1536 frame has
 * 12,288, whose robust fits (4 sorted rounds per channel) took ~45 ms a plane.
 */
export const MAX_BRIGHTNESS_BLOCKS = 4096;
const ROBUST_ROUNDS = 4;

/** A plane's pixels: `stride` pixels per row, the top-left width x height valid. */
interface PlaneSource {
  rgba: Uint8Array;
  width: number;
  height: number;
  stride: number;
}

/**
 * Fits each plane's brightness match onto the reference plane over the blocks of the reference
 * frame (width x height) that the plane covers, through `transforms` (reference pixel -> plane
 * pixel). Undefined for the reference, for planes whose match changes less than
 * MIN_BRIGHTNESS_CHANGE, and where the fit fails.
 * @example const matches = estimateBrightness(planes, transforms, 3, 2048, 1536); // matches[0]?.gain
 */
export function estimateBrightness(planes: readonly PlaneSource[], transforms: readonly Mat3[], reference: number, width: number, height: number): (BrightnessMatch | undefined)[] {
  const grid = blockGrid(width, height);
  // The reference's block sums are the same for every plane's fit: summed once.
  const referenceSums = gridSums(planes[reference], transforms[reference], grid);
  return planes.map((plane, z) => (z === reference ? undefined : fitPlane(referenceSums, plane, transforms[z], grid)));
}

/** The blocks a fit looks at: every `step`-th of the blocksX x blocksY blocks of the reference frame. */
interface BlockGrid {
  blocksX: number;
  blocksY: number;
  step: number;
}

function blockGrid(width: number, height: number): BlockGrid {
  const blocksX = Math.floor(width / BRIGHTNESS_BLOCK_PX);
  const blocksY = Math.floor(height / BRIGHTNESS_BLOCK_PX);
  return { blocksX, blocksY, step: Math.max(1, Math.ceil(Math.sqrt((blocksX * blocksY) / MAX_BRIGHTNESS_BLOCKS))) };
}

/**
 * Per block of the grid, in the fit's order: the per-channel sums of its samples (every SAMPLE_STEP
 * px of the reference frame, each the nearest pixel of `source` through `t`) and their count; all
 * four 0 where a sample falls outside the plane. The reference's sums and every plane's come from
 * this one loop over the grid.
 */
function gridSums(source: PlaneSource, t: Mat3, { blocksX, blocksY, step }: BlockGrid): Float64Array {
  const { rgba, width, height, stride } = source;
  const t0 = t[0], t1 = t[1], t4 = t[4], t5 = t[5], t8 = t[8], t9 = t[9];
  const sums = new Float64Array(Math.ceil(blocksX / step) * Math.ceil(blocksY / step) * 4);
  let k = 0;
  for (let by = 0; by < blocksY; by += step) {
    for (let bx = 0; bx < blocksX; bx += step, k += 4) {
      let r = 0, g = 0, b = 0, n = 0;
      block: for (let y = by * BRIGHTNESS_BLOCK_PX + SAMPLE_STEP / 2; y < (by + 1) * BRIGHTNESS_BLOCK_PX; y += SAMPLE_STEP) {
        for (let x = bx * BRIGHTNESS_BLOCK_PX + SAMPLE_STEP / 2; x < (bx + 1) * BRIGHTNESS_BLOCK_PX; x += SAMPLE_STEP) {
          // The nearest pixel to apply(t, x, y), as matrix.ts computes it.
          const px = Math.round(t0 * x + t4 * y + t8);
          const py = Math.round(t1 * x + t5 * y + t9);
          if (px < 0 || py < 0 || px >= width || py >= height) {
            r = g = b = n = 0;
            break block;
          }
          const i = (py * stride + px) * 4;
          r += rgba[i];
          g += rgba[i + 1];
          b += rgba[i + 2];
          n++;
        }
      }
      sums[k] = r;
      sums[k + 1] = g;
      sums[k + 2] = b;
      sums[k + 3] = n;
    }
  }
  return sums;
}

function fitPlane(referenceSums: Float64Array, plane: PlaneSource, toPlane: Mat3, grid: BlockGrid): BrightnessMatch | undefined {
  const planeSums = gridSums(plane, toPlane, grid);
  // Per block and channel: the plane's mean (x) and the reference's (y), on the blocks both planes
  // cover entirely (then both took the same number of samples).
  const blocks = planeSums.length / 4;
  const xs = [0, 1, 2].map(() => new Float64Array(blocks));
  const ys = [0, 1, 2].map(() => new Float64Array(blocks));
  let count = 0;
  for (let k = 0; k < planeSums.length; k += 4) {
    const n = planeSums[k + 3];
    if (n === 0 || referenceSums[k + 3] === 0) continue;
    for (let c = 0; c < 3; c++) {
      xs[c][count] = planeSums[k + c] / n;
      ys[c][count] = referenceSums[k + c] / n;
    }
    count++;
  }
  if (count < 8) return undefined;
  const match: BrightnessMatch = { gain: [1, 1, 1], offset: [0, 0, 0] };
  let change = 0;
  for (let c = 0; c < 3; c++) {
    const x = xs[c].subarray(0, count);
    const y = ys[c].subarray(0, count);
    // The WebAssembly twin (the same bits) where the CPU engine registered it: a fresh process
    // interprets the TypeScript for its first few dozen fits.
    const fast = alignKernels()?.robustLine(x, y);
    const fit = fast === undefined ? robustLine(x, y) : fast;
    if (!fit || !(fit.gain >= GAIN_RANGE[0] && fit.gain <= GAIN_RANGE[1])) return undefined;
    match.gain[c] = fit.gain;
    match.offset[c] = fit.offset;
    // How much it changes the values the plane has (its block means' range), not extrapolated.
    let low = x[0], high = x[0];
    for (let i = 1; i < count; i++) {
      low = Math.min(low, x[i]);
      high = Math.max(high, x[i]);
    }
    change = Math.max(change, Math.abs((fit.gain - 1) * low + fit.offset), Math.abs((fit.gain - 1) * high + fit.offset));
  }
  return change >= MIN_BRIGHTNESS_CHANGE ? match : undefined;
}

/**
 * y = gain * x + offset by least squares with Huber weights (k = 2 MADs), refitted a few times;
 * undefined where the system is singular. The reference of AlignKernels.robustLine.
 * @example robustLine(Float64Array.of(0, 1, 2, 3, 4, 5, 6, 7), Float64Array.of(1, 3, 5, 7, 9, 11, 13, 15)) // { gain: 2, offset: 1 }
 */
export function robustLine(x: Float64Array, y: Float64Array): { gain: number; offset: number } | undefined {
  const n = x.length;
  const w = new Float64Array(n).fill(1);
  const h = new Float64Array(4);
  const g = new Float64Array(2);
  const out = new Float64Array(2);
  const residuals = new Float64Array(n);
  const sorted = new Float64Array(n); // scratch of the median's selection
  let gain = 1;
  let offset = 0;
  for (let round = 0; round < ROBUST_ROUNDS; round++) {
    // Sums in locals, each element read once: a fresh process interprets this loop at first.
    let sxx = 0, sx = 0, sw = 0, sxy = 0, sy = 0;
    for (let i = 0; i < n; i++) {
      const wi = w[i], xi = x[i], yi = y[i];
      sxx += wi * xi * xi;
      sx += wi * xi;
      sw += wi;
      sxy += wi * xi * yi;
      sy += wi * yi;
    }
    h[0] = sxx;
    h[1] = h[2] = sx;
    h[3] = sw;
    g[0] = sxy;
    g[1] = sy;
    if (!solve(h, g, 2, out)) return undefined;
    gain = out[0];
    offset = out[1];
    for (let i = 0; i < n; i++) residuals[i] = Math.abs(y[i] - gain * x[i] - offset);
    sorted.set(residuals);
    const limit = 2 * (kthSmallest(sorted, Math.floor(n / 2)) * 1.4826 + 1e-6);
    for (let i = 0; i < n; i++) {
      const r = residuals[i];
      w[i] = r <= limit ? 1 : limit / r;
    }
  }
  return { gain, offset };
}

/**
 * The k-th smallest of `values` (0-based), the element a numeric sort would put at k, found by
 * Hoare's selection in place (`values` is reordered): linear time where a sort is n log n, ~4x
 * faster on the fits' few hundred to 4,096 residuals. No NaN in `values`.
 */
export function kthSmallest(values: Float64Array, k: number): number {
  let lo = 0, hi = values.length - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1];
    let i = lo, j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const swap = values[i];
        values[i] = values[j];
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k];
  }
  return values[k];
}

/**
 * A copy of an RGBA8 plane with a brightness match applied (rounded, clamped; alpha as it was).
 * @example const matched = applyBrightness(rgba, { gain: [1.1, 1, 0.95], offset: [-3, 0, 2] });
 */
export function applyBrightness(rgba: Uint8Array, match: BrightnessMatch): Uint8Array {
  const lut = brightnessTables(match);
  const out = new Uint8Array(rgba.length);
  for (let i = 0; i < rgba.length; i += 4) {
    out[i] = lut[rgba[i]];
    out[i + 1] = lut[256 + rgba[i + 1]];
    out[i + 2] = lut[512 + rgba[i + 2]];
    out[i + 3] = rgba[i + 3];
  }
  return out;
}

/**
 * A brightness match as three 256-entry tables (R, G, B one after the other): what applyBrightness
 * maps each channel value to. The CPU engine's warp maps its copy of a plane through them in
 * WebAssembly instead of making a matched copy first.
 * @example brightnessTables({ gain: [2, 1, 1], offset: [0, 0, 0] })[100] // 200
 */
export function brightnessTables(match: BrightnessMatch): Uint8Array {
  const lut = new Uint8Array(768);
  for (let c = 0; c < 3; c++) for (let v = 0; v < 256; v++) lut[c * 256 + v] = Math.min(255, Math.max(0, Math.round(match.gain[c] * v + match.offset[c])));
  return lut;
}
