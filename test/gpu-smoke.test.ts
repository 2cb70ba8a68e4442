import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolveOptions } from '../src/core/options.js';
import { fuseCpu } from '../src/cpu/index.js';
import type { NodeWebGpuBackend } from '../src/gpu/node-runtime.js';
import { parity, startGpu, testStack } from './gpu-harness.js';
import { generateStack } from '../src/synth/index.js';

let gpu: NodeWebGpuBackend | undefined;
beforeAll(async () => {
  gpu = await startGpu();
});
afterAll(async () => {
  await gpu?.dispose();
});

it('smoke', { timeout: 600_000 }, async (ctx) => {
  if (!gpu) return ctx.skip();
  console.log(gpu.describe());
  const stack = generateStack({ seed: 3, size: 384 }).stack;
  for (const measure of ['lapv', 'teng', 'wavelet'] as const) {
    const options = resolveOptions({ measure, keepFocus: true });
    const t = performance.now();
    const cpu = fuseCpu(stack, options);
    const tc = performance.now() - t;
    for (let k = 0; k < 2; k++) {
      const t2 = performance.now();
      const g = await gpu.fuse(stack, options);
      const tg = performance.now() - t2;
      const p = parity(cpu, g);
      console.log(measure, JSON.stringify(p), Object.entries(g.timings).map(([a, b]) => `${a}=${b.toFixed(1)}`).join(' '), 'cpu', tc.toFixed(0), 'gpu call', tg.toFixed(0));
    }
  }
  expect(1).toBe(1);
});
