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
