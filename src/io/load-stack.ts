/**
 * Turns a folder or a list of files into a validated ZStack: list, order, decode, check sizes.
 * Every problem is found before anything is fused or written, and each error names its file.
 */
import { readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { describeValue, FocusFuseError } from '../core/errors.js';
import { countOf, listOf } from '../core/text.js';
import { MAX_PLANES } from '../core/options.js';
import { toRgba8Stack } from '../core/stack.js';
import type { AnyZStack, StackMeta, ZStack } from '../core/types.js';
import { baseName, describeFovs, fovKey, groupByFov, naturalCompare, orderPlanes, parseCccidName, parseFovKey, type OrderedPlanes, type PlaneOrder } from './cccid.js';
import { decodePlane, type DecodedPlane, type DecodeOptions } from './decode.js';
import { folderFileKind } from './folder-files.js';
import { findFolderOutputs } from './folder-outputs.js';
import { readOutputTag } from './output-tag.js';
import { settleInOrder } from './settle-decodes.js';
import { expandTiffPages, type FuseAlone } from './tiff-pages.js';

export interface LoadStackOptions {
  /** How planes are ordered (default `auto`: CCCID z when the names carry it, else natural sort). */
  order?: PlaneOrder;
  /** Which CCCID field of view to take from a folder holding several, as `<serial>_(<cx>,<cy>)`. */
  fov?: string;
  /**
   * Accept planes of different sizes (for alignment): they are padded to the largest width and height,
   * top-left, with each plane's own size in `planeSizes`. Default false: SIZE_MISMATCH. Even then a
   * plane whose width or height differs from the first plane's by more than MIXED_SIZE_LIMIT is
   * SIZE_MISMATCH: that is a broken file, not focus breathing.
   */
  allowMixedSizes?: boolean;
  /** Called with each non-fatal problem (single plane, skipped files). */
  onWarning?: (message: string) => void;
  /**
   * Keep 16-bit files at full precision: RGBA16 (Uint16Array) planes with `bitDepth` (see README
   * "High bit depth"). Default false: such planes are scaled to RGBA8 from the bits they use
   * (round(v * 255 / (2^bitDepth - 1))), which every engine and stage takes.
   */
  highBitDepth?: boolean;
  /**
   * Planes in ArrayBuffers of their own, which can be transferred to workers (default true; see
   * DecodeOptions.transferable). The CLI's fuse, which fuses in its own thread, passes false.
   */
  transferable?: boolean;
  /** Where 8-bit planes are decoded to (see DecodeOptions.allocate). Default: fresh arrays. */
  allocate?(byteLength: number): Uint8Array;
  /**
   * What the refusal of a multi-page TIFF among other planes advises: by default "give it alone, or
   * export one file per plane"; a function of the TIFF's path gives the command that fuses it alone
   * (the CLI's own); false says only "export one file per plane" (a batch, whose FOVs are files).
   */
  fuseAlone?: FuseAlone;
}

export { IMAGE_EXTENSIONS, isHiddenOrTemp } from './folder-files.js';

/**
 * Loads a Z-stack from a folder (its image files, not recursive), a list of image files, or one
 * multi-page TIFF (its pages are the planes; README "Which files are planes").
 * @example
 * const stack = await loadStack('NILM/1. Superficial-Intermediate Cells', { fov: '001_(3059,11012)' });
 * stack.planes.length; // 11, ordered z = 0..10
 * (await loadStack('fiji/cells.tif')).meta.files[3]; // 'fiji/cells.tif page 3'
 * // 16-bit files give Uint16Array (RGBA16) planes with their full precision and `bitDepth`.
 * @throws FocusFuseError NOT_FOUND, NO_IMAGES, AMBIGUOUS_INPUT (also a multi-page TIFF among other
 *   planes), Z_ORDER, TOO_MANY_PLANES, DECODE, SIZE_MISMATCH, or BAD_STACK for a file listed twice (by
 *   any spelling or link) or an interleaved hyperstack, each naming the file or folder and the problem.
 */
export async function loadStack(input: string | readonly string[], options?: LoadStackOptions & { highBitDepth?: false }): Promise<ZStack>;
export async function loadStack(input: string | readonly string[], options: LoadStackOptions): Promise<AnyZStack>;
export async function loadStack(input: string | readonly string[], options: LoadStackOptions = {}): Promise<AnyZStack> {
  const warn = options.onWarning ?? (() => {});
  const { files: all, folder } = await listInput(input, warn);
  const listed = folder === undefined ? all : await leaveOutNonPlanes(all, folder, options.order ?? 'auto', warn);
  const candidates = options.fov === undefined ? listed : selectFov(listed, options.fov, folder);
  const ordered = orderPlanes(candidates, options.order ?? 'auto');
  const name = stackName(ordered.files, folder, ordered.cccid);
  if (ordered.files.length > MAX_PLANES) {
    throw new FocusFuseError('TOO_MANY_PLANES', `Expected at most ${MAX_PLANES} planes but received ${ordered.files.length}`, name);
  }
  const decoding: DecodeOptions = { transferable: options.transferable, allocate: options.allocate };
  const decoded = await settleInOrder(ordered.files.map((file) => decodePlane(file, decoding)));
  const output = decoded.findIndex((p) => p.outputTag !== undefined);
  if (output >= 0) {
    throw new FocusFuseError('AMBIGUOUS_INPUT', `is a focusfuse output (${decoded[output].outputTag}), not a plane; leave it out of the planes`, ordered.files[output]);
  }
  // A multi-page TIFF's pages are the planes; ordered.files stay what was listed.
  const { planes, files, multiPageTiff } = await expandTiffPages(decoded, ordered.files, decoding, options.fuseAlone);
  const mixed = planes.some((p) => p.width !== planes[0].width || p.height !== planes[0].height);
  checkSizes(planes, files, options.allowMixedSizes === true);
  if (planes.length === 1) warn(`${name}: only one plane; the fused image is that plane and the depth is 0 everywhere`);
  const meta: StackMeta = { name, files };
  if (multiPageTiff !== undefined) meta.multiPageTiff = multiPageTiff;
  else if (ordered.cccid) {
    meta.cccid = ordered.cccid;
    meta.zStepUm = 1; // CCCID planes are 1.0 µm apart
  }
  if (planes.every((p) => p.grey)) meta.grey = true;
  const wide = planes.some((p) => p.data instanceof Uint16Array);
  const width = Math.max(...planes.map((p) => p.width));
  const height = Math.max(...planes.map((p) => p.height));
  const sizes = mixed ? { planeSizes: planes.map((p) => ({ width: p.width, height: p.height })) } : {};
  if (!wide) return { width, height, planes: planes.map((p) => padded(p, width, height, Uint8Array)), ...sizes, meta };
  // 8-bit files among 16-bit ones take the 16-bit files' bits: a 12-bit camera's planes (0..4095)
  // beside 8-bit exports of the same field would otherwise meet 8-bit planes stretched to 0..65535.
  const ownRange = sampleRange(planes.flatMap((p) => (p.data instanceof Uint16Array ? [p.data] : [])));
  const bitDepth = significantBits(ownRange[1]);
  const narrow = planes.flatMap((p, i) => (p.data instanceof Uint16Array ? [] : [files[i]]));
  if (narrow.length > 0) {
    warn(
      `${name}: ${countOf(narrow.length, 'plane')} of ${planes.length} ${narrow.length === 1 ? 'is an 8-bit file' : 'are 8-bit files'} among 16-bit ones (${listNames(narrow)}); ` +
        `scaled to the 16-bit files' ${bitDepth} bits (0..255 to 0..${2 ** bitDepth - 1}): export every plane at one bit depth to be sure`,
    );
  }
  const widePlanes = planes.map((p) => padded(p, width, height, Uint16Array, bitDepth));
  const stack = { width, height, planes: widePlanes, bitDepth, ...sizes, meta };
  if (!options.highBitDepth) return toRgba8Stack(stack);
  // The 16-bit files' own range is the stack's unless scaled 8-bit planes or padding joined them.
  meta.sampleRange = narrow.length === 0 && !mixed ? ownRange : sampleRange(widePlanes);
  return stack;
}

/**
 * A plane in a buffer of `width` x `height` and the given type: itself when it already is one; an
 * 8-bit plane in a 16-bit stack scaled to its `bitDepth` (255 -> 2^bitDepth - 1: x 257 at 16 bits;
 * alpha x 257 at any);
 * a smaller plane top-left with zero padding (see ZStack.planeSizes).
 */
function padded<T extends Uint8Array | Uint16Array>(plane: DecodedPlane, width: number, height: number, Type: { new (length: number): T }, bitDepth = 16): T {
  const scale = (2 ** bitDepth - 1) / 255;
  // Alpha is full scale at every bit depth (65535 opaque, as 16-bit files decode): only R, G, B take the stack's bits.
  const data = plane.data instanceof Type ? plane.data : Uint16Array.from(plane.data, (v, i) => (i % 4 === 3 ? v * 257 : Math.round(v * scale)));
  if (plane.width === width && plane.height === height) return data as T;
  const out = new Type(width * height * 4);
  for (let y = 0; y < plane.height; y++) out.set(data.subarray(y * plane.width * 4, (y + 1) * plane.width * 4), y * width * 4);
  return out;
}

/**
 * Smallest and largest R, G, B sample over the planes (alpha left out).
 * @example sampleRange([Uint16Array.of(10, 4000, 7, 65535)]) // => [7, 4000]
 */
export function sampleRange(planes: readonly Uint16Array[]): [number, number] {
  let min = 65535;
  let max = 0;
  for (const plane of planes) {
    for (let i = 0; i < plane.length; i += 4) {
      for (let c = i; c < i + 3; c++) {
        const v = plane[c];
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
  }
  return [min, max];
}

/**
 * The bits a 16-bit stack's samples use (8..16): a 12-bit camera's values up to 4095 give 12, so its
 * focus measures see the same [0, 1] range as a full-range stack (README "High bit depth").
 * @example significantBits(4000) // => 12
 */
export function significantBits(max: number): number {
  return Math.min(16, Math.max(8, Math.ceil(Math.log2(max + 1))));
}

/**
 * The input as a list of paths, or the uniform error for anything else, described by its type and
 * size (bytes printed as a path were a 13 KB message): bytes point to decodeImage, a ZStack to fuse.
 */
function checkPathList(input: unknown): string[] {
  const bad = Array.isArray(input) ? input.findIndex((p) => typeof p !== 'string') : -1;
  if (Array.isArray(input) && bad < 0) return [...input];
  const value: unknown = Array.isArray(input) ? input[bad] : input;
  const hint = value instanceof Uint8Array || value instanceof ArrayBuffer ? ' (decodeImage decodes bytes)' : typeof value === 'object' && value !== null && 'planes' in value ? ' (fuse takes a ZStack)' : '';
  const received = Array.isArray(input) ? `a list whose item ${bad} is ${describeValue(value)}` : describeValue(value);
  throw new FocusFuseError('BAD_OPTION', `Expected a path or a list of paths for loadStack input but received ${received}${hint}`);
}

/** Resolves the input to image paths; `folder` is set when a folder was given. */
async function listInput(input: string | readonly string[], warn: (message: string) => void): Promise<{ files: string[]; folder?: string }> {
  const paths = typeof input === 'string' ? [input] : checkPathList(input);
  if (paths.length === 0) throw new FocusFuseError('NO_IMAGES', 'Expected a folder or image files but received none');
  const found = await Promise.all(paths.map(kindOf));
  if (paths.length === 1 && found[0].kind === 'folder') return { files: await listFolder(paths[0], warn), folder: paths[0] };
  paths.forEach((path, i) => {
    if (found[i].kind === 'missing') throw new FocusFuseError('NOT_FOUND', 'no such file or folder', path);
    if (found[i].kind === 'folder') {
      const others = paths.filter((_, j) => j !== i);
      const listed = `${countOf(others.length, 'other input')} (${others.map((p) => `'${p}'`).join(', ')})`;
      throw new FocusFuseError('BAD_OPTION', `is a folder, given with ${listed}; give either one folder or a list of image files`, path);
    }
  });
  checkDistinctFiles(paths, found.map((f) => f.id!));
  return { files: paths };
}

/** What a path is, and for a file its identity (device and inode: the same whatever path or link leads to it). */
async function kindOf(path: string): Promise<{ kind: 'file' | 'folder' | 'missing'; id?: string }> {
  try {
    const info = await stat(path, { bigint: true });
    // Some file systems report no inode (0): then the absolute path is the identity.
    return { kind: info.isDirectory() ? 'folder' : 'file', id: info.ino === 0n ? `path:${resolve(path)}` : `${info.dev}:${info.ino}` };
  } catch {
    return { kind: 'missing' };
  }
}

/**
 * Refuses a file given twice: two planes of the same bytes are a slip of the command line (or of a
 * file list), never a stack. "The same" means the same file on disk, however it is spelled
 * (`a.png`, `./a.png`, an absolute path) or reached (a symbolic or hard link): a copy is a
 * different file and is not refused.
 */
function checkDistinctFiles(paths: readonly string[], ids: readonly string[]): void {
  const first = new Map<string, number>();
  ids.forEach((id, i) => {
    const earlier = first.get(id);
    if (earlier === undefined) return void first.set(id, i);
    const how = paths[earlier] === paths[i] ? 'twice' : resolve(paths[earlier]) === resolve(paths[i]) ? `as '${paths[earlier]}' and '${paths[i]}'` : `as '${paths[earlier]}' and '${paths[i]}', the same file through a link`;
    throw new FocusFuseError('BAD_STACK', `is given ${how} (inputs ${earlier + 1} and ${i + 1}); each plane must be a different file`, paths[i]);
  });
}

async function listFolder(folder: string, warn: (message: string) => void): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const images: string[] = [];
  const skipped: string[] = [];
  let subfolders = 0;
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) subfolders += 1;
    else {
      // Notes and metadata (meta.json, ATTRIBUTION.md) pass quietly; anything else is named below.
      const kind = folderFileKind(entry.name);
      if (kind === 'image') images.push(join(folder, entry.name));
      else if (kind === 'other') skipped.push(entry.name);
    }
  }
  skipped.sort(naturalCompare); // readdir's order is the file system's
  const shown = skipped.slice(0, 5).join(', ') + (skipped.length > 5 ? `, and ${skipped.length - 5} more` : '');
  if (images.length === 0) {
    const hint = subfolders > 0 ? ` (it has ${subfolders} subfolder${subfolders > 1 ? 's' : ''}; give the folder of one stack, or use focusfuse batch for a dataset tree)` : '';
    // Name what is there (a stack saved as BMP, say): convert those files.
    const others = skipped.length > 0 ? `; it has ${countOf(skipped.length, 'other file')}: ${shown}` : '';
    throw new FocusFuseError('NO_IMAGES', `no JPEG, PNG or TIFF images in this folder${hint}${others}`, folder);
  }
  if (skipped.length > 0) warn(`${folder}: ignored ${countOf(skipped.length, 'file that is', 'files that are')} not JPEG, PNG or TIFF: ${shown}`);
  return images;
}

/** `a.png, b.png` or `a.png, ..., e.png, and 3 more`, for warnings that name files. */
function listNames(files: readonly string[]): string {
  return listOf(files.map(baseName));
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The rule for what in a folder is a plane (README "Which files are planes"): focusfuse outputs
 * (tagged in their metadata) never are; beside CCCID-named planes, other images are left out with a
 * warning, unless they are so many (as many as the CCCID planes or more) that either set could be
 * the stack: then it is an error saying what to do. Which files are outputs and strays:
 * findFolderOutputs, shared with the viewer's scan.
 */
async function leaveOutNonPlanes(files: string[], folder: string, order: PlaneOrder, warn: (message: string) => void): Promise<string[]> {
  const cccid = files.filter((f) => parseCccidName(f));
  const { outputs, strays } = await findFolderOutputs(files, { cccidByName: order !== 'natural' && order !== 'given', readTag: readOutputTag });
  if (outputs.length > 0) warn(`${folder}: left out ${plural(outputs.length, 'focusfuse output')} (never planes): ${listNames(outputs)}`);
  if (strays.length >= cccid.length && strays.length > 0) {
    throw new FocusFuseError(
      'AMBIGUOUS_INPUT',
      `holds ${plural(cccid.length, 'CCCID-named plane')} <serial>_(<cx>,<cy>,<z>) and ${plural(strays.length, 'other image')} (${listNames(strays)}), so which are the planes is unclear: move the other images out of the folder, or give the planes as files (with --order natural or given for non-CCCID names)`,
      folder,
    );
  }
  if (strays.length > 0) warn(`${folder}: left out ${plural(strays.length, 'image')} without a CCCID name beside the CCCID planes: ${listNames(strays)}`);
  const planes = files.filter((f) => !outputs.includes(f) && !strays.includes(f));
  if (planes.length === 0) throw new FocusFuseError('NO_IMAGES', `holds only focusfuse outputs (${listNames(outputs)}), no planes`, folder);
  return planes;
}

function selectFov(files: string[], fov: string, folder: string | undefined): string[] {
  const wanted = parseFovKey(fov);
  if (!wanted) {
    throw new FocusFuseError('BAD_OPTION', `Expected <serial>_(<cx>,<cy>) for --fov but received '${fov}' (string)`);
  }
  const { fovs } = groupByFov(files);
  const matches = fovs.filter((group) => group.key === fovKey(wanted));
  if (matches.length === 0) {
    const available = fovs.length > 0 ? `; available: ${describeFovs(fovs)}` : '; no file has a CCCID name <serial>_(<cx>,<cy>,<z>)';
    throw new FocusFuseError('NOT_FOUND', `no field of view ${fovKey(wanted)}${available}`, folder);
  }
  return matches.flatMap((group) => group.files);
}

/** A readable name for errors and reports: `<folder>/<serial>_(<cx>,<cy>)` for CCCID, else the folder or files. */
function stackName(files: readonly string[], folder: string | undefined, cccid: OrderedPlanes['cccid']): string {
  if (cccid) return join(dirname(files[0]), fovKey(cccid));
  if (folder !== undefined) return folder;
  return files.length === 1 ? files[0] : `${baseName(files[0])} .. ${baseName(files[files.length - 1])} (${files.length} files)`;
}

/**
 * The most a plane's width or height may differ from the first plane's (as a ratio) when mixed sizes
 * are accepted: focus breathing and cameras that crop per plane differ by a few percent; alignment
 * bounds a neighbour's scale to 0.85 .. 1.18 (PAIR_LIMITS) anyway.
 */
export const MIXED_SIZE_LIMIT = 1.25;

/**
 * The hint of the same-size error, for sizes alignment would take: every `--align` mode accepts
 * planes within MIXED_SIZE_LIMIT of the first (bench/real.ts words it for its own flag).
 */
export const MIXED_SIZES_HINT = '(unregistered stacks: fuse with --align auto or similarity, which accept mixed sizes)';

/**
 * Every plane as large as the first, or (`mixedSizes`) within MIXED_SIZE_LIMIT of it in each
 * dimension. A plane further off than that is refused alike with or without alignment, and its
 * message suggests no `--align`, which would refuse it too.
 */
function checkSizes(planes: readonly DecodedPlane[], files: readonly string[], mixedSizes: boolean): void {
  const [first] = planes;
  const within = (a: number, b: number) => Math.max(a, b) <= MIXED_SIZE_LIMIT * Math.min(a, b);
  planes.forEach((plane, z) => {
    if (plane.width === first.width && plane.height === first.height) return;
    const sizes = `is ${plane.width}x${plane.height} but ${files[0]} is ${first.width}x${first.height}`;
    if (!within(plane.width, first.width) || !within(plane.height, first.height)) {
      throw new FocusFuseError(
        'SIZE_MISMATCH',
        `${sizes}: more than ${Math.round((MIXED_SIZE_LIMIT - 1) * 100)} % apart, which alignment does not take for focus breathing either (a truncated or wrong file?)`,
        files[z],
      );
    }
    if (!mixedSizes) throw new FocusFuseError('SIZE_MISMATCH', `${sizes}; every plane must have the same size ${MIXED_SIZES_HINT}`, files[z]);
  });
}
