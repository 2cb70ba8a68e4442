/**
 * Written results under a folder: each stats JSON (`fuse --json`, `batch`'s `<FOV>.stats.json`)
 * whose fused image, depth and confidence lie next to it, tagged as focusfuse outputs of those
 * kinds, is one result the page shows without fusing. The JSON is what ties the files together and
 * says how to read the maps (plane count, depth scale), so only JSONs in folders that hold tagged
 * outputs are read. Node only.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CONFIDENCE_SCALE, depthScaleFor } from '../io/encode.js';
import type { OutputTagReader } from '../io/folder-outputs.js';
import { pathsByFolder, RESULT_IMAGES, type ResultPart } from './stacks.js';

type ResultImage = (typeof RESULT_IMAGES)[number];

/** A result found on disk: absolute files and how to read the maps. */
export interface FoundResult {
  /** Relative, `/`-separated: the stats JSON's path without `.stats.json` or `.json`. */
  name: string;
  planeCount: number;
  zStepUm?: number;
  /** Absolute path per part (`stats`: the JSON). */
  files: Record<ResultPart, string>;
  /** The other outputs the JSON records beside it (the depth-color image), absolute: part of the result, not "left out". */
  extras: string[];
  /** What each map's stored value is divided by (1 for float TIFF). */
  scales: { depth: number; confidence: number };
}

/** A stats JSON that is not a result: its relative path, the images it lacks beside it, and the outputs it records that are there (relative). */
export interface MissingParts {
  json: string;
  parts: ResultImage[];
  present: string[];
}

/** A stats JSON is a few KiB; anything far larger is not one (and is not read whole). */
const MAX_STATS_BYTES = 1 << 20;

interface StatsDocument {
  formatVersion: 1;
  input: { planeCount: number; zStepUm?: number };
  outputs: Partial<Record<ResultPart | 'depthColor', string>>;
  format?: { depth?: { scale?: number }; confidence?: { scale?: number } };
}

async function readStats(file: string): Promise<StatsDocument | undefined> {
  try {
    if ((await stat(file)).size > MAX_STATS_BYTES) return undefined;
    const doc = JSON.parse(await readFile(file, 'utf8')) as Partial<StatsDocument>;
    const planeCount = doc?.input?.planeCount;
    const known = doc?.formatVersion === 1 && Number.isInteger(planeCount) && planeCount! > 0 && typeof doc.outputs === 'object' && doc.outputs !== null;
    return known ? (doc as StatsDocument) : undefined;
  } catch {
    return undefined; // not JSON, or some other tool's: not a result
  }
}

const isTiff = (file: string) => /\.tiff?$/i.test(file);

/**
 * Where a recorded output is, relative to the root: its file name in the JSON's folder. The path is
 * recorded as it was given (batch: the name; fuse: as typed, from wherever it ran), so only the name
 * is trusted, and nothing outside the JSON's folder is ever looked at.
 */
function besideJson(folder: string, recorded: unknown): string | undefined {
  if (typeof recorded !== 'string') return undefined;
  const name = recorded.slice(Math.max(recorded.lastIndexOf('/'), recorded.lastIndexOf('\\')) + 1);
  return folder === '.' ? name : `${folder}/${name}`;
}

/**
 * The results under `root` among `jsons` (relative paths), given the relative paths of the tagged
 * outputs found there; `missing` lists stats JSONs whose fused image, depth or confidence is not
 * beside them (named in the viewer's note, never guessed).
 * @example const { results } = await findResults('out', ['NILM/c/001_(1,2).stats.json'], outputs, readTag);
 */
export async function findResults(
  root: string,
  jsons: readonly string[],
  outputs: ReadonlySet<string>,
  readTag: OutputTagReader,
): Promise<{ results: FoundResult[]; missing: MissingParts[] }> {
  const outputFolders = new Set(pathsByFolder([...outputs]).keys());
  // All at once: a batch folder holds hundreds of JSONs, and each wait is a file read.
  const found = await Promise.all(
    [...pathsByFolder(jsons)].filter(([folder]) => outputFolders.has(folder)).flatMap(([folder, paths]) => paths.map((path) => resultOf(root, folder, path, outputs, readTag))),
  );
  const results = found.filter((r): r is FoundResult => r !== undefined && 'files' in r);
  const missing = found.filter((r): r is MissingParts => r !== undefined && 'parts' in r);
  return { results: results.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)), missing };
}

/** One JSON's result, what it lacks, or undefined when it is not a stats JSON. */
async function resultOf(
  root: string,
  folder: string,
  path: string,
  outputs: ReadonlySet<string>,
  readTag: OutputTagReader,
): Promise<FoundResult | MissingParts | undefined> {
  const json = join(root, ...path.split('/'));
  const doc = await readStats(json);
  if (!doc) return undefined;
  const name = path.replace(/(\.stats)?\.json$/i, '');
  const files: Partial<Record<ResultPart, string>> = { stats: json };
  const present: string[] = [];
  for (const part of RESULT_IMAGES) {
    const rel = besideJson(folder, doc.outputs[part]);
    const file = rel === undefined ? undefined : join(root, ...rel.split('/'));
    if (rel !== undefined && outputs.has(rel) && (await readTag(file!)) === part) {
      files[part] = file;
      present.push(rel);
    }
  }
  const depthColor = besideJson(folder, doc.outputs.depthColor);
  if (depthColor !== undefined && outputs.has(depthColor)) present.push(depthColor);
  const absent = RESULT_IMAGES.filter((part) => files[part] === undefined);
  if (absent.length > 0) return { json: path, parts: absent, present };
  const scale = (part: 'depth' | 'confidence', fallback: number) => (isTiff(files[part]!) ? 1 : (doc.format?.[part]?.scale ?? fallback));
  return {
    name,
    planeCount: doc.input.planeCount,
    zStepUm: typeof doc.input.zStepUm === 'number' ? doc.input.zStepUm : undefined,
    files: files as Record<ResultPart, string>,
    extras: depthColor !== undefined && outputs.has(depthColor) ? [join(root, ...depthColor.split('/'))] : [],
    scales: { depth: scale('depth', depthScaleFor(doc.input.planeCount)), confidence: scale('confidence', CONFIDENCE_SCALE) },
  };
}
