/**
 * Stacks larger than one storage binding are tiled into bands with a halo of measure stencil +
 * window + smoothing radius; the tiled result must meet the parity bar against the untiled CPU
 * reference. The binding limit is lowered so small stacks need many bands.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveOptions } from '../src/core/options.js';
import type { FuseOptions } from '../src/core/types.js';
import { fuseCpu } from '../src/cpu/index.js';
import type { NodeWebGpuBackend } from '../src/gpu/node-runtime.js';
import { measureKernelFor } from '../src/gpu/kernels.js';
import { haloRows, planBands } from '../src/gpu/plan.js';
import { assertParity, parity, startGpu, testStack } from './gpu-harness.js';

const WIDTH = 97;
const HEIGHT = 300;
const PLANES = 5;
// 120 rows per band for one energy channel (teng, wavelet), 60 for lapv (two channels).
const MAX_BINDING_BYTES = WIDTH * PLANES * 4 * 120;

let gpu: NodeWebGpuBackend | undefined;
beforeAll(async () => {
  gpu = await startGpu({ backend: { maxBindingBytes: MAX_BINDING_BYTES } });
});
afterAll(async () => {
  await gpu?.dispose();
});

describe('tiled stacks equal the untiled CPU reference', () => {
  const cases: FuseOptions[] = [
    { measure: 'lapv', window: 4, sigma: 3 },
    { measure: 'teng', window: 1, sigma: 0 },
    { measure: 'wavelet', window: 6, sigma: 5, composite: 'nearest' },
    { measure: 'lapv', window: 9, sigma: 2 },
    { measure: 'glv', window: 4, sigma: 2 },
    { measure: 'tenv', window: 3, sigma: 1 },
    // The histogram's Gaussian is 8/3 sigma wide: its halo is that filter's radius.
    { measure: 'teng', window: 2, sigma: 2, depthMode: 'histogram' },
    { measure: 'lapv', window: 3, sigma: 1.5, depthMode: 'histogram', composite: 'nearest' },
  ];
  for (const options of cases) {
    it(JSON.stringify(options), { timeout: 120_000 }, async (ctx) => {
      if (!gpu) return ctx.skip();
      const stack = testStack(WIDTH, HEIGHT, PLANES, { seed: 21 });
      const resolved = resolveOptions({ fusion: 'v1', ...options, keepFocus: true });
      const expectedBands = planBands({
        width: WIDTH,
        height: HEIGHT,
        planes: PLANES,
        channels: measureKernelFor(resolved.measure).channels,
        window: resolved.window,
        sigma: resolved.sigma,
        depthMode: resolved.depthMode,
        composite: resolved.composite,
        maxBindingBytes: MAX_BINDING_BYTES,
      }).length;
      expect(expectedBands).toBeGreaterThan(2);
      const result = await gpu.fuse(stack, resolved);
      expect(result.timings.bands).toBe(expectedBands);
      const cpu = fuseCpu(stack, resolved);
      assertParity(parity(cpu, result), `tiled ${JSON.stringify(options)}`);
      // Statistics add the kept rows of each band once.
      expect(result.stats.depthHistogram.reduce((a, b) => a + b, 0)).toBe(WIDTH * HEIGHT);
      result.stats.focusCurve.forEach((f, z) => expect(Math.abs(f - cpu.stats.focusCurve[z])).toBeLessThanOrEqual(1e-4 * cpu.stats.focusCurve[z]));
    });
  }

  it('edge-aware: bands with its taller halo stay within 0.05 plane of the untiled CPU reference', { timeout: 120_000 }, async (ctx) => {
    if (!gpu) return ctx.skip();
    // The recursive filter has no finite support: the halo (haloRows) bounds the error, it does not remove it.
    const resolved = resolveOptions({ fusion: 'v1', measure: 'teng', window: 4, sigma: 1, depthMode: 'edge-aware', keepFocus: true });
    const stack = testStack(WIDTH, HEIGHT, PLANES, { seed: 21 });
    const bands = planBands({ width: WIDTH, height: HEIGHT, planes: PLANES, channels: 1, window: 4, sigma: 1, depthMode: 'edge-aware', maxBindingBytes: MAX_BINDING_BYTES });
    expect(bands.length).toBeGreaterThan(2);
    expect(haloRows(4, 1, 'edge-aware')).toBeGreaterThan(haloRows(4, 1));
    const result = await gpu.fuse(stack, resolved);
    expect(result.timings.bands).toBe(bands.length);
    // The prior plane and the fallback are decided per band (docs/fusion-v2.md), so Ds can move by up
    // to PRIOR_WEIGHT / (J[W] + PRIOR_WEIGHT) of a plane where evidence is thin; measured 0.025 here.
    const p = parity(fuseCpu(stack, resolved), result);
    expect(p.depthWorst).toBeLessThanOrEqual(0.05);
    expect(p.imageClose).toBeGreaterThanOrEqual(0.999);
    expect(p.imageWorst).toBeLessThanOrEqual(8);
  });

  it('fails clearly when one row plus its halo cannot fit', { timeout: 60_000 }, async (ctx) => {
    if (!gpu) return ctx.skip();
    // 60 rows per band (lapv) cannot hold 2 halos of 3 + 32 + 192 rows.
    expect(haloRows(32, 64) * 2 + 1).toBeGreaterThan(60);
    const stack = testStack(WIDTH, HEIGHT, PLANES, { seed: 2 });
    stack.meta = { name: 'too wide' };
    await expect(gpu.fuse(stack, resolveOptions({ fusion: 'v1', window: 32, sigma: 64 }))).rejects.toThrow(/too wide: .*too wide for the WebGPU engine/);
  });
});
