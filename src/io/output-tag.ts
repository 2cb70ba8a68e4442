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

/** What a folder scan needs from an image's header: its output tag and its page count. */
export interface ImageHeader {
  tag?: string;
  /** 1 for a single image; a multi-page TIFF's page count (a Fiji/ImageJ stack). */
  pages: number;
}

/**
 * Reads an image's header for {@link ImageHeader} with a memory: each file's header is read once
 * however often it is asked for (a scan that sorts out planes, finds multi-page TIFFs and lists
 * results asks several times). Only the two fields are kept, not the header's buffers. For one
 * scan: a file rewritten later is not read again. A file that cannot be read is untagged, one page.
 * @example const headers = createImageHeaderReader(); await headers.tag('out/a.fused.png'); // 'fused'
 * @example await headers.pages('fiji/cells.tif'); // 11
 */
export function createImageHeaderReader(): { tag(path: string): Promise<string | undefined>; pages(path: string): Promise<number> } {
  const known = new Map<string, Promise<ImageHeader>>();
  const header = (path: string) => {
    let read = known.get(path);
    if (!read) {
      read = sharp(path)
        .metadata()
        .then((metadata) => ({ tag: outputTagOf(metadata), pages: metadata.pages ?? 1 }))
        .catch(() => ({ pages: 1 }));
      known.set(path, read);
    }
    return read;
  };
  return { tag: async (path) => (await header(path)).tag, pages: async (path) => (await header(path)).pages };
}
