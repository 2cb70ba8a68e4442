/**
 * Deterministic synthetic cytology Z-stacks with ground truth. Browser-safe: typed arrays only.
 *
 * Image model (brightfield, transmitted light): plane z = illumination x background transmittance x
 * the product over objects of (1 - absorbance blurred by a Gaussian of sigma = defocus * |z - depth|),
 * plus Gaussian sensor noise. Each object is blurred on its own at its exact (fractional) depth, so
 * the ground-truth depth is exact, not quantised. The all-in-focus truth is the same model with every
 * object at sigma 0 and no noise.
 */
import { expected } from '../core/errors.js';
import type { ZStack } from '../core/types.js';
import { integerIn, MAX_PLANES, numberIn, oneOf } from '../core/options.js';
import { SYNTH_SCENES, chartLayers, nucleiLayers, type SynthScene } from './halo-scenes.js';
import { backgroundTransmittance, createBackground, type Background } from './background.js';
import { gaussianBlur } from '../image/blur.js';
import { PROFILES, type ProfileName } from './profiles.js';
import { createRandom, hashSeed, type Random } from './random.js';
import { rasterizeObject, type Layer, type TruthAccumulator } from './rasterize.js';
import { createScene, type Scene } from './scene.js';
import { createTextures } from './textures.js';

export interface SynthOptions {
  /** Seed: the same seed and options always give the same bytes. Non-negative integer. */
  seed: number;
  /** Square side in pixels, when width/height are not given. Default 384. */
  size?: number;
  width?: number;
  height?: number;
  /** Number of focal planes. Default 11. */
  planes?: number;
  /** Sensor noise sigma in 8-bit levels. Default 2. */
  noise?: number;
  /** Defocus blur growth: Gaussian sigma in pixels per plane away from focus. Default 1.2. */
  defocus?: number;
  /** Slide tilt: depth difference in planes between opposite corners, capped at planes - 1. Default 1. */
  tilt?: number;
  /** Cell population (which CCCID subtype the field looks like). Default 'superficial'. */
  profile?: ProfileName;
  /** Number of cells [min, max] in this field, overriding the profile's density. */
  cells?: readonly [number, number];
  /**
   * What is on the slide (see src/synth/halo-scenes.ts): `cytology` (default), `chart` (bars and glyphs
   * on the tilted surface), `nuclei` (dark thick nuclei on pale sheets), `overlap` (dense overlapping cells).
   */
  scene?: SynthScene;
}

export type ResolvedSynthOptions = Required<Omit<SynthOptions, 'size' | 'cells'>> & { cells?: readonly [number, number] };

export const SYNTH_DEFAULTS = { size: 384, planes: 11, noise: 2, defocus: 1.2, tilt: 1, profile: 'superficial' as ProfileName, scene: 'cytology' as SynthScene };

/** Cells per 384x384 field of the `overlap` scene (dense enough that most cells overlap others). */
const OVERLAP_CELLS: readonly [number, number] = [30, 40];

export const MAX_SYNTH_SIZE = 8192;

export interface SynthTruth {
  width: number;
  height: number;
  /** All-in-focus image, RGBA8, noise-free. */
  image: Uint8Array;
  /** True focal depth per pixel in plane units: the most visible object's depth, else the slide surface's. */
  depth: Float32Array;
  /** 1 where an object (cell, neutrophil, debris) covers the pixel, else 0. */
  mask: Uint8Array;
  /** The scene the stack was rendered from (object positions, shapes, depths). */
  scene: Scene;
}

export interface SynthStack {
  /** The focal planes, RGBA8, before any JPEG encoding. */
  stack: ZStack;
  truth: SynthTruth;
  options: ResolvedSynthOptions;
}

/**
 * Validates generator options and fills in defaults.
 * @example resolveSynthOptions({ seed: 3, size: 128 }) // => { seed: 3, width: 128, height: 128, planes: 11, ... }
 * @throws FocusFuseError (BAD_OPTION) "Expected X for Y but received Z".
 */
export function resolveSynthOptions(options: SynthOptions): ResolvedSynthOptions {
  if (typeof options !== 'object' || options === null) expected('an options object', 'synth options', options);
  const seed = integerIn(0, Number.MAX_SAFE_INTEGER, 'seed', options.seed);
  const size = integerIn(1, MAX_SYNTH_SIZE, 'size', options.size ?? SYNTH_DEFAULTS.size);
  const profile = options.profile ?? SYNTH_DEFAULTS.profile;
  if (!Object.hasOwn(PROFILES, profile)) expected(`one of ${Object.keys(PROFILES).join(', ')}`, 'profile', profile);
  let cells: readonly [number, number] | undefined;
  if (options.cells !== undefined) {
    const [min, max] = Array.isArray(options.cells) ? options.cells : [];
    integerIn(0, 10_000, 'cells[0]', min);
    integerIn(min as number, 10_000, 'cells[1]', max);
    cells = [min as number, max as number];
  }
  const planes = integerIn(1, MAX_PLANES, 'planes', options.planes ?? SYNTH_DEFAULTS.planes);
  return {
    seed,
    width: integerIn(1, MAX_SYNTH_SIZE, 'width', options.width ?? size),
    height: integerIn(1, MAX_SYNTH_SIZE, 'height', options.height ?? size),
    planes,
    noise: numberIn(0, 64, 'noise', options.noise ?? SYNTH_DEFAULTS.noise),
    defocus: numberIn(0, 20, 'defocus', options.defocus ?? SYNTH_DEFAULTS.defocus),
    tilt: numberIn(0, MAX_PLANES, 'tilt', options.tilt ?? SYNTH_DEFAULTS.tilt),
    profile,
    scene: oneOf(SYNTH_SCENES, 'scene', options.scene ?? SYNTH_DEFAULTS.scene),
    ...(cells ? { cells } : {}),
  };
}

/** Reusable buffers for blurring one layer region, sized for the whole field once. */
interface BlurBuffers {
  region: Float32Array;
  scratch: Float32Array;
}

/**
 * Multiplies `transmittance` (3 planar channels, whole field) by one layer's transmittance blurred
 * by `sigma`. The blur runs on the layer's box grown by the kernel's reach, clipped to the field, so
 * its cost follows the object's size, not the field's.
 */
function applyLayer(layer: Layer, sigma: number, width: number, height: number, transmittance: Float32Array, buffers: BlurBuffers): void {
  const reach = sigma < 0.05 ? 0 : Math.ceil(3 * sigma) + 2;
  const rx0 = Math.max(0, layer.x0 - reach);
  const ry0 = Math.max(0, layer.y0 - reach);
  const rx1 = Math.min(width - 1, layer.x0 + layer.width - 1 + reach);
  const ry1 = Math.min(height - 1, layer.y0 + layer.height - 1 + reach);
  const rw = rx1 - rx0 + 1;
  const rh = ry1 - ry0 + 1;
  const area = layer.width * layer.height;
  const fieldArea = width * height;
  const region = buffers.region.subarray(0, rw * rh);
  for (let c = 0; c < 3; c++) {
    region.fill(0);
    for (let y = 0; y < layer.height; y++) {
      const from = c * area + y * layer.width;
      region.set(layer.absorbance.subarray(from, from + layer.width), (layer.y0 - ry0 + y) * rw + (layer.x0 - rx0));
    }
    gaussianBlur(region, rw, rh, sigma, region, buffers.scratch);
    for (let y = 0; y < rh; y++) {
      const out = c * fieldArea + (ry0 + y) * width + rx0;
      const row = y * rw;
      for (let x = 0; x < rw; x++) transmittance[out + x] *= 1 - region[row + x];
    }
  }
}

/**
 * Sensor noise: a table of standard normal values indexed at random. One table lookup per value is
 * several times cheaper than Box-Muller, which matters at 5 million noise values per stack.
 */
interface NoiseSource {
  rng: Random;
  table: Float32Array;
  sigma: number;
}

function createNoise(rng: Random, sigma: number): NoiseSource {
  const table = new Float32Array(1 << 16);
  for (let i = 0; i < table.length; i++) table[i] = rng.normal();
  return { rng, table, sigma };
}

/** Converts transmittance to RGBA8 under the illumination, adding sensor noise when given. */
function toRgba(background: Background, transmittance: Float32Array, noise: NoiseSource | undefined, dst: Uint8Array): Uint8Array {
  const n = background.width * background.height;
  const { illumination } = background;
  for (let c = 0; c < 3; c++) {
    for (let i = 0, j = c * n; i < n; i++, j++) {
      let value = illumination[j] * transmittance[j];
      if (noise) value += noise.sigma * noise.table[(noise.rng.next() * 65536) | 0];
      dst[4 * i + c] = value <= 0 ? 0 : value >= 255 ? 255 : (value + 0.5) | 0;
    }
  }
  for (let i = 0; i < n; i++) dst[4 * i + 3] = 255;
  return dst;
}

/**
 * Generates one synthetic cytology Z-stack (Pap-stained cells at several depths on a tilted slide,
 * defocus growing away from each object's depth, sensor noise) with its ground truth.
 * The same options give identical bytes on every run.
 *
 * @example
 * const { stack, truth } = generateStack({ seed: 7 });
 * stack.planes.length;  // 11 RGBA8 planes of 384x384
 * truth.depth[i];       // true focal depth of pixel i, in planes (fractional)
 * truth.mask[i];        // 1 on cells
 */
export function generateStack(options: SynthOptions): SynthStack {
  const resolved = resolveSynthOptions(options);
  const { seed, width, height, planes, noise, defocus } = resolved;
  // Independent streams per concern: changing the noise level keeps the very same cells.
  const area = (width * height) / (384 * 384);
  const cells: readonly [number, number] | undefined =
    resolved.scene === 'chart' || resolved.scene === 'nuclei'
      ? [0, 0]
      : resolved.scene === 'overlap'
        ? (resolved.cells ?? [Math.round(OVERLAP_CELLS[0] * area), Math.round(OVERLAP_CELLS[1] * area)])
        : resolved.cells;
  const scene = createScene(createRandom(hashSeed(seed, 1)), {
    width,
    height,
    planes,
    tilt: resolved.tilt,
    profile: PROFILES[resolved.profile],
    cells,
  });
  const textures = createTextures(createRandom(hashSeed(seed, 2)), width, height);
  const background = createBackground(createRandom(hashSeed(seed, 3)), scene.surface);
  const noiseSource = noise > 0 ? createNoise(createRandom(hashSeed(seed, 4)), noise) : undefined;

  const n = width * height;
  const truth: TruthAccumulator = {
    width,
    height,
    density: new Float32Array(3 * n),
    depth: Float32Array.from(background.surface),
    mask: new Uint8Array(n),
    strength: new Float32Array(n),
  };
  const layers = scene.objects.map((object) => rasterizeObject(object, textures, truth)).filter((l): l is Layer => l !== undefined);
  const sceneRng = createRandom(hashSeed(seed, 5));
  if (resolved.scene === 'chart') layers.push(...chartLayers(sceneRng, scene.surface, truth));
  if (resolved.scene === 'nuclei') layers.push(...nucleiLayers(sceneRng, scene.surface, planes, textures, truth));

  const buffers: BlurBuffers = { region: new Float32Array(n), scratch: new Float32Array(n) };
  const transmittance = new Float32Array(3 * n);
  const planeImages: Uint8Array[] = [];
  for (let z = 0; z < planes; z++) {
    backgroundTransmittance(background, z, defocus, transmittance);
    for (const layer of layers) applyLayer(layer, defocus * Math.abs(z - layer.depth), width, height, transmittance, buffers);
    planeImages.push(toRgba(background, transmittance, noiseSource, new Uint8Array(4 * n)));
  }

  // The all-in-focus truth: zero defocus everywhere (the sharp background) under every object's sharp density.
  backgroundTransmittance(background, 0, 0, transmittance);
  for (let i = 0; i < 3 * n; i++) transmittance[i] *= Math.exp(-truth.density[i]);
  const image = toRgba(background, transmittance, undefined, new Uint8Array(4 * n));

  return {
    stack: { width, height, planes: planeImages, meta: { name: resolved.scene === 'cytology' ? `synth seed ${seed}` : `synth ${resolved.scene} seed ${seed}`, zStepUm: 1 } },
    truth: { width, height, image, depth: truth.depth, mask: truth.mask, scene },
    options: resolved,
  };
}
