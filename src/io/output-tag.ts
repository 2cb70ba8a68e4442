/**
 * The tag every focusfuse output carries in its metadata (an XMP packet, which sharp writes into PNG,
 * JPEG and TIFF alike), so a later run never mistakes an earlier run's fused image or map, saved
 * next to the planes, for a plane.
 */
import sharp from 'sharp';
import { outputTagOf } from './output-tag-text.js';

export { OUTPUT_TAG_NAMESPACE, outputTagOf, outputTagXmp, type OutputTagKind } from './output-tag-text.js';

/**
 * Reads only the header of an image file for the tag; a file that cannot be read counts as untagged
 * (decoding it later reports the problem properly).
 * @example await readOutputTag('stack/fused.png') // => 'fused'
 */
export async function readOutputTag(path: string): Promise<string | undefined> {
  try {
    return outputTagOf(await sharp(path).metadata());
  } catch {
    return undefined;
  }
}

/**
 * readOutputTag with a memory: each file's header is read once however often it is asked for (a
 * scan that sorts out planes and then lists results asks twice). For one scan: a file rewritten
 * later is not read again.
 * @example const readTag = createOutputTagReader(); await readTag('out/a.fused.png'); // 'fused'
 */
export function createOutputTagReader(): (path: string) => Promise<string | undefined> {
  const known = new Map<string, Promise<string | undefined>>();
  return (path) => {
    let tag = known.get(path);
    if (!tag) known.set(path, (tag = readOutputTag(path)));
    return tag;
  };
}
