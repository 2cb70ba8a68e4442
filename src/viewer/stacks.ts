/**
 * Which Z-stacks a set of image paths holds: one per CCCID field of view, and one per folder for the
 * other image names. Browser-safe, so the `focusfuse view` server (a folder on disk) and the page
 * (dropped files or a chosen folder) find the same stacks in the same plane order.
 */
import { FocusFuseError } from '../core/errors.js';
import { baseName, groupByFov, orderPlanes } from '../io/cccid.js';
import { DERIVED_IMAGE_REASON, isDerivedImageName } from '../io/derived-image.js';
import { findFolderOutputs, type OutputTagReader } from '../io/folder-outputs.js';

/** Extensions a browser can decode with createImageBitmap (TIFF is not among them). */
export const VIEWER_IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png'];

/** A group of images the viewer leaves out, and why (listed, so nothing disappears silently). */
export interface HiddenGroup {
  /** Folder (or folder plus field of view). */
  name: string;
  files: string[];
  reason: string;
}

/** One stack found among the paths: its planes in focal order, or why they cannot be ordered. */
export interface StackGroup {
  /** Folder plus field of view, e.g. `NILM/1. Superficial-Intermediate Cells/001_(34165,1221)`. */
  name: string;
  /** Paths in focal order (as given when `error` is set). */
  files: string[];
  /** Micrometres between planes when the naming says so (CCCID: 1.0). */
  zStepUm?: number;
  /** Set when the planes cannot be ordered (a gap or a duplicate z). */
  error?: string;
  /** Set when the planes are the pages of one multi-page TIFF: its path (`files` then name the pages, `<path> page <i>`). */
  multiPageTiff?: string;
  /** With multiPageTiff: the file's page of each plane (reduced-resolution pages are left out, so page i need not be plane i). */
  pages?: number[];
}

/**
 * Whether a path names an image the viewer can decode (hidden files and other extensions are not).
 * @example isViewerImage('a/z01.png') // => true; isViewerImage('a/.z01.png') // => false
 */
export function isViewerImage(path: string, extensions: readonly string[] = VIEWER_IMAGE_EXTENSIONS): boolean {
  const name = baseName(path).toLowerCase();
  return !name.startsWith('.') && extensions.some((ext) => name.endsWith(ext));
}

function folderOf(path: string): string {
  return path.slice(0, Math.max(path.lastIndexOf('/'), 0));
}

function ordered(name: string, files: string[], zStepUm?: number): StackGroup {
  try {
    return { name, files: orderPlanes(files, zStepUm ? 'cccid' : 'natural').files, ...(zStepUm ? { zStepUm } : {}) };
  } catch (error) {
    const message = error instanceof FocusFuseError ? error.message : String(error);
    return { name, files, error: message };
  }
}

/**
 * Paths (`/`-separated) grouped by their folder (`.` for none), in the order given.
 * @example pathsByFolder(['a/z1.png', 'z.png', 'a/z2.png']) // => Map { 'a' => ['a/z1.png', 'a/z2.png'], '.' => ['z.png'] }
 */
export function pathsByFolder(paths: readonly string[]): Map<string, string[]> {
  const folders = new Map<string, string[]>();
  for (const path of paths) {
    const folder = folderOf(path) || '.';
    const list = folders.get(folder);
    if (list) list.push(path);
    else folders.set(folder, [path]);
  }
  return folders;
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Finds the stacks among image paths (`/`-separated, relative): each CCCID field of view of a folder,
 * ordered by z, and the other images of a folder without CCCID planes, in natural order (z2 before
 * z10). Left out, with the reason: focusfuse's own outputs and ground truth (isDerivedImageName), other
 * images in a folder of CCCID planes (thumbnails, notes), and single images (one plane is no stack).
 * `extensions`: the images to consider (the server adds TIFF, which it sends to the page as PNG);
 * `minPlanes` (default 2): fewer planes is not a stack; `outputs`: paths known to be focusfuse outputs
 * by their metadata tag whatever their names (the server reads it: findFolderOutputs, `fuse`'s rule).
 * @example findStacks(['a/001_(1,2,1).jpg', 'a/001_(1,2,0).jpg', 'a/fused.png', 'b/z10.png', 'b/z2.png'])
 * // => { stacks: [{ name: 'a/001_(1,2)', files: ['a/001_(1,2,0).jpg', 'a/001_(1,2,1).jpg'], zStepUm: 1 },
 * //               { name: 'b', files: ['b/z2.png', 'b/z10.png'] }],
 * //      hidden: [{ name: 'a', files: ['a/fused.png'], reason: 'focusfuse outputs or ground truth, not planes' }] }
 */
export function findStacks(
  paths: readonly string[],
  extensions: readonly string[] = VIEWER_IMAGE_EXTENSIONS,
  options: { minPlanes?: number; outputs?: ReadonlySet<string> } = {},
): { stacks: StackGroup[]; hidden: HiddenGroup[] } {
  const minPlanes = options.minPlanes ?? 2;
  const images = paths.filter((path) => isViewerImage(path, extensions));
  const isDerived = (path: string) => options.outputs?.has(path) === true || isDerivedImageName(baseName(path));
  const derived = images.filter(isDerived);
  const { fovs, other } = groupByFov(images.filter((path) => !isDerived(path)));
  const stacks: StackGroup[] = [];
  const hidden: HiddenGroup[] = [];
  for (const [name, files] of pathsByFolder(derived)) hidden.push({ name, files, reason: DERIVED_IMAGE_REASON });
  const cccidFolders = new Set(fovs.map((fov) => fov.folder || '.'));
  const candidates = [
    ...fovs.map((fov) => ({ name: fov.folder ? `${fov.folder}/${fov.key}` : fov.key, files: fov.files, zStepUm: 1 })),
    ...[...pathsByFolder(other)].map(([name, files]) => ({ name, files, zStepUm: undefined })),
  ];
  for (const { name, files, zStepUm } of candidates) {
    if (zStepUm === undefined && cccidFolders.has(name)) hidden.push({ name, files, reason: 'not CCCID planes, next to CCCID fields of view' });
    else if (files.length < minPlanes) hidden.push({ name, files, reason: 'a single image is not a focal stack' });
    else stacks.push(ordered(name, files, zStepUm));
  }
  return { stacks: stacks.sort(byName), hidden: hidden.sort(byName) };
}

/**
 * The stacks among files the user picked or dropped in the page: those of {@link findStacks}, except
 * that a single image is kept (it was chosen by hand: the page tries it and says what is wrong).
 * `outputs`: the paths that are focusfuse outputs by their tag (findTaggedOutputs).
 * @example groupStacks(['b/z10.png', 'b/z2.png']) // => [{ name: 'b', files: ['b/z2.png', 'b/z10.png'] }]
 */
export function groupStacks(paths: readonly string[], outputs?: ReadonlySet<string>): StackGroup[] {
  return findStacks(paths, VIEWER_IMAGE_EXTENSIONS, { minPlanes: 1, outputs }).stacks;
}

/**
 * The images among `paths` that are focusfuse outputs by their metadata tag, folder by folder by
 * `fuse`'s rule (findFolderOutputs: in a folder of CCCID planes only the other names are read), for
 * findStacks' `outputs`: the server reads files on disk, the page the files opened in it.
 * @example await findTaggedOutputs(['a/z1.png', 'a/z2.png', 'a/bd.png'], readTag) // => Set { 'a/bd.png' }
 */
export async function findTaggedOutputs(paths: readonly string[], readTag: OutputTagReader, extensions: readonly string[] = VIEWER_IMAGE_EXTENSIONS): Promise<Set<string>> {
  const outputs = new Set<string>();
  for (const folder of pathsByFolder(paths.filter((path) => isViewerImage(path, extensions))).values()) {
    for (const path of (await findFolderOutputs(folder, { readTag })).outputs) outputs.add(path);
  }
  return outputs;
}

/** What the page gets from `/stacks.json` for one stack. */
export interface CatalogStack {
  id: string;
  /** Where it comes from: the folder given on the command line, or a bundled sample. */
  source: 'folder' | 'sample';
  name: string;
  /** One URL per plane, in focal order; none for a stack with an `error` (its planes are not served). */
  planes: string[];
  /** File names, for the page's labels and errors. */
  files: string[];
  zStepUm?: number;
  error?: string;
}

/** The images of a written result the page shows. */
export const RESULT_IMAGES = ['fused', 'depth', 'confidence'] as const;
/** What the server answers for a written result, one URL each: its images and its stats JSON. */
export const RESULT_PARTS = [...RESULT_IMAGES, 'stats'] as const;
export type ResultPart = (typeof RESULT_PARTS)[number];

/**
 * What the page gets from `/stacks.json` for one written result (a `fuse --json` or `batch` FOV's
 * outputs, found through its stats JSON): shown as it was written, without fusing. `fused` is an
 * image URL (PNG or JPEG); `depth` and `confidence` answer little-endian float32 values, row-major,
 * in planes and in [0, 1); `stats` the stats JSON as written (options, backend, stats, depthFallback).
 */
export interface CatalogResult {
  id: string;
  source: 'folder' | 'sample';
  /** The stats JSON's path without `.stats.json` / `.json`, e.g. `NILM/cells/001_(1,2)`. */
  name: string;
  planeCount: number;
  zStepUm?: number;
  /** One URL per part. */
  urls: Record<ResultPart, string>;
  /** File names per part, for labels and errors. */
  files: Record<ResultPart, string>;
}
