/**
 * File naming and plane order: CCCID names `<serial>_(<cx>,<cy>,<z>).jpg`, natural sort for other
 * names, and z gap/duplicate checks. Pure and browser-safe (no node: imports) so the CLI, the batch
 * runner and a web page all order planes the same way.
 */
import { expected, FocusFuseError } from '../core/errors.js';
import { countOf, shellQuote } from '../core/text.js';

/** The parts of a CCCID file name. cx, cy are micrometres on the slide; z is the plane index. */
export interface CccidName {
  serial: string;
  cx: number;
  cy: number;
  z: number;
}

/** How planes are put in focal order: see {@link orderPlanes}. */
export type PlaneOrder = 'auto' | 'cccid' | 'natural' | 'given';

export const PLANE_ORDERS: readonly PlaneOrder[] = ['auto', 'cccid', 'natural', 'given'];

/** One CCCID field of view: every plane sharing serial, cx and cy inside one folder. */
export interface FovGroup {
  /** `<serial>_(<cx>,<cy>)`, the form `--fov` takes. */
  key: string;
  /** The folder part of the paths ('' for bare names). */
  folder: string;
  serial: string;
  cx: number;
  cy: number;
  /** Paths as given, in input order (not yet sorted by z). */
  files: string[];
}

/** Planes in focal order, with the CCCID identity when the names carry one. */
export interface OrderedPlanes {
  files: string[];
  cccid?: { serial: string; cx: number; cy: number; z: number[] };
}

// Spaces inside the brackets are tolerated because hand-renamed files sometimes have them.
const CCCID_NAME = /^(.+)_\(\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*\)\.(?:jpe?g|png|tiff?)$/i;
const FOV_KEY = /^(.+)_\(\s*(-?\d+)\s*,\s*(-?\d+)\s*\)$/;

/**
 * The last path component, for both `/` and `\` separators (browser-safe, no node:path).
 * @example baseName('NILM/1. Superficial-Intermediate Cells/001_(3059,11012,0).jpg') // => '001_(3059,11012,0).jpg'
 */
export function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

function folderOf(path: string): string {
  return path.slice(0, Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'), 0));
}

/**
 * Parses a CCCID plane name (a bare name or a path; only the last component is read).
 * @example parseCccidName('NILM/1. Superficial-Intermediate Cells/001_(3059,11012,10).jpg')
 * // => { serial: '001', cx: 3059, cy: 11012, z: 10 }
 * @returns undefined when the name does not follow `<serial>_(<cx>,<cy>,<z>).<jpg|png|tif>`.
 */
export function parseCccidName(fileName: string): CccidName | undefined {
  const match = CCCID_NAME.exec(baseName(fileName));
  if (!match) return undefined;
  return { serial: match[1], cx: Number(match[2]), cy: Number(match[3]), z: Number(match[4]) };
}

/**
 * Formats a field of view key, the form `--fov` takes.
 * @example fovKey({ serial: '001', cx: 3059, cy: 11012 }) // => '001_(3059,11012)'
 */
export function fovKey(name: { serial: string; cx: number; cy: number }): string {
  return `${name.serial}_(${name.cx},${name.cy})`;
}

/**
 * Parses a `--fov` value `<serial>_(<cx>,<cy>)`.
 * @example parseFovKey('001_(3059,11012)') // => { serial: '001', cx: 3059, cy: 11012 }
 */
export function parseFovKey(key: string): { serial: string; cx: number; cy: number } | undefined {
  const match = FOV_KEY.exec(key.trim());
  if (!match) return undefined;
  return { serial: match[1], cx: Number(match[2]), cy: Number(match[3]) };
}

const CHUNKS = /(\d+)|(\D+)/g;

function compareDigits(a: string, b: string): number {
  // Compare as unbounded integers without Number() so 30-digit serials stay exact.
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Natural order: digit runs compare as numbers, so `z2.png` sorts before `z10.png`. Text compares
 * case-insensitively; exact ties fall back to plain code-point order so the result is deterministic.
 * @example ['z10.png', 'z2.png', 'z1.png'].sort(naturalCompare) // => ['z1.png', 'z2.png', 'z10.png']
 */
export function naturalCompare(a: string, b: string): number {
  const left = a.match(CHUNKS) ?? [];
  const right = b.match(CHUNKS) ?? [];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i];
    const y = right[i];
    const bothDigits = /^\d/.test(x) && /^\d/.test(y);
    const order = bothDigits ? compareDigits(x, y) : compareText(x.toLowerCase(), y.toLowerCase());
    if (order !== 0) return order;
  }
  if (left.length !== right.length) return left.length - right.length;
  return compareText(a, b);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Groups CCCID plane paths by field of view (serial + cx + cy within one folder). Names that are not
 * CCCID names are returned in `other`.
 * @example groupByFov(['a/001_(1,2,0).jpg', 'a/001_(1,2,1).jpg', 'a/002_(5,6,0).jpg', 'a/notes.jpg'])
 * // => { fovs: [{ key: '001_(1,2)', files: [2 paths], ... }, { key: '002_(5,6)', ... }], other: ['a/notes.jpg'] }
 */
export function groupByFov(fileNames: readonly string[]): { fovs: FovGroup[]; other: string[] } {
  const groups = new Map<string, FovGroup>();
  const other: string[] = [];
  for (const file of fileNames) {
    const name = parseCccidName(file);
    if (!name) {
      other.push(file);
      continue;
    }
    const folder = folderOf(file);
    const key = fovKey(name);
    const id = `${folder}\u0000${key}`;
    let group = groups.get(id);
    if (!group) {
      group = { key, folder, serial: name.serial, cx: name.cx, cy: name.cy, files: [] };
      groups.set(id, group);
    }
    group.files.push(file);
  }
  const fovs = [...groups.values()].sort((a, b) => naturalCompare(a.folder, b.folder) || naturalCompare(a.key, b.key));
  return { fovs, other };
}

/** One line per field of view for error messages, e.g. `001_(3059,11012) (11 planes)`. */
export function describeFovs(fovs: readonly FovGroup[]): string {
  const folders = new Set(fovs.map((f) => f.folder)).size;
  return fovs.map((f) => `${folders > 1 && f.folder ? `${f.folder}/` : ''}${f.key} (${countOf(f.files.length, 'plane')})`).join(', ');
}

/**
 * Puts plane files in focal order.
 * - `cccid`: every name must be a CCCID name of one field of view; sorted numerically by z, which
 *   must run without gaps or duplicates.
 * - `natural`: natural sort of the file names (`z2` before `z10`).
 * - `given`: the order given.
 * - `auto`: `cccid` when every name is a CCCID name, `natural` when none is; a mix of both is
 *   AMBIGUOUS_INPUT (natural sort would put a stray `fused.png` among the planes without a word).
 * @example orderPlanes(['s_(1,2,10).jpg', 's_(1,2,2).jpg', ...], 'auto').files // z = 0, 1, 2, ..., 10
 * @throws FocusFuseError Z_ORDER (gap, duplicate, non-CCCID name under `cccid`) or AMBIGUOUS_INPUT
 *   (several fields of view, or CCCID and other names mixed under `auto`).
 */
export function orderPlanes(files: readonly string[], order: PlaneOrder = 'auto'): OrderedPlanes {
  if (!PLANE_ORDERS.includes(order)) {
    expected(`one of ${PLANE_ORDERS.map((o) => `'${o}'`).join(', ')}`, 'order', order);
  }
  if (order === 'given') return { files: [...files] };
  const named = files.filter((f) => parseCccidName(f)).length;
  if (order === 'auto' && named > 0 && named < files.length) {
    const other = files.find((f) => !parseCccidName(f))!;
    throw new FocusFuseError(
      'AMBIGUOUS_INPUT',
      `${named} of ${files.length} files ${named === 1 ? 'has a CCCID name' : 'have CCCID names'} <serial>_(<cx>,<cy>,<z>) but ${baseName(other)}${files.length - named > 1 ? ` and ${files.length - named - 1} more do` : ' does'} not, so the plane order is unclear: leave the other files out, or give --order natural (or given) to fuse them all in that order`,
    );
  }
  const useCccid = order === 'cccid' || (order === 'auto' && files.length > 0 && named === files.length);
  if (!useCccid) {
    // Names that are signed numbers alone (a focus sweep saved as -9.png .. 9.png) go by value:
    // natural order would put -1 before -9.
    const values = files.map((f) => signedName(baseName(f)));
    if (values.every((v) => v !== undefined)) return { files: files.map((file, i) => ({ file, v: values[i]! })).sort((a, b) => a.v - b.v || naturalCompare(a.file, b.file)).map((p) => p.file) };
    return { files: [...files].sort((a, b) => naturalCompare(baseName(a), baseName(b)) || naturalCompare(a, b)) };
  }
  return orderByCccidZ(files);
}

/** The value of a file name that is a signed number and nothing else (`-9.png`, `+1.5.tif`), else undefined. */
function signedName(name: string): number | undefined {
  const match = /^([+-]?\d+(?:\.\d+)?)\.[^.]+$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

function orderByCccidZ(files: readonly string[]): OrderedPlanes {
  if (files.length === 0) return { files: [] };
  const notCccid = files.find((f) => !parseCccidName(f));
  if (notCccid !== undefined) {
    throw new FocusFuseError('Z_ORDER', 'is not a CCCID name <serial>_(<cx>,<cy>,<z>).jpg (use order natural or given for other names)', notCccid);
  }
  const { fovs } = groupByFov(files);
  if (fovs.length > 1) {
    throw new FocusFuseError(
      'AMBIGUOUS_INPUT',
      `the input holds ${fovs.length} CCCID fields of view: ${describeFovs(fovs)}; pick one with --fov ${shellQuote(fovs[0].key)} (library: loadStack(input, { fov: '${fovs[0].key}' }))`,
    );
  }
  const planes = files.map((file) => ({ file, z: parseCccidName(file)!.z })).sort((a, b) => a.z - b.z || naturalCompare(a.file, b.file));
  for (let i = 1; i < planes.length; i++) {
    const before = planes[i - 1];
    const here = planes[i];
    if (here.z === before.z) {
      throw new FocusFuseError('Z_ORDER', `duplicate z: ${baseName(before.file)} and ${baseName(here.file)} both claim z=${here.z} (remove or rename one)`, here.file);
    }
    if (here.z !== before.z + 1) {
      const missing = here.z - before.z === 2 ? `z=${before.z + 1}` : `z=${before.z + 1}..${here.z - 1}`;
      throw new FocusFuseError(
        'Z_ORDER',
        `gap in z: ${missing} is missing between ${baseName(before.file)} and ${baseName(here.file)}`,
        fovs[0].folder ? `${fovs[0].folder}/${fovs[0].key}` : fovs[0].key,
      );
    }
  }
  const { serial, cx, cy } = fovs[0];
  return { files: planes.map((p) => p.file), cccid: { serial, cx, cy, z: planes.map((p) => p.z) } };
}
