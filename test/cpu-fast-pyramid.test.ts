/**
 * The `pyramid` and `select` composites on the fast CPU path (src/cpu/fast/assembly/pyramid.ts)
 * against the TypeScript reference, two ways:
 * - the whole fuse (lapv + gaussian depth + the composite) under the parity bar (test/gpu-harness.ts);
 * - the composite alone, tighter: the reference composite run on the fast path's own Ds and planes
 *   (so the depth stage's f32 differences are out of the comparison) must agree on every channel
 *   within 1 level (f32 sums against the reference's f64, see the assembly's header), exactly on
 *   all but 1e-4 of the values, and byte for byte on the 2-px border (as test/gpu-select.test.ts
 *   holds the GPU). For `select` a near-tie of two planes' energies (~1e-7 relative) could pick the
 *   other plane than the reference, which the bar's 99.9 % allows but the 1-level bound would not:
 *   none occurs on these stacks (measured: at most 3 values 1 level off, on 1.4 M), and a new one
 *   would name itself here.
 * Odd sizes, Z = 1, 2, 3, 11, 21, 1x1, 1xN, Nx1, a 1001x3 strip, sigma 0 and 3, synthetic cytology
 * and a real stack; the output never leaves the planes' per-pixel range (the clamp).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../src/core/options.js';
import { pyramidLevels, pyramidPixels } from '../src/core/pyramid.js';
import { samplesOutsideClamp } from './expect-helpers.js';
import { SELECT_LEVELS } from '../src/core/select.js';
import type { FuseOptions, FuseResult, ZStack } from '../src/core/types.js';
import { fuseCpuFast } from '../src/cpu/backend.js';
import { pyramidComposite } from '../src/cpu/pyramid-composite.js';
import { selectComposite } from '../src/cpu/select-composite.js';
import { loadStack } from '../src/io/load-stack.js';
import { fastKernels, fitLayout } from '../src/cpu/fast/kernels.js';
import { generateStack } from '../src/synth/generate.js';
import { byteDifference, fastAgainstReference, testStack } from './gpu-harness.js';
import { ODD_SHAPES } from './gpu-stacks.js';

type Blend = 'pyramid' | 'select';

/** The reference composite of `stack` on the fast result's own Ds. */
function referenceComposite(stack: ZStack, fast: FuseResult, blend: Blend): Uint8Array {
  const out = new Uint8Array(stack.width * stack.height * 4);
  const run = blend === 'pyramid' ? pyramidComposite : selectComposite;
  return run(stack.planes, fast.depth, stack.width, stack.height, out);
}

/** The largest channel difference on the 2-px border. */
function borderWorst(a: Uint8Array, b: Uint8Array, w: number, h: number): number {
  let worst = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (x >= 2 && y >= 2 && x < w - 2 && y < h - 2) continue;
      for (let c = 0; c < 4; c++) worst = Math.max(worst, Math.abs(a[4 * (y * w + x) + c] - b[4 * (y * w + x) + c]));
    }
  }
  return worst;
}

/**
 * Fast against the reference: the parity bar on the whole fuse, then the composite alone on the
 * fast Ds (`worstAllowed` levels, 1 unless a test says why); returns the composite's differences.
 */
function check(stack: ZStack, options: FuseOptions & { composite: Blend }, label: string, worstAllowed = 1): { off: number; worst: number } {
  // The composite itself: the one-plane test (test/halos.test.ts) would show one plane of the
  // planar stacks here (tools, stacks whose evidence is all on one plane) instead.
  const resolved = resolveOptions({ ...options, keepFocus: true, onePlane: 'off' });
  const { fast } = fastAgainstReference(stack, resolved, label);
  const reference = referenceComposite(stack, fast, options.composite);
  const diff = byteDifference(fast.image, reference);
  expect(diff.worst, `${label}: composite on the same Ds, worst channel`).toBeLessThanOrEqual(worstAllowed);
  expect(diff.off / fast.image.length, `${label}: composite on the same Ds, share of channels off`).toBeLessThan(1e-4 + 8 / fast.image.length);
  expect(samplesOutsideClamp(stack.planes, fast.depth, fast.image, options.composite), `${label}: channels outside the clamp's range`).toBe(0);
  return diff;
}

describe.each(['pyramid', 'select'] as const)('fast CPU path, composite %s', (composite) => {
  it.each([...ODD_SHAPES, [1, 1, 3], [33, 17, 1], [1001, 3, 3]])('%ix%i, Z = %i, sigma 0 and 3', (w, h, z) => {
    const stack = testStack(w, h, z, { seed: w * 31 + h + z, alpha: true });
    for (const sigma of [0, 3]) check(stack, { composite, sigma }, `${w}x${h}x${z} sigma ${sigma}`);
  });

  it('2-px border byte for byte (131x97 x 11), as the GPU test holds it', () => {
    const [w, h] = [131, 97];
    const stack = testStack(w, h, 11, { seed: 21 });
    const fast = fuseCpuFast(stack, resolveOptions({ composite }));
    expect(borderWorst(fast.image, referenceComposite(stack, fast, composite), w, h)).toBe(0);
  });

  it('Z = 2 and a flat patch (every plane ties there), window 2', () => {
    check(testStack(64, 48, 2, { seed: 5, flatPatch: true }), { composite, window: 2 }, '64x48x2 flat patch');
  });

  it('synthetic cytology, 384x384 x 11', () => {
    const { stack } = generateStack({ seed: 3, width: 384, height: 384, planes: 11 });
    check(stack, { composite }, 'synth cytology');
  });

  it('a real stack (test/fixtures/real/tools, 712x495 x 6)', async () => {
    const stack = (await loadStack(join(import.meta.dirname, 'fixtures/real/tools'))) as ZStack;
    check(stack, { composite }, 'real tools');
  });
});

describe('fast CPU path, pyramid layout and clamp', () => {
  it('a layout past wasm32 memory throws (the fast stages then hand the stack to the reference) and leaves the last one working', () => {
    const stack = testStack(45, 39, 5, { seed: 4 });
    const options = resolveOptions({ composite: 'select' });
    const before = fuseCpuFast(stack, options);
    expect(before.backend.runtime).toBe('wasm simd');
    // 20000^2 x 3 planes: the planes alone pass 4 GiB.
    expect(() => fitLayout(fastKernels()!, 20000, 20000, 3, 4, 19, { blend: 'select' })).toThrow(RangeError);
    const after = fuseCpuFast(stack, options);
    expect(Buffer.compare(Buffer.from(after.image), Buffer.from(before.image))).toBe(0);
  });

  it("lays the composite's larger buffers over the measure's dead images where they fit, the rest after the fusion's own", () => {
    // Version 2's stages (teng, histogram, select) at 101x77 x 11.
    const [w, h, Z] = [101, 77, 11];
    const at = fitLayout(fastKernels()!, w, h, Z, 4, 19, { measure: 'teng', histogram: true, blend: 'select' });
    const room = at.blendBuffers!;
    const total = pyramidPixels(pyramidLevels(w, h));
    const selected = pyramidLevels(w, h)[SELECT_LEVELS].offset;
    // The operator image .. the previous plane (after the luma rows at `scratch`, before Ds) ...
    expect(room.colour).toBeGreaterThan(at.scratch);
    expect(room.weight).toBeGreaterThan(room.colour);
    expect(room.weight + 4 * total).toBeLessThanOrEqual(at.smooth);
    // ... and the running state between Ds and the image (where the histogram's grids were).
    expect(room.bestEnergy).toBeGreaterThanOrEqual(at.argmax);
    expect(room.energySum + 4 * selected).toBeLessThanOrEqual(at.image);
    // The running sums and the best coefficients fit in neither: after the rest.
    expect(Math.min(room.sum, room.best)).toBeGreaterThan(at.shares);
    // Fused there, the composite holds its bars.
    check(testStack(w, h, Z, { seed: 9 }), { composite: 'select' }, `${w}x${h}x${Z}, version 2 (buffers over the dead images)`);
  });

  it('the clamp takes the planes within reach of Dc as the reference does, also where Dc + 1 rounds up to a plane in f32', () => {
    // Dc one f32 ulp below 2 on the left, 0 on the right: the blend pulls the left side towards
    // plane 0 (255) near the step; the clamp's planes there are 1 and 2 (100), not plane 3 (255),
    // which an f32 floor(Dc + 1) would add.
    const [w, h] = [40, 8];
    const planes = [255, 100, 100, 255].map((v) => new Uint8Array(w * h * 4).fill(v));
    const ds = Float32Array.from({ length: w * h }, (_, i) => (i % w < w / 2 ? Math.fround(2 - 2 ** -23) : 0));
    const k = fastKernels()!;
    const at = fitLayout(k, w, h, planes.length, 4, 19, { blend: 'pyramid' });
    const memory = k.memory.buffer;
    planes.forEach((p, z) => new Uint8Array(memory, at.planes + z * w * h * 4, w * h * 4).set(p));
    for (let y = 0; y < h; y++) new Float32Array(memory, at.smooth + y * at.stride * 4, w).set(ds.subarray(y * w, (y + 1) * w));
    k.compositePyramid();
    const fast = new Uint8Array(k.memory.buffer, at.image, w * h * 4).slice();
    const reference = pyramidComposite(planes, ds, w, h, new Uint8Array(w * h * 4));
    expect(byteDifference(fast, reference)).toEqual({ off: 0, worst: 0 });
  });
});
