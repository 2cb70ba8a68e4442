/**
 * What registration looks at: a band-passed, contrast-normalised luma over a coarse-to-fine pyramid.
 * The band-pass (Gaussian sigma 1.5 minus Gaussian sigma 6) drops noise and slow illumination or
 * brightness drift between planes; normalising by its RMS makes neighbouring planes with different
 * defocus comparable in contrast. Defocus is symmetric, so it changes how sharp the bands are, not
 * where they are.
 */
import { LUMA_DIVISOR, LUMA_INT_WEIGHTS } from '../core/maths.js';
import { gaussianBlur } from '../synth/blur.js';

/** One pyramid level: a float image and its size. */
export interface Level {
  data: Float32Array;
  width: number;
  height: number;
}

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
 * Band-passes and normalises a luma image, then halves it down to about MIN_LEVEL_SIZE pixels.
 * @param maxLevels cap on the number of levels (1 = full size only).
 * @param scale full-size pixels per pixel of `luma` when it was already shrunk (see shrinkLuma).
 * @param bandScale the band-pass's sigmas are BAND_SIGMAS times this, in full-size pixels: planes
 *   estimated shrunk (ESTIMATE_MAX_PX) pass `scale`, so that the band keeps the structures a plane of
 *   ESTIMATE_MAX_PX would show; at 1 the coarse levels of a 2048 px plane average the band to nothing.
 * @example const pyr = buildPyramid(lumaPlane, 384, 384); pyr.levels.length // 5 (384 .. 24)
 */
export function buildPyramid(luma: Float32Array, width: number, height: number, maxLevels = 8, scale = 1, bandScale = 1): Pyramid {
  const n = width * height;
  const fine = gaussianBlur(luma, width, height, (BAND_SIGMAS[0] * bandScale) / scale);
  const coarse = gaussianBlur(luma, width, height, (BAND_SIGMAS[1] * bandScale) / scale);
  let energy = 0;
  for (let i = 0; i < n; i++) {
    fine[i] -= coarse[i];
    energy += fine[i] * fine[i];
  }
  const texture = Math.sqrt(energy / n);
  const gain = 1 / Math.max(texture, 1e-9);
  for (let i = 0; i < n; i++) fine[i] *= gain;
  const levels: Level[] = [{ data: fine, width, height }];
  while (levels.length < maxLevels) {
    const last = levels[levels.length - 1];
    if (Math.min(last.width, last.height) < 2 * MIN_LEVEL_SIZE) break;
    levels.push(halve(last));
  }
  return { levels, texture, scale, border: BORDER_MARGIN * bandScale };
}

/**
 * Luma of a (padded) RGBA8 plane averaged over factor x factor blocks, without the full-size luma:
 * auto's preview (glance and quick look). The CPU engine gathers the same block sums while it
 * computes the luma (cpu/luma.ts LumaBlockSums); both end in blockMeans, so they agree bit for bit.
 * @example shrinkLuma(rgba, 384, 384, 384, 4) // { data, width: 96, height: 96 }
 */
export function shrinkLuma(rgba: Uint8Array, stride: number, width: number, height: number, factor: number): Level {
  const w = Math.floor(width / factor);
  const h = Math.floor(height / factor);
  const sums = new Float64Array(w * h);
  const [wr, wg, wb] = LUMA_INT_WEIGHTS;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0;
      for (let dy = 0; dy < factor; dy++) {
        let j = ((y * factor + dy) * stride + x * factor) * 4;
        for (let dx = 0; dx < factor; dx++, j += 4) sum += wr * rgba[j] + wg * rgba[j + 1] + wb * rgba[j + 2];
      }
      sums[y * w + x] = sum;
    }
  }
  return blockMeans(sums, w, h, factor);
}

/**
 * Block sums of luma numerators (exact integers) as block-mean luma in [0, 1].
 * @example blockMeans(Float64Array.of(16 * 255000), 1, 1, 4).data // Float32Array [1]
 */
export function blockMeans(sums: Float64Array, width: number, height: number, factor: number): Level {
  const data = new Float32Array(width * height);
  const norm = 1 / (factor * factor * LUMA_DIVISOR);
  for (let i = 0; i < data.length; i++) data[i] = sums[i] * norm;
  return { data, width, height };
}

/** 2x2 mean; an odd last row or column is dropped (pixel-centre mapping x_small = (x + 0.5) / 2 - 0.5). */
function halve(level: Level): Level {
  const width = level.width >> 1;
  const height = level.height >> 1;
  const src = level.data;
  const w = level.width;
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const r0 = 2 * y * w;
    const r1 = r0 + w;
    for (let x = 0; x < width; x++) {
      const i = 2 * x;
      data[y * width + x] = 0.25 * (src[r0 + i] + src[r0 + i + 1] + src[r1 + i] + src[r1 + i + 1]);
    }
  }
  return { data, width, height };
}

/**
 * Bilinear sample of a float image at (x, y), pixel centres at integers; NaN outside
 * [0, width-1] x [0, height-1], so callers can leave such pixels out of their sums.
 * @example sampleBilinear(level, 1.5, 2) // mean of pixels (1,2) and (2,2)
 */
export function sampleBilinear(level: Level, x: number, y: number): number {
  const { data, width, height } = level;
  if (!(x >= 0 && y >= 0 && x <= width - 1 && y <= height - 1)) return NaN;
  const x0 = Math.min(Math.floor(x), width - 2 < 0 ? 0 : width - 2);
  const y0 = Math.min(Math.floor(y), height - 2 < 0 ? 0 : height - 2);
  const fx = x - x0;
  const fy = y - y0;
  const i = y0 * width + x0;
  const x1 = width > 1 ? 1 : 0;
  const y1 = height > 1 ? width : 0;
  const top = data[i] + fx * (data[i + x1] - data[i]);
  const bottom = data[i + y1] + fx * (data[i + y1 + x1] - data[i + y1]);
  return top + fy * (bottom - top);
}
