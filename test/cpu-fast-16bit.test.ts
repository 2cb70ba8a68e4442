/**
 * RGBA16 stacks (bitDepth 9..16, no alignment) on the fast CPU path (src/cpu/fast) against the
 * TypeScript reference, which fuses them at their own bit depth (src/cpu/pipeline.ts):
 * - the whole fuse under the parity bar (test/gpu-harness.ts) on the 8-bit image and, the same bar
 *   in 16-bit levels, on `image16`; `image` is `image16` scaled to 8 bits as the reference scales it;
 * - the composite alone, on the fast path's own Ds: every composite within 1 level of the
 *   reference's 16-bit samples (f32 against f64 sums; `nearest` equal), all but 1e-4 equal, and
 *   no sample outside the planes' range the clamp allows;
 * - the fast path is taken (`runtime: 'wasm simd'`) wherever the sweep's integer sums stay exact at
 *   the stack's bit depth (sweepExact: every window of lapv and teng up to 16 bits), and the
 *   reference fuses what the fast stages do not cover, bit for bit itself;
 * - lapv's and teng's F bit for bit BigInt oracles (the exact sums rounded once) at 12 and 16 bits on
 *   every path of the sweep (four rows on i32 / u64 sums, one row, four rows on 64-bit sums), up to r = 32;
 * - the windows at the edge of those bounds on saturated checkerboards (the largest sums a window
 *   meets), and a Uint16Array stack of bitDepth 8 fuses as its 8-bit twin.
 * Odd sizes (1x1, 1xN, Nx1, SIMD tails), Z = 1..21, version 1 and 2, 12 and 16 bits.
 */
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../src/core/options.js';
import { samplesOutsideClamp } from './expect-helpers.js';
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
 * lapv's F of one RGBA16 plane from integers, as the fast path defines it: N = 299 R + 587 G + 114 B,
 * its Laplacian L with clamped reads, the window sums S1 = sum L and S2 = sum L^2 with clamped reads
 * (BigInt: S2 passes 2^64 at 16 bits), F = (area S2 - S1^2) / (area^2 D^2), D = 1000 (2^bits - 1):
 * the exact numerator rounded to f64 once, times the f64 reciprocal, rounded to f32.
 */
function exactLapv(rgba: Uint16Array, width: number, height: number, r: number, bits: number): Float32Array {
  const clampX = (x: number) => Math.min(width - 1, Math.max(0, x));
  const clampY = (y: number) => Math.min(height - 1, Math.max(0, y));
  const luma = (x: number, y: number): number => {
    const i = 4 * (clampY(y) * width + clampX(x));
    return 299 * rgba[i] + 587 * rgba[i + 1] + 114 * rgba[i + 2];
  };
  const lap = Array.from({ length: width * height }, (_, i) => {
    const [x, y] = [i % width, Math.floor(i / width)];
    return BigInt(luma(x - 1, y) + luma(x + 1, y) + luma(x, y - 1) + luma(x, y + 1) - 4 * luma(x, y));
  });
  // Column sums over the window's rows, then along the row: both with clamped reads.
  const col1: bigint[] = [];
  const col2: bigint[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let [s1, s2] = [0n, 0n];
      for (let dy = -r; dy <= r; dy++) {
        const l = lap[clampY(y + dy) * width + x];
        [s1, s2] = [s1 + l, s2 + l * l];
      }
      col1.push(s1);
      col2.push(s2);
    }
  }
  const area = (2 * r + 1) ** 2;
  const d = 1000 * (2 ** bits - 1);
  const scale = 1 / (area * area * (d * d));
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let [s1, s2] = [0n, 0n];
      for (let dx = -r; dx <= r; dx++) {
        const i = y * width + clampX(x + dx);
        [s1, s2] = [s1 + col1[i], s2 + col2[i]];
      }
      out[y * width + x] = Number(BigInt(area) * s2 - s1 * s1) * scale;
    }
  }
  return out;
}

/**
 * teng's F of one RGBA16 plane from integers: the Sobel of N with clamped reads, E = Gx^2 + Gy^2, its
 * window sum S with clamped reads (BigInt: S passes 2^64 at 16 bits from r = 6), F = S / (area D^2)
 * rounded once to f64, times the f64 reciprocal, rounded to f32.
 */
function exactTeng(rgba: Uint16Array, width: number, height: number, r: number, bits: number): Float32Array {
  const clampX = (x: number) => Math.min(width - 1, Math.max(0, x));
  const clampY = (y: number) => Math.min(height - 1, Math.max(0, y));
  const luma = (x: number, y: number): number => {
    const i = 4 * (clampY(y) * width + clampX(x));
    return 299 * rgba[i] + 587 * rgba[i + 1] + 114 * rgba[i + 2];
  };
  const energy = Array.from({ length: width * height }, (_, i) => {
    const [x, y] = [i % width, Math.floor(i / width)];
    const gx = BigInt(luma(x + 1, y - 1) + 2 * luma(x + 1, y) + luma(x + 1, y + 1) - (luma(x - 1, y - 1) + 2 * luma(x - 1, y) + luma(x - 1, y + 1)));
    const gy = BigInt(luma(x - 1, y + 1) + 2 * luma(x, y + 1) + luma(x + 1, y + 1) - (luma(x - 1, y - 1) + 2 * luma(x, y - 1) + luma(x + 1, y - 1)));
    return gx * gx + gy * gy;
  });
  const area = (2 * r + 1) ** 2;
  const d = 1000 * (2 ** bits - 1);
  const scale = 1 / (area * (d * d));
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0n;
      for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) sum += energy[clampY(y + dy) * width + clampX(x + dx)];
      out[y * width + x] = Number(sum) * scale;
    }
  }
  return out;
}

/** A saturated checkerboard (0 and 2^bits - 1, cells of `cell` px, on planes 1 and 2) as RGBA16. */
function wideCheckerboard(side: number, cell: number, bits: number): Wide {
  const board = checkerboardStack(side, cell);
  const max = 2 ** bits - 1;
  return { ...board, planes: board.planes.map((p) => Uint16Array.from(p, (v) => Math.round((v * max) / 255))), bitDepth: bits };
}

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
  if (mode === 'pyramid' || mode === 'select') expect(samplesOutsideClamp(stack.planes, fast.depth, fast.image16!, mode), `${label}: samples outside the clamp's range`).toBe(0);
  return { ref, fast };
}

const PRESETS: FuseOptions[] = [{ fusion: 'v2' }, { fusion: 'v1' }];

describe.each([12, 16])('fast CPU path, %i-bit stacks', (bits) => {
  it.each([...ODD_SHAPES, [33, 17, 11], [130, 66, 7]])('%ix%i, Z = %i: version 1 and 2', (w, h, z) => {
    const stack = widen(testStack(w, h, z, { seed: w * 31 + h + z + bits, alpha: true }), bits, bits);
    for (const preset of PRESETS) check(stack, preset, `${w}x${h}x${z} ${bits}-bit ${preset.fusion}`);
  });

  it.each(['select', 'pyramid', 'interpolate', 'nearest'] as const)('every composite: %s (101x77 x 11, sigma 0 and 3)', (mode) => {
    const stack = widen(testStack(101, 77, 11, { seed: 7, alpha: true }), bits, 3);
    for (const sigma of [0, 3]) check(stack, { composite: mode, sigma }, `101x77x11 ${bits}-bit ${mode} sigma ${sigma}`);
  });

  it('synthetic cytology, 384x384 x 11, version 1 and 2', () => {
    const stack = widen(generateStack({ seed: 3, width: 384, height: 384, planes: 11 }).stack, bits, 5);
    for (const preset of PRESETS) check(stack, preset, `synth cytology ${bits}-bit ${preset.fusion}`);
  });

  it('teng F bit for bit the integer oracle, windows 0..32 (u64 sums to r = 5 at 16 bits, the words summed apart past that)', () => {
    for (const [w, h] of [[29, 17], [1, 13], [13, 1]]) {
      const stack = widen(testStack(w, h, 3, { seed: 3 * w + h + bits, alpha: true }), bits, h);
      for (const window of [0, 1, 4, 5, 6, 9, 17, 32]) {
        const fast = fuseCpuFast(stack, resolveOptions({ fusion: 'v2', window, keepFocus: true }));
        expect(fast.backend.runtime, `${w}x${h} r = ${window}: what ran`).toBe('wasm simd');
        for (let z = 0; z < 3; z++) expect(fast.focus![z], `${w}x${h} r = ${window}, plane ${z}`).toEqual(exactTeng(stack.planes[z], w, h, window, bits));
      }
    }
  });

  it('lapv F bit for bit the integer oracle at every path of the sweep, windows 0..32 (37x23 x 3, 1x17, 23x1)', () => {
    // 16 bits: r = 0 four rows on i32 sums, r = 1 one row, r >= 2 four rows on 64-bit sums; 12 bits:
    // four rows on i32 sums up to r = 4, one row to r = 7, 64-bit sums from r = 8.
    const windows = [0, 1, 2, 3, 4, 7, 8, 9, 17, 22, 23, 32];
    for (const [w, h] of [[37, 23], [1, 17], [23, 1]]) {
      const stack = widen(testStack(w, h, 3, { seed: w + h + bits, alpha: true }), bits, w);
      for (const window of windows) {
        const fast = fuseCpuFast(stack, resolveOptions({ fusion: 'v1', window, keepFocus: true }));
        expect(fast.backend.runtime, `${w}x${h} r = ${window}: what ran`).toBe('wasm simd');
        for (let z = 0; z < 3; z++) expect(fast.focus![z], `${w}x${h} r = ${window}, plane ${z}`).toEqual(exactLapv(stack.planes[z], w, h, window, bits));
      }
    }
  });
});

describe('fast CPU path, 16-bit bounds and fallbacks', () => {
  it('alpha at 65535 (what loadStack gives a 12-bit stack) keeps version 1 on the fast path: the sweep reads only R, G, B', () => {
    const stack = widen(testStack(64, 48, 7, { seed: 5 }), 12);
    for (const plane of stack.planes) for (let i = 3; i < plane.length; i += 4) plane[i] = 65535;
    const { fast } = check(stack, { fusion: 'v1' }, '12-bit v1, alpha 65535');
    expect(fast.backend.runtime).toBe('wasm simd');
  });

  it('takes every window of both measures (exact sums), hands the options it does not cover to the reference, which then fuses bit for bit', () => {
    // Every window up to MAX_WINDOW at 12 and 16 bits: the 64-bit sums past the i32 / u64 ones' bounds.
    const every = (measure: 'lapv' | 'teng') => Array.from({ length: 33 }, (_, r) => sweepExact(measure, r, 65535) && sweepExact(measure, r, 4095));
    expect([every('lapv'), every('teng')]).toEqual([Array(33).fill(true), Array(33).fill(true)]);
    const stack = widen(testStack(37, 23, 5, { seed: 2 }), 16);
    for (const options of [{ fusion: 'v1' }, { fusion: 'v2', window: 6 }, { fusion: 'v2', window: 32 }] as FuseOptions[]) {
      expect(fuseCpuFast(stack, resolveOptions(options)).backend.runtime, `${JSON.stringify(options)} at 16 bits`).toBe('wasm simd');
    }
    for (const options of [{ measure: 'sml' }, { fusion: 'v1', depthMode: 'edge-aware' }] as FuseOptions[]) {
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

  it('saturated checkerboards at the paths\' edges: teng r = 5, 6 and 32 at 16 bits, lapv r = 7 at 12 bits (the one-row path, numerators past 2^63 corrected), lapv r = 1, 4 and 32 at 16 bits', () => {
    const cases = [[16, 2, { fusion: 'v2', window: 5 }], [16, 2, { fusion: 'v2', window: 6 }], [16, 1, { fusion: 'v2', window: 32 }], [12, 1, { fusion: 'v1', window: 7 }], [16, 1, { fusion: 'v1', window: 1 }], [16, 1, { fusion: 'v1' }], [16, 2, { fusion: 'v1', window: 32 }], [16, 1, { fusion: 'v1', window: 32 }]] as const;
    for (const [bits, cell, options] of cases) {
      const stack = wideCheckerboard(48, cell, bits);
      // Saturated 0 / max cells blend into sums that lie on half levels exactly (max m / 2^k), where
      // f32 and f64 round apart far more often than on camera data: the composite's worst bound (1) holds.
      const { fast } = check(stack, options, `checkerboard ${bits}-bit ${JSON.stringify(options)}`, 0.05);
      expect(fast.stats.bestPlane).toBeGreaterThan(0);
    }
  });

  it('lapv and teng on saturated checkerboards (|L| = 4 D, the largest numerators: 2^68.6 at r = 4, 2^80 at r = 32; teng\'s sums to 2^75) bit for bit the integer oracles', () => {
    for (const [bits, cell] of [[16, 1], [16, 3], [12, 1]]) {
      const stack = wideCheckerboard(21, cell, bits);
      for (const window of [2, 4, 6, 8, 17, 32]) {
        const lapv = fuseCpuFast(stack, resolveOptions({ fusion: 'v1', window, keepFocus: true }));
        const teng = fuseCpuFast(stack, resolveOptions({ fusion: 'v2', window, keepFocus: true }));
        expect([lapv.backend.runtime, teng.backend.runtime]).toEqual(['wasm simd', 'wasm simd']);
        for (let z = 0; z < 3; z++) {
          expect(lapv.focus![z], `lapv ${bits}-bit cell ${cell} r = ${window}, plane ${z}`).toEqual(exactLapv(stack.planes[z], 21, 21, window, bits));
          expect(teng.focus![z], `teng ${bits}-bit cell ${cell} r = ${window}, plane ${z}`).toEqual(exactTeng(stack.planes[z], 21, 21, window, bits));
        }
      }
    }
  });

  it('lapv where the window\'s L is one large constant (a parabola along x): F = 0 exactly, though S1^2 needs 54 bits', () => {
    // G = b (x - 5)^2 on 11 columns: L = 2 x 587 b at x = 1..9, so the 9 x 9 window at x = 5 holds one
    // value: area S2 - S1^2 = 0 exactly, while S1^2 = (81 x 1174 b)^2 rounds in f64 (an estimate alone
    // leaves a residue there). Rows alike, any height.
    const parabola = (b: number) => {
      const plane = new Uint16Array(11 * 3 * 4);
      for (let i = 0; i < 33; i++) plane.set([0, b * ((i % 11) - 5) ** 2, 0, 65535], 4 * i);
      return plane;
    };
    const stack: Wide = { width: 11, height: 3, planes: [parabola(2621), parabola(2619), parabola(1311)], bitDepth: 16 };
    const fast = fuseCpuFast(stack, resolveOptions({ fusion: 'v1', keepFocus: true }));
    expect(fast.backend.runtime).toBe('wasm simd');
    for (let z = 0; z < 3; z++) {
      expect(fast.focus![z], `plane ${z}`).toEqual(exactLapv(stack.planes[z], 11, 3, 4, 16));
      expect([0, 1, 2].map((y) => fast.focus![z][y * 11 + 5]), `plane ${z}: F at x = 5`).toEqual([0, 0, 0]);
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
