/**
 * The CPU fast path's WebAssembly 2-D Lanczos-3 warp (src/cpu/fast/assembly/warp2d.ts) against
 * warpPlane (src/image/warp.ts, the reference that shaders/warp.wgsl matches): byte for byte, on
 * odd sizes, strides wider than the plane, non-opaque planes, transforms that reach outside the
 * plane (clamped edges), 1 x N and N x 1 planes; and the CPU engine's aligned fuse, which warps its
 * small planes with it, against the reference engine's.
 */
import { describe, expect, it } from 'vitest';
import { affine, type Mat3 } from '../src/align/matrix.js';
import { warpPlane, type PlaneView } from '../src/image/warp.js';
import { fastKernels } from '../src/cpu/fast/kernels.js';
import { twoDWarp, warpPlane2dWasm } from '../src/cpu/fast/warp.js';
import { fuseCpuFast } from '../src/cpu/fast/index.js';
import { fuseCpu } from '../src/cpu/backend.js';
import { resolveOptions } from '../src/core/options.js';
import { motionAbout, movedStack } from './align-fixtures.js';
import { createRandom } from '../src/synth/random.js';

/** A width x height plane in rows of `stride` pixels, random bytes (alpha 255 when opaque); the padding holds junk too. */
function randomPlane(seed: number, width: number, height: number, stride: number, opaque: boolean): PlaneView {
  const random = createRandom(seed);
  const rgba = new Uint8Array(stride * height * 4);
  for (let i = 0; i < rgba.length; i++) rgba[i] = opaque && i % 4 === 3 ? 255 : Math.floor(random.uniform(0, 256));
  return { rgba, width, height, stride };
}

/** Index and values of the first differing byte, for a readable failure. */
function firstDifference(a: Uint8Array, b: Uint8Array): string {
  if (a.length !== b.length) return `lengths ${a.length} vs ${b.length}`;
  const i = a.findIndex((v, j) => v !== b[j]);
  return i < 0 ? 'none' : `byte ${i}: ${a[i]} vs ${b[i]}`;
}

const k = fastKernels();

describe.runIf(k)('WebAssembly 2-D warp (warp2d)', () => {
  const cases: { name: string; plane: PlaneView; t: Mat3; dw: number; dh: number }[] = [
    { name: 'odd size, similarity', plane: randomPlane(1, 37, 23, 37, true), t: motionAbout(18, 11, { scale: 1.04, rotationDeg: 1.5, dx: 2.3, dy: -1.7 }), dw: 37, dh: 23 },
    { name: 'stride > width, other frame size', plane: randomPlane(2, 41, 29, 53, true), t: motionAbout(20, 14, { scale: 0.95, rotationDeg: -2, dx: -0.4, dy: 0.6 }), dw: 45, dh: 31 },
    { name: 'non-opaque plane, affine with shear', plane: randomPlane(3, 33, 35, 40, false), t: motionAbout(16, 17, { scale: 1.02, rotationDeg: 7, shear: 0.05, stretch: -0.03, dx: 0.7, dy: 0.2 }), dw: 30, dh: 36 },
    { name: 'large shift: most source points outside (clamped edges)', plane: randomPlane(4, 29, 31, 29, false), t: affine(1.01, 0.02, 25.5, -0.03, 0.98, -40.25), dw: 29, dh: 31 },
    { name: 'large shift the other way: source points below and left of the plane', plane: randomPlane(10, 31, 27, 35, true), t: affine(0.97, 0.05, -30.5, -0.04, 1.02, 44.75), dw: 31, dh: 27 },
    { name: 'large rotation and scale', plane: randomPlane(5, 48, 40, 48, true), t: motionAbout(24, 20, { scale: 2.5, rotationDeg: 40, dx: 9, dy: -13 }), dw: 48, dh: 40 },
    { name: '1 x N plane', plane: randomPlane(6, 1, 27, 3, false), t: affine(1, 0.1, 0.3, 0, 0.9, 1.6), dw: 1, dh: 27 },
    { name: 'N x 1 plane', plane: randomPlane(7, 27, 1, 27, true), t: affine(0.93, 0.2, 1.4, 0.1, 1, -0.5), dw: 27, dh: 1 },
    { name: 'integer shift (weights 0 0 1 0 0 0)', plane: randomPlane(8, 20, 18, 20, false), t: affine(1, 0, 3, 0, 1, -2), dw: 20, dh: 18 },
  ];
  for (const { name, plane, t, dw, dh } of cases) {
    it(`equals warpPlane byte for byte: ${name}`, () => {
      const expected = warpPlane(plane, t, dw, dh);
      const got = warpPlane2dWasm(k!, plane, t, dw, dh);
      expect(firstDifference(got, expected)).toBe('none');
    });
  }

  it('a 384 x 384 plane (CCCID size) equals warpPlane byte for byte', () => {
    const plane = randomPlane(9, 384, 384, 384, true);
    const t = motionAbout(191.5, 191.5, { scale: 1.03, rotationDeg: 1, dx: 4.2, dy: -3.1 });
    expect(firstDifference(warpPlane2dWasm(k!, plane, t, 384, 384), warpPlane(plane, t, 384, 384))).toBe('none');
  });

  it('the CPU engine aligns a moved stack to the same planes and image as the reference engine', () => {
    const { moved } = movedStack({ seed: 3, kind: 'similarity' });
    const options = resolveOptions({ align: 'similarity' });
    const fast = fuseCpuFast(moved, options);
    const reference = fuseCpu(moved, options);
    expect(fast.aligned).toBeDefined();
    fast.aligned!.planes.forEach((plane, z) => expect(firstDifference(plane, reference.aligned!.planes[z]), `plane ${z}`).toBe('none'));
    // The same planes through the same fast stages: the image the TypeScript warp gave.
    const again = fuseCpuFast(reference.aligned!, resolveOptions({}));
    expect(firstDifference(fast.image, again.image)).toBe('none');
  });

  it('options the fast stages do not cover: the CPU engine warps with it (twoDWarp) and fuses what the reference engine fuses', () => {
    const warp = twoDWarp();
    expect(warp).not.toBe(warpPlane);
    const plane = randomPlane(4, 101, 77, 104, true);
    const t = motionAbout(50, 38, { scale: 0.98, rotationDeg: -0.5, dx: -2.5, dy: 1.25 });
    expect(firstDifference(warp(plane, t, 101, 77), warpPlane(plane, t, 101, 77))).toBe('none');
    const { moved } = movedStack({ seed: 2, kind: 'similarity' });
    const options = resolveOptions({ align: 'similarity', measure: 'wavelet', composite: 'pyramid' });
    const fast = fuseCpuFast(moved, options);
    const reference = fuseCpu(moved, options);
    expect(fast.backend.runtime).toBe('TypeScript stages'); // the reference stages ran
    fast.aligned!.planes.forEach((p, z) => expect(firstDifference(p, reference.aligned!.planes[z]), `plane ${z}`).toBe('none'));
    expect(firstDifference(fast.image, reference.image)).toBe('none');
  });
});
