/**
 * Luma of RGBA planes, in [0, 1]: stage 1 of the CPU engine (shaders/luma.wgsl is its GPU twin) and
 * what alignment registers, full size or averaged over blocks for auto's preview.
 */
import { LUMA_DIVISOR, LUMA_INT_WEIGHTS } from '../core/maths.js';
import { FocusFuseError } from '../core/errors.js';
import { checkLength, checkSize, useDst } from './checks.js';
import type { Level } from './pyramid.js';
import { imageKernels } from './accelerate.js';

const WR = LUMA_INT_WEIGHTS[0];
const WG = LUMA_INT_WEIGHTS[1];
const WB = LUMA_INT_WEIGHTS[2];

/**
 * Luma numerators (299 R + 587 G + 114 B, exact integers) summed over factor x factor blocks; rows and
 * columns past the last whole block are left out. It is what alignment's `auto` looks at first (its
 * preview, see blockMeans below), gathered while the luma is computed anyway.
 */
export interface LumaBlockSums {
  factor: number;
  /** floor(width / factor) * floor(height / factor) sums, row-major; added to, not overwritten. */
  sums: Float64Array;
}

/**
 * Y = (0.299 R + 0.587 G + 0.114 B) / 255, computed as (299 R + 587 G + 114 B) / 255000 (exact integer
 * numerator) and rounded once to f32. Alpha is ignored. 16-bit planes divide by 1000 * sampleMax
 * instead (sampleMax = 2^bitDepth - 1), so Y is in [0, 1] at any bit depth; the numerator stays an
 * exact integer (below 2^26).
 * @param rgba width * height * 4 samples, row-major RGBA8 (or RGBA16).
 * @param dst optional output of width * height values (reused across planes).
 * @param blocks optional block sums to add this plane's numerators to (see LumaBlockSums; 8-bit only).
 * @param sampleMax the largest sample value: 255 for RGBA8, 2^bitDepth - 1 for RGBA16.
 * @example luma(new Uint8Array([255, 255, 255, 255]), 1, 1) // Float32Array [1]
 * @example luma(new Uint16Array([4095, 4095, 4095, 4095]), 1, 1, undefined, undefined, 4095) // Float32Array [1]
 */
export function luma(rgba: Uint8Array | Uint16Array, width: number, height: number, dst?: Float32Array, blocks?: LumaBlockSums, sampleMax = 255): Float32Array {
  checkSize(width, height);
  const n = width * height;
  checkLength(rgba, n * 4, 'rgba');
  const out = useDst(dst, n);
  // Alignment's preview (the only user of blocks) works on 8-bit planes: 16-bit ones are converted first.
  if (blocks && sampleMax !== 255) throw new FocusFuseError('BAD_STACK', 'luma block sums are only gathered from 8-bit planes');
  if (!blocks) {
    // 8-bit keeps the literal constant (exactly the expression the GPU kernel mirrors).
    const divisor = sampleMax === 255 ? LUMA_DIVISOR : (LUMA_DIVISOR / 255) * sampleMax;
    for (let i = 0, j = 0; i < n; i++, j += 4) {
      out[i] = (WR * rgba[j] + WG * rgba[j + 1] + WB * rgba[j + 2]) / divisor;
    }
    return out;
  }
  const { factor, sums } = blocks;
  const columns = Math.floor(width / factor);
  const rows = Math.floor(height / factor);
  checkLength(sums, columns * rows, 'blocks.sums');
  for (let y = 0; y < height; y++) {
    const row = y < rows * factor ? Math.floor(y / factor) * columns : -1;
    let i = y * width;
    let x = 0;
    // Block by block along the row, each block's sum added once: ~3x cheaper than per pixel.
    if (row >= 0) {
      for (let block = 0; block < columns; block++) {
        let sum = 0;
        for (let end = x + factor; x < end; x++, i++) {
          const j = i * 4;
          const numerator = WR * rgba[j] + WG * rgba[j + 1] + WB * rgba[j + 2];
          out[i] = numerator / LUMA_DIVISOR;
          sum += numerator;
        }
        sums[row + block] += sum;
      }
    }
    for (; x < width; x++, i++) {
      const j = i * 4;
      out[i] = (WR * rgba[j] + WG * rgba[j + 1] + WB * rgba[j + 2]) / LUMA_DIVISOR;
    }
  }
  return out;
}

/**
 * Luma of a (padded) RGBA8 plane averaged over factor x factor blocks, without the full-size luma:
 * auto's preview (glance and quick look). The CPU engine gathers the same block sums while it
 * computes the luma (LumaBlockSums above); both end in blockMeans, so they agree bit for bit.
 * @example shrinkLuma(rgba, 384, 384, 384, 4) // { data, width: 96, height: 96 }
 */
export function shrinkLuma(rgba: Uint8Array, stride: number, width: number, height: number, factor: number): Level {
  const w = Math.floor(width / factor);
  const h = Math.floor(height / factor);
  const fast = imageKernels();
  if (fast) {
    const data = new Float32Array(w * h);
    if (fast.shrinkLuma(rgba, stride, w, h, factor, blockNorm(factor), data)) return { data, width: w, height: h };
  }
  const sums = new Float64Array(w * h);
  for (let y = 0; y < h; y++) shrinkRow(rgba, stride, y, w, factor, sums);
  return blockMeans(sums, w, h, factor);
}

/**
 * Block sums of output row y (see shrinkLuma). A function of its own, called per row, so that it is
 * optimised after a few rows of the first plane rather than by on-stack replacement of one long loop.
 */
function shrinkRow(rgba: Uint8Array, stride: number, y: number, w: number, factor: number, sums: Float64Array): void {
  const [wr, wg, wb] = LUMA_INT_WEIGHTS;
  for (let x = 0; x < w; x++) {
    let sum = 0;
    for (let dy = 0; dy < factor; dy++) {
      let j = ((y * factor + dy) * stride + x * factor) * 4;
      for (let dx = 0; dx < factor; dx++, j += 4) sum += wr * rgba[j] + wg * rgba[j + 1] + wb * rgba[j + 2];
    }
    sums[y * w + x] = sum;
  }
}

/** What a block sum of luma numerators is multiplied by to give the block's mean luma. */
function blockNorm(factor: number): number {
  return 1 / (factor * factor * LUMA_DIVISOR);
}

/**
 * Block sums of luma numerators (exact integers) as block-mean luma in [0, 1].
 * @example blockMeans(Float64Array.of(16 * 255000), 1, 1, 4).data // Float32Array [1]
 */
export function blockMeans(sums: Float64Array, width: number, height: number, factor: number): Level {
  const data = new Float32Array(width * height);
  const norm = blockNorm(factor);
  for (let i = 0; i < data.length; i++) data[i] = sums[i] * norm;
  return { data, width, height };
}
