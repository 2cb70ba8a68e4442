/**
 * Where synthetic fields of view go in a CCCID-shaped tree, and what synth.json says about them.
 * Browser-safe: names only, no file system.
 *
 * CCCID layout: `<root>/<CLASS>/<NN. Subtype name>/<serial>_(<cx>,<cy>,<z>).jpg`, z unpadded.
 * Ground truth mirrors it under `<root>/ground-truth/`.
 */
import type { ProfileName } from './profiles.js';
import { createRandom, hashSeed } from './random.js';

export const CCCID_CLASSES = ['NILM', 'LSIL', 'HSIL', 'SCC_etc'] as const;
export type CccidClass = (typeof CCCID_CLASSES)[number];

export interface SynthSubtype {
  className: CccidClass;
  /** Folder name, numbered like CCCID's (`1. Superficial-Intermediate Cells`). */
  folder: string;
  profile: ProfileName;
}

/**
 * Subtype folders in the order FOVs are dealt to them: classes interleaved, so any four
 * consecutive FOVs cover all four classes. One name has extra dots ("e.g."), all have spaces.
 */
export const SYNTH_SUBTYPES: readonly SynthSubtype[] = [
  { className: 'NILM', folder: '1. Superficial-Intermediate Cells', profile: 'superficial' },
  { className: 'LSIL', folder: '1. Koilocytes', profile: 'koilocyte' },
  { className: 'HSIL', folder: '1. Moderate Dysplasia', profile: 'dysplasia' },
  { className: 'SCC_etc', folder: '1. Squamous Cell Carcinoma', profile: 'carcinoma' },
  { className: 'NILM', folder: '2. Parabasal Cells', profile: 'parabasal' },
  { className: 'LSIL', folder: '2. Binucleated Cells', profile: 'binucleated' },
  { className: 'HSIL', folder: '2. Severe Dysplasia', profile: 'severeDysplasia' },
  { className: 'SCC_etc', folder: '2. Atypical Glandular Cells', profile: 'glandular' },
  { className: 'NILM', folder: '3. Endocervical Cells', profile: 'endocervical' },
  { className: 'SCC_etc', folder: '3. Others e.g. Adeno. Carcinoma', profile: 'glandular' },
];

/** Folder of the ground-truth mirror tree, relative to the output root. */
export const TRUTH_FOLDER = 'ground-truth';

/** Name of the manifest at the output root. */
export const MANIFEST_NAME = 'synth.json';

/** `generator` field of synth.json: how a folder is recognised as a previous synth output. */
export const MANIFEST_GENERATOR = 'focusfuse synth';

/** Depth PNGs hold round(depth * DEPTH_PNG_SCALE) as 16-bit gray (the outputs' encoding; 100 above 66 planes). */
export const DEPTH_PNG_SCALE = 1000;

/** Where one FOV sits and which seed renders it: a function of (run seed, index) only. */
export interface SynthFovPlace {
  index: number;
  /** Seed passed to generateStack for this FOV. */
  seed: number;
  className: CccidClass;
  subtype: string;
  profile: ProfileName;
  /** Three-digit serial, counting FOVs within the subtype folder from 001. */
  serial: string;
  /** Slide position in micrometres, as in CCCID names. */
  cx: number;
  cy: number;
}

/**
 * Places FOV `index` of a run with seed `seed`. It never depends on how many FOVs the run has, so
 * a subset or shard of a larger run reproduces the very same files.
 * @example synthFovPlace(1, 0) // => { className: 'NILM', subtype: '1. Superficial-Intermediate Cells', serial: '001', ... }
 */
export function synthFovPlace(seed: number, index: number): SynthFovPlace {
  const subtype = SYNTH_SUBTYPES[index % SYNTH_SUBTYPES.length];
  const rng = createRandom(hashSeed(seed, index, 0x51de));
  return {
    index,
    seed: hashSeed(seed, index),
    className: subtype.className,
    subtype: subtype.folder,
    profile: subtype.profile,
    serial: String(Math.floor(index / SYNTH_SUBTYPES.length) + 1).padStart(3, '0'),
    cx: rng.int(500, 60000),
    cy: rng.int(500, 40000),
  };
}

/**
 * Relative path of plane z of a FOV (forward slashes), e.g. `NILM/1. Superficial-Intermediate Cells/001_(3059,11012,0).jpg`.
 * @example planePath(synthFovPlace(1, 0), 10)
 */
export function planePath(place: SynthFovPlace, z: number): string {
  return `${place.className}/${place.subtype}/${place.serial}_(${place.cx},${place.cy},${z}).jpg`;
}

/**
 * Relative path stem of a FOV's truth files; append `.aif.png`, `.depth.png` or `.mask.png`.
 * @example `${truthStem(place)}.depth.png` // 'ground-truth/NILM/1. .../001_(3059,11012).depth.png'
 */
export function truthStem(place: SynthFovPlace): string {
  return `${TRUTH_FOLDER}/${place.className}/${place.subtype}/${place.serial}_(${place.cx},${place.cy})`;
}

/** One FOV as listed in synth.json. Paths are relative to the output root, with forward slashes. */
export interface SynthManifestFov extends SynthFovPlace {
  /** Plane files in plane order (z = 0, 1, ...). */
  files: string[];
  truth: { image: string; depth: string; mask: string };
  /** Range of the true depth over the field, in planes. */
  depthRange: [number, number];
  /** Share of pixels covered by objects. */
  maskCoverage: number;
}

export interface SynthManifest {
  generator: typeof MANIFEST_GENERATOR;
  version: 1;
  /** False while a run is writing; a run that was interrupted leaves it false. */
  complete: boolean;
  options: {
    n: number;
    seed: number;
    width: number;
    height: number;
    planes: number;
    quality: number;
    noise: number;
    defocus: number;
    tilt: number;
    /** The scene, when not the default `cytology`. */
    scene?: string;
  };
  /** How the truth files are encoded. */
  encoding: { depth: string; mask: string; image: string };
  /** Depth PNG value = round(depth * depthScale). */
  depthScale: number;
  fovs: SynthManifestFov[];
}
