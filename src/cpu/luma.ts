/** Stage 1: luma of an RGBA8 plane, in [0, 1]. */
import { LUMA_DIVISOR, LUMA_INT_WEIGHTS } from '../core/maths.js';
import { checkLength, checkSize, useDst } from './scratch.js';

const WR = LUMA_INT_WEIGHTS[0];
const WG = LUMA_INT_WEIGHTS[1];
const WB = LUMA_INT_WEIGHTS[2];

/**
 * Y = (0.299 R + 0.587 G + 0.114 B) / 255, computed as (299 R + 587 G + 114 B) / 255000 (exact integer
 * numerator) and rounded once to f32. Alpha is ignored.
 * @param rgba width * height * 4 bytes, row-major RGBA8.
 * @param dst optional output of width * height values (reused across planes).
 * @example luma(new Uint8Array([255, 255, 255, 255]), 1, 1) // Float32Array [1]
 */
export function luma(rgba: Uint8Array, width: number, height: number, dst?: Float32Array): Float32Array {
  checkSize(width, height);
  const n = width * height;
  checkLength(rgba, n * 4, 'rgba');
  const out = useDst(dst, n);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    out[i] = (WR * rgba[j] + WG * rgba[j + 1] + WB * rgba[j + 2]) / LUMA_DIVISOR;
  }
  return out;
}
