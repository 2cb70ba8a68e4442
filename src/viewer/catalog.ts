/**
 * The stacks `focusfuse view` offers: those under the folder it was given and the bundled samples.
 * Each plane gets an opaque URL (`/stacks/<stack>/<plane>`) mapped to its file here, so the server
 * answers an allow-list of exact paths and never turns a URL into a filesystem path.
 */
import { readdir } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { folderFileKind } from '../io/folder-files.js';
import { unsupportedSamples } from '../io/decode.js';
import { createImageHeaderReader } from '../io/output-tag.js';
import { pageLabel, tiffStackPages } from '../io/tiff-pages.js';
import { findResults, type MissingParts } from './results.js';
import { findStacks, findTaggedOutputs, isViewerImage, pathsByFolder, RESULT_IMAGES, RESULT_PARTS, type CatalogResult, type ResultPart, VIEWER_IMAGE_EXTENSIONS, type CatalogStack } from './stacks.js';

export type { CatalogResult, CatalogStack };

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
  /** URL path -> the file's page, for the planes that are pages of a multi-page TIFF (in `files`), or its one full-resolution page when that is not page 0. */
  pages: Map<string, number>;
  /** Written results shown without fusing (results.ts). */
  results: CatalogResult[];
  /** URL path -> a result's file, which part it is, and the scale of its stored values. */
  resultFiles: Map<string, { file: string; part: ResultPart; scale: number }>;
}

/** Limits of the folder walk, so pointing the viewer at a disk root does not hang it. */
export const CATALOG_LIMITS = { depth: 8, files: 50_000 };

/** Folders that hold no stacks: synth's ground-truth mirror, VCS and package folders. */
const SKIPPED_FOLDERS = new Set(['ground-truth', 'node_modules', '.git']);

/**
 * The images under `root`, the JSON files (stats of written results) and the other files that are
 * not notes or metadata (folderFileKind: a misnamed plane must not vanish), as relative,
 * '/'-separated paths: the form groupStacks and the page's labels use on every OS.
 */
async function listImages(root: string): Promise<{ images: string[]; jsons: string[]; others: string[] }> {
  const images: string[] = [];
  const jsons: string[] = [];
  const others: string[] = [];
  async function walk(folder: string, depth: number): Promise<void> {
    if (depth > CATALOG_LIMITS.depth || images.length >= CATALOG_LIMITS.files) return;
    const entries = await readdir(folder, { withFileTypes: true });
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name) && !entry.name.startsWith('.')) await walk(path, depth + 1);
      else if (entry.isFile() && isViewerImage(entry.name, CATALOG_IMAGE_EXTENSIONS)) {
        if (images.length < CATALOG_LIMITS.files) images.push(path);
      } else if (entry.isFile() && entry.name.toLowerCase().endsWith('.json')) {
        if (jsons.length < CATALOG_LIMITS.files) jsons.push(path);
      } else if (entry.isFile() && folderFileKind(entry.name, CATALOG_IMAGE_EXTENSIONS) === 'other' && others.length < CATALOG_LIMITS.files) others.push(path);
    }
  }
  await walk(root, 0);
  const relativePath = (path: string) => relative(root, path).split(sep).join('/');
  return { images: images.map(relativePath), jsons: jsons.map(relativePath), others: others.map(relativePath) };
}

/** The file names of `paths` by folder, for the notes on what was left out. */
function byFolder(paths: readonly string[]): Map<string, string[]> {
  const names = new Map<string, string[]>();
  for (const [folder, list] of pathsByFolder(paths)) names.set(folder, list.map((path) => path.slice(path.lastIndexOf('/') + 1)));
  return names;
}

/**
 * Finds the stacks under each root (recursively; JPEG, PNG and TIFF) and gives their planes URLs,
 * and the written results (findResults) with a URL per part; what cannot be a stack and is not part
 * of a result is listed in `hidden` with the reason.
 * @example const catalog = await buildCatalog([{ root: 'data/cccid', source: 'folder' }]);
 * catalog.stacks[0].planes[0]; // '/stacks/0/0'
 */
export async function buildCatalog(roots: ReadonlyArray<{ root: string; source: CatalogStack['source'] }>): Promise<Catalog> {
  const stacks: CatalogStack[] = [];
  const hidden: CatalogHidden[] = [];
  const files = new Map<string, string>();
  const pages = new Map<string, number>();
  const results: CatalogResult[] = [];
  const resultFiles: Catalog['resultFiles'] = new Map();
  const headers = createImageHeaderReader();
  const readTag = headers.tag;
  for (const { root, source } of roots) {
    const listed = await listImages(root);
    const full = (path: string) => join(root, ...path.split('/'));
    const outputs = await findTaggedOutputs(listed.images, (path) => readTag(full(path)), CATALOG_IMAGE_EXTENSIONS);
    // A multi-page TIFF (a Fiji/ImageJ stack) is a stack of its own, its pages the planes, as `fuse` reads it.
    // Which of its pages are planes, and any problem, as `fuse` decides (tiffStackPages: thumbnails are left out).
    const multiPage = new Map<string, ReturnType<typeof tiffStackPages>>();
    for (const [path, count] of await findMultiPageTiffs(listed.images.filter((path) => !outputs.has(path)), (path) => headers.pages(full(path)))) multiPage.set(path, tiffStackPages(full(path), count));
    // A TIFF with one full-resolution page is a plane like any other file, served at that page.
    const singlePage = new Map([...multiPage].flatMap(([path, { pages }]): [string, number][] => (pages.length === 1 ? [[path, pages[0]]] : [])));
    const found = findStacks(listed.images.filter((path) => !multiPage.has(path) || singlePage.has(path)), CATALOG_IMAGE_EXTENSIONS, { outputs });
    for (const [path, { pages: planePages, problem }] of multiPage) {
      if (planePages.length === 1) continue;
      // A hyperstack is listed with its problem, as a stack that cannot be ordered, and refused when opened, as `fuse` refuses it.
      found.stacks.push({ name: path, files: planePages.map((page) => pageLabel(path, page)), multiPageTiff: path, pages: planePages, ...(problem ? { error: problem.message } : {}) });
    }
    // A stack of TIFF files that `fuse` refuses for their samples (32-bit float, ImageJ's 32-bit type) is listed with its message too.
    for (const stack of found.stacks) {
      if (stack.error !== undefined || stack.multiPageTiff !== undefined) continue;
      for (const file of stack.files.filter((name) => /\.tiff?$/i.test(name))) {
        const problem = multiPage.get(file)?.problem?.message ?? unsupportedSamples(await headers.depth(full(file)));
        if (problem) {
          stack.error = `${file.slice(file.lastIndexOf('/') + 1)}: ${problem}`;
          break;
        }
      }
    }
    found.stacks.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const written = await findResults(root, listed.jsons, outputs, readTag);
    // A result's files (and the depth-color image its JSON records) are shown as the result, not noted as left out.
    const shown: Set<string> = new Set(
      written.results.flatMap((result) => [...RESULT_IMAGES.map((part) => result.files[part]), ...result.extras].map((file) => relative(root, file).split(sep).join('/'))),
    );
    // The outputs a stats JSON records that is not a result: told with that JSON, not on their own.
    for (const missing of written.missing) for (const file of missing.present) shown.add(file);
    const left = found.hidden.flatMap((group) => {
      const rest = group.files.filter((file) => !shown.has(file));
      return rest.length > 0 ? [{ name: group.name, files: rest.length, reason: group.reason }] : [];
    });
    for (const [folder, jsons] of pathsByFolder(written.missing.map((missing) => missing.json).sort())) {
      const missing = jsons.map((json) => written.missing.find((entry) => entry.json === json)!);
      left.push({ name: folder, files: missing.reduce((sum, entry) => sum + 1 + entry.present.length, 0), reason: missingPartsReason(missing) });
    }
    for (const [folder, names] of byFolder(listed.others)) {
      const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? `, and ${names.length - 5} more` : '');
      left.push({ name: folder, files: names.length, reason: `not JPEG, PNG or TIFF: ${shown}` });
    }
    // By folder (a stable sort: findStacks' order within one).
    left.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const group of left) hidden.push({ source, ...group, name: displayName(group.name, root, source) });
    for (const group of found.stacks) {
      const id = String(stacks.length);
      // A stack that cannot be fused is never opened: URLs for its planes would only answer 404.
      const planes = group.error !== undefined ? [] : group.files.map((file, z) => {
        const url = `/stacks/${id}/${z}`;
        files.set(url, full(group.multiPageTiff ?? file));
        const page = group.pages?.[z] ?? singlePage.get(file);
        if (page !== undefined) pages.set(url, page);
        return url;
      });
      const name = displayName(group.name, root, source);
      stacks.push({ id, source, name, planes, files: group.files.map((f) => f.slice(f.lastIndexOf('/') + 1)), zStepUm: group.zStepUm, error: group.error });
    }
    for (const result of written.results) {
      const id = String(results.length);
      const urls = {} as CatalogResult['urls'];
      const names = {} as CatalogResult['files'];
      for (const part of RESULT_PARTS) {
        urls[part] = `/results/${id}/${part}`;
        names[part] = basename(result.files[part]);
        resultFiles.set(urls[part], { file: result.files[part], part, scale: part === 'depth' || part === 'confidence' ? result.scales[part] : 1 });
      }
      const { planeCount, zStepUm } = result;
      results.push({ id, source, name: displayName(result.name, root, source), planeCount, zStepUm, urls, files: names });
    }
  }
  return { stacks, hidden, files, pages, results, resultFiles };
}

/**
 * The TIFFs among `images` (relative paths) that hold several pages, with their page counts; only
 * TIFF names are read (the header, shared with the output-tag reads through `pagesOf`'s memory).
 * @example await findMultiPageTiffs(['fiji/cells.tif', 'z/z1.png'], headers.pages) // => Map { 'fiji/cells.tif' => 11 }
 */
export async function findMultiPageTiffs(images: readonly string[], pagesOf: (path: string) => Promise<number>): Promise<Map<string, number>> {
  const tiffs = images.filter((path) => /\.tiff?$/i.test(path));
  const counts = await Promise.all(tiffs.map(pagesOf));
  return new Map(tiffs.flatMap((path, i): [string, number][] => (counts[i] > 1 ? [[path, counts[i]]] : [])));
}

/**
 * Why a folder's stats JSONs are not shown as results, each JSON by its file name (`fuse -o x.png
 * --json x.json` writes one beside the stack folder `x`, so a name without `.json` would read as
 * that stack), with what it lacks; the first five, then a count.
 * @example missingPartsReason([{ json: 'runs/s12.json', parts: ['depth', 'confidence'] }])
 * // => 'a stats JSON shown as a result only with the fused image, depth and confidence beside it: s12.json lacks depth and confidence'
 */
export function missingPartsReason(missing: readonly MissingParts[]): string {
  const and = (parts: readonly string[]) => (parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts[0]);
  const named = missing.slice(0, 5).map(({ json, parts }) => `${json.slice(json.lastIndexOf('/') + 1)} lacks ${and(parts)}`);
  if (missing.length > 5) named.push(`and ${missing.length - 5} more`);
  const several = missing.length > 1;
  return `${several ? `${missing.length} stats JSONs` : 'a stats JSON'} shown as a result only with the fused image, depth and confidence beside ${several ? 'them' : 'it'}: ${named.join(', ')}`;
}

/** A sample is named after its folder; a stack at the top of the given folder too. */
function displayName(name: string, root: string, source: CatalogStack['source']): string {
  if (name === '.') return basename(root);
  return source === 'sample' ? `${basename(root)}/${name}` : name;
}
