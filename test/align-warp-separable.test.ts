/**
 * The CPU engine's separable Lanczos-3 warp (src/image/warp-separable.ts) against a direct,
 * per-pixel reference of its documented maths (bit-exact), and against the 2-D kernel (warpPlane,
 * which shaders/warp.wgsl matches) where the two must agree within rounding; and the CPU fast
 * path's WebAssembly SIMD version of it (f32 sums) against it.
 */
import { describe, expect, it } from 'vitest';
import { affine, compose, identity, type Mat3 } from '../src/align/matrix.js';
import { lanczos3Weights, warpPlane, WARP_TAPS, type PlaneView } from '../src/image/warp.js';
import { SEPARABLE_MIN_PIXELS, separableWarpFits, warpPlaneCpu, warpPlaneSeparable, WARP_PHASES } from '../src/image/warp-separable.js';
import { fastKernels } from '../src/cpu/fast/kernels.js';
import { separableWarp, warpPlaneSeparableWasm } from '../src/cpu/fast/warp.js';
import { motionAbout } from './align-fixtures.js';
import { cameraStack } from '../bench/align-camera.js';
import { planAlignment, warpStackCpu } from '../src/align/align-stack.js';
import { resolveOptions } from '../src/core/options.js';
import type { ZStack } from '../src/core/types.js';
import { fuseCpuFast } from '../src/cpu/fast/index.js';

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

/**
 * The file header's maths, one output value at a time and nothing shared between pixels: the
 * horizontal taps at columns c_k around u = a x + (b y + c), each column sampled vertically at
 * v(c_k) = (d / a) c_k + beta(y), positions rounded to 1 / WARP_PHASES px, sums left to right.
 */
function separableByDefinition(plane: PlaneView, t: Mat3, dstWidth: number, dstHeight: number): Uint8Array {
  const { rgba, width, height, stride } = plane;
  const [a, d, b, e, c, f] = [t[0], t[1], t[4], t[5], t[8], t[9]];
  const slope = d / a;
  const out = new Uint8Array(dstWidth * dstHeight * 4);
  const opaque = rgba.every((v, i) => i % 4 !== 3 || v === 255 || Math.floor(i / 4 / stride) >= height || Math.floor(i / 4) % stride >= width);
  const split = (position: number) => {
    const q = Math.round(position * WARP_PHASES);
    const whole = Math.floor(q / WARP_PHASES);
    return { whole, weights: lanczos3Weights((q - whole * WARP_PHASES) / WARP_PHASES) };
  };
  for (let y = 0; y < dstHeight; y++) {
    const rowU = b * y + c;
    const beta = e * y + f - slope * rowU;
    for (let x = 0; x < dstWidth; x++) {
      const hx = split(clamp(a * x + rowU, 0, width - 1));
      for (let ch = 0; ch < 4; ch++) {
        let sum = 0;
        for (let k = 0; k < WARP_TAPS; k++) {
          const column = clamp(hx.whole - 2 + k, 0, width - 1);
          const vy = split(clamp(slope * column + beta, 0, height - 1));
          let columnValue = 0;
          for (let j = 0; j < WARP_TAPS; j++) {
            const row = clamp(vy.whole - 2 + j, 0, height - 1);
            const term = vy.weights[j] * rgba[(row * stride + column) * 4 + ch];
            columnValue = j === 0 ? term : columnValue + term;
          }
          const term = hx.weights[k] * columnValue;
          sum = k === 0 ? term : sum + term;
        }
        out[(y * dstWidth + x) * 4 + ch] = ch === 3 && opaque ? 255 : Math.floor(clamp(sum, 0, 255) + 0.5);
      }
    }
  }
  return out;
}

/** A padded plane (stride > width) of a smooth pattern plus noise, alpha 255 or varying. */
function testPlane(width: number, height: number, stride: number, opaque: boolean): PlaneView {
  const rgba = new Uint8Array(stride * height * 4);
  let seed = 12345;
  const noise = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24) / 32 - 4;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < stride; x++) {
      const i = (y * stride + x) * 4;
      rgba[i] = clamp(Math.round(128 + 90 * Math.sin(x / 4.3) * Math.cos(y / 5.1) + noise()), 0, 255);
      rgba[i + 1] = clamp(Math.round(100 + 80 * Math.sin((x + 2 * y) / 7) + noise()), 0, 255);
      rgba[i + 2] = (x * 5 + y * 3) & 255;
      rgba[i + 3] = opaque ? 255 : 128 + ((x * 7 + y) & 127);
    }
  }
  return { rgba, width, height, stride };
}

/** A camera-sweep-like similarity about the centre: 2 % magnification, 0.2 degree, a shift with a fraction. */
const sweep = (w: number, h: number) => motionAbout((w - 1) / 2, (h - 1) / 2, { scale: 1.02, rotationDeg: 0.2, dx: 3.37, dy: -2.61 });

describe('separable Lanczos-3 warp', () => {
  it('equals its per-pixel definition bit for bit (opaque and translucent planes, edges, stride)', () => {
    for (const opaque of [true, false]) {
      const plane = testPlane(61, 47, 67, opaque);
      for (const t of [sweep(61, 47), compose(affine(0.97, 0.003, -4.2, -0.004, 0.98, 6.9), identity()), affine(1, 0, 0.5, 0, 1, -0.25)]) {
        const fast = warpPlaneSeparable(plane, t, 58, 50);
        const direct = separableByDefinition(plane, t, 58, 50);
        expect(Buffer.from(fast).equals(Buffer.from(direct))).toBe(true);
      }
    }
  });

  it('reproduces a plane exactly under the identity and integer shifts', () => {
    const plane = testPlane(37, 29, 37, false);
    expect(Buffer.from(warpPlaneSeparable(plane, identity(), 37, 29)).equals(Buffer.from(plane.rgba))).toBe(true);
    const shifted = warpPlaneSeparable(plane, affine(1, 0, 3, 0, 1, -2), 37, 29);
    for (let y = 2; y < 29; y++) for (let x = 0; x < 34; x++) for (let c = 0; c < 4; c++) expect(shifted[(y * 37 + x) * 4 + c]).toBe(plane.rgba[((y - 2) * 37 + x + 3) * 4 + c]);
  });

  it('matches the 2-D kernel (warpPlane) within 1 level inside the plane, >= 99 % equal', () => {
    const [w, h] = [160, 120];
    const plane = testPlane(w, h, w, true);
    const t = sweep(w, h);
    const fast = warpPlaneSeparable(plane, t, w, h);
    const exact = warpPlane(plane, t, w, h);
    let [worst, off, n] = [0, 0, 0];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const u = t[0] * x + t[4] * y + t[8];
        const v = t[1] * x + t[5] * y + t[9];
        if (u < 3 || v < 3 || u > w - 4 || v > h - 4) continue; // the replicated border: see the header
        for (let c = 0; c < 3; c++) {
          const diff = Math.abs(fast[(y * w + x) * 4 + c] - exact[(y * w + x) * 4 + c]);
          worst = Math.max(worst, diff);
          off += diff ? 1 : 0;
          n++;
        }
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(off / n).toBeLessThan(0.01);
  });

  it('is chosen for near-axis-aligned transforms of large planes only; warpPlaneCpu falls back to the 2-D kernel', () => {
    expect(separableWarpFits(sweep(100, 100))).toBe(true);
    const turned = motionAbout(30, 20, { scale: 1, rotationDeg: 2, dx: 1, dy: 1 });
    expect(separableWarpFits(turned)).toBe(false);
    expect(separableWarpFits(affine(-1, 0, 60, 0, 1, 0))).toBe(false); // mirrored
    expect(() => warpPlaneSeparable(testPlane(61, 47, 61, true), turned, 61, 47)).toThrow(/near-axis-aligned/);
    // A small plane keeps the 2-D kernel (the WebGPU engine's maths) even where the separable fits.
    const small = testPlane(61, 47, 61, true);
    const t = sweep(61, 47);
    expect(Buffer.from(warpPlaneCpu(small, t, 61, 47)).equals(Buffer.from(warpPlane(small, t, 61, 47)))).toBe(true);
    // A plane of SEPARABLE_MIN_PIXELS: separable for a sweep's similarity, 2-D for a 2 degree turn.
    const [w, h] = [1024, SEPARABLE_MIN_PIXELS / 1024];
    const large = testPlane(w, h, w, true);
    const sweepLarge = sweep(w, h);
    expect(Buffer.from(warpPlaneCpu(large, sweepLarge, w, h)).equals(Buffer.from(warpPlaneSeparable(large, sweepLarge, w, h)))).toBe(true);
    const turnedLarge = motionAbout(w / 2, h / 2, { scale: 1, rotationDeg: 2, dx: 1, dy: 1 });
    expect(Buffer.from(warpPlaneCpu(large, turnedLarge, w, h)).equals(Buffer.from(warpPlane(large, turnedLarge, w, h)))).toBe(true);
  });
});

describe('separable Lanczos-3 warp in WebAssembly SIMD (src/cpu/fast/warp.ts)', () => {
  const kernels = fastKernels();

  /** Samples that differ between two outputs, and the largest difference. */
  function compare(a: Uint8Array, b: Uint8Array): { off: number; worst: number } {
    let [off, worst] = [0, 0];
    for (let i = 0; i < a.length; i++) {
      const diff = Math.abs(a[i] - b[i]);
      off += diff ? 1 : 0;
      worst = Math.max(worst, diff);
    }
    return { off, worst };
  }

  it('loads here (Node has WebAssembly SIMD)', () => {
    expect(kernels).toBeDefined();
  });

  it('matches the TypeScript separable warp within 1 level on >= 99.9 % of samples (odd sizes, shift, scale, turn, alpha)', () => {
    let [off, total] = [0, 0];
    for (const [w, h, stride] of [[61, 47, 67], [129, 77, 129], [203, 5, 205]]) {
      const transforms = [
        affine(1, 0, 3.37, 0, 1, -2.61),
        motionAbout((w - 1) / 2, (h - 1) / 2, { scale: 0.98, rotationDeg: 0, dx: -1.3, dy: 0.7 }),
        motionAbout((w - 1) / 2, (h - 1) / 2, { scale: 1.02, rotationDeg: 0, dx: 2.2, dy: -0.4 }),
        motionAbout((w - 1) / 2, (h - 1) / 2, { scale: 1, rotationDeg: 0.25, dx: 0.5, dy: 0.25 }),
        sweep(w, h),
        affine(1, 0, w + 40, 0, 1, -h - 9), // every row wholly beside the plane: its edge pixel
      ];
      for (const opaque of [true, false]) {
        const plane = testPlane(w, h, stride, opaque);
        for (const t of transforms) {
          const [dw, dh] = [w - 3, h + 2];
          const wasm = warpPlaneSeparableWasm(kernels!, plane, t, dw, dh);
          const reference = warpPlaneSeparable(plane, t, dw, dh);
          const { off: o, worst } = compare(wasm, reference);
          expect(worst).toBeLessThanOrEqual(1);
          off += o;
          total += wasm.length;
          // Against the per-pixel definition too (the reference equals it bit for bit, see above).
          expect(compare(wasm, separableByDefinition(plane, t, dw, dh)).worst).toBeLessThanOrEqual(1);
        }
      }
    }
    expect(off / total).toBeLessThan(0.001);
  });

  it('is exact under the identity and integer shifts (one weight of 1: no rounding)', () => {
    for (const opaque of [true, false]) {
      const plane = testPlane(37, 29, 41, opaque);
      for (const t of [identity(), affine(1, 0, 3, 0, 1, -2), affine(1, 0, -5, 0, 1, 4)]) {
        expect(Buffer.from(warpPlaneSeparableWasm(kernels!, plane, t, 35, 31)).equals(Buffer.from(warpPlaneSeparable(plane, t, 35, 31)))).toBe(true);
      }
    }
  });

  it('is what warpPlaneCpu uses on the fast path, for the planes the separable warp takes only', () => {
    const separable = separableWarp();
    expect(separable).not.toBe(warpPlaneSeparable);
    expect(() => separable(testPlane(61, 47, 61, true), motionAbout(30, 20, { scale: 1, rotationDeg: 2, dx: 1, dy: 1 }), 61, 47)).toThrow(/near-axis-aligned/);
    const [w, h] = [1024, SEPARABLE_MIN_PIXELS / 1024 + 1];
    const large = testPlane(w, h, w, false);
    const t = sweep(w, h);
    const chosen = warpPlaneCpu(large, t, w, h, separable);
    expect(Buffer.from(chosen).equals(Buffer.from(warpPlaneSeparableWasm(kernels!, large, t, w, h)))).toBe(true);
    const { off, worst } = compare(chosen, warpPlaneSeparable(large, t, w, h));
    expect(worst).toBeLessThanOrEqual(1);
    expect(off / chosen.length).toBeLessThan(0.001);
    // The decision rule is unchanged: a small plane and a 2 degree turn keep the 2-D kernel.
    const small = testPlane(61, 47, 61, true);
    expect(Buffer.from(warpPlaneCpu(small, sweep(61, 47), 61, 47, separable)).equals(Buffer.from(warpPlane(small, sweep(61, 47), 61, 47)))).toBe(true);
    const turned = motionAbout(w / 2, h / 2, { scale: 1, rotationDeg: 2, dx: 1, dy: 1 });
    expect(Buffer.from(warpPlaneCpu(large, turned, w, h, separable)).equals(Buffer.from(warpPlane(large, turned, w, h)))).toBe(true);
  });
});

describe('the CPU engine warps aligned planes straight into its own memory (src/cpu/fast/index.ts)', () => {
  // 3 x 1024x1030 planes: output planes of >= SEPARABLE_MIN_PIXELS, so the WebAssembly warp writes
  // them into the fusion's plane slots.
  const c = { name: 'slots', width: 1024, height: 1030, planes: 3, scale: 0.02, shift: 12, rotationDeg: 0.1 };
  const options = resolveOptions({ align: 'similarity' });
  const make = (seed: number): ZStack => ({ width: c.width, height: c.height, planes: cameraStack(c, seed).planes });

  it('fuses exactly what the warp pass gives, and its aligned planes stay readable after the next stack', { timeout: 120_000 }, () => {
    const [first, second] = [make(1), make(2)];
    const { warp: plan } = planAlignment(first, { mode: 'similarity' });
    expect(plan!.keep.filter(Boolean)).toHaveLength(1); // two planes resampled
    const expected = warpStackCpu(first, plan!, separableWarp());
    const result = fuseCpuFast(first, options);
    expect(result.backend.runtime).toBe('wasm simd');
    // A second aligned stack of the same size reuses the same memory (its plane slots) ...
    const later = fuseCpuFast(second, options);
    // ... yet the first result's aligned planes are the warp pass's, bit for bit.
    result.aligned!.planes.forEach((plane, z) => expect(Buffer.from(plane).equals(Buffer.from(expected.planes[z]))).toBe(true));
    expect(later.aligned!.planes[0]).not.toEqual(expected.planes[0]);
    // And the fused image is that of the warp pass's planes, fused unaligned.
    const unaligned = fuseCpuFast(expected, resolveOptions({}));
    expect(Buffer.from(result.image).equals(Buffer.from(unaligned.image))).toBe(true);
    expect(Buffer.from(result.depth.buffer).equals(Buffer.from(unaligned.depth.buffer))).toBe(true);
    expect(result.alignment!.timings.warp).toBeGreaterThan(0);
  });
});
