/**
 * Hand-computed small cases for every CPU stage. Each expected number is worked out in the comment
 * next to it, from the definitions in src/core/maths.ts / DESIGN "The maths, version 1".
 */
import { describe, expect, it } from 'vitest';
import { FocusFuseError } from '../src/core/errors.js';
import { FIT_EPS, MIN_SMOOTH_WEIGHT, gaussianKernel, gaussianRadius, roundHalfUp } from '../src/core/maths.js';
import { DEFAULT_TAU, resolveOptions } from '../src/core/options.js';
import type { ResolvedOptions } from '../src/core/types.js';
import {
  boxMean,
  composite,
  cpuBackend,
  cpuReferenceBackend,
  createCpuScratch,
  createCpuWorkspace,
  depthFromFocus,
  focusMeasure,
  fuseCpu,
  fuseCpuFast,
  laplacianVariance,
  luma,
  smoothDepth,
  stackStats,
  tenengrad,
  waveletEnergy,
} from '../src/cpu/index.js';

const f32 = (values: number[]) => new Float32Array(values);

function expectClose(actual: ArrayLike<number>, expected: number[], digits = 6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(actual[i], `index ${i}`).toBeCloseTo(expected[i], digits);
  }
}

describe('maths constants', () => {
  it('gaussianKernel is normalised, symmetric, radius ceil(3 sigma)', () => {
    expect(gaussianRadius(0)).toBe(0);
    expect(gaussianRadius(1)).toBe(3);
    expect(gaussianRadius(0.34)).toBe(2); // ceil(1.02)
    expect(Array.from(gaussianKernel(0))).toEqual([1]);
    const k = gaussianKernel(1);
    expect(k.length).toBe(7);
    // Unnormalised taps exp(-k^2/2): 1, 0.6065307, 0.1353353, 0.0111090; sum = 1 + 2 * 0.7529750 = 2.5059500.
    expect(k[3]).toBeCloseTo(1 / 2.50595, 6);
    expect(k[2]).toBeCloseTo(0.6065307 / 2.50595, 6);
    expect(k[0]).toBeCloseTo(0.011109 / 2.50595, 6);
    expect(k[0]).toBe(k[6]);
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('roundHalfUp rounds halves up, unlike banker\'s rounding', () => {
    expect([0.5, 1.5, 2.5, 254.5, 2.4999, -0.5].map(roundHalfUp)).toEqual([1, 2, 3, 255, 2, 0]);
  });
});

describe('luma', () => {
  it('weights 0.299/0.587/0.114 on values / 255, ignoring alpha', () => {
    const rgba = new Uint8Array([
      255, 0, 0, 0, //     0.299
      0, 255, 0, 17, //    0.587
      0, 0, 255, 255, //   0.114
      128, 128, 128, 9, // gray: 128/255 = 0.5019608
      10, 20, 30, 255, //  (2990 + 11740 + 3420) / 255000 = 18150 / 255000 = 0.0711765
      255, 255, 255, 0, // 1
    ]);
    const Y = luma(rgba, 3, 2);
    expect(Array.from(Y)).toEqual([0.299, 0.587, 0.114, 128 / 255, 18150 / 255000, 1].map(Math.fround));
  });

  it('writes into dst and checks sizes', () => {
    const dst = new Float32Array(1);
    expect(luma(new Uint8Array([0, 0, 0, 0]), 1, 1, dst)).toBe(dst);
    expect(() => luma(new Uint8Array(3), 1, 1)).toThrow(FocusFuseError);
    expect(() => luma(new Uint8Array(4), 1, 1, new Float32Array(2))).toThrow(/dst/);
  });
});

describe('boxMean', () => {
  it('3x3, r = 1, clamped border', () => {
    // Rows [a,b,c] have clamped horizontal sums [2a+b, a+b+c, b+2c]:
    // [1,2,3] -> [4,6,8]; [4,5,6] -> [13,15,17]; [7,8,9] -> [22,24,26].
    // Vertically the same: row0 = 2*r0 + r1 = [21,27,33]; row1 = r0+r1+r2 = [39,45,51];
    // row2 = r1 + 2*r2 = [57,63,69]. Divide by 9.
    const out = boxMean(f32([1, 2, 3, 4, 5, 6, 7, 8, 9]), 3, 3, 1);
    expectClose(out, [21 / 9, 3, 33 / 9, 39 / 9, 5, 51 / 9, 57 / 9, 7, 69 / 9]);
  });

  it('border pixels count as often as clamping repeats them', () => {
    // 4x1 row [0,0,0,10], r = 2, 5-wide window (height 1: every vertical tap is the same row):
    // x=0 reads 0,0,0,1,2 -> 0; x=1 reads 0,0,1,2,3 -> 10/5; x=2 reads 0,1,2,3,3 -> 20/5; x=3 reads 1,2,3,3,3 -> 30/5.
    expectClose(boxMean(f32([0, 0, 0, 10]), 4, 1, 2), [0, 2, 4, 6]);
    // 1x1 with r = 5: every read is the single pixel.
    expectClose(boxMean(f32([0.7]), 1, 1, 5), [0.7]);
  });

  it('r = 0 is the identity; rejects a bad radius or a small scratch', () => {
    const src = f32([0.1, 0.2, 0.3]);
    expect(Array.from(boxMean(src, 3, 1, 0))).toEqual(Array.from(src));
    expect(() => boxMean(src, 3, 1, -1)).toThrow(FocusFuseError);
    expect(() => boxMean(src, 3, 1, 1.5)).toThrow(FocusFuseError);
    expect(() => boxMean(src, 3, 1, 1, undefined, createCpuScratch(1, 1))).toThrow(/scratch/);
    const dst = new Float32Array(3);
    expect(boxMean(src, 3, 1, 1, dst, createCpuScratch(3, 3))).toBe(dst);
  });
});

describe('laplacianVariance (lapv)', () => {
  // 5x5 zeros with a single bright pixel Y = 1 at (2,2): L = -4 there, +1 at its four neighbours, 0 elsewhere.
  const Y = new Float32Array(25);
  Y[12] = 1;

  it('single bright pixel, r = 1', () => {
    const F = laplacianVariance(Y, 5, 5, 1);
    // (2,2): the window holds -4 and four 1s: sum L = 0, sum L^2 = 20 -> 20/9.
    expect(F[12]).toBeCloseTo(20 / 9, 6);
    // (1,1): the window x,y in 0..2 holds L(2,2) = -4, L(2,1) = 1, L(1,2) = 1: sum L = -2, sum L^2 = 18
    //   -> 18/9 - (2/9)^2 = 2 - 4/81.
    expect(F[6]).toBeCloseTo(2 - 4 / 81, 6);
    // (2,0): rows clamp to 0,0,1; only L(2,1) = 1 is non-zero: sum L = 1, sum L^2 = 1 -> 1/9 - 1/81 = 8/81.
    expect(F[2]).toBeCloseTo(8 / 81, 6);
    // (0,0): rows and columns 0,0,1; every L there is 0.
    expect(F[0]).toBe(0);
    // Symmetry of the bright pixel.
    expect(F[18]).toBeCloseTo(F[6], 6);
    expect(F[22]).toBeCloseTo(F[2], 6);
  });

  it('is never negative: the Box[L^2] - Box[L]^2 cancellation over a constant-L region clamps to 0', () => {
    // Left: 5 rough values; right: the exact quadratic 18 (x-5)^2 / 4096, so L = 36/4096 at x = 6..10 and
    // the true variance in the window around x = 7 is 0; rounding in the cancellation can still go below 0
    // (with running sums this input gave F[7] = -7.9e-17, found by a search), hence the clamp.
    const Y = f32([0.16650719940662384, 0.48651736974716187, 0.897656261920929, 0.9092081189155579, 0.060564327985048294,
      0, 0.00439453125, 0.017578125, 0.03955078125, 0.0703125, 0.10986328125, 0.158203125]);
    const F = laplacianVariance(Y, 12, 1, 1);
    expect(F.every((v) => v >= 0)).toBe(true);
    expect(F[7]).toBeLessThan(1e-12);
  });

  it('r = 0 gives 0 (variance of one value); 1x1 image gives 0', () => {
    expect(Array.from(laplacianVariance(Y, 5, 5, 0))).toEqual(new Array(25).fill(0));
    expect(Array.from(laplacianVariance(f32([0.4]), 1, 1, 3))).toEqual([0]);
  });
});

describe('tenengrad (teng)', () => {
  // 4x3, every row [0, 0, 1, 1]: a vertical step.
  const Y = f32([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1]);

  it('Sobel energy of a step, r = 0', () => {
    // x=1: Gx = (1 + 2*1 + 1) - (0 + 0 + 0) = 4, Gy = 0 (rows equal, clamped) -> 16; x=2 likewise
    // (left column is x=1, value 0); x=0 and x=3 see equal columns -> 0.
    expectClose(tenengrad(Y, 4, 3, 0), [0, 16, 16, 0, 0, 16, 16, 0, 0, 16, 16, 0]);
  });

  it('Sobel energy of a step, r = 1', () => {
    // Horizontal clamped sums of [0,16,16,0]: [0+0+16, 0+16+16, 16+16+0, 16+0+0] = [16,32,32,16];
    // all rows are equal, so the vertical mean keeps them: divide by 3.
    const row = [16 / 3, 32 / 3, 32 / 3, 16 / 3];
    expectClose(tenengrad(Y, 4, 3, 1), [...row, ...row, ...row], 5);
  });

  it('a horizontal step gives the same energy through Gy', () => {
    // 1x3 column [0, 1, 1]: with one column every x read clamps to it, so Gx = 0 and
    // Gy = (1+2+1) - (0+0+0) = 4 at y=0 (up clamps to row 0, down is row 1) and at y=1 (up row 0,
    // down row 2); at y=2 up and down are both 1 -> 0.
    expectClose(tenengrad(f32([0, 1, 1]), 1, 3, 0), [16, 16, 0]);
  });
});

describe('waveletEnergy (wavelet)', () => {
  // 2x2 checker [[1,0],[0,1]].
  const Y = f32([1, 0, 0, 1]);

  it('undecimated Haar, 2 levels, r = 0', () => {
    // Level 1 (s=1), a=A(x,y) b=A(x+1,y) c=A(x,y+1) d=A(x+1,y+1), clamped:
    // (0,0): a=1 b=0 c=0 d=1 -> LH=0 HL=0 HH=1 -> 1; A1=0.5
    // (1,0): a=0 b=0 c=1 d=1 -> LH=-1 HL=0 HH=0 -> 1; A1=0.5
    // (0,1): a=0 b=1 c=0 d=1 -> LH=0 HL=-1 HH=0 -> 1; A1=0.5
    // (1,1): a=b=c=d=1 -> 0; A1=1
    // Level 2 (s=2, every +2 clamps to 1) on A1 = [[.5,.5],[.5,1]]:
    // (0,0): a=.5 b=.5 c=.5 d=1 -> LH=-.25 HL=-.25 HH=.25 -> 3/16
    // (1,0): a=.5 b=.5 c=1 d=1 -> LH=-.5 -> 1/4
    // (0,1): a=.5 b=1 c=.5 d=1 -> HL=-.5 -> 1/4
    // (1,1): all 1 -> 0
    expectClose(waveletEnergy(Y, 2, 2, 0), [1.1875, 1.25, 1.25, 0]);
  });

  it('r = 1 box over the energy', () => {
    // Clamped horizontal sums: row [1.1875, 1.25] -> [3.625, 3.6875]; row [1.25, 0] -> [2.5, 1.25].
    // Vertical: y=0 rows 0,0,1 -> [9.75, 8.625]; y=1 rows 0,1,1 -> [8.625, 6.1875]. Divide by 9.
    expectClose(waveletEnergy(Y, 2, 2, 1), [9.75 / 9, 8.625 / 9, 8.625 / 9, 6.1875 / 9]);
  });

  it('focusMeasure dispatches and rejects unknown measures', () => {
    expect(Array.from(focusMeasure('wavelet', Y, 2, 2, 0))).toEqual(Array.from(waveletEnergy(Y, 2, 2, 0)));
    expect(Array.from(focusMeasure('teng', Y, 2, 2, 1))).toEqual(Array.from(tenengrad(Y, 2, 2, 1)));
    expect(Array.from(focusMeasure('lapv', Y, 2, 2, 1))).toEqual(Array.from(laplacianVariance(Y, 2, 2, 1)));
    expect(() => focusMeasure('sharpest' as never, Y, 2, 2, 1)).toThrow(/Expected one of 'lapv', 'teng', 'wavelet', .* for measure/);
  });
});

describe('depthFromFocus', () => {
  const planesOf = (values: number[]) => values.map((v) => f32([v]));

  it('Gaussian fit on F = exp(-(z - 2.3)^2) gives 2.3', () => {
    // ln F = -(z - 2.3)^2 is an exact parabola: k = 2, l1 = -1.69, l2 = -0.09, l3 = -0.49,
    // den = -1.69 + 0.18 - 0.49 = -2, delta = (-1.69 + 0.49) / -4 = 0.3. FIT_EPS moves it by ~1e-9.
    const F = [0, 1, 2, 3, 4, 5].map((z) => f32([Math.exp(-((z - 2.3) ** 2))]));
    const { depth, argmax } = depthFromFocus(F, 1, 1, 0);
    expect(argmax![0]).toBe(2);
    expect(depth[0]).toBe(Math.fround(2.3));
    // And to the left of a plane: centre 1.8 -> k = 2, delta = -0.2.
    const G = [0, 1, 2, 3].map((z) => f32([Math.exp(-((z - 1.8) ** 2))]));
    expect(depthFromFocus(G, 1, 1, 0).depth[0]).toBe(Math.fround(1.8));
  });

  it('ties take the lowest z; a tie with the right neighbour gives delta = +0.5', () => {
    // F = [1, 2, 2, 1]: k = 1; l0 = l2 = ln 2 (+eps) so delta = (l0 - l2) / (2 den) with l0 = ln 1:
    // den = ln1 - 2 ln2 + ln2 = -ln2, delta = (0 - ln2) / (-2 ln2) = 0.5.
    const { depth, argmax } = depthFromFocus(planesOf([1, 2, 2, 1]), 1, 1, 0);
    expect(argmax![0]).toBe(1);
    expect(depth[0]).toBeCloseTo(1.5, 6);
  });

  it('den >= 0 gives delta 0 (no 0/0)', () => {
    // F = [0, 1e-30, 0]: k = 1, but F + FIT_EPS rounds to FIT_EPS on all three planes, so every l is
    // ln(FIT_EPS) and den = 0: the rule gives delta = 0 (a plain division would give NaN).
    expect(1e-30 + FIT_EPS).toBe(FIT_EPS);
    const { depth, argmax } = depthFromFocus(planesOf([0, 1e-30, 0]), 1, 1, 0);
    expect(argmax![0]).toBe(1);
    expect(depth[0]).toBe(1);
  });

  it('no fit at the first and last plane', () => {
    expect(depthFromFocus(planesOf([5, 4, 1]), 1, 1, 0).depth[0]).toBe(0);
    expect(depthFromFocus(planesOf([1, 4, 5]), 1, 1, 0).depth[0]).toBe(2);
  });

  it('confidence (Fmax - Fmean) / (Fmax + tau)', () => {
    // F = [1, 3, 2], tau = 1: (3 - 2) / (3 + 1) = 0.25.
    expect(depthFromFocus(planesOf([1, 3, 2]), 1, 1, 1).confidence[0]).toBe(0.25);
    // All zero with tau = 0 is 0/0 in the formula: defined as 0.
    expect(depthFromFocus(planesOf([0, 0, 0]), 1, 1, 0).confidence[0]).toBe(0);
    // Equal planes: exactly 0, never a tiny negative.
    expect(depthFromFocus(planesOf([0.1, 0.1, 0.1]), 1, 1, 0).confidence[0]).toBe(0);
  });

  it('Z = 1 and Z = 2', () => {
    const one = depthFromFocus(planesOf([0.7]), 1, 1, 0.1);
    expect([one.depth[0], one.confidence[0], one.argmax![0]]).toEqual([0, 0, 0]);
    // Z = 2, F = [1, 3], tau = 0.5: k = 1, no fit; C = (3 - 2) / 3.5.
    const two = depthFromFocus(planesOf([1, 3]), 1, 1, 0.5);
    expect(two.depth[0]).toBe(1);
    expect(two.confidence[0]).toBeCloseTo(1 / 3.5, 6);
  });

  it('fills dst (argmax only when given) and checks sizes', () => {
    const F = [f32([1, 2]), f32([2, 1])];
    const dst = { depth: new Float32Array(2), confidence: new Float32Array(2) };
    const got = depthFromFocus(F, 2, 1, 0, dst);
    expect(got.depth).toBe(dst.depth);
    expect(got.argmax).toBeUndefined();
    expect(Array.from(got.depth)).toEqual([1, 0]);
    const withArgmax = { ...dst, argmax: new Int32Array(2) };
    expect(Array.from(depthFromFocus(F, 2, 1, 0, withArgmax).argmax!)).toEqual([1, 0]);
    expect(() => depthFromFocus([f32([1])], 2, 1, 0)).toThrow(FocusFuseError);
    expect(() => depthFromFocus([], 1, 1, 0)).toThrow(FocusFuseError);
    expect(() => depthFromFocus([f32([1])], 1, 1, -1)).toThrow(/tau/);
  });
});

describe('smoothDepth', () => {
  // sigma = 1: radius 3, unnormalised taps e^0 = 1, e^-0.5 = 0.6065307, e^-2 = 0.1353353, e^-4.5 = 0.0111090
  // (normalisation cancels in G[CD] / G[C]). Height 1: every vertical tap reads the same row.
  it('two pixels, equal confidence', () => {
    // D = [0, 1], C = [1, 1]. Pixel 0 reads x = -3..3 -> 0,0,0,0,1,1,1: taps at offsets +1..+3 see D = 1:
    // (0.6065307 + 0.1353353 + 0.0111090) / (1 + 2 * 0.7529750) = 0.7529750 / 2.5059500 = 0.3004753.
    const Ds = smoothDepth(f32([0, 1]), f32([1, 1]), 2, 1, 1);
    expect(Ds[0]).toBeCloseTo(0.3004753, 6);
    expect(Ds[1]).toBeCloseTo(1 - 0.3004753, 6);
  });

  it('confidence weights', () => {
    // D = [0, 1], C = [1, 0.5]: pixel 0: numerator 0.5 * 0.7529750 = 0.3764875,
    // denominator 1.7529750 + 0.3764875 = 2.1294625 -> 0.1767993.
    const Ds = smoothDepth(f32([0, 1]), f32([1, 0.5]), 2, 1, 1);
    expect(Ds[0]).toBeCloseTo(0.1767993, 6);
  });

  it('keeps D where the neighbourhood has no confidence', () => {
    // 5x1, C = [1,0,0,0,0], D = [2,9,9,9,9]. x = 1..3 reach x = 0 within radius 3 (G[C] >= w3 / 2.506 = 0.0044),
    // so they take D = 2; x = 4 reads x = 1..4 only: G[C] = 0 < MIN_SMOOTH_WEIGHT -> keeps 9.
    expect(MIN_SMOOTH_WEIGHT).toBeLessThan(0.004);
    expectClose(smoothDepth(f32([2, 9, 9, 9, 9]), f32([1, 0, 0, 0, 0]), 5, 1, 1), [2, 2, 2, 2, 9]);
  });

  it('sigma 0 copies; in place works; a constant D stays constant', () => {
    const D = f32([0.5, 1.5, 2.5]);
    expect(Array.from(smoothDepth(D, f32([0.1, 0.9, 0.3]), 3, 1, 0))).toEqual(Array.from(D));
    const C = f32([0.2, 0.7, 0.4, 0.9, 0.1, 0.5]);
    const flat = f32([3, 3, 3, 3, 3, 3]);
    expectClose(smoothDepth(flat, C, 3, 2, 2.5), [3, 3, 3, 3, 3, 3]);
    const D2 = f32([0, 1, 0, 1, 0, 1]);
    const expected = Array.from(smoothDepth(D2, C, 3, 2, 1.3));
    expect(Array.from(smoothDepth(D2, C, 3, 2, 1.3, D2))).toEqual(expected);
    expect(() => smoothDepth(D, C, 3, 1, -1)).toThrow(/sigma/);
  });
});

describe('composite', () => {
  // Two 1x1 planes.
  const P0 = new Uint8Array([10, 20, 0, 255]);
  const P1 = new Uint8Array([11, 21, 255, 254]);

  it('interpolates all four channels and rounds halves up', () => {
    // Ds = 0.5: 10.5 -> 11, 20.5 -> 21 (half-to-even would give 10, 20), 127.5 -> 128, 254.5 -> 255 (not 254).
    expect(Array.from(composite([P0, P1], f32([0.5]), 1, 1, 'interpolate'))).toEqual([11, 21, 128, 255]);
    // Ds = 0.25: 10.25 -> 10, 20.25 -> 20, 63.75 -> 64, 254.75 -> 255.
    expect(Array.from(composite([P0, P1], f32([0.25]), 1, 1, 'interpolate'))).toEqual([10, 20, 64, 255]);
    // Ds = 1 = Z-1: z0 = 1, t = 0, z1 = min(2, 1) = 1.
    expect(Array.from(composite([P0, P1], f32([1]), 1, 1, 'interpolate'))).toEqual(Array.from(P1));
  });

  it('nearest uses floor(Ds + 0.5), clamped', () => {
    const at = (d: number) => Array.from(composite([P0, P1], f32([d]), 1, 1, 'nearest'));
    expect(at(0.49)).toEqual(Array.from(P0));
    expect(at(0.5)).toEqual(Array.from(P1));
    expect(at(7)).toEqual(Array.from(P1));
    expect(at(-3)).toEqual(Array.from(P0));
    expect(at(NaN)).toEqual(Array.from(P0));
  });

  it('out-of-range depth clamps in interpolate mode too', () => {
    expect(Array.from(composite([P0, P1], f32([-0.5]), 1, 1, 'interpolate'))).toEqual(Array.from(P0));
    expect(Array.from(composite([P0, P1], f32([1.7]), 1, 1, 'interpolate'))).toEqual(Array.from(P1));
    expect(Array.from(composite([P0, P1], f32([NaN]), 1, 1, 'interpolate'))).toEqual(Array.from(P0));
  });

  it('checks its arguments', () => {
    expect(() => composite([P0, new Uint8Array(8)], f32([0]), 1, 1, 'interpolate')).toThrow(FocusFuseError);
    expect(() => composite([P0], f32([0]), 1, 1, 'blend' as never)).toThrow(/composite/);
    const dst = new Uint8Array(4);
    expect(composite([P0], f32([0]), 1, 1, 'nearest', dst)).toBe(dst);
  });
});

describe('stackStats', () => {
  it('focus curve, best plane, histogram, depth and confidence moments', () => {
    // 2 pixels, Z = 3. Curve: [(1+3)/2, (2+2)/2, (0+5)/2] = [2, 2, 2.5] -> best 2.
    // Ds = [0.5, 1.49]: floor(1.0) = 1, floor(1.99) = 1 -> [0, 2, 0]; mean 0.995, std 0.495.
    const s = stackStats([f32([1, 3]), f32([2, 2]), f32([0, 5])], f32([0.5, 1.49]), f32([0.25, 0.5]), 3);
    expect(s.focusCurve).toEqual([2, 2, 2.5]);
    expect(s.bestPlane).toBe(2);
    expect(s.depthHistogram).toEqual([0, 2, 0]);
    expect(s.depthMean).toBeCloseTo(0.995, 6);
    expect(s.depthStd).toBeCloseTo(0.495, 6);
    expect(s.confidenceMean).toBe(0.375);
  });

  it('ties on the curve take the lowest plane; depth clamps into the histogram', () => {
    const s = stackStats([f32([1, 3]), f32([2, 2])], f32([-2, 9]), f32([0, 0]), 2);
    expect(s.bestPlane).toBe(0);
    expect(s.depthHistogram).toEqual([1, 1]);
    expect(() => stackStats([f32([1])], f32([0]), f32([0]), 2)).toThrow(FocusFuseError);
  });
});

describe('fuseCpu / cpuReferenceBackend / cpuBackend', () => {
  // 3x1, Z = 2: plane 0 flat, plane 1 has a pattern, so plane 1 is sharpest where there is contrast.
  const flat = new Uint8Array(12).fill(100);
  const pattern = new Uint8Array([0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 255]);
  const stack = { width: 3, height: 1, planes: [flat, pattern], meta: { name: 'tiny' } };

  it('runs every stage and reports timings', async () => {
    const options = resolveOptions({ measure: 'teng', window: 1, sigma: 0, keepFocus: true });
    const r = fuseCpu(stack, options);
    expect(r.backend).toEqual({ name: 'cpu', runtime: 'TypeScript stages' });
    expect(r.planeCount).toBe(2);
    expect(r.meta).toEqual({ name: 'tiny' });
    expect(r.options).toBe(options);
    expect(Object.keys(r.timings).sort()).toEqual(['composite', 'depth', 'luma', 'measure', 'smooth', 'stats', 'total']);
    expect(r.focus).toHaveLength(2);
    expect(Array.from(r.rawDepth)).toEqual([1, 1, 1]);
    expect(Array.from(r.depth)).toEqual([1, 1, 1]);
    expect(Array.from(r.image)).toEqual(Array.from(pattern));
    expect(r.stats.bestPlane).toBe(1);
    expect(r.confidence.every((c) => c > 0 && c < 1)).toBe(true);
    // Without keepFocus no focus planes are returned, and the backend gives the same maps.
    const viaBackend = await cpuReferenceBackend.fuse(stack, { ...options, keepFocus: false });
    expect(viaBackend.focus).toBeUndefined();
    expect(Array.from(viaBackend.confidence)).toEqual(Array.from(r.confidence));
    expect(cpuReferenceBackend.name).toBe('cpu');
    expect(cpuReferenceBackend.describe()).toBe('cpu (TypeScript reference)');
    // Backend `cpu` is the fast path (teng runs on it too: the exact integer F gives the same maps here).
    const viaFast = await cpuBackend.fuse(stack, { ...options, keepFocus: false });
    expect(Array.from(viaFast.confidence)).toEqual(Array.from(r.confidence));
    expect(cpuBackend.name).toBe('cpu');
    expect(cpuBackend.describe()).toBe('cpu (wasm simd)');
  });

  it('reuses a workspace across stacks of different sizes', () => {
    const ws = createCpuWorkspace();
    const options = resolveOptions({ measure: 'lapv' });
    const a = fuseCpu(stack, options, ws);
    const big = { width: 4, height: 2, planes: [new Uint8Array(32).fill(7), new Uint8Array(32).fill(9)] };
    const b = fuseCpu(big, options, ws);
    expect(b.image.length).toBe(32);
    expect(Array.from(fuseCpu(stack, options, ws).depth)).toEqual(Array.from(a.depth));
    expect(options.tau).toBe(DEFAULT_TAU.lapv);
  });

  it('rejects a malformed stack', () => {
    expect(() => fuseCpu({ width: 2, height: 1, planes: [flat] }, resolveOptions({}))).toThrow(FocusFuseError);
  });

  it('resolves partial options or none (plain-JS callers), as fuse() would', () => {
    const partial = { measure: 'lapv' } as unknown as ResolvedOptions;
    const r = fuseCpu(stack, partial);
    expect(r.options).toEqual(resolveOptions({ measure: 'lapv' }));
    expect(Array.from(r.depth)).toEqual(Array.from(fuseCpu(stack, resolveOptions({ measure: 'lapv' })).depth));
    const none = undefined as unknown as ResolvedOptions;
    expect(fuseCpuFast(stack, none).options).toEqual(resolveOptions({}));
    expect(Array.from(fuseCpuFast(stack, partial).image)).toEqual(Array.from(r.image));
    // A bad value gets fuse()'s message, not an internal RangeError.
    const bad = { window: 'x' } as unknown as ResolvedOptions;
    expect(() => fuseCpuFast(stack, bad)).toThrow("Expected an integer between 0 and 32 for window but received 'x' (string)");
    // Resolved options are taken as they are: the result's options are the object passed.
    const resolved = resolveOptions({ measure: 'teng' });
    expect(fuseCpuFast(stack, resolved).options).toBe(resolved);
  });
});
