/**
 * Turning files into a ZStack in the page: decoding with createImageBitmap and a canvas (exact
 * bytes: no colour conversion, no premultiplied alpha), ordering with the library's CCCID and
 * natural-order rules (groupStacks), and reading dropped folders.
 */
import { FocusFuseError } from '../../core/errors.js';
import { countOf } from '../../core/text.js';
import type { ZStack } from '../../core/types.js';
import { refuseEmptyFile } from '../../io/empty-file.js';
import { folderFileKind, isImageName } from '../../io/folder-files.js';
import { readFileOutputTag } from './file-tags.js';
import { findTaggedOutputs, groupStacks, VIEWER_IMAGE_EXTENSIONS, type CatalogResult, type CatalogStack, type StackGroup } from '../stacks.js';

/** A stack the page can load: planes as blobs to fetch or files already in hand. */
export interface StackSource {
  name: string;
  /** File names in plane order (for labels and errors). */
  files: string[];
  /** Returns plane z's bytes. */
  read(z: number): Promise<Blob>;
  zStepUm?: number;
  error?: string;
}

/**
 * Decodes one image to RGBA8. Throws a FocusFuseError naming the file when it is not an image.
 * @example const { width, height, data } = await decodeImageBlob(file, 'z01.png');
 */
export async function decodeImageBlob(blob: Blob, name: string): Promise<{ width: number; height: number; data: Uint8Array }> {
  refuseEmptyFile(blob.size, name);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    throw new FocusFuseError('DECODE', 'could not be decoded as an image (is it a complete JPEG or PNG?)', name);
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
  return { width: canvas.width, height: canvas.height, data: new Uint8Array(pixels.data.buffer) };
}

/**
 * Fetches and decodes every plane of a source into a ZStack; planes must all have one size.
 * @example const stack = await loadStackSource(source, (done, total) => console.log(done, total));
 */
export async function loadStackSource(source: StackSource, onProgress?: (done: number, total: number) => void): Promise<ZStack> {
  // The ordering error usually names the stack already (a gap in z: "<stack>: gap in z ..."): said once.
  if (source.error) throw new FocusFuseError('Z_ORDER', source.error.startsWith(`${source.name}: `) ? source.error.slice(source.name.length + 2) : source.error, source.name);
  if (source.files.length === 0) throw new FocusFuseError('NO_IMAGES', 'holds no JPEG or PNG images', source.name);
  const planes: Uint8Array[] = [];
  let width = 0;
  let height = 0;
  for (let z = 0; z < source.files.length; z++) {
    const image = await decodeImageBlob(await source.read(z), source.files[z]);
    if (z === 0) [width, height] = [image.width, image.height];
    else if (image.width !== width || image.height !== height) {
      throw new FocusFuseError('SIZE_MISMATCH', `is ${image.width}x${image.height} but ${source.files[0]} is ${width}x${height}`, source.files[z]);
    }
    planes.push(image.data);
    onProgress?.(z + 1, source.files.length);
  }
  return { width, height, planes, meta: { name: source.name, files: source.files, zStepUm: source.zStepUm } };
}

/** The path a chosen or dropped file is known by: its place in the chosen folder, else its name. */
export function pathOf(file: File): string {
  return (file as File & { relativePath?: string }).relativePath || file.webkitRelativePath || file.name;
}

/**
 * Finds the stacks among local files (CCCID fields of view by z, other names in natural order),
 * leaving out focusfuse outputs by their tag as `fuse` does (findTaggedOutputs, readFileOutputTag);
 * `outputs` names those, for the notice line.
 * @example const { sources, outputs } = await sourcesFromFiles(Array.from(input.files));
 */
export async function sourcesFromFiles(files: readonly File[]): Promise<{ sources: StackSource[]; outputs: string[] }> {
  const byPath = new Map(files.map((file) => [pathOf(file), file]));
  const outputs = await findTaggedOutputs([...byPath.keys()], (path) => readFileOutputTag(byPath.get(path)!));
  const sources = groupStacks([...byPath.keys()], outputs).map((group: StackGroup) => ({
    // Loose files (no folder) are named after the file when there is one, else as a group.
    name: group.name !== '.' ? group.name : group.files.length === 1 ? group.files[0] : 'opened files',
    files: group.files.map((path) => path.slice(path.lastIndexOf('/') + 1)),
    read: async (z: number) => byPath.get(group.files[z])!,
    zStepUm: group.zStepUm,
    error: group.error,
  }));
  return { sources, outputs: [...outputs] };
}

/**
 * A stack's line in the page's stack list.
 * @example sourceLabel({ name: 'a/z1.png', files: ['z1.png'] }) // => 'a/z1.png (1 plane)'
 */
export function sourceLabel(source: Pick<StackSource, 'name' | 'files' | 'error'>): string {
  return `${source.name} (${countOf(source.files.length, 'plane')})${source.error ? ' — cannot be fused' : ''}`;
}

/**
 * The error for opened or dropped files among which there is no plane the page can decode
 * (`outputs`: how many of them were focusfuse outputs, left out by their tag).
 * @example noImagesError(3).message // => 'none of the 3 files is a JPEG or PNG image'
 * @example noImagesError(1).message // => 'the file opened is not a JPEG or PNG image'
 * @example noImagesError(2, 2).message // => 'the 2 files opened are focusfuse outputs, no planes'
 */
export function noImagesError(fileCount: number, outputs = 0): FocusFuseError {
  if (outputs > 0 && outputs === fileCount) {
    return new FocusFuseError('NO_IMAGES', fileCount === 1 ? 'the file opened is a focusfuse output, not a plane' : `the ${countOf(fileCount, 'file')} opened are focusfuse outputs, no planes`);
  }
  const what = fileCount === 1 ? 'the file opened is not' : `none of the ${countOf(fileCount, 'file')} is`;
  return new FocusFuseError('NO_IMAGES', `${what} a JPEG or PNG image`);
}

/**
 * The page's note on opened or dropped files it leaves out that are neither images it decodes nor
 * notes and metadata (folderFileKind: a misnamed plane must not vanish); a TIFF among them gets the
 * way to view it (the server converts TIFF, the page cannot decode it); and the focusfuse outputs
 * left out by their tag (`outputs`). Undefined when there is none.
 * @example leftOutNote(['a/z01.png', 'a/meta.json', 'a/z03.jpeg.bak'])
 * // => 'Left out 1 file that is not JPEG or PNG: z03.jpeg.bak.'
 */
export function leftOutNote(paths: readonly string[], outputs: readonly string[] = []): string | undefined {
  const nameOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);
  const list = (names: string[]) => names.slice(0, 5).join(', ') + (names.length > 5 ? `, and ${names.length - 5} more` : '');
  const names = paths.map(nameOf).filter((name) => folderFileKind(name, VIEWER_IMAGE_EXTENSIONS) === 'other');
  const tiff = names.some((name) => isImageName(name)) ? ' (TIFF: open its folder with focusfuse view <folder>, which converts it)' : '';
  const notes = [
    ...(names.length > 0 ? [`Left out ${countOf(names.length, 'file that is', 'files that are')} not JPEG or PNG: ${list(names)}${tiff}.`] : []),
    ...(outputs.length > 0 ? [`Left out ${countOf(outputs.length, 'focusfuse output')} (never planes): ${list(outputs.map(nameOf))}.`] : []),
  ];
  return notes.length > 0 ? notes.join(' ') : undefined;
}

/** Every file under a dropped entry, with its path inside the drop kept for grouping. */
async function filesOfEntry(entry: FileSystemEntry, prefix: string, out: File[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push(Object.assign(file, { relativePath: `${prefix}${file.name}` }));
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries returns the folder in batches; an empty batch means the end.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const child of batch) await filesOfEntry(child, `${prefix}${entry.name}/`, out);
  }
}

/**
 * The files of a drop, folders included (read recursively).
 * @example const files = await filesFromDrop(event.dataTransfer);
 */
export async function filesFromDrop(transfer: DataTransfer): Promise<File[]> {
  const entries = Array.from(transfer.items)
    .map((item) => item.webkitGetAsEntry())
    .filter((entry): entry is FileSystemEntry => entry !== null);
  if (entries.length === 0) return Array.from(transfer.files);
  const files: File[] = [];
  for (const entry of entries) await filesOfEntry(entry, '', files);
  return files;
}

/** One stack of the server's `/stacks.json`. */
export type ServedStack = CatalogStack;

/**
 * The stacks and written results the `focusfuse view` server offers; none when the page is served
 * some other way.
 * @example const { stacks, results } = await fetchServed();
 */
export async function fetchServed(): Promise<{ stacks: ServedStack[]; results: CatalogResult[] }> {
  try {
    const response = await fetch('stacks.json');
    if (!response.ok) return { stacks: [], results: [] };
    const listing = (await response.json()) as { stacks: ServedStack[]; results?: CatalogResult[] };
    return { stacks: listing.stacks, results: listing.results ?? [] };
  } catch {
    return { stacks: [], results: [] };
  }
}

/**
 * A served stack as a source: each plane fetched from its URL.
 * @example await loadStackSource(servedSource(served[0]));
 */
export function servedSource(stack: ServedStack): StackSource {
  return {
    name: stack.name,
    files: stack.files,
    zStepUm: stack.zStepUm,
    error: stack.error,
    async read(z) {
      const response = await fetch(stack.planes[z]);
      if (!response.ok) throw new FocusFuseError('NOT_FOUND', `HTTP ${response.status} fetching the plane`, stack.files[z]);
      return response.blob();
    },
  };
}
