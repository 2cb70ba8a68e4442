/**
 * Depth mode `histogram` on the fast CPU path (src/cpu/fast/histogram.ts, WebAssembly SIMD) against
 * the TypeScript reference (src/cpu/histogram-depth.ts):
 * - the stage alone, on the same D and C: within 1e-4 plane everywhere (f32 sums keep H within
 *   ~1e-6 relative of the f64 reference; measured worst 4e-6 plane), except at argmax near-ties,
 *   where H of two bins lie within that relative distance and either engine may take either bin:
 *   at most 0.1 % of pixels (the parity bar's allowance), none on the random and planted inputs here;
 * - the planted cases of test/histogram-depth.test.ts (layers, steps on and off the coarse grid,
 *   sub-plane precision, no evidence: D bit for bit);
 * - whole fusions (lapv or teng + histogram + interpolate / nearest, all stages in wasm)
 *   under the parity bar (test/gpu-harness.ts): odd sizes, Z = 1, 2, 3, 11, 21, 1xN, Nx1, sigma 0..8, synthetic
 *   cytology and a real stack.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../src/core/options.js';
import type { FuseOptions, ZStack } from '../src/core/types.js';
import { histogramDepth } from '../src/cpu/histogram-depth.js';
import { histogramDepthFast } from '../src/cpu/fast/histogram.js';
import { fastKernels, fitLayout } from '../src/cpu/fast/kernels.js';
import { statsFromCurve } from '../src/cpu/stats.js';
import { generateStack } from '../src/synth/generate.js';
import { loadStack } from '../src/io/load-stack.js';
import { fastAgainstReference } from './gpu-harness.js';
import { ODD_SHAPES, noisyStack, random } from './gpu-stacks.js';

const SIGMAS = [0.4, 1.5, 3, 4, 8];

/** The reference's and the fast kernel's Ds of the same D and C. */
function both(D: Float32Array, C: Float32Array, width: number, height: number, Z: number, sigma: number): { ref: Float32Array; fast: Float32Array } {
  return { ref: histogramDepth(D, C, width, height, Z, sigma), fast: histogramDepthFast(fastKernels()!, D, C, width, height, Z, sigma) };
}

/** Pixels whose Ds differ by more than `bound` (NaN counts), and the largest difference. */
function offBy(a: Float32Array, b: Float32Array, bound: number): { off: number; worst: number } {
  let off = 0;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= bound)) off++;
    if (!(d <= worst)) worst = d;
  }
  return { off, worst };
}


/**
 * Fuses with depth mode histogram on both engines: the parity bar, Ds within 1e-3 plane on >= 99.9 %
 * of pixels, the fast path's own stage within 1e-4 of the reference stage on the fast path's D and C,
 * and the stats from the fast path's own Ds and C.
 */
function check(stack: ZStack, options: FuseOptions, label: string): void {
  // The histogram stage itself: the one-plane test (test/halos.test.ts) would show one plane of the
  // planar stacks here (tools, stacks whose evidence is all on one plane) instead.
  const resolved = resolveOptions({ ...options, depthMode: 'histogram', keepFocus: true, onePlane: 'off' });
  const { ref, fast } = fastAgainstReference(stack, resolved, label);
  const n = stack.width * stack.height;
  expect(offBy(fast.depth, ref.depth, 1e-3).off, label).toBeLessThanOrEqual(n / 1000);
  if (resolved.sigma === 0) expect(Array.from(fast.depth), label).toEqual(Array.from(fast.rawDepth));
  else expect(offBy(fast.depth, histogramDepth(fast.rawDepth, fast.confidence, stack.width, stack.height, stack.planes.length, resolved.sigma), 1e-4).off, label).toBeLessThanOrEqual(n / 1000);
  expect(fast.stats).toEqual(statsFromCurve(fast.stats.focusCurve, fast.depth, fast.confidence));
  expect(fast.stats.bestPlane).toBe(ref.stats.bestPlane);
}

describe('fast CPU path, depth mode histogram', () => {
  it.each([
    [1, 1, 1],
    [1, 40, 3],
    [40, 1, 2],
    [37, 23, 11],
    [5, 3, 21],
    [191, 97, 21],
    [128, 128, 11],
  ])('the stage alone on random D and C, %ix%i, Z = %i: within 1e-4 plane at every pixel, sigma 0.4..8', (w, h, Z) => {
    const rng = random(w * 7 + h + Z);
    const D = new Float32Array(w * h).map(() => rng() * (Z - 1));
    const C = new Float32Array(w * h).map(() => (rng() < 0.1 ? 0 : rng()));
    for (const sigma of SIGMAS) {
      const { ref, fast } = both(D, C, w, h, Z, sigma);
      const { off, worst } = offBy(fast, ref, 1e-4);
      expect(off, `${w}x${h}x${Z} sigma ${sigma}: worst ${worst}`).toBe(0);
      // Not D copied through: the mode moved (Z = 1 has one bin at 0, as D is).
      if (Z > 1) expect(offBy(fast, D, 0.1).off, `${w}x${h}x${Z} sigma ${sigma}`).toBeGreaterThan((w * h) / 2);
    }
  });

  it('keeps the majority layer where the raw depth alternates between two layers', () => {
    const [W, H] = [48, 40];
    const rng = random(5);
    const D = new Float32Array(W * H).map(() => (rng() < 0.65 ? 7 : 2));
    const C = new Float32Array(W * H).fill(0.8);
    for (const sigma of SIGMAS) {
      const { ref, fast } = both(D, C, W, H, 11, sigma);
      expect(offBy(fast, ref, 1e-5).off, `sigma ${sigma}`).toBe(0);
    }
    const { fast } = both(D, C, W, H, 11, 3);
    for (let y = 12; y < H - 12; y++) for (let x = 12; x < W - 12; x++) expect(Math.abs(fast[y * W + x] - 7)).toBeLessThan(0.05);
  });

  it('keeps depth steps on and off the coarse grid (odd or even column or row) exactly where the reference does', () => {
    for (const [W, H] of [[48, 40], [47, 39]]) {
      for (const at of [19, 20, 23, 24]) {
        for (const vertical of [true, false]) {
          const D = new Float32Array(W * H).map((_, i) => ((vertical ? i % W : Math.floor(i / W)) < at ? 2 : 8));
          const C = new Float32Array(W * H).fill(0.5);
          for (const sigma of SIGMAS) {
            const { ref, fast } = both(D, C, W, H, 11, sigma);
            expect(offBy(fast, ref, 1e-5).off, `${W}x${H} step at ${at} ${vertical ? 'x' : 'y'} sigma ${sigma}`).toBe(0);
          }
          const { fast } = both(D, C, W, H, 11, 3);
          const [before, after] = vertical ? [at - 1, at] : [(at - 1) * W, at * W];
          expect(fast[before]).toBeCloseTo(2, 5);
          expect(fast[after]).toBeCloseTo(8, 5);
        }
      }
    }
  });

  it('an exact tie (a checkerboard of planes 3 and 5: every 2x2 cell votes equally) goes to the lowest bin, as on the reference', () => {
    for (const [W, H] of [[48, 40], [16, 16]]) {
      const D = new Float32Array(W * H).map((_, i) => ((i % W) + Math.floor(i / W)) % 2 ? 5 : 3);
      const C = new Float32Array(W * H).fill(0.5);
      for (const sigma of SIGMAS) {
        const { ref, fast } = both(D, C, W, H, 11, sigma);
        expect(offBy(fast, ref, 1e-5).off, `${W}x${H} sigma ${sigma}`).toBe(0);
        expect(fast[(H >> 1) * W + (W >> 1)]).toBeCloseTo(3, 5);
      }
    }
  });

  it('keeps sub-plane precision, and copies D bit for bit where no confidence is within reach', () => {
    const [W, H] = [48, 40];
    const C = new Float32Array(W * H).fill(0.3);
    for (const d of [0, 3.3, 4.75, 10]) {
      const { ref, fast } = both(new Float32Array(W * H).fill(d), C, W, H, 11, 3);
      expect(offBy(fast, ref, 1e-5).off).toBe(0);
      expect(fast[17 * W + 9]).toBeCloseTo(d, 5);
    }
    // Confidence only in the left quarter: a window of sigma 0.4 does not reach the rest.
    const D = new Float32Array(W * H).map((_, i) => (i % 11) + 0.25);
    const some = new Float32Array(W * H).map((_, i) => (i % W < 12 ? 0.7 : 0));
    for (const sigma of SIGMAS) {
      const { ref, fast } = both(D, some, W, H, 11, sigma);
      expect(offBy(fast, ref, 1e-4).off, `sigma ${sigma}`).toBe(0);
    }
    const { fast } = both(D, some, W, H, 11, 0.4);
    for (let i = 0; i < W * H; i++) if (i % W >= 20) expect(fast[i]).toBe(D[i]);
    expect(Array.from(both(D, new Float32Array(W * H), W, H, 11, 8).fast)).toEqual(Array.from(D));
  });

  it.each([...ODD_SHAPES, [64, 48, 21]])('whole fusions, odd size %ix%i, Z = %i, sigma 0..8, both composites', (w, h, z) => {
    const stack = noisyStack(w, h, z, w * 31 + h);
    for (const sigma of [0, ...SIGMAS]) {
      check(stack, { sigma }, `${w}x${h}x${z} sigma ${sigma}`);
      check(stack, { sigma, window: 2, composite: 'nearest' }, `${w}x${h}x${z} sigma ${sigma} nearest`);
    }
  });

  it('synthetic cytology, 384x384 x 11, sigma 3 and 4, lapv and teng', () => {
    const { stack } = generateStack({ seed: 3, width: 384, height: 384, planes: 11 });
    check(stack, {}, 'synth cytology');
    check(stack, { sigma: 4 }, 'synth cytology sigma 4');
    check(stack, { measure: 'teng', sigma: 4 }, 'synth cytology teng sigma 4');
    check(stack, { measure: 'teng', window: 2, sigma: 1.5, composite: 'nearest' }, 'synth cytology teng r=2 sigma 1.5 nearest');
  });

  it('a real stack (test/fixtures/real/tools, 712x495 x 6)', async () => {
    const stack = await loadStack(join(import.meta.dirname, 'fixtures/real/tools'));
    check(stack as ZStack, {}, 'real tools');
    check(stack as ZStack, { sigma: 8, window: 17 }, 'real tools, sigma 8, window 17');
  });

  it("lays the histogram's grids over the measure's dead running state where they fit, else after the rest; none for gaussian", () => {
    const k = fastKernels()!;
    const plain = fitLayout(k, 101, 77, 11, 4, 19);
    expect(plain.histogramGrid).toBe(0);
    const inDead = fitLayout(k, 101, 77, 11, 4, 19, { histogram: true });
    expect(inDead.histogramGrid).toBe(inDead.argmax);
    expect(inDead.histogramPad).toBeLessThan(inDead.depth);
    // 41 bins of 101x77 need more than the four images there.
    const after = fitLayout(k, 101, 77, 41, 4, 19, { histogram: true });
    expect(after.histogramGrid).toBeGreaterThan(after.shares);
    expect(after.histogramRows - after.histogramGrid).toBeGreaterThanOrEqual(41 * 51 * 39 * 4);
    // Both placements fuse the same.
    const stack = noisyStack(101, 77, 41, 5);
    check(stack, {}, '101x77x41 (grids after the rest)');
    check({ ...stack, planes: stack.planes.slice(0, 11) }, {}, '101x77x11 (grids in the dead state)');
  });
});
