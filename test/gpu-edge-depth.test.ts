/**
 * The `edge-aware` depth mode on WebGPU against the CPU reference (docs/fusion-v2.md), held to the
 * parity bar (test/gpu-harness.ts): its recursive filter runs in f32 on the GPU and f64 on the CPU, but every
 * sum is of positive terms with feedback < 1, so the rounding does not grow along a line and the same
 * bar holds. Runs on the Node WebGPU runtime; without an adapter it skips locally and fails in CI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveOptions } from '../src/core/options.js';
import type { FuseOptions, ZStack } from '../src/core/types.js';
import type { NodeWebGpuBackend } from '../src/gpu/node-runtime.js';
import { checkParity, startGpu, testStack } from './gpu-harness.js';
import { haloChart, invertedStack } from './halo-chart.js';

let gpu: NodeWebGpuBackend | undefined;
beforeAll(async () => {
  gpu = await startGpu();
});
afterAll(async () => {
  await gpu?.dispose();
});

const check = (stack: ZStack, options: FuseOptions = {}) => checkParity(gpu!, stack, { fusion: 'v1', depthMode: 'edge-aware' }, options);

describe('edge-aware depth on WebGPU', () => {
  it('meets the bar on odd sizes and Z = 1, 2, 3, 11, 21', async (ctx) => {
    if (!gpu) return ctx.skip();
    for (const [w, h, z] of [
      [37, 29, 1],
      [53, 41, 2],
      [67, 45, 3],
      [97, 83, 11],
      [31, 23, 21],
    ]) {
      await check(testStack(w, h, z, { seed: w }));
    }
  });

  it('meets the bar on 1xN and Nx1 images', async (ctx) => {
    if (!gpu) return ctx.skip();
    await check(testStack(1, 57, 5, { seed: 3 }));
    await check(testStack(61, 1, 5, { seed: 4 }));
  });

  it('meets the bar with other windows, sigmas and measures', async (ctx) => {
    if (!gpu) return ctx.skip();
    const stack = testStack(71, 53, 7, { seed: 9 });
    await check(stack, { window: 2, sigma: 1.5 });
    await check(stack, { measure: 'teng', sigma: 5 });
    const { cpu, gpu: result } = await check(stack, { sigma: 0 });
    expect(result.depth).toEqual(result.rawDepth);
    expect(cpu.depth).toEqual(cpu.rawDepth);
  });

  it('gives the halo chart the same depth as the CPU, and the inverted stack the same single plane', async (ctx) => {
    if (!gpu) return ctx.skip();
    const chart = haloChart();
    const { cpu, gpu: result } = await check(chart.stack);
    let near = 0;
    for (const d of result.depth) if (Math.abs(d - chart.focusPlane) <= 0.5) near++;
    expect(near / result.depth.length).toBeGreaterThanOrEqual(0.95);
    expect(cpu.depth.length).toBe(result.depth.length);
    const inverted = invertedStack();
    const both = await check(inverted.stack);
    expect(Array.from(new Set(both.gpu.depth))).toEqual([inverted.focusPlane]);
    expect(both.gpu.image).toEqual(inverted.stack.planes[inverted.focusPlane]);
    expect(both.gpu.depthFallback).toEqual({ reason: 'inverted', plane: inverted.focusPlane });
    expect(result.depthFallback).toBeUndefined();
  });

  it('leaves version 1 byte-identical: gaussian (the v1 preset) is unchanged by the mode', async (ctx) => {
    if (!gpu) return ctx.skip();
    const stack = testStack(45, 39, 5, { seed: 2 });
    const byDefault = await gpu.fuse(stack, resolveOptions({ fusion: 'v1', backend: 'webgpu' }));
    const named = await gpu.fuse(stack, resolveOptions({ fusion: 'v1', backend: 'webgpu', depthMode: 'gaussian' }));
    expect(named.depth).toEqual(byDefault.depth);
    expect(named.image).toEqual(byDefault.image);
    const edge = await gpu.fuse(stack, resolveOptions({ fusion: 'v1', backend: 'webgpu', depthMode: 'edge-aware' }));
    expect(edge.depth).not.toEqual(byDefault.depth);
  });
});
