/**
 * The WebGPU engines take options as fuse() does: partial ones, or none, get fuse()'s defaults and
 * messages (asResolvedOptions), on the engine in this process (Dawn, as a page's
 * createWebGpuBackend) and on the Node runtime (createNodeWebGpuBackend, Dawn in a worker). Before,
 * both expected resolveOptions' result and failed on anything else. Skips locally, fails in CI
 * (CI=true), without an adapter. (The headless runtime's partial options: headless-runtime.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FocusFuseError } from '../src/core/errors.js';
import { resolveOptions } from '../src/core/options.js';
import type { FuseOptions, FuseResult, FusionBackend, Measure, ResolvedOptions, ZStack } from '../src/core/types.js';
import { fuse } from '../src/fuse.js';
import { createWebGpuBackend, type WebGpuBackend } from '../src/gpu/backend.js';
import { openDawnDevice, type DawnDevice } from '../src/gpu/node-dawn.js';
import type { NodeWebGpuBackend } from '../src/gpu/node-runtime.js';
import { REQUIRE_GPU, startGpu, testStack } from './gpu-harness.js';

let dawn: DawnDevice | undefined;
let inProcess: WebGpuBackend | undefined;
let worker: NodeWebGpuBackend | undefined;
beforeAll(async () => {
  try {
    dawn = await openDawnDevice();
    inProcess = createWebGpuBackend(dawn.device, { software: dawn.description.software });
  } catch (error) {
    if (REQUIRE_GPU) throw error;
  }
  worker = await startGpu({ retries: 1 });
}, 120_000);
afterAll(async () => {
  await worker?.dispose();
  dawn?.close();
});

type Engine = FusionBackend & { fuseBatch(stacks: ZStack[], options?: FuseOptions | ResolvedOptions): Promise<FuseResult[]> };

/** The bytes of an array (a result's arrays may be views into a larger buffer). */
const bytes = (array: ArrayBufferView): Buffer => Buffer.from(array.buffer, array.byteOffset, array.byteLength);

const engines: [string, () => Engine | undefined][] = [
  ['createWebGpuBackend (in this process)', () => inProcess],
  ['createNodeWebGpuBackend (Dawn in a worker)', () => worker],
];

describe.each(engines)('%s takes partial options', (_, engineOf) => {
  const stack = testStack(40, 24, 4, { seed: 3 });

  it('fuses with { measure } as with the options resolved, and as fuse() does', { timeout: 120_000 }, async (ctx) => {
    const engine = engineOf();
    if (!engine) return ctx.skip();
    const partial = await engine.fuse(stack, { measure: 'lapv', sigma: 2 });
    const resolved = await engine.fuse(stack, resolveOptions({ measure: 'lapv', sigma: 2 }));
    expect(partial.options).toEqual(resolveOptions({ measure: 'lapv', sigma: 2 }));
    expect(bytes(partial.image).equals(bytes(resolved.image))).toBe(true);
    expect(bytes(partial.depth).equals(bytes(resolved.depth))).toBe(true);
    const viaFuse = await fuse(stack, { measure: 'lapv', sigma: 2 }, engine);
    expect(bytes(partial.image).equals(bytes(viaFuse.image))).toBe(true);
  });

  it('fuses with no options, and fuseBatch with partial ones', { timeout: 120_000 }, async (ctx) => {
    const engine = engineOf();
    if (!engine) return ctx.skip();
    expect((await engine.fuse(stack)).options).toEqual(resolveOptions({}));
    const batch = await engine.fuseBatch([stack, testStack(24, 16, 3, { seed: 5 })], { fusion: 'v1' });
    expect(batch.map((result) => result.options)).toEqual([resolveOptions({ fusion: 'v1' }), resolveOptions({ fusion: 'v1' })]);
  });

  it("refuses a bad option with fuse()'s message (BAD_OPTION), not a GPU error", { timeout: 120_000 }, async (ctx) => {
    const engine = engineOf();
    if (!engine) return ctx.skip();
    const error = await engine.fuse(stack, { measure: 'sharpest' as Measure }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FocusFuseError);
    expect((error as FocusFuseError).code).toBe('BAD_OPTION');
    expect((error as Error).message).toBe("Expected one of 'lapv', 'teng', 'wavelet', 'dlap', 'sml', 'glv', 'brenner', 'tenv' for measure but received 'sharpest' (string)");
    await expect(engine.fuseBatch([stack], { window: -1 })).rejects.toThrow('Expected an integer between 0 and 32 for window but received -1 (number)');
  });
});
