/**
 * Which Z-stacks a set of image paths holds: one per CCCID field of view, and one per folder for the
 * other image names. Browser-safe, so the `focusfuse view` server (a folder on disk) and the page
 * (dropped files or a chosen folder) find the same stacks in the same plane order.
 */
import { FocusFuseError } from '../core/errors.js';
import { baseName, groupByFov, orderPlanes } from '../io/cccid.js';

/** Extensions a browser can decode with createImageBitmap (TIFF is not among them). */
export const VIEWER_IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png'];

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
}

/**
 * Whether a path names an image the viewer can decode (hidden files and other extensions are not).
 * @example isViewerImage('a/z01.png') // => true; isViewerImage('a/.z01.png') // => false
 */
export function isViewerImage(path: string): boolean {
  const name = baseName(path).toLowerCase();
  return !name.startsWith('.') && VIEWER_IMAGE_EXTENSIONS.some((ext) => name.endsWith(ext));
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
 * Groups image paths (`/`-separated, relative) into stacks: each CCCID field of view of a folder,
 * ordered by z, and the remaining images of each folder, in natural order (z2 before z10).
 * @example groupStacks(['a/001_(1,2,1).jpg', 'a/001_(1,2,0).jpg', 'b/z10.png', 'b/z2.png'])
 * // => [{ name: 'a/001_(1,2)', files: ['a/001_(1,2,0).jpg', 'a/001_(1,2,1).jpg'], zStepUm: 1 },
 * //     { name: 'b', files: ['b/z2.png', 'b/z10.png'] }]
 */
export function groupStacks(paths: readonly string[]): StackGroup[] {
  const images = paths.filter(isViewerImage);
  const { fovs, other } = groupByFov(images);
  const stacks = fovs.map((fov) => ordered(fov.folder ? `${fov.folder}/${fov.key}` : fov.key, fov.files, 1));
  const byFolder = new Map<string, string[]>();
  for (const path of other) {
    const folder = folderOf(path);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), path]);
  }
  for (const [folder, files] of byFolder) stacks.push(ordered(folder || '.', files));
  return stacks.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** What the page gets from `/stacks.json` for one stack. */
export interface CatalogStack {
  id: string;
  /** Where it comes from: the folder given on the command line, or a bundled sample. */
  source: 'folder' | 'sample';
  name: string;
  /** One URL per plane, in focal order. */
  planes: string[];
  /** File names, for the page's labels and errors. */
  files: string[];
  zStepUm?: number;
  error?: string;
}
