/**
 * A multi-page TIFF as a Z-stack: Fiji/ImageJ save a stack as one .tif holding every plane as a
 * page, and page order is plane order (README "Input"). Such a file is a stack of its own: given
 * alone (or alone in its folder) its pages are the planes; beside other planes it is an error, since
 * which of its pages would be "the" plane is anyone's guess.
 */
import { FocusFuseError } from '../core/errors.js';
import { MAX_PLANES } from '../core/options.js';
import { countOf, listOf } from '../core/text.js';
import type { StackMeta } from '../core/types.js';
import { baseName } from './cccid.js';
import { decodeImage, readImageFile, unsupportedSamples, type DecodedPlane, type DecodeOptions } from './decode.js';
import { settleInOrder } from './settle-decodes.js';
import { pageOrderProblem } from './tiff-description.js';
import { readTiffLayout } from './tiff-layout.js';

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

/**
 * Which pages of a multi-page TIFF (`pageCount` pages, as sharp counts them) are planes, and why
 * they cannot be fused as a stack, if they cannot. Reduced-resolution pages (NewSubfileType bit 0:
 * the thumbnail or preview a camera adds) are left out; a file with one page left is a single
 * image. `fuse` (expandTiffPages) and the viewer's catalog both decide by this, from the file's IFDs.
 * @example tiffStackPages('camera.tif', 2) // => { pages: [0] } (page 1 is its thumbnail)
 * @example tiffStackPages('hyper.tif', 22).problem // => { code: 'BAD_STACK', message: 'is an ImageJ hyperstack of 2 channels x 11 slices, ...' }
 */
export function tiffStackPages(file: string, pageCount: number): { pages: number[]; problem?: { code: 'BAD_STACK' | 'DECODE'; message: string } } {
  const layout = readTiffLayout(file);
  const all = Array.from({ length: pageCount }, (_, page) => page);
  // A layout that disagrees with sharp's count (cut short, or BigTIFF: none) leaves every page in.
  const known = layout?.pages.length === pageCount ? layout.pages : undefined;
  const full = known ? all.filter((page) => !known[page].reduced) : all;
  const pages = full.length > 0 ? full : all;
  const disorder = pages.length > 1 ? pageOrderProblem(layout?.description, pages.length) : undefined;
  if (disorder) return { pages, problem: { code: 'BAD_STACK', message: disorder } };
  const samples = known ? unsupportedSamples(known[pages[0]].depth) : undefined;
  return samples ? { pages, problem: { code: 'DECODE', message: samples } } : { pages };
}

/**
 * How the refusal of a multi-page TIFF among other planes says to fuse it alone
 * (LoadStackOptions.fuseAlone): by default "give it alone"; a function gives the command that
 * fuses the TIFF alone (the CLI's); false where a stack cannot be one TIFF (a batch's FOV).
 */
export type FuseAlone = ((tiff: string) => string) | false;

/** The end of that refusal: what to do instead. */
function aloneAdvice(tiff: string, fuseAlone: FuseAlone | undefined): string {
  if (fuseAlone === false) return 'export one file per plane';
  if (fuseAlone === undefined) return 'give it alone, or export one file per plane';
  // The command last, so it can be pasted as it stands.
  return `export one file per plane, or fuse it alone: ${fuseAlone(tiff)}`;
}

/** The planes after {@link expandTiffPages}: the pages as planes when one file held several. */
export interface ExpandedPlanes {
  planes: DecodedPlane[];
  /** One name per plane: the file, or `<file> page <i>` (pageLabel, the file's own page number). */
  files: string[];
  /** The multi-page TIFF whose pages are the planes. */
  multiPageTiff?: string;
}

/**
 * Decodes the other pages of a multi-page TIFF given as the only plane (its first page is decoded
 * already, with its page count: DecodedPlane.pages) and returns every page that is a plane
 * (tiffStackPages: reduced-resolution pages are left out) as a plane, in page order. A TIFF whose
 * only full-resolution page is not its first gives that page. Planes that are all single images
 * are returned as they are, without a read.
 * @example const { planes, files } = await expandTiffPages([firstPage], ['cells.tif'], {}); // files: ['cells.tif page 0', ...]
 * @throws FocusFuseError AMBIGUOUS_INPUT for a multi-page TIFF among other files, TOO_MANY_PLANES
 *   for more pages than MAX_PLANES, BAD_STACK for a hyperstack whose pages interleave channels or
 *   time points (tiff-description.ts), DECODE for a page that cannot be decoded (naming the page)
 *   or samples it does not read (unsupportedSamples).
 */
export async function expandTiffPages(decoded: DecodedPlane[], files: string[], options: DecodeOptions, fuseAlone?: FuseAlone): Promise<ExpandedPlanes> {
  if (decoded.every((plane) => (plane.pages ?? 1) === 1)) return { planes: decoded, files };
  const stacks = decoded.map((plane, i) => ((plane.pages ?? 1) > 1 ? tiffStackPages(files[i], plane.pages!) : undefined));
  // A TIFF whose one full-resolution page is not page 0 (a thumbnail first) is that page.
  const planes = await settleInOrder(decoded.map((plane, i) => (stacks[i]?.pages.length === 1 && stacks[i].pages[0] !== 0 ? readImageFile(files[i]).then((bytes) => decodeImage(bytes, files[i], { ...options, page: stacks[i]!.pages[0] })) : Promise.resolve(plane))));
  const tiffs = files.filter((_, i) => (stacks[i]?.pages.length ?? 0) > 1);
  if (tiffs.length === 0) return { planes, files };
  // Several stacks: none of them is "the" stack, nor are the others its plane files.
  if (tiffs.length > 1) {
    const advice = fuseAlone === false ? 'export one file per plane' : 'fuse each on its own';
    throw new FocusFuseError('AMBIGUOUS_INPUT', `${tiffs.length} multi-page TIFFs (${listOf(tiffs.map(baseName))}): each is a Z-stack of its own; ${advice}`);
  }
  const index = files.indexOf(tiffs[0]);
  const file = files[index];
  const { pages, problem } = stacks[index]!;
  if (files.length > 1) {
    const others = files.filter((_, i) => i !== index);
    throw new FocusFuseError(
      'AMBIGUOUS_INPUT',
      `holds ${pages.length} pages, a Z-stack of its own, but comes with ${countOf(others.length, 'other plane file')} (${listOf(others.map(baseName), 3)}); ${aloneAdvice(file, fuseAlone)}`,
      file,
    );
  }
  if (pages.length > MAX_PLANES) throw new FocusFuseError('TOO_MANY_PLANES', `Expected at most ${MAX_PLANES} planes but received ${pages.length} pages`, file);
  if (problem) throw new FocusFuseError(problem.code, problem.message, file);
  const bytes = await readImageFile(file);
  const planesOf = pages.map((page) => (page === 0 ? Promise.resolve(planes[index]) : decodeImage(bytes, pageLabel(file, page), { ...options, page })));
  return { planes: await settleInOrder(planesOf, 'page'), files: pages.map((page) => pageLabel(file, page)), multiPageTiff: file };
}
