import { describe, expect, it } from 'vitest';
import { alignStack, planAlignment, previewFactor } from '../src/align/align-stack.js';
import { GLANCE_SUMS, glancePair, glanceStack, glanceSums } from '../src/align/glance.js';
import { affine, identity, rmsDifference, type Mat3 } from '../src/align/matrix.js';
import { warpPlane } from '../src/image/warp.js';
import { resolveOptions } from '../src/core/options.js';
import type { ZStack } from '../src/core/types.js';
import { fuseCpu } from '../src/cpu/backend.js';
import { SHARE_STEP, shareSums, sharesOfSharpest } from '../src/align/auto-gates.js';
import { fuseCpuFast, glanceSumsIn, initFastCpu, sharesFromSweep } from '../src/cpu/fast/index.js';
import { fastKernels, fitLayout } from '../src/cpu/fast/kernels.js';
import { blockMeans, luma, shrinkLuma } from '../src/image/luma.js';
import { generateStack } from '../src/synth/generate.js';
import { PROFILES } from '../src/synth/profiles.js';
import { motionAbout, movedStack } from './align-fixtures.js';

const PROFILE_NAMES = Object.keys(PROFILES) as (keyof typeof PROFILES)[];

const made = new Map<string, ZStack>();

/** A registered 11-plane CCCID-size stack, one cell profile per seed (made once per file). */
function registered(seed: number, noise = 2): ZStack {
  const key = `${seed}/${noise}`;
  if (!made.has(key)) made.set(key, generateStack({ seed, size: 384, planes: 11, noise, profile: PROFILE_NAMES[seed % PROFILE_NAMES.length] }).stack);
  return made.get(key)!;
}

/** The stack with plane z moved by motion(z - reference) (Lanczos warp; the reference stays). */
function moving(stack: ZStack, motion: (steps: number) => Mat3): ZStack {
  const reference = Math.floor((stack.planes.length - 1) / 2);
  const view = (rgba: Uint8Array) => ({ rgba, width: stack.width, height: stack.height, stride: stack.width });
  return { ...stack, planes: stack.planes.map((p, z) => (z === reference ? p : warpPlane(view(p), motion(z - reference), stack.width, stack.height))) };
}

/** The stack's planes with brightness scaled by (1 + gain * steps) times a left-right ramp, plus an offset. */
function relit(stack: ZStack, gain: number, ramp: number): ZStack {
  const reference = Math.floor((stack.planes.length - 1) / 2);
  return {
    ...stack,
    planes: stack.planes.map((p, z) => {
      const d = z - reference;
      const out = new Uint8Array(p.length);
      for (let i = 0; i < p.length; i++) {
        const x = (i >> 2) % stack.width;
        const g = (1 + gain * d) * (1 + ramp * d * (x / stack.width - 0.5));
        out[i] = (i & 3) === 3 ? p[i] : Math.max(0, Math.min(255, Math.round(p[i] * g + 3 * d)));
      }
      return out;
    }),
  };
}

function preview(stack: ZStack): ReturnType<typeof shrinkLuma>[] {
  const factor = previewFactor(stack);
  return stack.planes.map((p) => shrinkLuma(p, stack.width, stack.width, stack.height, factor));
}

describe('auto preview', () => {
  it('the luma pass gathers exactly the block means shrinkLuma makes, and the same luma as without', () => {
    const width = 387;
    const height = 390; // neither a multiple of 4: the last partial blocks are left out by both
    const rgba = Uint8Array.from({ length: width * height * 4 }, (_, i) => (i * 2654435761) >>> 24);
    for (const factor of [1, 2, 4]) {
      const columns = Math.floor(width / factor);
      const rows = Math.floor(height / factor);
      const sums = new Float64Array(columns * rows);
      const withBlocks = luma(rgba, width, height, undefined, { factor, sums });
      expect(Buffer.from(withBlocks.buffer).equals(Buffer.from(luma(rgba, width, height).buffer))).toBe(true);
      const gathered = blockMeans(sums, columns, rows, factor).data;
      const shrunk = shrinkLuma(rgba, width, width, height, factor).data;
      expect(Buffer.from(gathered.buffer).equals(Buffer.from(shrunk.buffer)), `factor ${factor}`).toBe(true);
    }
  });

  it("the fast engine's measure sweep gathers the same block means too, for odd sizes and any block size", async () => {
    expect(await initFastCpu()).toBe(true);
    const k = fastKernels()!;
    for (const [width, height, factor] of [[387, 390, 8], [101, 77, 3], [64, 64, 16], [9, 5, 4], [33, 20, 1]]) {
      const planes = [0, 1, 2].map((z) => Uint8Array.from({ length: width * height * 4 }, (_, i) => ((i + 7919 * z) * 2654435761) >>> 24));
      const at = fitLayout(k, width, height, 3, 4, 19, { blockFactor: factor });
      planes.forEach((rgba, z) => new Uint8Array(k.memory.buffer).set(rgba, at.planes + z * width * height * 4));
      k.beginStack();
      for (let z = 0; z < 3; z++) k.measurePlane(z, 0, at.blocks + z * at.blockCount * 4);
      planes.forEach((rgba, z) => {
        const gathered = new Float32Array(k.memory.buffer, at.blocks + z * at.blockCount * 4, at.blockCount).slice();
        const shrunk = shrinkLuma(rgba, width, width, height, factor).data;
        expect(Buffer.from(gathered.buffer).equals(Buffer.from(shrunk.buffer)), `${width}x${height} factor ${factor} plane ${z}`).toBe(true);
      });
    }
  });

  it('previewFactor: 8 for CCCID planes (a 48 px preview), less for small ones, 0 for mixed sizes', () => {
    const { stack } = generateStack({ seed: 1, size: 96, planes: 3 });
    expect(previewFactor({ ...stack, width: 384, height: 384 })).toBe(8);
    expect(previewFactor({ ...stack, width: 200, height: 384 })).toBe(4);
    expect(previewFactor(stack)).toBe(2);
    expect(previewFactor({ ...stack, width: 40, height: 40 })).toBe(1);
    expect(previewFactor({ ...stack, planeSizes: [{ width: 96, height: 96 }, { width: 90, height: 96 }, { width: 96, height: 96 }] })).toBe(0);
  });

  it('a preview of the wrong size is refused with a clear message', () => {
    const stack = registered(1);
    const small = preview(stack);
    expect(() => planAlignment(stack, { mode: 'auto', preview: small.slice(1) })).toThrow(/Expected 11 planes of 48x48 for preview but received 10 planes/);
    const wrong = [...small.slice(0, 10), { data: new Float32Array(96 * 96), width: 96, height: 96 }];
    expect(() => planAlignment(stack, { mode: 'auto', preview: wrong })).toThrow(/received a 96x96 plane/);
  });
});

describe('auto glance', () => {
  it("the CPU engine's WebAssembly sums the normal equations with the TypeScript's bits", async () => {
    expect(await initFastCpu()).toBe(true);
    const k = fastKernels()!;
    const stack = moving(registered(3), (steps) => motionAbout(192, 192, { scale: 1 + 0.001 * steps, rotationDeg: 0.1 * steps, dx: 0.4 * steps, dy: -0.2 * steps }));
    const levels = preview(stack);
    const { width, height } = levels[0];
    const twin = glanceSumsIn(k, fitLayout(k, stack.width, stack.height, stack.planes.length, 4, 19, { blockFactor: previewFactor(stack) }));
    for (const [a, b, edge] of [[5, 6, 1], [4, 5, 1], [0, 10, 3]]) {
      const expected = glanceSums(levels[a].data, levels[b].data, width, height, edge);
      const seen = twin(levels[a].data, levels[b].data, width, height, edge);
      expect(seen.length).toBe(GLANCE_SUMS);
      expect(Buffer.from(seen.buffer).equals(Buffer.from(expected.buffer)), `planes ${a}, ${b}`).toBe(true);
    }
  });

  it("the CPU engine's WebAssembly sums the plane shares with the TypeScript's bits", async () => {
    expect(await initFastCpu()).toBe(true);
    const k = fastKernels()!;
    // Odd sizes (stride above width), steps that wrap rows unevenly, values below 0 and ties.
    for (const [width, height, planeCount, step] of [[37, 23, 5, 3], [40, 9, 11, 1], [7, 31, 2, 5], [1, 1, 3, 3]]) {
      const at = fitLayout(k, width, height, planeCount, 4, 19);
      const best = new Float32Array(k.memory.buffer, at.fMax, at.stride * height);
      const which = new Int32Array(k.memory.buffer, at.argmax, at.stride * height);
      for (let i = 0; i < best.length; i++) {
        best[i] = Math.fround(Math.sin(i * 1.7) * 3 + (i % 7 === 0 ? 0 : 0.25));
        which[i] = (i * 31 + (i >> 3)) % planeCount;
      }
      const expected = sharesOfSharpest(best, which, planeCount, { width, height, stride: at.stride, step: SHARE_STEP });
      if (step === SHARE_STEP) expect(sharesFromSweep(k, at, width, height, planeCount), `${width}x${height}`).toEqual(expected);
      k.shareSums(at.fMax, at.argmax, width, height, at.stride, step, planeCount, at.shares);
      const sums = new Float64Array(k.memory.buffer, at.shares, 4 * planeCount).slice();
      const reference = shareSums(best, which, planeCount, { width, height, stride: at.stride, step });
      expect(Buffer.from(sums.buffer).equals(Buffer.from(reference.buffer)), `${width}x${height} step ${step}`).toBe(true);
    }
  });

  it('a pair fitted at the identity reads a small known motion', () => {
    const stack = registered(3);
    const c = (stack.width - 1) / 2;
    const truth = motionAbout(c, c, { scale: 1.002, rotationDeg: 0.1, dx: 0.4, dy: -0.3 });
    const [a, b] = preview({ ...stack, planes: [stack.planes[5], warpPlane({ rgba: stack.planes[5], width: 384, height: 384, stride: 384 }, truth, 384, 384)] });
    const factor = previewFactor(stack);
    const pair = glancePair(a, b, factor, 1);
    // One linearised step reads it high rather than low (here by ~40 %): central differences
    // understate the 48 px preview's sharpest gradients, and a too-large reading only sends a stack
    // on to the quick look.
    const moved = rmsDifference(truth, identity(), 384, 384);
    expect(pair.displacementPx).toBeGreaterThan(moved * 0.9);
    expect(pair.displacementPx).toBeLessThan(moved * 1.6);
    expect(pair.displacementPx / pair.uncertaintyPx).toBeGreaterThan(5);
    expect(pair.correlation).toBeGreaterThan(0.95);
    const still = glancePair(a, a, factor, 1);
    expect(still.displacementPx).toBeLessThan(1e-9);
    expect(still.correlation).toBeCloseTo(1, 12);
  });

  it('clears registered CCCID-size stacks of every cell profile, with noise and brightness drift', () => {
    const cases: [string, (seed: number) => ZStack][] = [
      ['noise 2', (seed) => registered(seed)],
      ['noise 8', (seed) => registered(seed, 8)],
      ['gain 1 %/plane, ramp 2 %/plane, offset 3 levels/plane', (seed) => relit(registered(seed), 0.01, 0.02)],
    ];
    for (const [label, make] of cases) {
      for (let seed = 1; seed <= 8; seed++) {
        const { report } = planAlignment(make(seed), { mode: 'auto' });
        expect(report!.decidedBy, `${label}, seed ${seed}`).toBe('glance');
        expect(report!.applied).toBe(false);
      }
    }
  });

  it('never clears a stack that moves: small drift, breathing, rotation, large shifts', () => {
    const c = (384 - 1) / 2;
    // Per plane away from the reference. The first two are what auto must apply (the quick look and
    // the full estimate see them); the glance has to leave every one of them to the quick look.
    const motions: [string, (d: number) => Mat3][] = [
      ['drift 0.25 px + breathing 0.1 %', (d) => motionAbout(c, c, { scale: 1 + 0.001 * d, dx: 0.25 * d, dy: -0.25 * d })],
      ['breathing 0.4 % + drift 0.6 px', (d) => motionAbout(c, c, { scale: 1 + 0.004 * d, dx: 0.6 * d })],
      ['rotation 0.1 degree', (d) => motionAbout(c, c, { rotationDeg: 0.1 * d })],
      ['shift 2 px', (d) => affine(1, 0, 2 * d, 0, 1, 0)],
      ['shift 8 px', (d) => affine(1, 0, 8 * d, 0, 1, -8 * d)],
      ['shift 30 px', (d) => affine(1, 0, 30 * Math.sign(d), 0, 1, 30 * Math.sign(d))],
      ['breathing 2 %', (d) => motionAbout(c, c, { scale: 1 + 0.02 * d })],
    ];
    for (const [label, motion] of motions) {
      for (const seed of [1, 4, 6]) {
        const stack = moving(registered(seed), motion);
        expect(glanceStack(preview(stack), 5, previewFactor(stack)), `${label}, seed ${seed}`).toBeUndefined();
      }
    }
  });
});

describe('auto in the CPU engine', () => {
  it('a registered stack: cleared by the glance, the result none\'s to the byte', () => {
    const stack = registered(2);
    const none = fuseCpu(stack, resolveOptions({}));
    const auto = fuseCpu(stack, resolveOptions({ align: 'auto' }));
    expect(auto.alignment?.decidedBy).toBe('glance');
    expect(auto.alignment?.applied).toBe(false);
    expect(Buffer.from(auto.image).equals(Buffer.from(none.image))).toBe(true);
    expect(Buffer.from(auto.depth.buffer).equals(Buffer.from(none.depth.buffer))).toBe(true);
    expect(auto.stats).toEqual(none.stats);
  });

  it('a registered stack with a crop: nothing to crop, so nothing applied, the result none\'s to the byte', () => {
    const stack = registered(2);
    const none = fuseCpuFast(stack, resolveOptions({}));
    for (const [engine, fuse] of [['reference', fuseCpu], ['fast path', fuseCpuFast]] as const) {
      const auto = fuse(stack, resolveOptions({ align: 'auto', alignCrop: true }));
      expect(auto.alignment?.applied, engine).toBe(false);
      expect(auto.alignment?.crop, engine).toBeUndefined();
      expect([auto.width, auto.height], engine).toEqual([stack.width, stack.height]);
      expect(Buffer.from(auto.image).equals(Buffer.from(fuse(stack, resolveOptions({})).image)), engine).toBe(true);
    }
    expect(none.alignment).toBeUndefined();
  });

  it('the fast engine decides from its own sweep exactly as the reference engine does', () => {
    const m = movedStack({ seed: 2, kind: 'similarity', render: 448, frame: 384, planes: 3 });
    for (const stack of [registered(2), registered(5, 5), m.moved]) {
      const options = resolveOptions({ align: 'auto' });
      const reference = fuseCpu(stack, options).alignment!;
      const fast = fuseCpuFast(stack, options);
      expect(fast.backend.runtime).toBe('wasm simd');
      // The shares come from F, which the fast sweep rounds to f32 in its own order (a few ulps).
      const { timings: _r, fusedDisplacementPx: fusedReference, ...expected } = reference;
      const { timings: _f, fusedDisplacementPx: fusedFast, ...seen } = fast.alignment!;
      expect(seen).toEqual(expected);
      expect(fusedFast).toBeCloseTo(fusedReference!, 6);
    }
  });

  it('a moving stack: measured again after the warp, as if the aligned planes had been given', () => {
    const m = movedStack({ seed: 2, kind: 'similarity', render: 448, frame: 384, planes: 3 });
    const auto = fuseCpu(m.moved, resolveOptions({ align: 'auto', keepFocus: true }));
    expect(auto.alignment?.decidedBy).toBe('estimate');
    expect(auto.alignment?.applied).toBe(true);
    const aligned = alignStack(m.moved, { mode: 'auto' }).stack;
    const direct = fuseCpu(aligned, resolveOptions({ keepFocus: true }));
    expect(Buffer.from(auto.image).equals(Buffer.from(direct.image))).toBe(true);
    expect(Buffer.from(auto.depth.buffer).equals(Buffer.from(direct.depth.buffer))).toBe(true);
    auto.focus!.forEach((f, z) => expect(Buffer.from(f.buffer).equals(Buffer.from(direct.focus![z].buffer))).toBe(true));
  });
});
