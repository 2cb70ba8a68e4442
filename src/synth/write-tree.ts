/**
 * Writes synthetic fields of view as a CCCID-shaped dataset (JPEG planes, as a scanner would store
 * them) with ground truth in a mirror tree and a synth.json manifest. Node only.
 *
 * Safety: it writes only into a missing or empty folder, or into a previous synth output (one with
 * our synth.json), and the only files it ever deletes are ones an earlier manifest listed.
 */
import type { SynthScene } from './halo-scenes.js';
import { readdir, readFile, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import sharp from 'sharp';
import { expected, FocusFuseError } from '../core/errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { depthPngScale, encodeDepthPng } from './depth-png.js';
import { generateStack, resolveSynthOptions, type SynthStack } from './generate.js';
import {
  MANIFEST_GENERATOR,
  MANIFEST_NAME,
  planePath,
  synthFovPlace,
  truthStem,
  type SynthFovPlace,
  type SynthManifest,
  type SynthManifestFov,
} from './layout.js';

export interface SynthTreeOptions {
  /** Number of fields of view. Default 1. */
  n?: number;
  /** Run seed; FOV i renders with a seed derived from (seed, i). Default 1. */
  seed?: number;
  /** Square side in pixels (or width/height). Default 384. */
  size?: number;
  width?: number;
  height?: number;
  /** Planes per FOV. Default 11. */
  planes?: number;
  /** JPEG quality 1..100. Default 90. */
  quality?: number;
  noise?: number;
  defocus?: number;
  tilt?: number;
  /** What is on the slide (SYNTH_SCENES). Default `cytology`. */
  scene?: SynthScene;
  /**
   * Told how many FOVs of an earlier run into the folder this run removed (a smaller `n` or another
   * seed), once, when there were any: so a re-run can say so instead of deleting them silently.
   */
  onRemoved?: (fovs: number) => void;
}

export interface SynthProgress {
  /** FOVs written so far, including this one. */
  done: number;
  total: number;
  fov: SynthManifestFov;
}

export const MAX_SYNTH_FOVS = 100_000;

/** Resolves a manifest path to an absolute one, refusing anything that would leave the root. */
function insideRoot(root: string, relative: string): string | undefined {
  const path = resolve(root, relative);
  return path.startsWith(root + sep) ? path : undefined;
}

async function readPreviousManifest(root: string): Promise<SynthManifest | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(root, MANIFEST_NAME), 'utf8')) as SynthManifest;
    return manifest?.generator === MANIFEST_GENERATOR && Array.isArray(manifest.fovs) ? manifest : undefined;
  } catch {
    return undefined;
  }
}

/** Throws unless `root` is missing, an empty folder or a previous synth output; returns the latter's manifest. */
async function checkOutputFolder(root: string): Promise<SynthManifest | undefined> {
  let info;
  try {
    info = await stat(root);
  } catch {
    return undefined;
  }
  if (!info.isDirectory()) throw new FocusFuseError('BAD_OPTION', 'Expected a folder for --out but received a file', root);
  if ((await readdir(root)).length === 0) return undefined;
  const previous = await readPreviousManifest(root);
  if (!previous) {
    throw new FocusFuseError(
      'BAD_OPTION',
      `refusing to write into a folder that is not empty and holds no ${MANIFEST_NAME} from an earlier 'focusfuse synth' run (choose a new or empty folder)`,
      root,
    );
  }
  return previous;
}

function allFiles(fov: SynthManifestFov): string[] {
  return [...fov.files, fov.truth.image, fov.truth.depth, fov.truth.mask];
}

/**
 * Deletes files an earlier run listed that this run no longer writes, then their emptied folders.
 * Returns how many of the earlier run's FOVs went (an interrupted run's manifest may list one twice).
 */
async function removeStaleFiles(root: string, previous: SynthManifest, current: SynthManifestFov[]): Promise<number> {
  const keep = new Set(current.flatMap(allFiles));
  const folders = new Set<string>();
  const removedFovs = new Set(previous.fovs.map((fov) => fov.truth.image).filter((image) => !keep.has(image)));
  for (const fov of previous.fovs) {
    for (const file of allFiles(fov)) {
      const path = typeof file === 'string' && !keep.has(file) ? insideRoot(root, file) : undefined;
      if (!path) continue;
      await rm(path, { force: true });
      for (let dir = dirname(path); dir.startsWith(root + sep); dir = dirname(dir)) folders.add(dir);
    }
  }
  // Deepest first, so a subtype folder goes before its class folder; non-empty ones stay.
  for (const dir of [...folders].sort((a, b) => b.length - a.length)) await rmdir(dir).catch(() => undefined);
  return removedFovs.size;
}

/** A FOV's manifest entry before it is rendered: its paths, no statistics yet. */
function plannedFov(place: SynthFovPlace, planes: number): SynthManifestFov {
  const stem = truthStem(place);
  return {
    ...place,
    files: Array.from({ length: planes }, (_, z) => planePath(place, z)),
    truth: { image: `${stem}.aif.png`, depth: `${stem}.depth.png`, mask: `${stem}.mask.png` },
    depthRange: [0, 0],
    maskCoverage: 0,
  };
}

/** The manifest entry of a rendered FOV, with the range of its true depth and its object coverage. */
function describeFov(place: SynthFovPlace, planes: number, synth: SynthStack): SynthManifestFov {
  let low = Infinity;
  let high = -Infinity;
  let covered = 0;
  for (let i = 0; i < synth.truth.depth.length; i++) {
    low = Math.min(low, synth.truth.depth[i]);
    high = Math.max(high, synth.truth.depth[i]);
    covered += synth.truth.mask[i];
  }
  return {
    ...plannedFov(place, planes),
    depthRange: [Math.round(low * 1000) / 1000, Math.round(high * 1000) / 1000],
    maskCoverage: Math.round((covered / synth.truth.mask.length) * 1e4) / 1e4,
  };
}

function rgbImage(rgba: Uint8Array, width: number, height: number) {
  return sharp(rgba, { raw: { width, height, channels: 4 } }).removeAlpha();
}

/** Writes one FOV's planes (JPEG) and truth files (PNG), all in parallel on sharp's threads. */
async function writeFov(root: string, fov: SynthManifestFov, synth: SynthStack, quality: number): Promise<void> {
  const { width, height } = synth.stack;
  const mask = new Uint8Array(synth.truth.mask.length);
  for (let i = 0; i < mask.length; i++) mask[i] = synth.truth.mask[i] ? 255 : 0;
  const writes = [
    // 4:2:0 chroma subsampling, as slide scanners store JPEGs.
    ...synth.stack.planes.map(async (plane, z) =>
      writeFileAtomic(join(root, fov.files[z]), await rgbImage(plane, width, height).jpeg({ quality, chromaSubsampling: '4:2:0' }).toBuffer()),
    ),
    (async () => writeFileAtomic(join(root, fov.truth.image), await rgbImage(synth.truth.image, width, height).png().toBuffer()))(),
    (async () => writeFileAtomic(join(root, fov.truth.depth), await encodeDepthPng(synth.truth.depth, width, height, depthPngScale(synth.stack.planes.length))))(),
    (async () =>
      writeFileAtomic(join(root, fov.truth.mask), await sharp(mask, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toBuffer()))(),
  ];
  await Promise.all(writes);
}

function manifestFor(options: SynthManifest['options'], fovs: SynthManifestFov[], complete: boolean): string {
  const depthScale = depthPngScale(options.planes);
  const manifest: SynthManifest = {
    generator: MANIFEST_GENERATOR,
    version: 1,
    complete,
    options,
    encoding: {
      image: 'RGB PNG, all-in-focus, noise-free',
      depth: `16-bit gray PNG, value = round(depth in planes * ${depthScale}); plane 0 = first plane`,
      mask: '8-bit gray PNG, 255 = object (cell, neutrophil, debris), 0 = background',
    },
    depthScale,
    fovs,
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * Writes `n` synthetic FOVs under `outDir` in the CCCID layout, with ground truth and synth.json.
 * FOV i of seed S is identical whatever `n` is. Returns the manifest it wrote.
 *
 * @example
 * const manifest = await writeSynthTree('data/synth', { n: 8, seed: 1 }, (p) => console.log(`${p.done}/${p.total}`));
 * manifest.fovs[0].files[0]; // 'NILM/1. Superficial-Intermediate Cells/001_(41235,7710,0).jpg'
 */
export async function writeSynthTree(
  outDir: string,
  options: SynthTreeOptions = {},
  onProgress?: (progress: SynthProgress) => void,
): Promise<SynthManifest> {
  const n = options.n ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > MAX_SYNTH_FOVS) expected(`an integer between 1 and ${MAX_SYNTH_FOVS}`, 'n', n);
  const quality = options.quality ?? 90;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) expected('an integer between 1 and 100', 'quality', quality);
  // Validate the per-stack options once, up front, so nothing is written when one is bad.
  const stackOptions = resolveSynthOptions({
    seed: options.seed ?? 1,
    size: options.size,
    width: options.width,
    height: options.height,
    planes: options.planes,
    noise: options.noise,
    defocus: options.defocus,
    tilt: options.tilt,
    scene: options.scene,
  });
  const { seed, width, height, planes, noise, defocus, tilt, scene } = stackOptions;
  const runOptions = { n, seed, width, height, planes, quality, noise, defocus, tilt, ...(scene !== 'cytology' ? { scene } : {}) };

  const root = resolve(outDir);
  const previous = await checkOutputFolder(root);
  const places = Array.from({ length: n }, (_, i) => synthFovPlace(seed, i));
  // List the planned files first, so an interrupted run is still recognised (and cleaned) next time.
  const planned = places.map((place) => plannedFov(place, planes));
  const plannedManifest = manifestFor(runOptions, [...(previous?.fovs ?? []), ...planned], false);
  await writeFileAtomic(join(root, MANIFEST_NAME), plannedManifest);

  const fovs: SynthManifestFov[] = [];
  for (const place of places) {
    const synth = generateStack({ ...stackOptions, seed: place.seed, profile: place.profile });
    const fov = describeFov(place, planes, synth);
    await writeFov(root, fov, synth, quality);
    fovs.push(fov);
    onProgress?.({ done: fovs.length, total: n, fov });
  }
  const removed = previous ? await removeStaleFiles(root, previous, fovs) : 0;
  if (removed > 0) options.onRemoved?.(removed);
  const manifest = manifestFor(runOptions, fovs, true);
  await writeFileAtomic(join(root, MANIFEST_NAME), manifest);
  return JSON.parse(manifest) as SynthManifest;
}
