/**
 * Reads a written depth or confidence map back to its values: a 16-bit PNG holds round(v * scale)
 * (the scale its stats JSON records: 1000 or 100 for depth, 65535 for confidence), a 32-bit float
 * TIFF holds v itself. Node only (sharp).
 */
import sharp from 'sharp';
import { decodeDepthPng } from '../synth/depth-png.js';

/**
 * The map's values, row-major, first band only; `scale` applies to PNG (a float TIFF is read as it is).
 * @example const { values } = await readMapValues('out/001_(1,2).depth.png', 1000); // depth in planes
 * @throws sharp's error when the file is not an image it can read.
 */
export async function readMapValues(file: string, scale: number): Promise<{ width: number; height: number; values: Float32Array }> {
  if (!/\.tiff?$/i.test(file)) {
    // The 16-bit codes, read as the synth ground truth's depth PNGs are (the same encoding).
    const { width, height, depth } = await decodeDepthPng(file, scale);
    return { width, height, values: depth };
  }
  // As float: libvips would cast a float band to 8 bits otherwise.
  const { data, info } = await sharp(file).extractChannel(0).raw({ depth: 'float' }).toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, values: new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length)) };
}
