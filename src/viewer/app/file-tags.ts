/**
 * The focusfuse output tag of a file opened in the page, so the page leaves outputs out of what it
 * opens by the rule `fuse` follows (findFolderOutputs), whatever their names: read from the file's
 * bytes where its XMP packet is (scanOutputTag, as the server reads files on disk). Where those
 * cannot decide, the page has no sharp to ask: it looks for the tag's text at both ends of the
 * file, where encoders put metadata (libvips' TIFF: after the pixels; a PNG's chunks after IDAT).
 */
import { scanOutputTag } from '../../io/output-tag-bytes.js';
import { outputTagOf } from '../../io/output-tag-text.js';

/** Bytes read at each end of a file. */
export const TAG_SEARCH_BYTES = 64 * 1024;

/**
 * The output kind a file's tag names, or undefined for a file that is not a focusfuse output.
 * @example await readFileOutputTag(input.files[0]) // => 'fused' for an output saved as bd.png
 */
export async function readFileOutputTag(file: Blob): Promise<string | undefined> {
  const scan = await scanOutputTag(async (offset, length) => new Uint8Array(await file.slice(offset, offset + length).arrayBuffer()));
  if (scan !== 'undecided') return scan.tag;
  const decoder = new TextDecoder('latin1');
  const head = decoder.decode(await file.slice(0, TAG_SEARCH_BYTES).arrayBuffer());
  const tail = file.size > TAG_SEARCH_BYTES ? decoder.decode(await file.slice(Math.max(TAG_SEARCH_BYTES, file.size - TAG_SEARCH_BYTES)).arrayBuffer()) : '';
  // Joined with a break, so no pattern is made up across the gap between the two ends.
  return outputTagOf({ xmpAsString: `${head}\n${tail}` });
}
