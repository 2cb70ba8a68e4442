/**
 * Smooth random texture fields (blurred white noise at a few scales) shared by everything drawn in
 * one field of view: chromatin grain in nuclei, thickness variation in cytoplasm, slide background.
 */
import { gaussianBlur } from '../image/blur.js';
import type { Random } from './random.js';

/** Zero-mean, unit-variance noise fields of the field's size, one per spatial scale. */
export interface Textures {
  /** ~1 px grain: chromatin granules, the finest detail focus measures see. */
  fine: Float32Array;
  /** ~1.5 px clumps: coarser chromatin. */
  grain: Float32Array;
  /** ~3 px: cytoplasm thickness variation. */
  mid: Float32Array;
  /** ~10 px: slow variation across a cell. */
  coarse: Float32Array;
}

/**
 * White Gaussian noise blurred by `sigma` and rescaled to zero mean and unit standard deviation.
 * @example const grain = smoothNoise(createRandom(1), 384, 384, 1.5);
 */
export function smoothNoise(rng: Random, width: number, height: number, sigma: number): Float32Array {
  const field = new Float32Array(width * height);
  for (let i = 0; i < field.length; i++) field[i] = rng.normal();
  gaussianBlur(field, width, height, sigma, field);
  let mean = 0;
  for (let i = 0; i < field.length; i++) mean += field[i];
  mean /= field.length;
  let variance = 0;
  for (let i = 0; i < field.length; i++) variance += (field[i] - mean) ** 2;
  const scale = 1 / Math.sqrt(variance / field.length || 1);
  for (let i = 0; i < field.length; i++) field[i] = (field[i] - mean) * scale;
  return field;
}

/**
 * Draws the texture fields of one field of view.
 * @example const textures = createTextures(createRandom(hashSeed(seed, 2)), 384, 384);
 */
export function createTextures(rng: Random, width: number, height: number): Textures {
  return {
    fine: smoothNoise(rng, width, height, 0.7),
    grain: smoothNoise(rng, width, height, 1.4),
    mid: smoothNoise(rng, width, height, 3),
    coarse: smoothNoise(rng, width, height, 10),
  };
}
