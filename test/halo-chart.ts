/**
 * Small synthetic stacks for the depth-mode tests: a planar bar chart whose flat gaps are wider than
 * the defocus blur (the halo case), and a phase-like stack whose in-focus plane has the least
 * contrast (the contrast-inversion case). Deterministic (seeded noise), 8-bit gray RGBA planes.
 */
import type { ZStack } from '../src/core/types.js';
import { random } from './gpu-stacks.js';

/** Separable Gaussian blur (clamped edges) of a float image; sigma 0 copies. */
function blur(src: Float64Array, width: number, height: number, sigma: number): Float64Array {
  if (sigma === 0) return src.slice();
  const R = Math.ceil(3 * sigma);
  const w: number[] = [];
  let sum = 0;
  for (let k = -R; k <= R; k++) {
    w.push(Math.exp(-(k * k) / (2 * sigma * sigma)));
    sum += w[w.length - 1];
  }
  const taps = w.map((v) => v / sum);
  const rows = new Float64Array(src.length);
  const out = new Float64Array(src.length);
  const cx = (x: number) => Math.min(width - 1, Math.max(0, x));
  const cy = (y: number) => Math.min(height - 1, Math.max(0, y));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let k = -R; k <= R; k++) s += taps[k + R] * src[y * width + cx(x + k)];
      rows[y * width + x] = s;
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let k = -R; k <= R; k++) s += taps[k + R] * rows[cy(y + k) * width + x];
      out[y * width + x] = s;
    }
  }
  return out;
}

/** Gray [0, 1] image plus noise to an RGBA8 plane. */
function toPlane(image: Float64Array, noise: number, rand: () => number): Uint8Array {
  const plane = new Uint8Array(image.length * 4);
  for (let i = 0; i < image.length; i++) {
    // Box-Muller pair, one value used: the noise is Gaussian with `noise` 8-bit levels of sigma.
    const g = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const v = Math.min(255, Math.max(0, Math.round(image[i] * 255 + noise * g)));
    plane.fill(v, 4 * i, 4 * i + 3);
    plane[4 * i + 3] = 255;
  }
  return plane;
}

export interface ChartStack {
  stack: ZStack;
  /** The plane the chart is in focus on (the true depth of every pixel). */
  focusPlane: number;
}

/**
 * A planar chart in focus on plane `focusPlane` of `planes`: dark vertical bars 3..6 px wide with
 * white gaps 6..28 px wide, plus a band of dark text-like blocks; plane z is blurred by
 * `blurPerPlane` x |z - focusPlane| px (Gaussian sigma) and gets sensor noise.
 * @example const { stack, focusPlane } = haloChart(); // 7 planes, in focus on plane 3
 */
export function haloChart(width = 181, height = 67, planes = 7, focusPlane = 3, blurPerPlane = 2): ChartStack {
  const sharp = new Float64Array(width * height).fill(0.9);
  const bars = [3, 5, 4, 6, 3, 4, 5, 3, 6];
  const gaps = [6, 12, 28, 9, 20, 14, 24, 8, 16];
  let x = 4;
  for (let b = 0; x < width - 4; b++) {
    const end = Math.min(width - 4, x + bars[b % bars.length]);
    for (let y = 4; y < height - 4; y++) for (let xx = x; xx < end; xx++) sharp[y * width + xx] = 0.15;
    x = end + gaps[b % gaps.length];
  }
  const rand = random(12);
  const planeImages = Array.from({ length: planes }, (_, z) => toPlane(blur(sharp, width, height, blurPerPlane * Math.abs(z - focusPlane)), 1.2, rand));
  return { stack: { width, height, planes: planeImages }, focusPlane };
}

/**
 * A phase-like stack (unstained cells): thin rings whose contrast is 0 at focus and grows with
 * defocus, with opposite signs on either side; the in-focus plane shows only fine, faint texture.
 * @example const { stack, focusPlane } = invertedStack(); // 5 planes, in focus on plane 2
 */
export function invertedStack(width = 96, height = 80, planes = 5, focusPlane = 2): ChartStack {
  const rand = random(7);
  const rings = new Float64Array(width * height);
  const texture = new Float64Array(width * height);
  for (let i = 0; i < texture.length; i++) texture[i] = 0.004 * (rand() - 0.5);
  for (const [cx, cy, r] of [[25, 25, 12], [65, 30, 15], [45, 60, 10]]) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const d = Math.hypot(x - cx, y - cy) - r;
        rings[y * width + x] += Math.exp(-(d * d) / 4);
      }
    }
  }
  const images = Array.from({ length: planes }, (_, z) => {
    const defocus = z - focusPlane;
    const ring = blur(rings, width, height, 0.8 * Math.abs(defocus));
    const img = new Float64Array(width * height);
    for (let i = 0; i < img.length; i++) img[i] = 0.5 + 0.3 * defocus * ring[i] + (defocus === 0 ? texture[i] : 0);
    return toPlane(img, 0.8, rand);
  });
  return { stack: { width, height, planes: images }, focusPlane };
}
