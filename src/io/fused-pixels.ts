/**
 * What the fused image file holds: 8 or 16 bits, grey or colour, the samples as fused or stretched
 * to the output's full range (`normalize`). One function decides (fusedEncoding) so the file and the
 * stats JSON that describes it cannot disagree.
 */
import { expected } from '../core/errors.js';
import type { FuseResult } from '../core/types.js';
import type { OutputFormat } from './encode.js';

/** `auto`: 16 bits when the result has 16-bit samples (`image16`) and the format holds them (PNG, TIFF). */
export type BitDepthChoice = 8 | 16 | 'auto';
export const BIT_DEPTH_CHOICES: readonly BitDepthChoice[] = [8, 16, 'auto'];

export interface FusedEncoding {
  bitDepth: 8 | 16;
  grey: boolean;
  /** With normalize: the sample range [lo, hi] (of the source below) stretched to 0 .. 2^bitDepth - 1. */
  normalizedFrom?: [number, number];
}

/**
 * Decides the fused file's encoding.
 * @example fusedEncoding(result16, 'png', 'auto', false) // { bitDepth: 16, grey: false }
 * @throws FocusFuseError BAD_OPTION for 16 bits in a JPEG.
 */
export function fusedEncoding(result: FuseResult, format: OutputFormat, choice: BitDepthChoice = 'auto', normalize = false): FusedEncoding {
  if (!BIT_DEPTH_CHOICES.includes(choice)) expected("8, 16 or 'auto'", 'bitDepth', choice);
  if (choice === 16 && format === 'jpeg') expected('a .png or .tif fused image for 16-bit output (JPEG holds 8 bits)', 'bitDepth 16', format);
  const bitDepth = choice === 'auto' ? (result.image16 && format !== 'jpeg' ? 16 : 8) : choice;
  const encoding: FusedEncoding = { bitDepth, grey: result.meta?.grey === true };
  if (normalize) encoding.normalizedFrom = result.image16 && result.meta?.sampleRange ? result.meta.sampleRange : rgbRange(result.image16 ?? result.image);
  return encoding;
}

/**
 * The RGBA samples to encode: the 16-bit samples (or the 8-bit ones x 257) for 16 bits, the 8-bit image
 * for 8 bits; with normalize, [lo, hi] of the most precise source stretched linearly to the full range
 * (alpha kept as it is, scaled to the output's bits).
 * @example fusedPixels(result, fusedEncoding(result, 'png', 16, true)) // Uint16Array, RGB spanning 0..65535
 */
export function fusedPixels(result: FuseResult, encoding: FusedEncoding): Uint8Array | Uint16Array {
  const top = encoding.bitDepth === 16 ? 65535 : 255;
  const range = encoding.normalizedFrom;
  if (!range) {
    if (encoding.bitDepth === 8) return result.image;
    return result.image16 ?? Uint16Array.from(result.image, (v) => v * 257);
  }
  const source = result.image16 ?? result.image;
  const sourceTop = source instanceof Uint16Array ? 65535 : 255;
  const [lo, hi] = range;
  const gain = top / Math.max(1, hi - lo);
  const out = encoding.bitDepth === 16 ? new Uint16Array(source.length) : new Uint8Array(source.length);
  for (let i = 0; i < source.length; i += 4) {
    for (let c = i; c < i + 3; c++) out[c] = Math.min(top, Math.max(0, Math.round((source[c] - lo) * gain)));
    out[i + 3] = Math.round((source[i + 3] * top) / sourceTop);
  }
  return out;
}

/** Smallest and largest R, G, B sample of an RGBA image. */
function rgbRange(rgba: Uint8Array | Uint16Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < rgba.length; i += 4) {
    for (let c = i; c < i + 3; c++) {
      if (rgba[c] < lo) lo = rgba[c];
      if (rgba[c] > hi) hi = rgba[c];
    }
  }
  return [lo, hi];
}
