/**
 * The tag every focusfuse output carries in its metadata (an XMP packet, which sharp writes into PNG,
 * JPEG and TIFF alike), so a later run never mistakes an earlier run's fused image or map, saved
 * next to the planes, for a plane.
 */
import { closeSync, constants, openSync, readSync } from 'node:fs';
import sharp from 'sharp';
import { scanOutputTag } from './output-tag-bytes.js';
import { outputTagOf } from './output-tag-text.js';

export { OUTPUT_TAG_NAMESPACE, outputTagOf, outputTagXmp, type OutputTagKind } from './output-tag-text.js';

/**
 * Reads an image file's tag: from its bytes where its XMP packet is (scanOutputTag: a 4 KB read, no
 * decoder), else through sharp's metadata, the rule both follow. A file that cannot be read counts
 * as untagged (decoding it later reports the problem properly).
 * @example await readOutputTag('stack/fused.png') // => 'fused'
 */
export async function readOutputTag(path: string): Promise<string | undefined> {
  try {
    const scan = await scanFileOutputTag(path);
    return scan === 'undecided' ? await readOutputTagWithSharp(path) : scan.tag;
  } catch {
    return undefined;
  }
}

/**
 * The tag as sharp's metadata gives it: the rule the byte scan follows, and its fallback.
 * @example await readOutputTagWithSharp('stack/fused.png') // => 'fused'
 */
export async function readOutputTagWithSharp(path: string): Promise<string | undefined> {
  try {
    return outputTagOf(await sharp(path).metadata());
  } catch {
    return undefined;
  }
}

/**
 * scanOutputTag over a file on disk. Its reads are synchronous: open, read 4 KB and close take ~15 µs
 * in all, where asynchronous ones wait ~70 µs each for the thread pool on a busy machine, together as
 * long as sharp's metadata() (~200 µs; bench/output-tags.ts).
 * @example await scanFileOutputTag('out/a.depth.png') // => { tag: 'depth' }
 */
export async function scanFileOutputTag(path: string): ReturnType<typeof scanOutputTag> {
  // Non-blocking: a FIFO named like an image must not hang the process on open (its read then fails: untagged).
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    return await scanOutputTag(async (offset, length) => {
      const buffer = Buffer.allocUnsafe(length);
      return buffer.subarray(0, readSync(fd, buffer, 0, length, offset));
    });
  } finally {
    closeSync(fd);
  }
}

/** What a folder scan needs from an image's header: its output tag, page count and (TIFF) sample type. */
export interface ImageHeader {
  tag?: string;
  /** 1 for a single image; a multi-page TIFF's page count (a Fiji/ImageJ stack). */
  pages: number;
  /** A TIFF's sample type (sharp's `depth`: 'uchar', 'ushort', 'float', ...), so a 32-bit file is told before it is opened. */
  depth?: string;
}

/**
 * Reads an image's header for {@link ImageHeader} with a memory: each file's header is read once
 * however often it is asked for (a scan that sorts out planes, finds multi-page TIFFs and lists
 * results asks several times). The tag comes from the file's bytes (readOutputTag); only a TIFF's
 * page count and sample type need sharp's metadata, so folders of PNG or JPEG planes never call it. For one scan:
 * a file rewritten later is not read again. A file that cannot be read is untagged, one page.
 * @example const headers = createImageHeaderReader(); await headers.tag('out/a.fused.png'); // 'fused'
 * @example await headers.pages('fiji/cells.tif'); // 11
 * @example await headers.depth('fiji/float32.tif'); // 'float'
 */
export function createImageHeaderReader(): { tag(path: string): Promise<string | undefined>; pages(path: string): Promise<number>; depth(path: string): Promise<string | undefined> } {
  const known = new Map<string, Promise<ImageHeader>>();
  const header = (path: string) => {
    let read = known.get(path);
    if (!read) {
      read = Promise.all([readOutputTag(path), TIFF_NAME.test(path) ? tiffHeaderOf(path) : { pages: 1 }]).then(([tag, tiff]) => ({ tag, ...tiff }));
      known.set(path, read);
    }
    return read;
  };
  return { tag: async (path) => (await header(path)).tag, pages: async (path) => (await header(path)).pages, depth: async (path) => (await header(path)).depth };
}

const TIFF_NAME = /\.tiff?$/i;

/** A TIFF's page count and sample type through sharp's metadata; 1 page where it cannot be read (decoding reports that). */
async function tiffHeaderOf(path: string): Promise<{ pages: number; depth?: string }> {
  return sharp(path)
    .metadata()
    .then((metadata) => ({ pages: metadata.pages ?? 1, depth: metadata.depth }))
    .catch(() => ({ pages: 1 }));
}
