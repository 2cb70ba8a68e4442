/**
 * The `select` composite (src/core/select.ts, src/cpu/select-composite.ts): where one plane is clearly
 * the sharpest it takes that plane's fine detail even when Ds names another plane (two layers in
 * focus in different planes); where no plane stands out (noise) it is `pyramid`; it never leaves the
 * per-pixel range of the planes. (Its WebGPU kernels: test/gpu-select.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { composite } from '../src/cpu/index.js';
import { COMPOSITE_MODES, DEPTH_MODES, resolveOptions } from '../src/core/options.js';
import type { CompositeMode, DepthMode } from '../src/core/types.js';
import { SELECT_GATE_HIGH, SELECT_GATE_LOW, selectGate } from '../src/core/select.js';
import { CPU_ONLY_MODES, checkGpuModes, hasGpuModes } from '../src/gpu/kernels.js';
import { random } from './gpu-stacks.js';

const W = 64;
const H = 48;

/** A sharp random texture and a 3x3 box blur of it (luma only, grey RGB). */
function texture(seed: number): { sharp: Float64Array; blurred: Float64Array } {
  const rng = random(seed);
  const sharp = new Float64Array(W * H).map(() => 60 + 140 * rng());
  const blurred = new Float64Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let s = 0;
      for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) s += sharp[Math.min(H - 1, Math.max(0, y + dy)) * W + Math.min(W - 1, Math.max(0, x + dx))];
      blurred[y * W + x] = s / 25;
    }
  }
  return { sharp, blurred };
}

function rgba(values: (i: number) => number): Uint8Array {
  const p = new Uint8Array(W * H * 4);
  for (let i = 0; i < W * H; i++) {
    p.fill(Math.round(values(i)), 4 * i, 4 * i + 3);
    p[4 * i + 3] = 255;
  }
  return p;
}

/** Mean |a - truth| over the pixels of the columns [x0, x1), rows 8..H-8 (away from the borders). */
function meanError(image: Uint8Array, truth: Float64Array, x0: number, x1: number): number {
  let sum = 0;
  let count = 0;
  for (let y = 8; y < H - 8; y++) {
    for (let x = x0; x < x1; x++) {
      sum += Math.abs(image[4 * (y * W + x)] - truth[y * W + x]);
      count++;
    }
  }
  return sum / count;
}

describe('select composite (CPU)', () => {
  it('is a composite mode the options accept, the v2 preset\'s (so the default\'s); v1 keeps interpolate', () => {
    expect(COMPOSITE_MODES).toContain('select');
    expect(resolveOptions().composite).toBe('select');
    expect(resolveOptions({ fusion: 'v1' }).composite).toBe('interpolate');
    expect(resolveOptions({ composite: 'select' }).composite).toBe('select');
  });

  it('takes the sharp plane\'s detail where Ds names the blurred one', () => {
    // Left half sharp in plane 0, right half sharp in plane 2; plane 1 blurred everywhere; Ds = 0.
    const { sharp, blurred } = texture(3);
    const left = (i: number) => i % W < W / 2;
    const planes = [rgba((i) => (left(i) ? sharp[i] : blurred[i])), rgba((i) => blurred[i]), rgba((i) => (left(i) ? blurred[i] : sharp[i]))];
    const Ds = new Float32Array(W * H);
    const selected = composite(planes, Ds, W, H, 'select');
    const pyramid = composite(planes, Ds, W, H, 'pyramid');
    // Right half (away from the seam): pyramid gives plane 0's blur, select gets most of the detail back.
    expect(meanError(pyramid, sharp, W / 2 + 8, W - 8)).toBeGreaterThan(15);
    expect(meanError(selected, sharp, W / 2 + 8, W - 8)).toBeLessThan(0.5 * meanError(pyramid, sharp, W / 2 + 8, W - 8));
    // Left half: Ds was right; select stays as good as pyramid there.
    expect(meanError(selected, sharp, 8, W / 2 - 8)).toBeLessThanOrEqual(meanError(pyramid, sharp, 8, W / 2 - 8) + 0.5);
  });

  it('is pyramid where no plane stands out: planes of independent noise gain no noise', () => {
    const rng = random(11);
    const planes = Array.from({ length: 7 }, () => rgba(() => 128 + 3 * (rng() + rng() + rng() - 1.5)));
    const Ds = new Float32Array(W * H).fill(3);
    const selected = composite(planes, Ds, W, H, 'select');
    const pyramid = composite(planes, Ds, W, H, 'pyramid');
    // Standard deviation of channel 0 about 128: the fine levels of a lone noisy plane would raise it.
    const spread = (img: Uint8Array) => Math.sqrt(img.filter((_, j) => (j & 3) === 0).reduce((s, v) => s + (v - 128) ** 2, 0) / (W * H));
    expect(spread(selected)).toBeLessThan(1.05 * spread(pyramid));
    let differ = 0;
    for (let i = 0; i < W * H * 4; i++) if (selected[i] !== pyramid[i]) differ++;
    expect(differ / (W * H * 4)).toBeLessThan(0.1);
  });

  it('stays within the per-pixel range of the planes, on odd sizes, Z = 1..4 and 16-bit planes', () => {
    for (const [w, h, Z] of [[1, 1, 1], [7, 5, 2], [33, 17, 3], [1, 40, 4], [61, 2, 3]]) {
      const rng = random(w * h + Z);
      const planes = Array.from({ length: Z }, () => new Uint16Array(w * h * 4).map((_, j) => ((j & 3) === 3 ? 65535 : Math.floor(65535 * rng()))));
      const Ds = new Float32Array(w * h).map(() => (Z - 1) * rng());
      const out = composite(planes, Ds, w, h, 'select');
      expect(out).toBeInstanceOf(Uint16Array);
      for (let j = 0; j < w * h * 4; j++) {
        const values = planes.map((p) => p[j]);
        expect(out[j]).toBeGreaterThanOrEqual(Math.min(...values));
        expect(out[j]).toBeLessThanOrEqual(Math.max(...values));
      }
      if (Z === 1) expect(Array.from(out)).toEqual(Array.from(planes[0]));
    }
  });

  it('gate: no say at or below the low ratio, full say at or above the high one', () => {
    expect(selectGate(1)).toBe(0);
    expect(selectGate(SELECT_GATE_LOW)).toBe(0);
    expect(selectGate((SELECT_GATE_LOW + SELECT_GATE_HIGH) / 2)).toBeCloseTo(0.5, 12);
    expect(selectGate(SELECT_GATE_HIGH)).toBe(1);
    expect(selectGate(100)).toBe(1);
  });

  it('the WebGPU engine runs every named mode, and refuses a CPU-only or unknown one with a clear error', () => {
    // Every mode has a kernel today (histogram and select were the last): the refusal path is kept
    // for the next CPU-first mode, and tested with a list of its own and with names it does not know.
    expect(CPU_ONLY_MODES).toEqual({ depthMode: [], composite: [] });
    for (const depthMode of DEPTH_MODES) {
      for (const composite of COMPOSITE_MODES) {
        expect(() => checkGpuModes({ depthMode, composite })).not.toThrow();
        expect(hasGpuModes({ depthMode, composite })).toBe(true);
      }
    }
    const cpuOnly = { depthMode: ['histogram'], composite: ['select'] } as const;
    expect(() => checkGpuModes({ depthMode: 'gaussian', composite: 'select' }, cpuOnly)).toThrow("composite 'select' has no WebGPU kernel yet; use backend 'cpu' for it");
    expect(() => checkGpuModes({ depthMode: 'histogram', composite: 'interpolate' }, cpuOnly)).toThrow("depth mode 'histogram' has no WebGPU kernel yet; use backend 'cpu' for it");
    expect(() => checkGpuModes({ depthMode: 'histogram', composite: 'select' }, cpuOnly)).toThrow("depth mode 'histogram' and composite 'select' have no WebGPU kernel yet; use backend 'cpu' for them");
    expect(() => checkGpuModes({ depthMode: 'edge-aware', composite: 'pyramid' }, cpuOnly)).not.toThrow();
    expect(hasGpuModes({ composite: 'select' }, cpuOnly)).toBe(false);
    expect(() => checkGpuModes({ depthMode: 'median' as DepthMode, composite: 'interpolate' })).toThrow("depth mode 'median' has no WebGPU kernel yet; use backend 'cpu' for it");
    expect(() => checkGpuModes({ depthMode: 'gaussian', composite: 'wavelet' as CompositeMode })).toThrow("composite 'wavelet' has no WebGPU kernel yet");
  });
});
