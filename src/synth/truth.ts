/**
 * Reads a synthetic dataset's manifest and ground truth back, for tests and the bench. Node only.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { FocusFuseError } from '../core/errors.js';
import { decodeDepthPng } from './depth-png.js';
import { DEPTH_PNG_SCALE, MANIFEST_GENERATOR, MANIFEST_NAME, type SynthManifest, type SynthManifestFov } from './layout.js';

/** Ground truth of one FOV, in the same shapes generateStack returns. */
export interface LoadedSynthTruth {
  width: number;
  height: number;
  /** All-in-focus image, RGBA8. */
  image: Uint8Array;
  /** True depth in planes (three decimals, as stored). */
  depth: Float32Array;
  /** 1 on objects, 0 on background. */
  mask: Uint8Array;
}

/**
 * Reads `<root>/synth.json`.
 * @example const manifest = await readSynthManifest('data/synth'); manifest.fovs.length;
 * @throws FocusFuseError NOT_FOUND when there is no synth.json written by `focusfuse synth`.
 */
export async function readSynthManifest(root: string): Promise<SynthManifest> {
  const path = join(root, MANIFEST_NAME);
  let manifest: SynthManifest;
  try {
    manifest = JSON.parse(await readFile(path, 'utf8')) as SynthManifest;
  } catch (error) {
    throw new FocusFuseError('NOT_FOUND', `Expected a ${MANIFEST_NAME} written by 'focusfuse synth' but could not read it (${(error as Error).message})`, path);
  }
  if (manifest?.generator !== MANIFEST_GENERATOR || !Array.isArray(manifest.fovs)) {
    throw new FocusFuseError('NOT_FOUND', `Expected a ${MANIFEST_NAME} written by 'focusfuse synth' but received another JSON file`, path);
  }
  return manifest;
}

/**
 * Loads the ground truth of one FOV listed in the manifest. Pass the manifest's `depthScale` for
 * stacks of more than 66 planes (the default, 1000, is right for all others).
 * @example
 * const manifest = await readSynthManifest(root);
 * const truth = await readSynthTruth(root, manifest.fovs[0]);
 * truth.depth[y * truth.width + x]; // true depth in planes
 */
export async function readSynthTruth(root: string, fov: SynthManifestFov, depthScale = DEPTH_PNG_SCALE): Promise<LoadedSynthTruth> {
  const [image, depth, mask] = await Promise.all([
    sharp(join(root, fov.truth.image)).ensureAlpha().raw().toBuffer({ resolveWithObject: true }),
    decodeDepthPng(join(root, fov.truth.depth), depthScale),
    sharp(join(root, fov.truth.mask)).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true }),
  ]);
  const { width, height } = image.info;
  if (depth.width !== width || depth.height !== height || mask.info.width !== width || mask.info.height !== height) {
    throw new FocusFuseError('SIZE_MISMATCH', `Expected truth files of ${width}x${height} but the depth or mask differs`, join(root, fov.truth.depth));
  }
  const binary = new Uint8Array(width * height);
  for (let i = 0; i < binary.length; i++) binary[i] = mask.data[i * mask.info.channels] >= 128 ? 1 : 0;
  return { width, height, image: new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.length), depth: depth.depth, mask: binary };
}
