/**
 * The fast CPU stages against plain brute-force versions (direct per-pixel window loops over clamped
 * reads, written here without sharing code with src/cpu), and invariants of the whole pipeline.
 */
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../src/core/options.js';
import type { Measure, ZStack } from '../src/core/types.js';
import { random } from './gpu-stacks.js';
import {
  boxMean,
  createCpuScratch,
  depthFromFocus,
  fuseCpu,
  laplacianVariance,
  smoothDepth,
  tenengrad,
  waveletEnergy,
} from '../src/cpu/index.js';

const MEASURES: Measure[] = ['lapv', 'teng', 'wavelet'];
const SIZES: Array<[number, number]> = [[7, 5], [1, 1], [13, 1], [1, 9], [5, 7], [16, 3]];

/** Small seeded PRNG (mulberry32) so failures reproduce; shared with the GPU suites. */
const rng = random;

function randomImage(w: number, h: number, seed: number): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(w * h);
  for (let i = 0; i < out.length; i++) out[i] = r();
  return out;
}

// ---- brute force -------------------------------------------------------------------------------

function at(img: ArrayLike<number>, w: number, h: number, x: number, y: number): number {
  const cx = Math.min(Math.max(x, 0), w - 1);
  const cy = Math.min(Math.max(y, 0), h - 1);
  return img[cy * w + cx];
}

function naiveBox(img: ArrayLike<number>, w: number, h: number, r: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) s += at(img, w, h, x + dx, y + dy);
      out.push(s / ((2 * r + 1) * (2 * r + 1)));
    }
  }
  return out;
}

function naiveLapv(Y: Float32Array, w: number, h: number, r: number): number[] {
  const L: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      L.push(at(Y, w, h, x - 1, y) + at(Y, w, h, x + 1, y) + at(Y, w, h, x, y - 1) + at(Y, w, h, x, y + 1) - 4 * at(Y, w, h, x, y));
    }
  }
  const mean = naiveBox(L, w, h, r);
  const meanSq = naiveBox(L.map((v) => v * v), w, h, r);
  return mean.map((m, i) => Math.max(0, meanSq[i] - m * m));
}

function naiveTeng(Y: Float32Array, w: number, h: number, r: number): number[] {
  const E: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = (dx: number, dy: number) => at(Y, w, h, x + dx, y + dy);
      const gx = p(1, -1) + 2 * p(1, 0) + p(1, 1) - p(-1, -1) - 2 * p(-1, 0) - p(-1, 1);
      const gy = p(-1, 1) + 2 * p(0, 1) + p(1, 1) - p(-1, -1) - 2 * p(0, -1) - p(1, -1);
      E.push(gx * gx + gy * gy);
    }
  }
  return naiveBox(E, w, h, r);
}

function naiveWavelet(Y: Float32Array, w: number, h: number, r: number): number[] {
  let A: number[] = Array.from(Y);
  const E = new Array<number>(w * h).fill(0);
  for (const s of [1, 2]) {
    const next: number[] = [];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const a = at(A, w, h, x, y);
        const b = at(A, w, h, x + s, y);
        const c = at(A, w, h, x, y + s);
        const d = at(A, w, h, x + s, y + s);
        E[y * w + x] += ((a + b - c - d) / 2) ** 2 + ((a - b + c - d) / 2) ** 2 + ((a - b - c + d) / 2) ** 2;
        next.push((a + b + c + d) / 4);
      }
    }
    A = next;
  }
  return naiveBox(E, w, h, r);
}

/** Direct 2-D normalised convolution with its own Gaussian (not the shared kernel builder). */
function naiveSmooth(D: Float32Array, C: Float32Array, w: number, h: number, sigma: number): number[] {
  const R = Math.ceil(3 * sigma);
  let total = 0;
  for (let dy = -R; dy <= R; dy++) for (let dx = -R; dx <= R; dx++) total += Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
  const out: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let num = 0;
      let den = 0;
      for (let dy = -R; dy <= R; dy++) {
        for (let dx = -R; dx <= R; dx++) {
          const g = Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma)) / total;
          num += g * at(C, w, h, x + dx, y + dy) * at(D, w, h, x + dx, y + dy);
          den += g * at(C, w, h, x + dx, y + dy);
        }
      }
      out.push(den < 1e-6 ? D[y * w + x] : num / den);
    }
  }
  return out;
}

function expectNear(actual: ArrayLike<number>, expected: number[], rel: number, abs: number, label: string): void {
  expect(actual.length, label).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= abs + rel * Math.abs(expected[i]))) {
      expect.fail(`${label}: index ${i}: got ${actual[i]}, expected ${expected[i]} (error ${err})`);
    }
  }
}

describe('fast stages match brute force on odd sizes, radii 0..5', () => {
  for (const [w, h] of SIZES) {
    it(`${w}x${h}`, () => {
      const scratch = createCpuScratch(w, h);
      for (let r = 0; r <= 5; r++) {
        const Y = randomImage(w, h, 1000 * w + 10 * h + r);
        const label = `${w}x${h} r=${r}`;
        expectNear(boxMean(Y, w, h, r, undefined, scratch), naiveBox(Y, w, h, r), 2e-7, 1e-9, `box ${label}`);
        expectNear(laplacianVariance(Y, w, h, r, undefined, scratch), naiveLapv(Y, w, h, r), 1e-6, 1e-9, `lapv ${label}`);
        expectNear(tenengrad(Y, w, h, r, undefined, scratch), naiveTeng(Y, w, h, r), 2e-7, 1e-9, `teng ${label}`);
        expectNear(waveletEnergy(Y, w, h, r, undefined, scratch), naiveWavelet(Y, w, h, r), 2e-7, 1e-9, `wavelet ${label}`);
      }
    });
  }

  it('smoothing matches a direct 2-D normalised convolution', () => {
    for (const [w, h] of SIZES) {
      for (const sigma of [0.4, 1, 1.7, 3]) {
        const D = randomImage(w, h, 7 * w + h).map((v) => v * 10);
        // Confidence away from 0 so no pixel sits near the MIN_SMOOTH_WEIGHT threshold.
        const C = randomImage(w, h, 11 * w + h).map((v) => 0.05 + 0.9 * v);
        expectNear(smoothDepth(D, C, w, h, sigma), naiveSmooth(D, C, w, h, sigma), 1e-6, 1e-6, `smooth ${w}x${h} sigma=${sigma}`);
      }
    }
  });
});

// ---- whole-pipeline invariants -----------------------------------------------------------------

/**
 * A textured random stack: blobs of random colour, each plane blurred by a different amount
 * around a per-region best plane, so argmax is well defined (no exact ties).
 */
function texturedStack(w: number, h: number, Z: number, seed: number): ZStack {
  const r = rng(seed);
  const base = new Float32Array(w * h * 3);
  for (let i = 0; i < base.length; i++) base[i] = r() * 255;
  const planes: Uint8Array[] = [];
  for (let z = 0; z < Z; z++) {
    const p = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        // Best plane varies over the image: left part sharp at z=0, right part at z=Z-1.
        const best = ((x + y) / (w + h - 2 || 1)) * (Z - 1);
        const mix = Math.min(1, Math.abs(z - best) / 2);
        for (let c = 0; c < 3; c++) {
          // Blend each pixel toward its 4-neighbour mean: more blending = more blur.
          let s = 0;
          for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
            const xx = Math.min(Math.max(x + dx, 0), w - 1);
            const yy = Math.min(Math.max(y + dy, 0), h - 1);
            s += base[(yy * w + xx) * 3 + c];
          }
          const v = (1 - mix) * base[(y * w + x) * 3 + c] + (mix * s) / 4;
          p[(y * w + x) * 4 + c] = Math.round(v);
        }
        p[(y * w + x) * 4 + 3] = 200 + ((x * 7 + y * 3 + z) % 56);
      }
    }
    planes.push(p);
  }
  return { width: w, height: h, planes };
}

function transposeRgba(p: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(p.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 4; c++) out[(x * h + y) * 4 + c] = p[(y * w + x) * 4 + c];
  return out;
}

function transposeF(a: Float32Array, w: number, h: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[x * h + y] = a[y * w + x];
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('pipeline invariants', () => {
  it('a constant image gives F = 0 everywhere, confidence 0 and plane 0 back', () => {
    for (const measure of MEASURES) {
      for (const [w, h] of [[9, 6], [1, 1], [5, 1]] as Array<[number, number]>) {
        // Each plane constant, but a different constant per plane.
        const planes = [[12, 200, 90, 255], [255, 255, 255, 255], [3, 4, 5, 6]].map((px) => {
          const p = new Uint8Array(w * h * 4);
          for (let i = 0; i < p.length; i++) p[i] = px[i % 4];
          return p;
        });
        const r = fuseCpu({ width: w, height: h, planes }, resolveOptions({ measure, keepFocus: true }));
        for (const F of r.focus!) expect(F.every((v) => v === 0), `${measure} F`).toBe(true);
        expect(r.confidence.every((v) => v === 0), `${measure} C`).toBe(true);
        expect(r.rawDepth.every((v) => v === 0)).toBe(true);
        expect(r.depth.every((v) => v === 0)).toBe(true);
        expect(Array.from(r.image)).toEqual(Array.from(planes[0]));
      }
    }
  });

  it('a flat region beside texture gives exactly F = 0 there (no summation residue picks a plane)', () => {
    // Left 24 columns: random texture per plane; right 24 columns: the same flat gray in every plane.
    // Residue of sums that crossed the texture must not leak into windows that lie wholly in the flat part.
    const w = 48;
    const h = 10;
    const r = 2;
    const next = rng(7);
    const planes = Array.from({ length: 4 }, () => {
      const p = new Uint8Array(w * h * 4);
      for (let i = 0; i < w * h; i++) {
        const v = i % w < w / 2 ? Math.floor(next() * 256) : 128;
        p.set([v, v, v, 255], 4 * i);
      }
      return p;
    });
    for (const measure of MEASURES) {
      const result = fuseCpu({ width: w, height: h, planes }, resolveOptions({ measure, window: r, sigma: 0, keepFocus: true }));
      for (let y = 0; y < h; y++) {
        // Columns whose window (and the 3x3 / Haar footprint) stays in the flat half.
        for (let x = w / 2 + r + 4; x < w; x++) {
          for (const F of result.focus!) expect(F[y * w + x], `${measure} F at ${x},${y}`).toBe(0);
          expect(result.rawDepth[y * w + x], `${measure} D at ${x},${y}`).toBe(0);
        }
      }
    }
  });

  for (const measure of MEASURES) {
    it(`transposing every plane transposes F, depth, confidence and the image (${measure})`, () => {
      const w = 19;
      const h = 12;
      const stack = texturedStack(w, h, 5, 42);
      const t: ZStack = { width: h, height: w, planes: stack.planes.map((p) => transposeRgba(p, w, h)) };
      const options = resolveOptions({ measure, window: 2, sigma: 1.5, keepFocus: true });
      const a = fuseCpu(stack, options);
      const b = fuseCpu(t, options);
      for (let z = 0; z < 5; z++) {
        const fa = transposeF(a.focus![z], w, h);
        const fb = b.focus![z];
        for (let i = 0; i < fa.length; i++) expect(Math.abs(fa[i] - fb[i])).toBeLessThanOrEqual(1e-6 * Math.abs(fa[i]) + 1e-12);
      }
      expect(maxAbsDiff(transposeF(a.rawDepth, w, h), b.rawDepth)).toBeLessThan(1e-5);
      expect(maxAbsDiff(transposeF(a.confidence, w, h), b.confidence)).toBeLessThan(1e-6);
      expect(maxAbsDiff(transposeF(a.depth, w, h), b.depth)).toBeLessThan(1e-5);
      expect(maxAbsDiff(transposeRgba(a.image, w, h), b.image)).toBeLessThanOrEqual(1);
      // The test data really varies in depth, so the check is not vacuous.
      expect(Math.max(...a.rawDepth) - Math.min(...a.rawDepth)).toBeGreaterThan(1);
    });
  }

  it('Z = 1 gives that plane back', () => {
    const stack = texturedStack(11, 7, 1, 5);
    for (const measure of MEASURES) {
      for (const mode of ['interpolate', 'nearest', 'pyramid'] as const) {
        const r = fuseCpu(stack, resolveOptions({ measure, composite: mode }));
        expect(Array.from(r.image)).toEqual(Array.from(stack.planes[0]));
        expect(r.depth.every((v) => v === 0)).toBe(true);
        expect(r.confidence.every((v) => v === 0)).toBe(true);
        expect(r.stats.depthHistogram).toEqual([77]);
      }
    }
  });

  it('Z = 2 works: plane depths, no fit, no NaN', () => {
    const stack = texturedStack(10, 8, 2, 9);
    for (const measure of MEASURES) {
      const r = fuseCpu(stack, resolveOptions({ measure, window: 1, sigma: 1 }));
      expect(r.rawDepth.every((v) => v === 0 || v === 1)).toBe(true);
      expect(r.rawDepth.some((v) => v === 0) && r.rawDepth.some((v) => v === 1)).toBe(true);
      expect(r.depth.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(r.confidence.every((v) => v >= 0 && v < 1)).toBe(true);
      expect(r.stats.depthHistogram.reduce((a, b) => a + b, 0)).toBe(80);
    }
  });

  for (const measure of MEASURES) {
    it(`flipping the plane order maps depth D to Z-1-D (${measure})`, () => {
      const Z = 6;
      const stack = texturedStack(17, 13, Z, 77);
      const flipped: ZStack = { ...stack, planes: [...stack.planes].reverse() };
      const options = resolveOptions({ measure, window: 3, sigma: 2, keepFocus: true });
      const a = fuseCpu(stack, options);
      const b = fuseCpu(flipped, options);
      for (let i = 0; i < a.rawDepth.length; i++) {
        expect(Math.abs(b.rawDepth[i] - (Z - 1 - a.rawDepth[i]))).toBeLessThan(1e-5);
        expect(Math.abs(b.depth[i] - (Z - 1 - a.depth[i]))).toBeLessThan(1e-5);
      }
      expect(maxAbsDiff(a.confidence, b.confidence)).toBeLessThan(1e-6);
      expect(maxAbsDiff(a.image, b.image)).toBeLessThanOrEqual(1);
      expect(b.stats.focusCurve).toEqual([...a.stats.focusCurve].reverse());
      // Sub-plane values occur, so the fit's sign is exercised.
      expect(a.rawDepth.some((v) => v !== Math.round(v))).toBe(true);
    });
  }

  it('depth and confidence stay in range on random stacks', () => {
    for (const Z of [3, 11, 21]) {
      const stack = texturedStack(23, 9, Z, Z);
      for (const measure of MEASURES) {
        const r = fuseCpu(stack, resolveOptions({ measure }));
        expect(r.rawDepth.every((v) => v >= 0 && v <= Z - 1)).toBe(true);
        expect(r.depth.every((v) => v >= 0 && v <= Z - 1)).toBe(true);
        expect(r.confidence.every((v) => v >= 0 && v < 1)).toBe(true);
      }
    }
  });

  it('depthFromFocus fit stays within half a plane of the argmax', () => {
    const r = rng(3);
    const F = Array.from({ length: 7 }, () => {
      const a = new Float32Array(500);
      for (let i = 0; i < a.length; i++) a[i] = r() ** 4;
      return a;
    });
    const { depth, argmax } = depthFromFocus(F, 500, 1, 0);
    for (let i = 0; i < 500; i++) expect(Math.abs(depth[i] - argmax![i])).toBeLessThanOrEqual(0.5);
  });
});
