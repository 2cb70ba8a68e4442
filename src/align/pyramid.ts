/**
 * What registration looks at: a band-passed, contrast-normalised luma over a coarse-to-fine pyramid.
 * The band-pass (Gaussian sigma 1.5 minus Gaussian sigma 6) drops noise and slow illumination or
 * brightness drift between planes; normalising by its RMS makes neighbouring planes with different
 * defocus comparable in contrast. Defocus is symmetric, so it changes how sharp the bands are, not
 * where they are.
 */
import { gaussianBlur } from '../image/blur.js';
import { halve, type Level } from '../image/pyramid.js';
import { alignKernels } from './kernels.js';

export interface Pyramid {
  /** levels[0] is the given image, each next one half the size (2x2 mean). */
  levels: Level[];
  /** Full-size pixels per levels[0] pixel: 1, or the factor the luma was shrunk by (auto's quick look). */
  scale: number;
  /** RMS of the band-passed luma before normalisation, in luma units (0..1): the texture measure. */
  texture: number;
  /** Full-size pixels along each border where the band-pass is distorted (BORDER_MARGIN, scaled with it). */
  border: number;
}

/** Band-pass inner and outer sigmas in full-size pixels. */
export const BAND_SIGMAS = [1.5, 6] as const;

/**
 * Full-size pixels along each border where the band-pass is distorted by the blur's replicated edge;
 * registration leaves them out of its sums (on both planes), or a large shift would bias it.
 */
export const BORDER_MARGIN = 2 * BAND_SIGMAS[1];

/** The coarsest level is the last one whose short side is at least this many pixels. */
export const MIN_LEVEL_SIZE = 24;

/**
 * Where a pyramid's levels go: an array of at least `length` values for all of them (a pool's
 * buffer, see align-stack.ts pooledPyramids); the levels are views into it.
 */
export type LevelsAllocator = (length: number) => Float32Array;

/**
 * Band-passes and normalises a luma image, then halves it down to about MIN_LEVEL_SIZE pixels.
 * @param maxLevels cap on the number of levels (1 = full size only).
 * @param scale full-size pixels per pixel of `luma` when it was already shrunk (see shrinkLuma).
 * @param bandScale the band-pass's sigmas are BAND_SIGMAS times this, in full-size pixels: planes
 *   estimated shrunk (ESTIMATE_MAX_PX) pass `scale`, so that the band keeps the structures a plane of
 *   ESTIMATE_MAX_PX would show; at 1 the coarse levels of a 2048 px plane average the band to nothing.
 * @param allocate where the levels go, on the engines that lay them out in one array (the CPU
 *   engine's WebAssembly); a fresh array otherwise.
 * @example const pyr = buildPyramid(lumaPlane, 384, 384); pyr.levels.length // 5 (384 .. 24)
 */
export function buildPyramid(luma: Float32Array, width: number, height: number, maxLevels = 8, scale = 1, bandScale = 1, allocate?: LevelsAllocator): Pyramid {
  const n = width * height;
  const border = BORDER_MARGIN * bandScale;
  const [fineSigma, coarseSigma] = [(BAND_SIGMAS[0] * bandScale) / scale, (BAND_SIGMAS[1] * bandScale) / scale];
  const count = levelCount(width, height, maxLevels);
  const fast = alignKernels()?.bandPassPyramid({ data: luma, width, height }, fineSigma, coarseSigma, count, allocate);
  if (fast) return { levels: fast.levels, texture: Math.sqrt(fast.energy / n), scale, border };
  const fine = gaussianBlur(luma, width, height, fineSigma);
  const coarse = gaussianBlur(luma, width, height, coarseSigma);
  let energy = 0;
  for (let i = 0; i < n; i++) {
    fine[i] -= coarse[i];
    energy += fine[i] * fine[i];
  }
  const texture = Math.sqrt(energy / n);
  const gain = 1 / Math.max(texture, 1e-9);
  for (let i = 0; i < n; i++) fine[i] *= gain;
  const levels: Level[] = [{ data: fine, width, height }];
  while (levels.length < count) levels.push(halve(levels[levels.length - 1]));
  return { levels, texture, scale, border };
}

/** How many levels buildPyramid makes: halving while the short side stays at least MIN_LEVEL_SIZE, at most maxLevels. */
function levelCount(width: number, height: number, maxLevels: number): number {
  let count = 1;
  for (let w = width, h = height; count < maxLevels && Math.min(w, h) >= 2 * MIN_LEVEL_SIZE; w >>= 1, h >>= 1) count++;
  return count;
}
