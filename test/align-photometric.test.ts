import { describe, expect, it } from 'vitest';
import { planAlignment } from '../src/align/align-stack.js';
import { applyBrightness, kthSmallest, type BrightnessMatch } from '../src/align/photometric.js';
import { fuseCpuFast } from '../src/cpu/fast/index.js';
import { fastKernels, heapLayout } from '../src/cpu/fast/kernels.js';
import { warp2dInto, warpSeparableInto, type WarpInto } from '../src/cpu/fast/warp.js';
import { brightnessTables } from '../src/align/photometric.js';
import { affine } from '../src/align/matrix.js';
import { createRandom } from '../src/synth/random.js';
import { movedStack } from './align-fixtures.js';
import { resolveOptions } from '../src/core/options.js';
import type { ZStack } from '../src/core/types.js';
import { fuseCpu } from '../src/cpu/backend.js';
import { generateStack } from '../src/synth/generate.js';

/** Per plane, a planted exposure / colour-balance change: v -> gain[c] * v + offset[c] (plane 2 is the reference). */
const DRIFT: { gain: [number, number, number]; offset: [number, number, number] }[] = [
  { gain: [0.92, 0.97, 0.9], offset: [12, 3, 20] },
  { gain: [0.94, 0.97, 0.93], offset: [9, 3, 14] },
  { gain: [1, 1, 1], offset: [0, 0, 0] },
  { gain: [0.97, 1, 0.93], offset: [-6, -8, 5] },
  { gain: [0.9, 0.95, 0.98], offset: [-10, 0, -12] },
];

function drifted(stack: ZStack): ZStack {
  return {
    ...stack,
    planes: stack.planes.map((rgba, z) => rgba.map((v, i) => (i % 4 === 3 ? v : Math.min(255, Math.max(0, Math.round(DRIFT[z].gain[i % 4] * v + DRIFT[z].offset[i % 4])))))),
  };
}

function psnr(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (i % 4 === 3) continue;
    sum += (a[i] - b[i]) ** 2;
    n++;
  }
  return 10 * Math.log10((255 * 255) / (sum / n));
}

describe('brightness matching (--match-brightness)', () => {
  const { stack } = generateStack({ seed: 4, size: 192, planes: 5, noise: 2 });

  it('recovers a planted gain, offset and colour drift per plane and channel', () => {
    const { report } = planAlignment(drifted(stack), { mode: 'translation' });
    report!.planes.forEach((p, z) => {
      if (z === 2) return expect(p.brightness).toBeUndefined();
      // The match maps the plane back onto the reference, undoing the planted drift over the
      // stack's range of values (dark cell interiors to the bright background).
      for (let c = 0; c < 3; c++) {
        for (const v of [60, 150, 230]) {
          const back = p.brightness!.gain[c] * (DRIFT[z].gain[c] * v + DRIFT[z].offset[c]) + p.brightness!.offset[c];
          expect(Math.abs(back - v), `plane ${z} channel ${c} at ${v}`).toBeLessThan(2.5);
        }
      }
    });
  });

  it('brings the fused image of a drifted stack back towards the undrifted one', () => {
    const clean = fuseCpu(stack, resolveOptions({ align: 'translation' })).image;
    const matched = fuseCpu(drifted(stack), resolveOptions({ align: 'translation' })).image;
    const unmatched = fuseCpu(drifted(stack), resolveOptions({ align: 'translation', alignMatchBrightness: false })).image;
    const [withMatch, without] = [psnr(matched, clean), psnr(unmatched, clean)];
    console.log(`fused vs undrifted: ${withMatch.toFixed(2)} dB matched, ${without.toFixed(2)} dB not`);
    expect(withMatch).toBeGreaterThan(without + 3);
  });

  it('leaves registered, evenly exposed stacks exactly as they are', () => {
    for (const seed of [4, 5, 6]) {
      const registered = generateStack({ seed, size: 192, planes: 5, noise: 2 }).stack;
      const { report } = planAlignment(registered, { mode: 'similarity' });
      expect(report!.planes.map((p) => p.brightness)).toEqual(registered.planes.map(() => undefined));
      const on = fuseCpu(registered, resolveOptions({ align: 'similarity' })).image;
      const off = fuseCpu(registered, resolveOptions({ align: 'similarity', alignMatchBrightness: false })).image;
      expect(Buffer.compare(Buffer.from(on), Buffer.from(off))).toBe(0);
    }
  });
});

describe('the CPU engine applies brightness matches inside its warps', () => {
  it('warps a plane through the match\'s tables to the bytes of warping applyBrightness\'s copy (2-D and separable warps)', () => {
    const k = fastKernels();
    expect(k, 'WebAssembly SIMD').toBeDefined();
    const random = createRandom(8);
    const match: BrightnessMatch = { gain: [0.93, 1.04, 1.2], offset: [11.5, -3, -20] };
    const warp = (into: WarpInto, rgba: Uint8Array, width: number, height: number, stride: number, lut?: Uint8Array): Uint8Array => {
      const { take } = heapLayout(k!);
      const dst = take(width * height * 4);
      into(k!, { rgba, width, height, stride }, affine(0.998, 0.001, 1.7, -0.001, 0.998, -2.3), width, height, dst, take(0), lut);
      return new Uint8Array(k!.memory.buffer).slice(dst, dst + width * height * 4);
    };
    for (const [into, width, height, stride] of [[warp2dInto, 97, 61, 100], [warpSeparableInto, 1030, 1021, 1032]] as const) {
      const rgba = Uint8Array.from({ length: stride * height * 4 }, (_, i) => (i % 4 === 3 ? 200 + (i % 7) : Math.floor(random.uniform(0, 256))));
      const viaTables = warp(into, rgba, width, height, stride, brightnessTables(match));
      const viaCopy = warp(into, applyBrightness(rgba, match), width, height, stride);
      expect(Buffer.from(viaTables).equals(Buffer.from(viaCopy)), `${width}x${height}`).toBe(true);
      expect(Buffer.from(viaTables).equals(Buffer.from(warp(into, rgba, width, height, stride))), 'the match changes the plane').toBe(false);
    }
  });

  it('fuses a drifted, moving stack to the reference engine\'s aligned planes and image', () => {
    const moving = drifted(movedStack({ seed: 5, kind: 'similarity' }).moved);
    const options = resolveOptions({ align: 'similarity' });
    const fast = fuseCpuFast(moving, options);
    const reference = fuseCpu(moving, options);
    expect(fast.alignment?.planes.filter((p) => p.brightness).length).toBeGreaterThan(0);
    fast.aligned!.planes.forEach((p, z) => expect(Buffer.from(p).equals(Buffer.from(reference.aligned!.planes[z])), `plane ${z}`).toBe(true));
    expect(Buffer.from(fast.image).equals(Buffer.from(reference.image))).toBe(true);
  });
});

describe('kthSmallest (the robust fit\'s median)', () => {
  it('gives the element a numeric sort puts at k, for every k, with ties and a sorted or reversed start', () => {
    let seed = 7;
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const cases = [
      Float64Array.from({ length: 101 }, () => next() * 50 - 10),
      Float64Array.from({ length: 64 }, () => Math.floor(next() * 6)), // many ties
      Float64Array.from({ length: 33 }, (_, i) => i),
      Float64Array.from({ length: 33 }, (_, i) => 33 - i),
      Float64Array.of(3),
      Float64Array.of(2, 1),
    ];
    for (const values of cases) {
      const sorted = values.slice().sort();
      for (let k = 0; k < values.length; k++) expect(kthSmallest(values.slice(), k)).toBe(sorted[k]);
    }
  });
});
