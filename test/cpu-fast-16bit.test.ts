/**
 * RGBA16 stacks (bitDepth 9..16, no alignment) on the fast CPU path (src/cpu/fast) against the
 * TypeScript reference, which fuses them at their own bit depth (src/cpu/pipeline.ts):
 * - the whole fuse under the parity bar (test/gpu-harness.ts) on the 8-bit image and, the same bar
 *   in 16-bit levels, on `image16`; `image` is `image16` scaled to 8 bits as the reference scales it;
 * - the composite alone, on the fast path's own Ds: every composite within 1 level of the
 *   reference's 16-bit samples (f32 against f64 sums; `nearest` equal), all but 1e-4 equal, and
 *   no sample outside the planes' range the clamp allows;
 * - the fast path is taken (`runtime: 'wasm simd'`) wherever the sweep's integer sums stay exact at
 *   the stack's bit depth (sweepExact), and the reference fuses the rest, bit for bit itself;
 * - the windows at the edge of those bounds on saturated checkerboards (the largest sums a window
 *   meets), and a Uint16Array stack of bitDepth 8 fuses as its 8-bit twin.
 * Odd sizes (1x1, 1xN, Nx1, SIMD tails), Z = 1..21, version 1 and 2, 12 and 16 bits.
 */
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../src/core/options.js';
import { clampDepth, PYRAMID_CLAMP_REACH } from '../src/core/pyramid.js';
import { toRgba8Stack } from '../src/core/stack.js';
import type { CompositeMode, FuseOptions, FuseResult, ZStack } from '../src/core/types.js';
import { fuseCpu, fuseCpuFast } from '../src/cpu/backend.js';
import { composite } from '../src/cpu/composite.js';
import { sweepExact } from '../src/cpu/fast/kernels.js';
import { generateStack } from '../src/synth/generate.js';
import { assertParity, byteDifference as difference, parity } from './gpu-harness.js';
import { checkerboardStack, ODD_SHAPES, random, testStack } from './gpu-stacks.js';

type Wide = ZStack<Uint16Array>;

/**
 * The 8-bit stack widened to `bits` bits: each sample v scaled to v (2^bits - 1) / 255, plus
 * dither below one 8-bit level (so the low bits carry detail, as a camera's do), alpha included.
 */
function widen(stack: ZStack, bits: number, seed = 1): Wide {
  const rng = random(seed);
  const max = 2 ** bits - 1;
  const step = max / 255;
  const planes = stack.planes.map((p) => Uint16Array.from(p, (v) => Math.min(max, Math.max(0, Math.round(v * step + (rng() - 0.5) * step)))));
  return { width: stack.width, height: stack.height, planes, bitDepth: bits };
}

/** The reference's 16-bit composite of `stack` on the fast result's own Ds. */
function referenceComposite(stack: Wide, fast: FuseResult, mode: CompositeMode): Uint16Array {
  return composite(stack.planes, fast.depth, stack.width, stack.height, mode);
}

/** Samples of `image` outside the range of the planes the clamp takes (select: all; pyramid: within reach of Dc). */
function outsideRange(stack: Wide, result: FuseResult, mode: 'pyramid' | 'select'): number {
  const Z = stack.planes.length;
  let outside = 0;
  for (let i = 0; i < stack.width * stack.height; i++) {
    const dc = clampDepth(result.depth[i], Z);
    const [z0, z1] = mode === 'select' ? [0, Z - 1] : [Math.max(0, Math.ceil(dc - PYRAMID_CLAMP_REACH)), Math.min(Z - 1, Math.floor(dc + PYRAMID_CLAMP_REACH))];
    for (let c = 0; c < 4; c++) {
      const j = 4 * i + c;
      let [lo, hi] = [65535, 0];
      for (let z = z0; z <= z1; z++) [lo, hi] = [Math.min(lo, stack.planes[z][j]), Math.max(hi, stack.planes[z][j])];
      if (result.image16![j] < lo || result.image16![j] > hi) outside++;
    }
  }
  return outside;
}

/**
 * The share of composite samples that may round the other way than the reference's: the fast sums
 * are f32 (relative precision 2^-24) where the reference's are f64, so a sample flips where its exact
 * value lies within a few f32 ulps of a half level: ~max 2^-24 of the samples (0.4 % at 16 bits,
 * 0.02 % at 12; the 8-bit suites allow 1e-4).
 */
function roundingShare(stack: Wide): number {
  return 1e-4 + (2 * (2 ** stack.bitDepth! - 1)) / 2 ** 24;
}

/**
 * Fast against reference on a 16-bit stack: the fast path ran, the parity bar on `image` and on
 * `image16` (in 16-bit levels), `image` the 8-bit scaling of `image16`, and the composite alone on
 * the fast Ds within 1 level of the reference's, on all but `offShare` of the samples equal. Returns both results.
 */
function check(stack: Wide, options: FuseOptions, label: string, offShare = roundingShare(stack)): { ref: FuseResult; fast: FuseResult } {
  const resolved = resolveOptions({ ...options, keepFocus: true, onePlane: 'off' });
  const ref = fuseCpu(stack, resolved);
  const fast = fuseCpuFast(stack, resolved);
  expect(fast.backend, `${label}: what ran`).toEqual({ name: 'cpu', runtime: 'wasm simd' });
  expect(fast.image16, `${label}: image16`).toBeInstanceOf(Uint16Array);
  assertParity(parity(ref, fast), `${label} (image)`);
  assertParity(parity({ ...ref, image: ref.image16 as unknown as Uint8Array }, { ...fast, image: fast.image16 as unknown as Uint8Array }), `${label} (image16)`);
  const scaled = toRgba8Stack({ width: stack.width, height: stack.height, planes: [fast.image16!], bitDepth: stack.bitDepth }).planes[0];
  expect(Buffer.compare(Buffer.from(fast.image), Buffer.from(scaled)), `${label}: image is image16 at 8 bits`).toBe(0);
  const mode = resolved.composite;
  const alone = difference(fast.image16!, referenceComposite(stack, fast, mode));
  expect(alone.worst, `${label}: ${mode} on the same Ds, worst sample`).toBeLessThanOrEqual(mode === 'nearest' ? 0 : 1);
  expect(alone.off / fast.image16!.length, `${label}: ${mode} on the same Ds, share of samples off`).toBeLessThan(offShare + 8 / fast.image16!.length);
  if (mode === 'pyramid' || mode === 'select') expect(outsideRange(stack, fast, mode), `${label}: samples outside the clamp's range`).toBe(0);
  return { ref, fast };
}

const PRESETS: FuseOptions[] = [{ fusion: 'v2' }, { fusion: 'v1' }];

describe.each([12, 16])('fast CPU path, %i-bit stacks', (bits) => {
  // Version 1's lapv over the 9x9 window passes its integer bounds at 16 bits (sweepExact): window 1 there.
  const lapvWindow = bits === 16 ? 1 : 4;

  it.each([...ODD_SHAPES, [33, 17, 11], [130, 66, 7]])('%ix%i, Z = %i: version 1 and 2', (w, h, z) => {
    const stack = widen(testStack(w, h, z, { seed: w * 31 + h + z + bits, alpha: true }), bits, bits);
    for (const preset of PRESETS) {
      const window = preset.fusion === 'v1' ? lapvWindow : 4;
      check(stack, { ...preset, window }, `${w}x${h}x${z} ${bits}-bit ${preset.fusion}`);
    }
  });

  it.each(['select', 'pyramid', 'interpolate', 'nearest'] as const)('every composite: %s (101x77 x 11, sigma 0 and 3)', (mode) => {
    const stack = widen(testStack(101, 77, 11, { seed: 7, alpha: true }), bits, 3);
    for (const sigma of [0, 3]) check(stack, { composite: mode, sigma }, `101x77x11 ${bits}-bit ${mode} sigma ${sigma}`);
  });

  it('synthetic cytology, 384x384 x 11, version 1 and 2', () => {
    const stack = widen(generateStack({ seed: 3, width: 384, height: 384, planes: 11 }).stack, bits, 5);
    for (const preset of PRESETS) check(stack, { ...preset, window: preset.fusion === 'v1' ? lapvWindow : 4 }, `synth cytology ${bits}-bit ${preset.fusion}`);
  });
});

describe('fast CPU path, 16-bit bounds and fallbacks', () => {
  it('alpha at 65535 (what loadStack gives a 12-bit stack) keeps version 1 on the fast path: the sweep reads only R, G, B', () => {
    const stack = widen(testStack(64, 48, 7, { seed: 5 }), 12);
    for (const plane of stack.planes) for (let i = 3; i < plane.length; i += 4) plane[i] = 65535;
    const { fast } = check(stack, { fusion: 'v1' }, '12-bit v1, alpha 65535');
    expect(fast.backend.runtime).toBe('wasm simd');
  });

  it('takes the windows whose sums stay exact and hands the others to the reference, which then fuses bit for bit', () => {
    expect([sweepExact('teng', 5, 65535), sweepExact('teng', 6, 65535), sweepExact('teng', 32, 4095)]).toEqual([true, false, true]);
    expect([sweepExact('lapv', 1, 65535), sweepExact('lapv', 2, 65535), sweepExact('lapv', 7, 4095), sweepExact('lapv', 8, 4095)]).toEqual([true, false, true, false]);
    const stack = widen(testStack(37, 23, 5, { seed: 2 }), 16);
    for (const options of [{ fusion: 'v2', window: 6 }, { fusion: 'v1', window: 4 }, { measure: 'sml' }] as FuseOptions[]) {
      const resolved = resolveOptions(options);
      const fast = fuseCpuFast(stack, resolved);
      const ref = fuseCpu(stack, resolved);
      expect(fast.backend.runtime, JSON.stringify(options)).toBe('TypeScript stages');
      expect(Buffer.compare(Buffer.from(fast.image16!.buffer), Buffer.from(ref.image16!.buffer))).toBe(0);
      expect(Buffer.compare(Buffer.from(fast.depth.buffer), Buffer.from(ref.depth.buffer))).toBe(0);
    }
    // Alignment resamples 8-bit planes: an aligned 16-bit stack is fused at 8 bits (README "High bit depth").
    const aligned = fuseCpuFast(stack, resolveOptions({ align: 'translation' }));
    expect(aligned.image16).toBeUndefined();
  });

  it('samples past their declared bitDepth are refused before any stage (validateStack), on the fast path as on the reference', () => {
    // 16-bit samples declared 12-bit (a caller's slip): they would be clipped, and lapv r = 4's sweep
    // bounds rest on 12-bit samples, so the stack is refused with what to fix (test/stack-input.test.ts).
    const stack: Wide = { ...widen(testStack(37, 23, 7, { seed: 6 }), 16), bitDepth: 12 };
    const v1 = resolveOptions({ fusion: 'v1' });
    expect(() => fuseCpuFast(stack, v1)).toThrow(/Expected samples up to 4095 for bitDepth 12 but plane \d+ holds \d+/);
    expect(() => fuseCpu(stack, v1)).toThrow(/Expected samples up to 4095 for bitDepth 12 but plane \d+ holds \d+/);
    expect(() => fuseCpuFast(stack, resolveOptions({ fusion: 'v2' }))).toThrow(/for bitDepth 12/);
    // Within 12 bits it runs fast.
    expect(fuseCpuFast(widen(testStack(37, 23, 7, { seed: 6 }), 12), v1).backend.runtime).toBe('wasm simd');
  });

  it('saturated checkerboards at the largest exact windows: teng r = 5 at 16 bits, lapv r = 7 at 12 bits (the one-row path, numerators past 2^63 corrected), lapv r = 1 at 16 bits', () => {
    for (const [bits, cell, options] of [[16, 2, { fusion: 'v2', window: 5 }], [12, 1, { fusion: 'v1', window: 7 }], [16, 1, { fusion: 'v1', window: 1 }]] as const) {
      const board = checkerboardStack(48, cell);
      const max = 2 ** bits - 1;
      const stack: Wide = { ...board, planes: board.planes.map((p) => Uint16Array.from(p, (v) => Math.round((v * max) / 255))), bitDepth: bits };
      // Saturated 0 / max cells blend into sums that lie on half levels exactly (max m / 2^k), where
      // f32 and f64 round apart far more often than on camera data: the composite's worst bound (1) holds.
      const { fast } = check(stack, options, `checkerboard ${bits}-bit ${JSON.stringify(options)}`, 0.05);
      expect(fast.stats.bestPlane).toBeGreaterThan(0);
    }
  });

  it('a Uint16Array stack of bitDepth 8 fuses as its 8-bit twin: the same maths on the 16-bit code path', () => {
    const eight = testStack(37, 23, 11, { seed: 8, alpha: true });
    const wide: Wide = { ...eight, planes: eight.planes.map((p) => Uint16Array.from(p)), bitDepth: 8 };
    for (const options of [{ fusion: 'v2', composite: 'interpolate' }, { fusion: 'v1' }, { fusion: 'v1', composite: 'nearest', measure: 'teng' }] as FuseOptions[]) {
      const resolved = resolveOptions(options);
      const a = fuseCpuFast(eight, resolved);
      const b = fuseCpuFast(wide, resolved);
      expect(b.backend.runtime).toBe('wasm simd');
      for (const key of ['depth', 'rawDepth', 'confidence'] as const) expect(Buffer.compare(Buffer.from(a[key].buffer), Buffer.from(b[key].buffer)), `${JSON.stringify(options)} ${key}`).toBe(0);
      expect([...b.image16!]).toEqual([...a.image]);
      expect(Buffer.compare(Buffer.from(a.image), Buffer.from(b.image))).toBe(0);
    }
  });
});
