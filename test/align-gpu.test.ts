/**
 * The WebGPU warp (shaders/warp.wgsl) against its CPU reference (warpPlane), and alignment on the
 * WebGPU engine end to end. Runs on the Node WebGPU runtime (Dawn in a child process); without an
 * adapter the tests skip locally and fail in CI (CI=true).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alignStack } from '../src/align/align-stack.js';
import { fromRows, rmsDifference } from '../src/align/matrix.js';
import { resolveOptions } from '../src/core/options.js';
import type { ZStack } from '../src/core/types.js';
import { fuseCpu } from '../src/cpu/backend.js';
import type { NodeWebGpuBackend } from '../src/gpu/node-runtime.js';
import { generateStack } from '../src/synth/generate.js';
import { movedStack } from './align-fixtures.js';
import { byteDifference, parity, startGpu } from './gpu-harness.js';

let gpu: NodeWebGpuBackend | undefined;
beforeAll(async () => {
  gpu = await startGpu();
});
afterAll(async () => {
  await gpu?.dispose();
});

describe('alignment on WebGPU', () => {
  it('warps like the CPU reference: every channel within 1 level, >= 99.99 % equal', { timeout: 120_000 }, async (ctx) => {
    if (!gpu) return ctx.skip();
    const m = movedStack({ seed: 3, kind: 'affine' });
    // sigma 0, nearest: the composite copies warped pixels, so the image shows the warp itself.
    const options = resolveOptions({ align: 'affine', sigma: 0, composite: 'nearest', keepFocus: true });
    const cpu = fuseCpu(m.moved, options);
    const result = await gpu.fuse(m.moved, options);
    expect(result.alignment?.planes.map((p) => p.matrix)).toEqual(cpu.alignment?.planes.map((p) => p.matrix));
    const { off, worst } = byteDifference(result.image, cpu.image);
    console.log(`warp parity: ${(100 * off).toFixed(3)} % of channel values differ, worst ${worst}`);
    // Lanczos-3 warp: 0 of the composite's 102,400 channel values differ here (SwiftShader); over every
    // warped plane 5 .. 8 of 512,000 do, by 1 level: f32 against f64 rounds a value within ~1e-4 of .5
    // the other way.
    expect(worst).toBeLessThanOrEqual(1);
    expect(off).toBeLessThanOrEqual(0.0001);
    // F itself is held to the fusion bar by gpu-parity.test.ts on identical planes; here a warped plane
    // one level off at a few pixels moves F of near-flat windows by more than 1e-3 relative, so the
    // end-to-end check is on what the fusion delivers: argmax, depth and image.
    const p = parity(cpu, result);
    console.log(`aligned parity: argmax equal ${p.argmaxEqual.toFixed(5)}, depth close ${p.depthClose.toFixed(5)} (worst ${p.depthWorst.toFixed(3)}), F off ${p.focusOff} of ${p.focusCompared}`);
    expect(p.argmaxEqual).toBeGreaterThanOrEqual(0.999);
    expect(p.depthClose).toBeGreaterThanOrEqual(0.999);
    expect(p.imageClose).toBeGreaterThanOrEqual(0.999);
    expect(result.timings.align).toBeGreaterThan(0);
  });

  it('recovers the synthetic motion and fuses planes of different sizes', { timeout: 120_000 }, async (ctx) => {
    if (!gpu) return ctx.skip();
    for (const kind of ['similarity', 'affine'] as const) {
      const m = movedStack({ seed: 1, kind });
      const result = await gpu.fuse(m.moved, resolveOptions({ align: kind }));
      const errors = result.alignment!.planes.map((p, z) => rmsDifference(fromRows(p.matrix), m.truth[z], 160, 160));
      const rms = Math.sqrt(errors.reduce((sum, e) => sum + e * e, 0) / (errors.length - 1));
      console.log(`WebGPU engine, ${kind}: ${rms.toFixed(3)} px RMS over the moved planes`);
      // The bar; the estimate is the CPU code's, so the transforms are the CPU's too.
      expect(rms).toBeLessThan(0.1);
      expect(result.alignment!.planes.map((p) => p.matrix)).toEqual(alignStack(m.moved, { mode: kind }).report!.planes.map((p) => p.matrix));
    }
    // Mixed sizes: the stack crosses to the worker with its planeSizes.
    const { stack } = generateStack({ seed: 5, size: 96, planes: 3 });
    const mixed: ZStack = { ...stack, planeSizes: [{ width: 96, height: 96 }, { width: 90, height: 92 }, { width: 96, height: 96 }] };
    const options = resolveOptions({ align: 'translation', alignCrop: true });
    const [cpu, onGpu] = [fuseCpu(mixed, options), await gpu.fuse(mixed, options)];
    expect([onGpu.width, onGpu.height]).toEqual([cpu.width, cpu.height]);
    expect(byteDifference(onGpu.image, cpu.image).worst).toBeLessThanOrEqual(8);
  });

  it('auto in a batch: a registered stack fused as given, a moving one warped and fused again', { timeout: 180_000 }, async (ctx) => {
    if (!gpu) return ctx.skip();
    // The engine fuses the planes as given while the CPU decides; only the moving stack is redone.
    const { stack } = generateStack({ seed: 4, size: 384, planes: 3 });
    const m = movedStack({ seed: 2, kind: 'similarity', render: 448, frame: 384, planes: 3 });
    const options = resolveOptions({ align: 'auto', keepFocus: true });
    const [still, moved] = await gpu.fuseBatch([stack, m.moved], options);
    expect(still.alignment).toMatchObject({ applied: false, decidedBy: 'glance' });
    expect(Buffer.from(still.image).equals(Buffer.from((await gpu.fuse(stack, resolveOptions({ keepFocus: true }))).image))).toBe(true);
    const cpu = fuseCpu(m.moved, options);
    expect(moved.alignment).toMatchObject({ applied: true, decidedBy: 'estimate' });
    expect(moved.alignment!.planes.map((p) => p.matrix)).toEqual(cpu.alignment!.planes.map((p) => p.matrix));
    const p = parity(cpu, moved);
    expect(p.argmaxEqual).toBeGreaterThanOrEqual(0.999);
    expect(p.depthClose).toBeGreaterThanOrEqual(0.999);
    expect(p.imageClose).toBeGreaterThanOrEqual(0.999);
  });

  it('auto leaves a registered stack byte-identical to none', { timeout: 120_000 }, async (ctx) => {
    if (!gpu) return ctx.skip();
    const { stack } = generateStack({ seed: 5, size: 384, planes: 11 });
    const none = await gpu.fuse(stack, resolveOptions({}));
    const auto = await gpu.fuse(stack, resolveOptions({ align: 'auto' }));
    expect(auto.alignment?.applied).toBe(false);
    // The engine's preview comes from shrinkLuma, the CPU engine's from its luma pass: same decision.
    expect(auto.alignment?.decidedBy).toBe('glance');
    expect(fuseCpu(stack, resolveOptions({ align: 'auto' })).alignment).toMatchObject({ decidedBy: 'glance', planes: auto.alignment!.planes });
    expect(Buffer.from(auto.image).equals(Buffer.from(none.image))).toBe(true);
    expect(alignStack(stack, { mode: 'auto' }).stack).toBe(stack);
  });
});
