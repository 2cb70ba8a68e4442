/**
 * The focusfuse output tag of a file opened in the page, so the page leaves outputs out of what it
 * opens by the rule `fuse` follows (findFolderOutputs), whatever their names. Only the ends of the
 * file are read: focusfuse's PNG and JPEG outputs carry their XMP near the start (byte ~400); the
 * end is read too, where encoders put metadata after the pixels (libvips' TIFF: a fused TIFF's tag
 * ends 67 bytes before the file does; a PNG's chunks after IDAT).
 */
import { outputTagOf } from '../../io/output-tag-text.js';

/** Bytes read at each end of a file. */
export const TAG_SEARCH_BYTES = 64 * 1024;

/**
 * The output kind a file's tag names, or undefined for a file that is not a focusfuse output.
 * @example await readFileOutputTag(input.files[0]) // => 'fused' for an output saved as bd.png
 */
export async function readFileOutputTag(file: Blob): Promise<string | undefined> {
  const decoder = new TextDecoder('latin1');
  const head = decoder.decode(await file.slice(0, TAG_SEARCH_BYTES).arrayBuffer());
  const tail = file.size > TAG_SEARCH_BYTES ? decoder.decode(await file.slice(Math.max(TAG_SEARCH_BYTES, file.size - TAG_SEARCH_BYTES)).arrayBuffer()) : '';
  // Joined with a break, so no pattern is made up across the gap between the two ends.
  return outputTagOf({ xmpAsString: `${head}\n${tail}` });
}
