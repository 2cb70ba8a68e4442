/**
 * The windowed focus measures (the five extra ones, and lapv and teng of maths version 1) against a
 * direct, slow reference written from their definitions (explicit clamped stencils, explicit window
 * loops), plus the properties a focus measure must have.
 */
import { describe, expect, it } from 'vitest';
import { brenner, diagonalLaplacian, grayLevelVariance, sumModifiedLaplacian, tenengradVariance, type CpuMeasure } from '../src/cpu/measures-extra/index.js';
import { laplacianVariance } from '../src/cpu/lapv.js';
import { createCpuScratch } from '../src/cpu/scratch.js';
import { tenengrad } from '../src/cpu/teng.js';
import { focusMeasure } from '../src/cpu/measures.js';
import { DEFAULT_TAU, MEASURES, resolveOptions } from '../src/core/options.js';
import type { Measure } from '../src/core/types.js';
import { createRandom } from '../src/synth/random.js';

type PixelOp = (at: (x: number, y: number) => number, x: number, y: number) => number;

const SQRT1_2 = Math.SQRT1_2;
const sobelEnergy: PixelOp = (at, x, y) => {
  const gx = at(x + 1, y - 1) + 2 * at(x + 1, y) + at(x + 1, y + 1) - at(x - 1, y - 1) - 2 * at(x - 1, y) - at(x - 1, y + 1);
  const gy = at(x - 1, y + 1) + 2 * at(x, y + 1) + at(x + 1, y + 1) - at(x - 1, y - 1) - 2 * at(x, y - 1) - at(x + 1, y - 1);
  return gx * gx + gy * gy;
};
const sobel: PixelOp = (at, x, y) => Math.sqrt(sobelEnergy(at, x, y));

/** name, implementation, per-pixel operator from the literature, window statistic. */
const CASES: [string, CpuMeasure, PixelOp, 'mean' | 'variance'][] = [
  ['lapv', laplacianVariance, (at, x, y) => at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4 * at(x, y), 'variance'],
  ['teng', tenengrad, sobelEnergy, 'mean'],
  ['sml', sumModifiedLaplacian, (at, x, y) => Math.abs(2 * at(x, y) - at(x - 1, y) - at(x + 1, y)) + Math.abs(2 * at(x, y) - at(x, y - 1) - at(x, y + 1)), 'mean'],
  [
    'dlap',
    diagonalLaplacian,
    (at, x, y) =>
      Math.abs(2 * at(x, y) - at(x - 1, y) - at(x + 1, y)) +
      Math.abs(2 * at(x, y) - at(x, y - 1) - at(x, y + 1)) +
      SQRT1_2 * Math.abs(2 * at(x, y) - at(x - 1, y - 1) - at(x + 1, y + 1)) +
      SQRT1_2 * Math.abs(2 * at(x, y) - at(x + 1, y - 1) - at(x - 1, y + 1)),
    'mean',
  ],
  ['glv', grayLevelVariance, (at, x, y) => at(x, y), 'variance'],
  ['brenner', brenner, (at, x, y) => Math.max((at(x + 1, y) - at(x - 1, y)) ** 2, (at(x, y + 1) - at(x, y - 1)) ** 2), 'mean'],
  ['tenv', tenengradVariance, sobel, 'variance'],
];

function randomImage(width: number, height: number, seed: number): Float32Array {
  const random = createRandom(seed);
  return Float32Array.from({ length: width * height }, () => random.uniform(0, 1));
}

function reference(Y: Float32Array, width: number, height: number, radius: number, op: PixelOp, statistic: 'mean' | 'variance'): Float64Array {
  const clampX = (x: number) => Math.min(width - 1, Math.max(0, x));
  const clampY = (y: number) => Math.min(height - 1, Math.max(0, y));
  const at = (x: number, y: number) => Y[clampY(y) * width + clampX(x)];
  const O = new Float64Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) O[y * width + x] = op(at, x, y);
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s1 = 0;
      let s2 = 0;
      for (let dy = -radius; dy <= radius; dy++) {
        for (let dx = -radius; dx <= radius; dx++) {
          const v = O[clampY(y + dy) * width + clampX(x + dx)];
          s1 += v;
          s2 += v * v;
        }
      }
      const area = (2 * radius + 1) ** 2;
      out[y * width + x] = statistic === 'mean' ? s1 / area : Math.max(0, s2 / area - (s1 / area) ** 2);
    }
  }
  return out;
}

/** Separable Gaussian-ish blur (three box passes of radius 1), clamped. */
function blur(Y: Float32Array, width: number, height: number): Float32Array {
  let a = Float32Array.from(Y);
  for (let pass = 0; pass < 3; pass++) {
    const b = new Float32Array(a.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let s = 0;
        for (let d = -1; d <= 1; d++) for (let e = -1; e <= 1; e++) s += a[Math.min(height - 1, Math.max(0, y + d)) * width + Math.min(width - 1, Math.max(0, x + e))];
        b[y * width + x] = s / 9;
      }
    }
    a = b;
  }
  return a;
}

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

describe.each(CASES)('%s', (name, measure, op, statistic) => {
  it.each([
    [0, 17, 13],
    [1, 17, 13],
    [3, 17, 13],
    [6, 9, 5], // window larger than the image: clamping repeats border pixels
    [2, 1, 7], // one-pixel-wide image
  ])('matches the direct definition, r = %i on %ix%i', (radius, width, height) => {
    const Y = randomImage(width, height, 11 + radius);
    const got = measure(Y, width, height, radius);
    const want = reference(Y, width, height, radius, op, statistic);
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 5);
  });

  it('is 0 on a flat image and larger on a sharp texture than on its blur', () => {
    const [w, h] = [24, 20];
    expect(Array.from(measure(new Float32Array(w * h).fill(0.6), w, h, 2)).every((v) => Math.abs(v) < 1e-9)).toBe(true);
    const sharp = randomImage(w, h, 3);
    expect(mean(measure(sharp, w, h, 2))).toBeGreaterThan(2 * mean(measure(blur(sharp, w, h), w, h, 2)));
  });

  it('writes into dst with a reused scratch, identical to a fresh call', () => {
    const [w, h] = [19, 15];
    const scratch = createCpuScratch(32, 32);
    const dst = new Float32Array(w * h);
    const Y = randomImage(w, h, 5);
    measure(randomImage(w, h, 6), w, h, 3, dst, scratch); // dirty the scratch first
    expect(measure(Y, w, h, 3, dst, scratch)).toBe(dst);
    expect(Array.from(dst)).toEqual(Array.from(measure(Y, w, h, 3)));
  });

  it('rejects a bad radius and a wrong-size input', () => {
    expect(() => measure(new Float32Array(4), 2, 2, -1)).toThrow(/Expected an integer >= 0 for window/);
    expect(() => measure(new Float32Array(3), 2, 2, 1)).toThrow(/Expected Y to hold 4 values/);
  });

  it(`${name} ranks a sharp plane above its blur at almost every pixel`, () => {
    const [w, h] = [32, 32];
    const sharp = randomImage(w, h, 9);
    const soft = blur(sharp, w, h);
    const a = measure(sharp, w, h, 3);
    const b = measure(soft, w, h, 3);
    const wins = a.filter((v, i) => v > b[i]).length;
    expect(wins / a.length).toBeGreaterThan(0.95);
  });
});

describe('wiring', () => {
  it.each(CASES)('focusMeasure(%s) dispatches to it, and resolveOptions knows it with its own tau', (name, measure) => {
    const Y = randomImage(11, 9, 4);
    expect(Array.from(focusMeasure(name as Measure, Y, 11, 9, 2))).toEqual(Array.from(measure(Y, 11, 9, 2)));
    expect(MEASURES).toContain(name);
    expect(resolveOptions({ measure: name as Measure }).tau).toBe(DEFAULT_TAU[name as Measure]);
  });
});
