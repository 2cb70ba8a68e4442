/**
 * 16-bit gray PNG encoding of depth maps, the same encoding the fusion outputs use:
 * each pixel holds round(depth * scale); scale 1000 keeps three decimals up to 65.535 planes,
 * deeper stacks (more than 66 planes) use scale 100.
 * Node only (sharp). Kept small and separate so src/io can share it.
 */
import sharp from 'sharp';
import { DEPTH_PNG_SCALE } from './layout.js';

const MAX_CODE = 0xffff;

/**
 * The depth scale for a stack of `planes` planes: 1000 unless the deepest plane would not fit in 16 bits.
 * @example depthPngScale(11) // => 1000
 */
export function depthPngScale(planes: number): number {
  return (planes - 1) * DEPTH_PNG_SCALE <= MAX_CODE ? DEPTH_PNG_SCALE : DEPTH_PNG_SCALE / 10;
}

/**
 * Encodes a depth map (plane units) as a 16-bit gray PNG of round(depth * scale), clamped to 0..65535.
 * @example await writeFileAtomic('x.depth.png', await encodeDepthPng(truth.depth, 384, 384));
 */
export async function encodeDepthPng(depth: Float32Array, width: number, height: number, scale = DEPTH_PNG_SCALE): Promise<Buffer> {
  const codes = new Uint16Array(width * height);
  for (let i = 0; i < codes.length; i++) {
    const code = Math.round(depth[i] * scale);
    codes[i] = code <= 0 ? 0 : code >= MAX_CODE ? MAX_CODE : code;
  }
  return sharp(codes, { raw: { width, height, channels: 1 } }).toColourspace('grey16').png().toBuffer();
}

/**
 * Decodes a depth PNG written by {@link encodeDepthPng} back to plane units.
 * @example const { depth, width, height } = await decodeDepthPng('ground-truth/.../001_(3059,11012).depth.png');
 */
export async function decodeDepthPng(input: string | Uint8Array, scale = DEPTH_PNG_SCALE): Promise<{ width: number; height: number; depth: Float32Array }> {
  const { data, info } = await sharp(input).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  // A Uint16Array view needs an even byte offset; copy in the rare case the buffer is not aligned.
  const bytes = data.byteOffset % 2 === 0 ? data : Buffer.from(data);
  const codes = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
  const depth = new Float32Array(info.width * info.height);
  // The decoder may hand back more than one band (gray + alpha); the first is the depth.
  for (let i = 0; i < depth.length; i++) depth[i] = codes[i * info.channels] / scale;
  return { width: info.width, height: info.height, depth };
}
