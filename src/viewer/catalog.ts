/**
 * The stacks `focusfuse view` offers: those under the folder it was given and the bundled samples.
 * Each plane gets an opaque URL (`/stacks/<stack>/<plane>`) mapped to its file here, so the server
 * answers an allow-list of exact paths and never turns a URL into a filesystem path.
 */
import { readdir } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { findStacks, isViewerImage, VIEWER_IMAGE_EXTENSIONS, type CatalogStack } from './stacks.js';

export type { CatalogStack };

/** What the server offers: the page's formats plus TIFF, which the server converts to PNG for it. */
export const CATALOG_IMAGE_EXTENSIONS: readonly string[] = [...VIEWER_IMAGE_EXTENSIONS, '.tif', '.tiff'];

/** A group of images left out of the catalog (see findStacks), for the CLI's note and /stacks.json. */
export interface CatalogHidden {
  source: CatalogStack['source'];
  name: string;
  files: number;
  reason: string;
}

export interface Catalog {
  stacks: CatalogStack[];
  hidden: CatalogHidden[];
  /** URL path -> absolute file, for every plane of every stack. */
  files: Map<string, string>;
}

/** Limits of the folder walk, so pointing the viewer at a disk root does not hang it. */
export const CATALOG_LIMITS = { depth: 8, files: 50_000 };

/** Folders that hold no stacks: synth's ground-truth mirror, VCS and package folders. */
const SKIPPED_FOLDERS = new Set(['ground-truth', 'node_modules', '.git']);

async function listImages(root: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(folder: string, depth: number): Promise<void> {
    if (depth > CATALOG_LIMITS.depth || found.length >= CATALOG_LIMITS.files) return;
    const entries = await readdir(folder, { withFileTypes: true });
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name) && !entry.name.startsWith('.')) await walk(path, depth + 1);
      else if (entry.isFile() && isViewerImage(entry.name, CATALOG_IMAGE_EXTENSIONS) && found.length < CATALOG_LIMITS.files) found.push(path);
    }
  }
  await walk(root, 0);
  // Relative, '/'-separated paths: the form groupStacks and the page's labels use on every OS.
  return found.map((path) => relative(root, path).split(sep).join('/'));
}

/**
 * Finds the stacks under each root (recursively; JPEG, PNG and TIFF) and gives their planes URLs;
 * what cannot be a stack is listed in `hidden` with the reason.
 * @example const catalog = await buildCatalog([{ root: 'data/cccid', source: 'folder' }]);
 * catalog.stacks[0].planes[0]; // '/stacks/0/0'
 */
export async function buildCatalog(roots: ReadonlyArray<{ root: string; source: CatalogStack['source'] }>): Promise<Catalog> {
  const stacks: CatalogStack[] = [];
  const hidden: CatalogHidden[] = [];
  const files = new Map<string, string>();
  for (const { root, source } of roots) {
    const found = findStacks(await listImages(root), CATALOG_IMAGE_EXTENSIONS);
    for (const group of found.hidden) hidden.push({ source, name: displayName(group.name, root, source), files: group.files.length, reason: group.reason });
    for (const group of found.stacks) {
      const id = String(stacks.length);
      const planes = group.files.map((file, z) => {
        const url = `/stacks/${id}/${z}`;
        files.set(url, join(root, ...file.split('/')));
        return url;
      });
      const name = displayName(group.name, root, source);
      stacks.push({ id, source, name, planes, files: group.files.map((f) => f.slice(f.lastIndexOf('/') + 1)), zStepUm: group.zStepUm, error: group.error });
    }
  }
  return { stacks, hidden, files };
}

/** A sample is named after its folder; a stack at the top of the given folder too. */
function displayName(name: string, root: string, source: CatalogStack['source']): string {
  if (name === '.') return basename(root);
  return source === 'sample' ? `${basename(root)}/${name}` : name;
}
