/**
 * The fast CPU path (src/cpu/fast, WebAssembly SIMD) against the TypeScript reference, under the
 * parity bar (test/gpu-harness.ts): odd sizes, Z = 1..21, windows 0..32 (larger than the image too), sigma 0
 * and 3, flat planes, synthetic cytology and a real stack. Exact where the fast path claims it: flat
 * windows give F = 0 exactly, hence the reference's depth (plane 0) and confidence (0).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../src/core/options.js';
import type { FuseOptions, ZStack } from '../src/core/types.js';
import { cpuBackend, fastCpuReady, fuseCpu, fuseCpuFast, initFastCpu } from '../src/cpu/backend.js';
import { statsFromCurve } from '../src/cpu/stats.js';
import { generateStack } from '../src/synth/generate.js';
import { loadStack } from '../src/io/load-stack.js';
import { fastAgainstReference } from './gpu-harness.js';
import { ODD_SHAPES, checkerboardStack, noisyStack } from './gpu-stacks.js';


function check(stack: ZStack, options: FuseOptions, label: string): void {
  const resolved = resolveOptions({ fusion: 'v1', ...options, keepFocus: true });
  const { ref, fast } = fastAgainstReference(stack, resolved, label);
  expect(fast.stats.bestPlane).toBe(ref.stats.bestPlane);
  expect(fast.stats.depthHistogram.reduce((a, b) => a + b, 0)).toBe(stack.width * stack.height);
  for (let z = 0; z < stack.planes.length; z++) expect(fast.stats.focusCurve[z]).toBeCloseTo(ref.stats.focusCurve[z], 5);
  expect(fast.stats.depthMean).toBeCloseTo(ref.stats.depthMean, 2);
  expect(fast.stats.confidenceMean).toBeCloseTo(ref.stats.confidenceMean, 3);
  // The histogram and sums come from wasm (depthSums): the same sums, in the same order, as the
  // shared TS definition over the fast path's own Ds and C, so equal to the last bit.
  expect(fast.stats).toEqual(statsFromCurve(fast.stats.focusCurve, fast.depth, fast.confidence));
}

describe('fast CPU path', () => {
  it('loads (WebAssembly SIMD is in every supported Node) and backend cpu says it runs on it', async () => {
    expect(await initFastCpu()).toBe(true);
    expect(fastCpuReady()).toBe(true);
    expect(cpuBackend.describe()).toBe('cpu (wasm simd)');
  });

  it.each(ODD_SHAPES)('odd size %ix%i, Z = %i, every window 0..32', (w, h, z) => {
    const stack = noisyStack(w, h, z, w * 31 + h);
    // 22 and 23: the last window of the four-row path and the first of the one-row loop.
    for (const window of [0, 1, 4, 17, 22, 23, 32]) {
      for (const sigma of [0, 3]) check(stack, { window, sigma }, `${w}x${h}x${z} window ${window} sigma ${sigma}`);
    }
  });

  it('385x383, Z = 3 and 21 x 64x48 (window 4, sigma 3, both composites)', () => {
    check(noisyStack(385, 383, 3, 7), {}, '385x383x3');
    check(noisyStack(64, 48, 21, 9), { composite: 'nearest' }, '64x48x21 nearest');
    check(noisyStack(64, 48, 21, 9), { sigma: 1.5, window: 2 }, '64x48x21');
  });

  it('flat planes: F exactly 0 (lapv and teng), so depth is plane 0 and confidence 0, as on the reference', () => {
    const planes = [10, 200, 90].map((v) => new Uint8Array(19 * 13 * 4).fill(v));
    const stack = { width: 19, height: 13, planes };
    for (const measure of ['lapv', 'teng'] as const) {
      for (const window of [0, 4, 32]) {
        const options = resolveOptions({ fusion: 'v1', measure, keepFocus: true, window });
        const ref = fuseCpu(stack, options);
        const fast = fuseCpuFast(stack, options);
        expect(fast.backend.runtime).toBe('wasm simd');
        for (const f of fast.focus!) expect(f.every((v) => v === 0)).toBe(true);
        expect(Array.from(fast.rawDepth)).toEqual(Array.from(ref.rawDepth));
        expect(Array.from(fast.depth)).toEqual(Array.from(ref.depth));
        expect(Array.from(fast.confidence)).toEqual(Array.from(ref.confidence));
        expect(Array.from(fast.image)).toEqual(Array.from(ref.image));
        expect(fast.depth.every((d) => d === 0)).toBe(true);
      }
    }
  });

  it('a saturated checkerboard at windows 32, 26 and 22: the window sums pass 2^64 and are still right', () => {
    // |L| = 4 x 255000 everywhere, so area S2 - S1^2 is about 1.86e19 > 2^64 at r = 32.
    const stack = checkerboardStack(70, 1);
    check(stack, { window: 32 }, 'checkerboard r=32');
    check(stack, { window: 26 }, 'checkerboard r=26');
    check(stack, { window: 22 }, 'checkerboard r=22 (four rows at once)');
  });

  it('synthetic cytology, 384x384 x 11 (version 1)', () => {
    const { stack } = generateStack({ seed: 3, width: 384, height: 384, planes: 11 });
    check(stack, {}, 'synth cytology');
    // align auto on this registered stack applies nothing: exactly align none's result, on the fast path.
    const none = fuseCpuFast(stack, resolveOptions({ fusion: 'v1' }));
    const auto = fuseCpuFast(stack, resolveOptions({ fusion: 'v1', align: 'auto' }));
    expect(auto.alignment?.applied).toBe(false);
    expect(auto.backend.runtime).toBe('wasm simd');
    expect(Buffer.compare(Buffer.from(auto.image), Buffer.from(none.image))).toBe(0);
    expect(Array.from(auto.depth)).toEqual(Array.from(none.depth));
  });

  it('the default, the v2 preset (teng, histogram, select), runs every stage in wasm within the parity bar', async () => {
    const { stack } = generateStack({ seed: 3, width: 384, height: 384, planes: 11 });
    expect(resolveOptions()).toEqual(resolveOptions({ fusion: 'v2' }));
    check(stack, { fusion: 'v2' }, 'v2 on synth cytology');
    check(noisyStack(37, 23, 11, 5), { fusion: 'v2' }, 'v2 on 37x23x11');
    check(noisyStack(1, 17, 3, 6), { fusion: 'v2' }, 'v2 on 1x17x3');
    const tools = await loadStack(join(import.meta.dirname, 'fixtures/real/tools'));
    check(tools as ZStack, { fusion: 'v2' }, 'v2 on real tools');
  });

  it('a real stack (test/fixtures/real/tools, 712x495 x 6), windows 4 and 17', async () => {
    const stack = await loadStack(join(import.meta.dirname, 'fixtures/real/tools'));
    check(stack as ZStack, {}, 'real tools');
    check(stack as ZStack, { window: 17, sigma: 0 }, 'real tools, window 17');
  });

  it('options it does not cover run on the reference stages: the very same result', () => {
    const stack = noisyStack(29, 17, 5, 3);
    for (const options of [{ measure: 'wavelet' as const }, { depthMode: 'edge-aware' as const }]) {
      const resolved = resolveOptions(options);
      const ref = fuseCpu(stack, resolved);
      const fast = fuseCpuFast(stack, resolved);
      expect(Array.from(fast.depth)).toEqual(Array.from(ref.depth));
      expect(Array.from(fast.image)).toEqual(Array.from(ref.image));
      expect(fast.backend).toEqual({ name: 'cpu', runtime: 'TypeScript stages' }); // the result says the reference ran
    }
  });

  it('a 16-bit stack without alignment keeps its 16 bits, on the fast stages (test/cpu-fast-16bit.test.ts has the parity)', () => {
    const planes = noisyStack(16, 12, 3, 5).planes.map((p) => Uint16Array.from(p, (v) => v * 16));
    const stack = { width: 16, height: 12, planes, bitDepth: 12 };
    const options = resolveOptions({ fusion: 'v1' });
    const fast = fuseCpuFast(stack, options);
    expect(fast.backend.runtime).toBe('wasm simd');
    expect(fast.image16).toBeDefined();
    expect(Array.from(fast.image16!)).toEqual(Array.from(fuseCpu(stack, options).image16!));
  });

  it('reuses its memory across stacks of different shapes (big, small, big again)', () => {
    const options = resolveOptions({ fusion: 'v1', keepFocus: true });
    const a = noisyStack(40, 30, 4, 1);
    const b = noisyStack(9, 7, 2, 2);
    const first = fuseCpuFast(a, options);
    fuseCpuFast(b, options);
    const again = fuseCpuFast(a, options);
    expect(Array.from(again.depth)).toEqual(Array.from(first.depth));
    expect(Array.from(again.image)).toEqual(Array.from(first.image));
    check(b, {}, 'small after big');
  });
});
