/**
 * Encodes result images with sharp: the fused image (PNG, JPEG or TIFF by extension), the depth and
 * confidence maps as 16-bit gray PNGs with documented scales, and the viridis depth picture.
 */
import sharp from 'sharp';
import { expected } from '../core/errors.js';
import { depthToColor } from './colormap.js';
import { outputTagXmp, type OutputTagKind } from './output-tag.js';
import { encodeFloatTiff } from './tiff-float.js';

export type OutputFormat = 'png' | 'jpeg' | 'tiff';

const FORMAT_BY_EXTENSION: Readonly<Record<string, OutputFormat>> = {
  png: 'png',
  jpg: 'jpeg',
  jpeg: 'jpeg',
  tif: 'tiff',
  tiff: 'tiff',
};

/** Depth PNG value = round(depth * scale); 1000 gives 0.001-plane steps up to 65 planes. */
export const DEPTH_SCALE = 1000;
/** Used instead of {@link DEPTH_SCALE} when (Z-1)*1000 would not fit in 16 bits (Z > 66). */
export const DEPTH_SCALE_DEEP = 100;
/** Confidence PNG value = round(confidence * 65535). */
export const CONFIDENCE_SCALE = 65535;
/** JPEG quality of the fused image: high, because it is a measurement, not a thumbnail. */
export const JPEG_QUALITY = 95;
/**
 * Default zlib level of every PNG written (lossless at any level; `--png-level` picks another).
 * Measured per 384^2 FOV on one libvips thread (docs/batch.md "Output cost"): the fused RGB PNG
 * takes 4.7 ms at level 1, 7.4 at 3, 15.8 at 6 (sharp's default), for 222 / 161 / 152 KiB; the
 * 16-bit depth PNG 6.9 / 9.8 / 11.9 ms for 281 / 231 / 231 KiB. On 2 cores a batch's encodes take
 * as much CPU as its decodes, so the fast level is the default and a smaller file is an option.
 */
export const PNG_COMPRESSION_LEVEL = 1;

/** How outputs are encoded; every field has a default. */
export interface EncodeOptions {
  /** zlib level 0..9 of PNG outputs. Default {@link PNG_COMPRESSION_LEVEL}. */
  pngLevel?: number;
  /** libvips' adaptive row filters on PNG outputs. Default false: the batch bench measures them slower for little gain (docs/batch.md "Output cost"). */
  pngFilters?: boolean;
}

/**
 * Checks a PNG compression level, with the uniform message.
 * @example checkPngLevel(12, '--png-level') // throws "Expected an integer between 0 and 9 for --png-level but received 12 (number)"
 */
export function checkPngLevel(level: unknown, name = 'pngLevel'): number {
  if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > 9) expected('an integer between 0 and 9', name, level);
  return level;
}

function pngSettings(options: EncodeOptions): sharp.PngOptions {
  return { compressionLevel: options.pngLevel ?? PNG_COMPRESSION_LEVEL, adaptiveFiltering: options.pngFilters ?? false };
}

/**
 * The image format an output path asks for, by its extension.
 * @example outputFormatFor('out/fused.tif') // => 'tiff'
 * @param allowed Formats this output may take (depth and confidence maps must be PNG).
 * @throws FocusFuseError BAD_OPTION naming the flag, before any work is done.
 */
export function outputFormatFor(path: string, flag = 'output', allowed: readonly OutputFormat[] = ['png', 'jpeg', 'tiff']): OutputFormat {
  const dot = path.lastIndexOf('.');
  const extension = dot > path.lastIndexOf('/') ? path.slice(dot + 1).toLowerCase() : '';
  const format = FORMAT_BY_EXTENSION[extension];
  if (!format || !allowed.includes(format)) {
    const names = Object.keys(FORMAT_BY_EXTENSION).filter((e) => allowed.includes(FORMAT_BY_EXTENSION[e]));
    expected(`a file name ending in ${names.map((e) => `.${e}`).join(', ')}`, flag, path);
  }
  return format;
}

/**
 * The depth scale used for a stack of `planeCount` planes: {@link DEPTH_SCALE} unless the deepest
 * plane would overflow 16 bits.
 * @example depthScaleFor(11) // => 1000
 */
export function depthScaleFor(planeCount: number): number {
  return (planeCount - 1) * DEPTH_SCALE <= 65535 ? DEPTH_SCALE : DEPTH_SCALE_DEEP;
}

/**
 * round(value * scale), clamped to 0..65535 (NaN becomes 0).
 * @example quantize16(new Float32Array([0, 1.2345, 10]), 1000) // => Uint16Array [0, 1235, 10000]
 * @param dst Optional output of values.length entries, reused to avoid allocating.
 */
export function quantize16(values: ArrayLike<number>, scale: number, dst?: Uint16Array): Uint16Array {
  const out = dst ?? new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.round(values[i] * scale);
    out[i] = v > 0 ? Math.min(v, 65535) : 0;
  }
  return out;
}

/**
 * Encodes an RGBA8 (Uint8Array) or RGBA16 (Uint16Array: a 16-bit PNG or TIFF) image. `tag` marks a
 * focusfuse output (see output-tag.ts: such files are never read back as planes); `null` writes an
 * untagged image, for planes meant to be fused again (aligned planes, generated stacks). No default,
 * so no caller tags (or fails to tag) by accident. The alpha channel is dropped when fully opaque
 * (and always for JPEG); `grey` writes one grey channel (R; for images whose R = G = B).
 * @example const png = await encodeRgba(result.image, result.width, result.height, 'png', 'fused');
 * @example const tif = await encodeRgba(result.image16!, w, h, 'tiff', 'fused', true); // 16-bit grey TIFF
 * @example const plane = await encodeRgba(aligned.planes[0], w, h, 'png', null); // a plane, untagged
 */
export async function encodeRgba(
  rgba: Uint8Array | Uint16Array,
  width: number,
  height: number,
  format: OutputFormat,
  tag: OutputTagKind | null,
  grey = false,
  options: EncodeOptions = {},
): Promise<Uint8Array> {
  const wide = rgba instanceof Uint16Array;
  if (wide && format === 'jpeg') expected('a PNG or TIFF file for 16-bit output (JPEG has 8 bits)', 'format', format);
  const alpha = format !== 'jpeg' && !isOpaque(rgba);
  // libvips drops channels on its own threads (no JavaScript time in a batch); only grey + alpha is packed here.
  const pixels = grey && alpha ? selectChannels(rgba, [0, 3]) : rgba;
  let image = sharp(pixels, { raw: { width, height, channels: grey && alpha ? 2 : 4 } });
  if (tag !== null) image = image.withXmp(outputTagXmp(tag));
  if (grey && !alpha) image = image.extractChannel(0);
  else if (!alpha) image = image.removeAlpha();
  if (wide) image = image.toColourspace(grey ? 'grey16' : 'rgb16');
  else if (grey) image = image.toColourspace('b-w');
  if (format === 'png') image = image.png(pngSettings(options));
  // 4:4:4 keeps full colour resolution: stained nuclei edges are exactly what the fusion is for.
  else if (format === 'jpeg') image = image.jpeg({ quality: JPEG_QUALITY, chromaSubsampling: '4:4:4' });
  // sharp's TIFF default is lossy JPEG compression; a fused measurement wants lossless.
  else image = image.tiff({ compression: 'lzw', predictor: 'horizontal' });
  return image.toBuffer();
}

/** The given channels (indices into RGBA) of every pixel, packed. */
function selectChannels<T extends Uint8Array | Uint16Array>(rgba: T, keep: readonly number[]): T {
  const pixels = rgba.length / 4;
  const out = (rgba instanceof Uint16Array ? new Uint16Array(pixels * keep.length) : new Uint8Array(pixels * keep.length)) as T;
  for (let p = 0, o = 0; p < pixels; p++) for (const c of keep) out[o++] = rgba[p * 4 + c];
  return out;
}

function isOpaque(rgba: Uint8Array | Uint16Array): boolean {
  const opaque = rgba instanceof Uint16Array ? 65535 : 255;
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== opaque) return false;
  return true;
}

/**
 * Encodes 16-bit gray samples as a 16-bit grayscale PNG, tagged as the focusfuse output `tag`.
 * @example const png = await encodeGray16Png(quantize16(result.confidence, CONFIDENCE_SCALE), w, h, 'confidence');
 */
export async function encodeGray16Png(values: Uint16Array, width: number, height: number, tag: OutputTagKind, options: EncodeOptions = {}): Promise<Uint8Array> {
  return sharp(values, { raw: { width, height, channels: 1 } })
    .toColourspace('grey16')
    .withXmp(outputTagXmp(tag))
    .png(pngSettings(options))
    .toBuffer();
}

/**
 * Depth map as a 16-bit gray PNG holding round(depth * scale), plane 0 = first plane.
 * @example const png = await encodeDepth16(result.depth, w, h, depthScaleFor(result.planeCount));
 */
export function encodeDepth16(depth: Float32Array, width: number, height: number, scale = DEPTH_SCALE, options: EncodeOptions = {}): Promise<Uint8Array> {
  return encodeGray16Png(quantize16(depth, scale), width, height, 'depth', options);
}

/**
 * Confidence map as a 16-bit gray PNG holding round(confidence * 65535).
 * @example const png = await encodeConfidence16(result.confidence, w, h);
 */
export function encodeConfidence16(confidence: Float32Array, width: number, height: number, options: EncodeOptions = {}): Promise<Uint8Array> {
  return encodeGray16Png(quantize16(confidence, CONFIDENCE_SCALE), width, height, 'confidence', options);
}

/**
 * Depth map as a 32-bit float grey TIFF holding the depth itself (plane units), as ImageJ's EDF writes it.
 * @example const tif = encodeDepthFloat(result.depth, w, h);
 */
export async function encodeDepthFloat(depth: Float32Array, width: number, height: number): Promise<Uint8Array> {
  return encodeFloatTiff(depth, width, height, 'focusfuse depth: smoothed sub-plane depth in planes, 0 = the first plane', outputTagXmp('depth'));
}

/**
 * Confidence map as a 32-bit float grey TIFF holding the confidence itself, in [0, 1).
 * @example const tif = encodeConfidenceFloat(result.confidence, w, h);
 */
export async function encodeConfidenceFloat(confidence: Float32Array, width: number, height: number): Promise<Uint8Array> {
  return encodeFloatTiff(confidence, width, height, 'focusfuse confidence in [0, 1)', outputTagXmp('confidence'));
}

/**
 * Depth through viridis over the fixed range 0..planeCount-1 (see {@link depthToColor}).
 * @example const png = await encodeDepthColor(result.depth, result.planeCount, w, h, 'png');
 */
export function encodeDepthColor(depth: Float32Array, planeCount: number, width: number, height: number, format: OutputFormat, options: EncodeOptions = {}): Promise<Uint8Array> {
  return encodeRgba(depthToColor(depth, planeCount), width, height, format, 'depth-color', false, options);
}
