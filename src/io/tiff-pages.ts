/**
 * A multi-page TIFF as a Z-stack: Fiji/ImageJ save a stack as one .tif holding every plane as a
 * page, and page order is plane order (README "Input"). Such a file is a stack of its own: given
 * alone (or alone in its folder) its pages are the planes; beside other planes it is an error, since
 * which of its pages would be "the" plane is anyone's guess.
 */
import { FocusFuseError } from '../core/errors.js';
import { MAX_PLANES } from '../core/options.js';
import { countOf } from '../core/text.js';
import type { StackMeta } from '../core/types.js';
import { baseName } from './cccid.js';
import { decodeImage, readImageFile, type DecodedPlane, type DecodeOptions } from './decode.js';
import { settleInOrder } from './settle-decodes.js';
import { pageOrderProblem } from './tiff-description.js';

/**
 * How a page of a multi-page TIFF is named in messages, stats and reports (pages count from 0, as
 * planes do: Fiji's slice 1 is page 0).
 * @example pageLabel('stacks/cells.tif', 3) // => 'stacks/cells.tif page 3'
 */
export function pageLabel(file: string, page: number): string {
  return `${file} page ${page}`;
}

/**
 * The files a stack was read from, one each: the multi-page TIFF, or every plane's file. What an
 * output must never overwrite (checkOutputs), whereas StackMeta.files names the planes.
 * @example inputFilesOf({ files: ['s.tif page 0', 's.tif page 1'], multiPageTiff: 's.tif' }) // => ['s.tif']
 */
export function inputFilesOf(meta: StackMeta | undefined): string[] | undefined {
  return meta?.multiPageTiff !== undefined ? [meta.multiPageTiff] : meta?.files;
}

/** The planes after {@link expandTiffPages}: the pages as planes when one file held several. */
export interface ExpandedPlanes {
  planes: DecodedPlane[];
  /** One name per plane: the file, or `<file> page <i>` (pageLabel). */
  files: string[];
  /** The multi-page TIFF whose pages are the planes. */
  multiPageTiff?: string;
}

/**
 * Decodes the other pages of a multi-page TIFF given as the only plane (its first page is decoded
 * already, with its page count: DecodedPlane.pages) and returns every page as a plane, in page order.
 * Planes that are all single images are returned as they are, without a read.
 * @example const { planes, files } = await expandTiffPages([firstPage], ['cells.tif'], {}); // files: ['cells.tif page 0', ...]
 * @throws FocusFuseError AMBIGUOUS_INPUT for a multi-page TIFF among other files, TOO_MANY_PLANES
 *   for more pages than MAX_PLANES, BAD_STACK for a hyperstack whose pages interleave channels or
 *   time points (tiff-description.ts), DECODE for a page that cannot be decoded (naming the page).
 */
export async function expandTiffPages(planes: DecodedPlane[], files: string[], options: DecodeOptions): Promise<ExpandedPlanes> {
  const index = planes.findIndex((plane) => (plane.pages ?? 1) > 1);
  if (index < 0) return { planes, files };
  const file = files[index];
  const pages = planes[index].pages!;
  if (files.length > 1) {
    const others = files.filter((_, i) => i !== index);
    const shown = others.slice(0, 3).map(baseName).join(', ') + (others.length > 3 ? `, and ${others.length - 3} more` : '');
    throw new FocusFuseError(
      'AMBIGUOUS_INPUT',
      `holds ${pages} pages, a Z-stack of its own, but comes with ${countOf(others.length, 'other plane file')} (${shown}); give it alone, or export one file per plane`,
      file,
    );
  }
  if (pages > MAX_PLANES) throw new FocusFuseError('TOO_MANY_PLANES', `Expected at most ${MAX_PLANES} planes but received ${pages} pages`, file);
  const bytes = await readImageFile(file);
  const disorder = pageOrderProblem(bytes, pages);
  if (disorder) throw new FocusFuseError('BAD_STACK', disorder, file);
  const rest = await settleInOrder(Array.from({ length: pages - 1 }, (_, i) => decodeImage(bytes, pageLabel(file, i + 1), { ...options, page: i + 1 })), 'page');
  return { planes: [planes[index], ...rest], files: Array.from({ length: pages }, (_, page) => pageLabel(file, page)), multiPageTiff: file };
}
