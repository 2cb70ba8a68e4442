/**
 * The `pyramid` composite on the WebGPU engine against the CPU reference, under the parity bar
 * (test/gpu-harness.ts; see test/gpu-parity.test.ts): odd sizes that are not multiples of the 16x16 workgroups
 * or of the pyramid's 2^4 grid, Z = 1, 2, 3, 11, single rows and columns, a very wide image, and
 * stacks tiled into bands (the pyramid's halo and grid-aligned band starts). Without an adapter the
 * tests skip locally and fail in CI (CI=true).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveOptions } from '../src/core/options.js';
import type { FuseOptions, ZStack } from '../src/core/types.js';
import { fuseCpu } from '../src/cpu/index.js';
import type { NodeWebGpuBackend } from '../src/gpu/node-runtime.js';
import { planBands } from '../src/gpu/plan.js';
import { assertParity, checkParity, parity, startGpu, testStack } from './gpu-harness.js';

const TILED = { width: 97, height: 700, planes: 3 };
// 260 rows per band for the pyramid's largest binding (8 bytes per pixel and plane).
const MAX_BINDING_BYTES = TILED.width * TILED.planes * 8 * 260;

let gpu: NodeWebGpuBackend | undefined;
let tiledGpu: NodeWebGpuBackend | undefined;
beforeAll(async () => {
  gpu = await startGpu();
  if (gpu) tiledGpu = await startGpu({ backend: { maxBindingBytes: MAX_BINDING_BYTES } });
});
afterAll(async () => {
  await gpu?.dispose();
  await tiledGpu?.dispose();
});

const check = async (engine: NodeWebGpuBackend, stack: ZStack, options: FuseOptions = {}): Promise<void> => void (await checkParity(engine, stack, { composite: 'pyramid' }, options));

describe('pyramid composite, GPU against CPU', () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1], [1, 1, 2], [7, 5, 1], [7, 5, 2], [7, 5, 3], [37, 29, 11], [1, 77, 3], [77, 1, 3],
    [129, 67, 11], [1001, 3, 3], [2050, 9, 2],
  ];
  for (const [w, h, z] of shapes) {
    it(`${w}x${h}, Z = ${z}`, { timeout: 120_000 }, async (ctx) => {
      if (!gpu) return ctx.skip();
      await check(gpu, testStack(w, h, z, { seed: w * 13 + h * 5 + z, alpha: true }));
    });
  }

  it('384x384, 11 planes, lapv and teng, sigma 0 (sharp weight edges)', { timeout: 120_000 }, async (ctx) => {
    if (!gpu) return ctx.skip();
    const stack = testStack(384, 384, 11, { seed: 4 });
    await check(gpu, stack);
    await check(gpu, stack, { measure: 'teng', sigma: 0 });
    // With the edge-aware depth mode: the composite reads whatever depth the mode made.
    await check(gpu, stack, { depthMode: 'edge-aware' });
  });

  it('a plane change every 4 px: every level of the pyramid matters, all within 1 level of the CPU', { timeout: 120_000 }, async (ctx) => {
    if (!gpu) return ctx.skip();
    // Plane z carries noise texture in the 4x4 cells with (cx + cy) % Z == z and flat grey elsewhere, so
    // the depth (window 1, sigma 0) changes plane every few pixels and the output mixes every plane's
    // coarse levels almost everywhere. Where one plane has all the weight, a Laplacian pyramid gives
    // that plane back whatever its Gaussian levels are; here a wrong coarse level (a shifted tap, a
    // wrong expand weight) shows. Only f32 vs f64 rounding may differ: 1 level, on few values.
    const [width, height, Z] = [67, 45, 3];
    let state = 12345;
    const random = () => ((state = (state * 1103515245 + 12345) >>> 0) >>> 8) & 255;
    const planes = Array.from({ length: Z }, (_, z) => {
      const rgba = new Uint8Array(width * height * 4);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const textured = ((x >> 2) + (y >> 2)) % Z === z;
          for (let c = 0; c < 3; c++) rgba[(y * width + x) * 4 + c] = textured ? random() : 128;
          rgba[(y * width + x) * 4 + 3] = 255;
        }
      }
      return rgba;
    });
    const options = resolveOptions({ fusion: 'v1', composite: 'pyramid', window: 1, sigma: 0, keepFocus: true });
    const stack: ZStack = { width, height, planes };
    const cpu = fuseCpu(stack, options);
    const result = await gpu.fuse(stack, options);
    let off = 0;
    let worst = 0;
    for (let i = 0; i < cpu.image.length; i++) {
      const d = Math.abs(cpu.image[i] - result.image[i]);
      if (d > 0) off++;
      worst = Math.max(worst, d);
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(off / cpu.image.length).toBeLessThan(0.01);
  });

  it('tiled into bands equals the untiled CPU reference', { timeout: 120_000 }, async (ctx) => {
    if (!tiledGpu) return ctx.skip();
    const { width, height, planes } = TILED;
    const options = { measure: 'lapv' as const, window: 4, sigma: 3 };
    const bands = planBands({ width, height, planes, channels: 2, ...options, maxBindingBytes: MAX_BINDING_BYTES, composite: 'pyramid' });
    expect(bands.length).toBeGreaterThan(2);
    // Band starts sit on the pyramid's grid so coarse levels line up with the untiled image's.
    for (const band of bands) expect(band.start % 16).toBe(0);
    const stack = testStack(width, height, planes, { seed: 9 });
    const resolved = resolveOptions({ fusion: 'v1', ...options, composite: 'pyramid', keepFocus: true });
    const result = await tiledGpu.fuse(stack, resolved);
    expect(result.timings.bands).toBe(bands.length);
    assertParity(parity(fuseCpu(stack, resolved), result), 'tiled pyramid');
  });
});
