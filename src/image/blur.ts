/**
 * Separable Gaussian blur of one float channel with replicate borders: the defocus model of the
 * generator (src/synth) and the band-pass of registration (src/align). Small sigmas (near focus,
 * where focus measures look hardest) use the exact sampled kernel; large ones use three running-sum
 * box passes, whose cost does not grow with sigma, so a far-out-of-focus layer costs no more than a
 * near one.
 */

import { imageKernels } from './accelerate.js';

/** Below this sigma the exact kernel is used; above it the three-box approximation. */
const EXACT_SIGMA_LIMIT = 3;

/** Below this sigma a blur changes nothing visible: copy instead. */
const IDENTITY_SIGMA = 0.05;

/** Normalised sampled Gaussian of radius ceil(3 sigma). */
function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const w = Math.exp(-(i * i) / (2 * sigma * sigma));
    kernel[i + radius] = w;
    sum += w;
  }
  for (let i = 0; i < kernel.length; i++) kernel[i] /= sum;
  return kernel;
}

/** Box widths (odd) whose three successive passes have about the variance of Gaussian sigma. */
function boxWidthsFor(sigma: number, passes = 3): number[] {
  const ideal = Math.sqrt((12 * sigma * sigma) / passes + 1);
  let lower = Math.floor(ideal);
  if (lower % 2 === 0) lower--;
  const upper = lower + 2;
  const lowerCount = Math.round((12 * sigma * sigma - passes * lower * lower - 4 * passes * lower - 3 * passes) / (-4 * lower - 4));
  return Array.from({ length: passes }, (_, i) => (i < lowerCount ? lower : upper));
}

/** Copies row `y` of `src` into `padded` with `radius` replicated pixels on both sides. */
function padRow(src: Float32Array, width: number, y: number, radius: number, padded: Float32Array): void {
  const start = y * width;
  const first = src[start];
  const last = src[start + width - 1];
  for (let i = 0; i < radius; i++) padded[i] = first;
  padded.set(src.subarray(start, start + width), radius);
  for (let i = 0; i < radius; i++) padded[radius + width + i] = last;
}

function convolveRows(src: Float32Array, width: number, height: number, kernel: Float32Array, dst: Float32Array): void {
  const radius = (kernel.length - 1) / 2;
  const padded = new Float32Array(width + 2 * radius);
  for (let y = 0; y < height; y++) {
    padRow(src, width, y, radius, padded);
    const out = y * width;
    // The kernel is symmetric: pair the taps on both sides, half the multiplications.
    for (let x = 0; x < width; x++) {
      const centre = x + radius;
      let sum = kernel[radius] * padded[centre];
      for (let k = 1; k <= radius; k++) sum += kernel[radius + k] * (padded[centre - k] + padded[centre + k]);
      dst[out + x] = sum;
    }
  }
}

function convolveColumns(src: Float32Array, width: number, height: number, kernel: Float32Array, dst: Float32Array): void {
  const radius = (kernel.length - 1) / 2;
  for (let y = 0; y < height; y++) {
    const out = y * width;
    const w0 = kernel[radius];
    for (let x = 0; x < width; x++) dst[out + x] = w0 * src[out + x];
    for (let k = 1; k <= radius; k++) {
      const above = Math.max(0, y - k) * width;
      const below = Math.min(height - 1, y + k) * width;
      const w = kernel[radius + k];
      for (let x = 0; x < width; x++) dst[out + x] += w * (src[above + x] + src[below + x]);
    }
  }
}

function boxRows(src: Float32Array, width: number, height: number, radius: number, dst: Float32Array): void {
  const padded = new Float32Array(width + 2 * radius);
  const scale = 1 / (2 * radius + 1);
  for (let y = 0; y < height; y++) {
    padRow(src, width, y, radius, padded);
    let sum = 0;
    for (let k = 0; k < 2 * radius + 1; k++) sum += padded[k];
    const out = y * width;
    for (let x = 0; x < width; x++) {
      dst[out + x] = sum * scale;
      if (x + 1 < width) sum += padded[x + 2 * radius + 1] - padded[x];
    }
  }
}

function boxColumns(src: Float32Array, width: number, height: number, radius: number, dst: Float32Array, sum: Float32Array): void {
  const scale = 1 / (2 * radius + 1);
  const rowAt = (y: number) => Math.min(height - 1, Math.max(0, y)) * width;
  sum.fill(0);
  for (let k = -radius; k <= radius; k++) {
    const row = rowAt(k);
    for (let x = 0; x < width; x++) sum[x] += src[row + x];
  }
  for (let y = 0; y < height; y++) {
    const out = y * width;
    for (let x = 0; x < width; x++) dst[out + x] = sum[x] * scale;
    const add = rowAt(y + radius + 1);
    const drop = rowAt(y - radius);
    for (let x = 0; x < width; x++) sum[x] += src[add + x] - src[drop + x];
  }
}

/**
 * The passes gaussianBlur makes for `sigma`: the sampled kernel (below EXACT_SIGMA_LIMIT) or the
 * radii of the three box passes; undefined below IDENTITY_SIGMA (a copy). Faster implementations
 * (src/image/accelerate.ts) run these passes.
 * @example blurPasses(1.5) // { kernel: Float32Array(11), boxRadii: [] }
 */
export function blurPasses(sigma: number): { kernel?: Float32Array; boxRadii: number[] } | undefined {
  if (sigma < IDENTITY_SIGMA) return undefined;
  if (sigma < EXACT_SIGMA_LIMIT) return { kernel: gaussianKernel(sigma), boxRadii: [] };
  return { boxRadii: boxWidthsFor(sigma).map((boxWidth) => (boxWidth - 1) / 2) };
}

/**
 * Blurs one width x height float channel by a Gaussian of `sigma` pixels, replicating edges.
 * `dst` may be `src` (in place). `scratch` (width*height floats) avoids an allocation per call.
 * @example
 * const blurred = gaussianBlur(channel, 384, 384, 2.5);
 * gaussianBlur(channel, 384, 384, 1.2, channel, scratch); // in place, no allocation
 */
export function gaussianBlur(
  src: Float32Array,
  width: number,
  height: number,
  sigma: number,
  dst: Float32Array = new Float32Array(width * height),
  scratch?: Float32Array,
): Float32Array {
  const n = width * height;
  const passes = blurPasses(sigma);
  if (!passes) {
    if (dst !== src) dst.set(src.subarray(0, n));
    return dst;
  }
  const { kernel, boxRadii } = passes;
  if (imageKernels()?.blur(src, width, height, kernel, boxRadii, dst)) return dst;
  const rows = scratch ?? new Float32Array(n);
  if (kernel) {
    convolveRows(src, width, height, kernel, rows);
    convolveColumns(rows, width, height, kernel, dst);
    return dst;
  }
  const columnSum = new Float32Array(width);
  let current = src;
  for (const radius of boxRadii) {
    boxRows(current, width, height, radius, rows);
    boxColumns(rows, width, height, radius, dst, columnSum);
    current = dst;
  }
  return dst;
}
