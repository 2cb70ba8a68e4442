/**
 * Finds every field of view in a CCCID tree `<root>/<CLASS>/<subtype>/<serial>_(<cx>,<cy>,<z>).jpg`
 * and reports everything else it meets instead of guessing what it is. Node only.
 *
 * Quietly skipped (never data): hidden and temp files, notes and metadata files (`README.md`,
 * `notes.txt`, `*.json`, `*.csv`: see folderFileKind), the synth generator's `ground-truth/` folder
 * and `synth.json` at the root, the batch output folder when it lies inside the root, and whatever
 * the `exclude` globs match. Left out and listed apart (`earlierOutputs`): folders at the root holding
 * an earlier batch run's manifest. Symbolic links are followed (datasets are often assembled from links).
 * Reported: stray files and folders, images whose names do not follow the CCCID convention (a
 * focusfuse output, known by its metadata tag, or an output or ground-truth image known by its name
 * (`.fused.png`, `.aif.png`: see isDerivedImageName), as such: a warning, never a plane), empty
 * class or subtype folders, broken links. Checks that need the pixels (decoding, sizes, z order)
 * happen per FOV.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { FocusFuseError } from '../core/errors.js';
import { fovKey, groupByFov, naturalCompare } from '../io/cccid.js';
import { DERIVED_IMAGE_REASON, isDerivedImageName } from '../io/derived-image.js';
import { folderFileKind, isHiddenOrTemp, isImageName } from '../io/folder-files.js';
import { readOutputTag } from '../io/output-tag.js';
import { excludeGlobs, excludes } from './select.js';

/** One field of view found in the tree. */
export interface BatchFov {
  /** `<CLASS>/<subtype>/<serial>_(<cx>,<cy>)`: unique, stable, what `--only` matches. */
  id: string;
  className: string;
  subtype: string;
  serial: string;
  cx: number;
  cy: number;
  /** `<serial>_(<cx>,<cy>)`. */
  key: string;
  /** Absolute plane paths, not yet ordered (ordering checks z per FOV). */
  files: string[];
}

/** Something in the tree that is not a usable plane, with why. */
export interface ScanProblem {
  /** Path relative to the root, forward slashes. */
  path: string;
  /** `error`: possible data left unfused (an image we cannot place); `warning`: ignored clutter. */
  level: 'error' | 'warning';
  reason: string;
}

export interface ScanResult {
  root: string;
  /** In a stable order: class, subtype, then serial/position, all natural order. */
  fovs: BatchFov[];
  problems: ScanProblem[];
  /** Files and folders the `exclude` globs left out (not counting what lies inside an excluded folder). */
  excluded: number;
  /** Folders at the class level holding an earlier `batch` run's manifest, relative: left out, not reported as problems. */
  earlierOutputs: string[];
}

const BROKEN_LINK = 'symbolic link to nothing (its target is missing); ignored';

/** Root entries written by `focusfuse synth` next to the data: never planes, never reported. */
export const SYNTH_ROOT_ENTRIES: ReadonlySet<string> = new Set(['ground-truth', 'synth.json']);

/** `manifest.json`, or a shard's `manifest.shard-<i>-of-<n>.json` (see manifestStem). */
const MANIFEST_NAME = /^manifest(\.shard-\d+-of-\d+)?\.json$/;

/**
 * Whether a folder holds the manifest of a `focusfuse batch` run (its `generator` says so): an earlier
 * run's `--out` inside the dataset, whose fused images and CSV are never data.
 */
export async function isBatchOutput(folder: string): Promise<boolean> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return false;
  }
  for (const name of names.filter((n) => MANIFEST_NAME.test(n))) {
    try {
      if (JSON.parse(await readFile(join(folder, name), 'utf8'))?.generator === 'focusfuse batch') return true;
    } catch {
      // Unreadable or not JSON: not ours, so the folder is scanned (and reported) as any other.
    }
  }
  return false;
}

/**
 * Orders FOV ids (and manifest rows) the same way everywhere: class, subtype, then key, natural order.
 * @example ['HSIL/1. A/002_(1,2)', 'HSIL/1. A/001_(5,6)'].sort(compareFovIds) // 001 first
 */
export function compareFovIds(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const order = naturalCompare(x[i], y[i]);
    if (order !== 0) return order;
  }
  return x.length - y.length;
}

/** A folder entry with links resolved: `broken` is a link whose target is gone. */
interface Entry {
  name: string;
  kind: 'folder' | 'file' | 'broken';
}

async function entriesOf(folder: string): Promise<Entry[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const kept = entries.filter((e) => !isHiddenOrTemp(e.name)).sort((a, b) => naturalCompare(a.name, b.name));
  return Promise.all(
    kept.map(async (e): Promise<Entry> => {
      if (!e.isSymbolicLink()) return { name: e.name, kind: e.isDirectory() ? 'folder' : 'file' };
      try {
        return { name: e.name, kind: (await stat(join(folder, e.name))).isDirectory() ? 'folder' : 'file' };
      } catch {
        return { name: e.name, kind: 'broken' };
      }
    }),
  );
}

/** Notes and metadata beside the data (README.md, notes.txt, meta.json): passed over quietly (folderFileKind). */
function isSidecar(entry: Entry): boolean {
  return entry.kind === 'file' && folderFileKind(entry.name) === 'quiet';
}

/**
 * Scans a CCCID dataset tree.
 * @example
 * const { fovs, problems } = await scanDataset('/data/CCCID', { skip: ['/data/CCCID/fused'] });
 * fovs[0].id; // 'HSIL/1. Moderate Dysplasia/001_(3059,11012)'
 * @param options.skip Absolute folders to leave out quietly (the batch output, when inside the root).
 * @param options.exclude `--exclude` globs on paths relative to the root (see `excludes`).
 * @throws FocusFuseError NOT_FOUND when the root is missing or not a folder.
 */
export async function scanDataset(root: string, options: { skip?: readonly string[]; exclude?: readonly string[] } = {}): Promise<ScanResult> {
  const top = resolve(root);
  const skipped = new Set((options.skip ?? []).map((p) => resolve(p)));
  const globs = excludeGlobs(options.exclude);
  const rel = (path: string) => relative(top, path).split(sep).join('/');
  let excluded = 0;
  const skip = (path: string) => {
    if (skipped.has(path)) return true;
    if (!excludes(rel(path), globs)) return false;
    excluded += 1;
    return true;
  };
  let rootEntries;
  try {
    rootEntries = await entriesOf(top);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOTDIR' ? 'is not a folder' : code === 'ENOENT' ? 'no such dataset folder' : `cannot read the dataset folder (${code ?? (error as Error).message})`;
    throw new FocusFuseError('NOT_FOUND', reason, root);
  }
  const fovs: BatchFov[] = [];
  const problems: ScanProblem[] = [];
  const earlierOutputs: string[] = [];
  const warn = (path: string, reason: string) => problems.push({ path: rel(path), level: 'warning', reason });

  for (const classEntry of rootEntries) {
    const classPath = join(top, classEntry.name);
    if (SYNTH_ROOT_ENTRIES.has(classEntry.name) || skip(classPath) || isSidecar(classEntry)) continue;
    if (classEntry.kind !== 'folder') {
      warn(classPath, classEntry.kind === 'broken' ? BROKEN_LINK : 'stray file at the dataset root (expected only <CLASS> folders); ignored');
      continue;
    }
    if (await isBatchOutput(classPath)) {
      earlierOutputs.push(rel(classPath));
      continue;
    }
    const subtypes = await entriesOf(classPath);
    let classFovs = 0;
    for (const subEntry of subtypes) {
      const subPath = join(classPath, subEntry.name);
      if (skip(subPath) || isSidecar(subEntry)) continue;
      if (subEntry.kind !== 'folder') {
        if (subEntry.kind === 'broken') warn(subPath, BROKEN_LINK);
        else if (isImageName(subEntry.name)) problems.push({ path: rel(subPath), level: 'error', reason: 'image directly in a class folder (expected <CLASS>/<subtype>/<serial>_(<cx>,<cy>,<z>).jpg); not fused' });
        else warn(subPath, 'stray file in a class folder; ignored');
        continue;
      }
      const found = await scanSubtype(subPath, classEntry.name, subEntry.name, rel, skip, problems);
      fovs.push(...found);
      classFovs += found.length;
    }
    if (classFovs === 0) warn(classPath, subtypes.length === 0 ? 'empty class folder' : 'class folder without any field of view');
  }
  fovs.sort((a, b) => compareFovIds(a.id, b.id));
  return { root: top, fovs, problems, excluded, earlierOutputs };
}

async function scanSubtype(
  folder: string,
  className: string,
  subtype: string,
  rel: (p: string) => string,
  skip: (p: string) => boolean,
  problems: ScanProblem[],
): Promise<BatchFov[]> {
  const entries = await entriesOf(folder);
  const images: string[] = [];
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (skip(path) || isSidecar(entry)) continue;
    // A broken link named like a plane stays a plane: its FOV then fails with "no such file".
    if (entry.kind === 'folder') problems.push({ path: rel(path), level: 'warning', reason: 'unexpected folder inside a subtype folder; ignored' });
    else if (isImageName(entry.name)) images.push(path);
    else problems.push({ path: rel(path), level: 'warning', reason: 'not an image (JPEG, PNG or TIFF); ignored' });
  }
  const { fovs, other } = groupByFov(images);
  for (const path of other) {
    // An earlier run's output saved next to the planes is never a plane: renaming it would be wrong advice.
    const output = await readOutputTag(path);
    if (output) problems.push({ path: rel(path), level: 'warning', reason: `a focusfuse output (${output}), never a plane; ignored` });
    else if (isDerivedImageName(basename(path))) problems.push({ path: rel(path), level: 'warning', reason: `${DERIVED_IMAGE_REASON} (by the name); ignored` });
    else problems.push({ path: rel(path), level: 'error', reason: 'name does not follow <serial>_(<cx>,<cy>,<z>).jpg; not fused (rename it to include its FOV and z)' });
  }
  if (entries.length === 0) problems.push({ path: rel(folder), level: 'warning', reason: 'empty subtype folder' });
  else if (entries.every(isSidecar)) problems.push({ path: rel(folder), level: 'warning', reason: 'subtype folder without any image (only notes or metadata files)' });
  return fovs.map((group) => {
    const key = fovKey(group);
    return { id: `${className}/${subtype}/${key}`, className, subtype, serial: group.serial, cx: group.cx, cy: group.cy, key, files: group.files };
  });
}
