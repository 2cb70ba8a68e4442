/**
 * Depth mode `histogram` (src/cpu/histogram-depth.ts): the local mode of a confidence-weighted depth
 * histogram. Where two textured layers overlap it keeps one layer instead of averaging them, it keeps
 * a depth step sharp, keeps sub-plane precision, and falls back to D where nothing is evident.
 */
import { describe, expect, it } from 'vitest';
import { fuseCpu, histogramDepth, smoothDepth } from '../src/cpu/index.js';
import { resolveOptions } from '../src/core/options.js';
import { random } from './gpu-stacks.js';

const W = 48;
const H = 40;

describe('histogram depth', () => {
  it('keeps the majority layer where the raw depth alternates between two layers (version 1 averages them)', () => {
    const rng = random(5);
    const D = new Float32Array(W * H).map(() => (rng() < 0.65 ? 7 : 2));
    const C = new Float32Array(W * H).fill(0.8);
    const Ds = histogramDepth(D, C, W, H, 11, 3);
    const v1 = smoothDepth(D, C, W, H, 3);
    const centre = (y: number, x: number) => y * W + x;
    for (let y = 12; y < H - 12; y++) {
      for (let x = 12; x < W - 12; x++) {
        expect(Math.abs(Ds[centre(y, x)] - 7), `(${x}, ${y})`).toBeLessThan(0.05);
        expect(Math.abs(v1[centre(y, x)] - 7)).toBeGreaterThan(1); // the mean lands between the layers
      }
    }
  });

  it('keeps a depth step sharp: each side keeps its plane up to the step', () => {
    const D = new Float32Array(W * H).map((_, i) => (i % W < W / 2 ? 2 : 8));
    const C = new Float32Array(W * H).fill(0.5);
    const Ds = histogramDepth(D, C, W, H, 11, 3);
    for (let y = 0; y < H; y++) {
      expect(Ds[y * W + W / 2 - 1]).toBeCloseTo(2, 6);
      expect(Ds[y * W + W / 2]).toBeCloseTo(8, 6);
    }
    expect(smoothDepth(D, C, W, H, 3)[W / 2]).toBeGreaterThan(3); // version 1 ramps across the step
  });

  it('keeps a step where it is on the coarse grid too: at an odd or even column or row, each side keeps its plane', () => {
    // The bins are filtered on 2x2 cells; a step inside a cell, or on a cell border, must not move.
    for (const at of [23, 24, 19, 20]) {
      const vertical = at > 22;
      const D = new Float32Array(W * H).map((_, i) => ((vertical ? i % W : Math.floor(i / W)) < at ? 2 : 8));
      const Ds = histogramDepth(D, new Float32Array(W * H).fill(0.5), W, H, 11, 3);
      for (let j = 0; j < (vertical ? H : W); j++) {
        const [before, after] = vertical ? [j * W + at - 1, j * W + at] : [(at - 1) * W + j, at * W + j];
        expect(Ds[before], `step at ${at}, ${j}`).toBeCloseTo(2, 6);
        expect(Ds[after], `step at ${at}, ${j}`).toBeCloseTo(8, 6);
      }
    }
  });

  it('keeps sub-plane precision (centroid of the mode bin and its neighbours)', () => {
    const C = new Float32Array(W * H).fill(0.3);
    for (const d of [0, 3.3, 4.75, 10]) {
      const Ds = histogramDepth(new Float32Array(W * H).fill(d), C, W, H, 11, 3);
      expect(Ds[17 * W + 9]).toBeCloseTo(d, 5);
    }
  });

  it('copies D at sigma 0 and where no confidence is within reach; checks its arguments', () => {
    const D = new Float32Array(W * H).map((_, i) => (i % 11) + 0.25);
    expect(histogramDepth(D, new Float32Array(W * H).fill(1), W, H, 11, 0)).toEqual(D);
    expect(histogramDepth(D, new Float32Array(W * H), W, H, 11, 3)).toEqual(D);
    expect(() => histogramDepth(D, new Float32Array(W * H), W, H, 11, -1)).toThrow("Expected a finite number >= 0 for sigma but received -1 (number)");
    expect(() => histogramDepth(D, new Float32Array(W * H), W, H, 0, 3)).toThrow(/Expected an integer >= 1 for planeCount/);
  });

  it('is what fuseCpu uses for depthMode histogram (the v2 preset\'s, so the default\'s)', () => {
    const rng = random(9);
    const planes = Array.from({ length: 5 }, (_, z) => {
      const p = new Uint8Array(W * H * 4);
      for (let i = 0; i < W * H; i++) {
        const sharp = (i % W < W / 2 ? 1 : 3) === z; // left half sharp in plane 1, right half in plane 3
        const v = sharp ? 60 + 140 * rng() : 130;
        p.fill(Math.round(v), 4 * i, 4 * i + 3);
        p[4 * i + 3] = 255;
      }
      return p;
    });
    const stack = { width: W, height: H, planes };
    const result = fuseCpu(stack, resolveOptions({ depthMode: 'histogram', sigma: 3, keepFocus: true }));
    expect(resolveOptions().depthMode).toBe('histogram');
    expect(result.options.depthMode).toBe('histogram');
    expect(result.depth).toEqual(histogramDepth(result.rawDepth, result.confidence, W, H, 5, 3));
    expect(result.depth[20 * W + 5]).toBeCloseTo(1, 1);
    expect(result.depth[20 * W + W - 5]).toBeCloseTo(3, 1);
  });
});
