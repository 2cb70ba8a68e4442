/**
 * 16-bit planes for the page. A browser decodes a 16-bit PNG by keeping the high byte, so a 12-bit
 * camera's stack (samples up to 4095) would show 16 grey levels, near black, and the page would fuse
 * those. The server sends such planes as 8-bit PNGs scaled from the bits the whole stack uses, the
 * conversion `fuse` makes for its 8-bit engines (loadStack, README "High bit depth"), so every plane
 * of a stack shares one scale.
 */
import sharp from 'sharp';
import { toRgba8Stack } from '../core/stack.js';
import type { ZStack } from '../core/types.js';
import { decodePlane } from '../io/decode.js';
import { loadStack, sampleRange, significantBits } from '../io/load-stack.js';

/**
 * Whether a PNG or TIFF file holds more than 8 bits per sample (read from its header only). A file
 * sharp cannot read is not: it is sent as it is, and the page reports it by name.
 * @example await isWidePlane('z00.png') // => true for a 16-bit PNG
 */
export async function isWidePlane(file: string): Promise<boolean> {
  try {
    const { depth } = await sharp(file).metadata();
    return depth !== undefined && depth !== 'uchar' && depth !== 'char';
  } catch {
    return false;
  }
}

/**
 * A reader of 16-bit planes as 8-bit PNG bytes. It loads the plane's whole stack once (the page asks
 * for all its planes together) and keeps only the last stack, so memory stays one stack's worth.
 * `files` must be the same array for every plane of a stack: it is the cache key.
 * @example const widePlane = createWidePlaneReader(); const png = await widePlane(stackFiles, 3);
 */
export function createWidePlaneReader(): (files: readonly string[], z: number) => Promise<Uint8Array> {
  let last: { files: readonly string[]; stack: Promise<ZStack> } | undefined;
  return async (files, z) => {
    if (last?.files !== files) last = { files, stack: loadStack([...files], { order: 'given', allowMixedSizes: true }) };
    const loading = last;
    let stack: ZStack;
    try {
      stack = await loading.stack;
    } catch (error) {
      if (last === loading) last = undefined; // a file may be fixed and asked for again
      throw error;
    }
    const { width, height } = stack.planeSizes?.[z] ?? stack;
    return sharp(stack.planes[z], { raw: { width: stack.width, height: stack.height, channels: 4 } })
      .extract({ left: 0, top: 0, width, height })
      .png({ compressionLevel: 1 })
      .toBuffer();
  };
}

/**
 * A written image (a result's fused image, which loadStack refuses as a focusfuse output) as an
 * 8-bit PNG for the page: 16-bit samples scaled from the bits they use, as 16-bit planes are
 * (toRgba8Stack), so a 12-bit camera's fused image is not shown near black; 8-bit TIFF converted.
 * @example const png = await imageAsPng('out/001_(1,2).fused.tif');
 */
export async function imageAsPng(file: string): Promise<Uint8Array> {
  const image = await decodePlane(file);
  const { width, height, data } = image;
  const rgba8 = data instanceof Uint16Array ? toRgba8Stack({ width, height, planes: [data], bitDepth: significantBits(sampleRange([data])[1]) }).planes[0] : data;
  return sharp(rgba8, { raw: { width, height, channels: 4 } }).png({ compressionLevel: 1 }).toBuffer();
}
