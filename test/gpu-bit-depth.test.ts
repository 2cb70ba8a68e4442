/**
 * The WebGPU engine and 16-bit planes (README "High bit depth"): its kernels take RGBA8, so a 16-bit
 * stack is converted with toRgba8Stack (scaled from its bitDepth) before upload. This checks that the
 * conversion happens (a 16-bit stack is not uploaded as bytes), that the result equals the GPU result
 * of the converted stack, that it meets the parity bar against the CPU on that stack, and that it
 * carries no image16. Node WebGPU runtime; skips locally without an adapter, fails in CI (CI=true).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveOptions } from '../src/core/options.js';
import { toRgba8Stack } from '../src/core/stack.js';
import type { ZStack } from '../src/core/types.js';
import { fuseCpu } from '../src/cpu/index.js';
import type { NodeWebGpuBackend } from '../src/gpu/node-runtime.js';
import { assertParity, parity, random, startGpu, testStack } from './gpu-harness.js';

let gpu: NodeWebGpuBackend | undefined;
beforeAll(async () => {
  gpu = await startGpu();
});
afterAll(async () => {
  await gpu?.dispose();
});

/** A 12-bit stack: the 8-bit test stack scaled to 0..4095 plus sub-8-bit detail. */
function twelveBitStack(): ZStack<Uint16Array> {
  const base = testStack(45, 37, 5, { seed: 3 });
  const rng = random(9);
  const planes = base.planes.map((plane) => Uint16Array.from(plane, (v, i) => (i % 4 === 3 ? 4095 : Math.min(4095, Math.round(v * 16 + rng() * 15)))));
  return { width: base.width, height: base.height, planes, bitDepth: 12, meta: { name: '12-bit 45x37x5' } };
}

describe('16-bit stacks on the WebGPU engine', () => {
  it('are converted to 8 bits: the same result as the converted stack, at parity with the CPU on it', { timeout: 120_000 }, async (ctx) => {
    if (!gpu) return ctx.skip();
    const stack = twelveBitStack();
    const options = resolveOptions({ keepFocus: true });
    const [wide, converted] = await gpu.fuseBatch([stack, toRgba8Stack(stack)], options);
    expect(wide.image16).toBeUndefined();
    expect([...wide.image]).toEqual([...converted.image]);
    expect([...wide.depth]).toEqual([...converted.depth]);
    assertParity(parity(fuseCpu(toRgba8Stack(stack), options), wide), '12-bit stack');
  });
});
