/**
 * GPU faults become FocusFuseErrors (code BACKEND) that name the stack: a lost device, kernels that
 * fail to build. Runs Dawn in this (vitest worker) process, on a device of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FocusFuseError } from '../src/core/errors.js';
import { resolveOptions } from '../src/core/options.js';
import { createWebGpuBackend } from '../src/gpu/backend.js';
import { KERNELS } from '../src/gpu/kernels.js';
import type { DawnDevice } from '../src/gpu/node-dawn.js';
import { openDawnDevice } from '../src/gpu/node-dawn.js';
import { REQUIRE_GPU } from './gpu-harness.js';
import { testStack } from './gpu-stacks.js';

const opened: DawnDevice[] = [];

/** A fresh device (no cached pipelines), or undefined without an adapter (CI: throws). */
async function freshDevice(): Promise<DawnDevice | undefined> {
  try {
    const dawn = await openDawnDevice();
    opened.push(dawn);
    return dawn;
  } catch (error) {
    if (REQUIRE_GPU) throw error;
    return undefined;
  }
}

async function rejection(promise: Promise<unknown>): Promise<FocusFuseError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FocusFuseError);
  expect((error as FocusFuseError).code).toBe('BACKEND');
  return error as FocusFuseError;
}

let available = false;
beforeAll(async () => {
  available = (await freshDevice()) !== undefined;
});
afterAll(() => {
  for (const dawn of opened) dawn.close();
});

describe('GPU faults name the stack', () => {
  it('a lost device', { timeout: 60_000 }, async (ctx) => {
    if (!available) return ctx.skip();
    const dawn = (await freshDevice())!;
    const backend = createWebGpuBackend(dawn.device, { software: dawn.description.software });
    const stack = testStack(16, 16, 3);
    stack.meta = { name: 'HSIL/3. Plane/007_(1,2)' };
    await backend.fuse(stack, resolveOptions({}));
    dawn.device.destroy();
    await dawn.device.lost;
    const error = await rejection(backend.fuse(stack, resolveOptions({})));
    expect(error.message).toMatch(/^HSIL\/3\. Plane\/007_\(1,2\): WebGPU device was lost \(destroyed\)/);
  });

  it('kernels that fail to build', { timeout: 60_000 }, async (ctx) => {
    if (!available) return ctx.skip();
    const dawn = (await freshDevice())!;
    const backend = createWebGpuBackend(dawn.device, { software: dawn.description.software });
    const stack = testStack(16, 16, 3);
    stack.meta = { name: 'LSIL/2. Koilocytes/003_(5,6)' };
    const original = KERNELS.composite.code;
    (KERNELS.composite as { code: string }).code = `${original}\nfn broken() -> u32 { return 1.5; }`;
    try {
      const error = await rejection(backend.fuse(stack, resolveOptions({})));
      expect(error.message).toMatch(/^LSIL\/2\. Koilocytes\/003_\(5,6\): WebGPU could not build its kernels: /);
    } finally {
      (KERNELS.composite as { code: string }).code = original;
    }
    // Failed builds are not cached: the same device works once the kernel is fixed.
    expect((await backend.fuse(stack, resolveOptions({}))).image.length).toBe(16 * 16 * 4);
  });

  it('a stack too wide for the dispatch limits', { timeout: 60_000 }, async (ctx) => {
    if (!available) return ctx.skip();
    const dawn = opened[0];
    const backend = createWebGpuBackend(dawn.device, { software: dawn.description.software });
    const width = dawn.device.limits.maxComputeWorkgroupsPerDimension * 4 + 1;
    const stack = { width, height: 1, planes: [new Uint8Array(width * 4)], meta: { name: 'wide' } };
    const error = await rejection(backend.fuse(stack, resolveOptions({})));
    expect(error.message).toMatch(/^wide: WebGPU cannot fuse an image wider than/);
  });
});
