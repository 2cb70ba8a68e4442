/**
 * The teng focus measure (Tenengrad) on the fast CPU path (src/cpu/fast, WebAssembly SIMD) against
 * the TypeScript reference (src/cpu/teng.ts), under the parity bar (test/gpu-harness.ts), with version 1's
 * other stages (gaussian depth, interpolate/nearest composite): odd sizes, 1xN and Nx1, Z = 1..21,
 * windows 0..32 (larger than the image too), sigma 0 and 3, synthetic cytology, a real stack,
 * and auto's decision (flat planes: test/cpu-fast.test.ts, both measures). The fast F is the exact
 * window mean of the integer Sobel energy rounded once (tested bit for bit against an integer
 * oracle); the reference's carries Y's f32 rounding, amplified where a gradient is small against Y (~1e-5 relative on synthetic cytology),
 * within the bar everywhere.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../src/core/options.js';
import type { FuseOptions, FuseResult, ZStack } from '../src/core/types.js';
import { fuseCpu, fuseCpuFast } from '../src/cpu/backend.js';
import { statsFromCurve } from '../src/cpu/stats.js';
import { generateStack } from '../src/synth/generate.js';
import { loadStack } from '../src/io/load-stack.js';
import { assertParity, fastAgainstReference, parity } from './gpu-harness.js';
import { ODD_SHAPES, checkerboardStack, testStack } from './gpu-stacks.js';
import { movedStack } from './align-fixtures.js';

/**
 * teng's F of one plane from integers, as the fast path defines it: N = 299 R + 587 G + 114 B, the
 * Sobel of N with clamped reads, E = Gx^2 + Gy^2 (exact), its window sum S with clamped reads (exact
 * below 2^53), F = S / (area 255000^2) rounded once (via the f64 reciprocal, then to f32).
 */
function exactTeng(rgba: Uint8Array, width: number, height: number, r: number): Float32Array {
  const at = (x: number, y: number): number => {
    const i = 4 * (Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x)));
    return 299 * rgba[i] + 587 * rgba[i + 1] + 114 * rgba[i + 2];
  };
  const energy = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const gx = at(x + 1, y - 1) + 2 * at(x + 1, y) + at(x + 1, y + 1) - (at(x - 1, y - 1) + 2 * at(x - 1, y) + at(x - 1, y + 1));
      const gy = at(x - 1, y + 1) + 2 * at(x, y + 1) + at(x + 1, y + 1) - (at(x - 1, y - 1) + 2 * at(x, y - 1) + at(x + 1, y - 1));
      energy[y * width + x] = gx * gx + gy * gy;
    }
  }
  const area = (2 * r + 1) ** 2;
  const scale = 1 / (area * 65025000000);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let dy = -r; dy <= r; dy++) {
        const row = Math.min(height - 1, Math.max(0, y + dy)) * width;
        for (let dx = -r; dx <= r; dx++) sum += energy[row + Math.min(width - 1, Math.max(0, x + dx))];
      }
      out[y * width + x] = sum * scale;
    }
  }
  return out;
}

/** Fast and reference results of teng with `options` (focus planes kept), after the parity bar. */
function check(stack: ZStack, options: FuseOptions, label: string): { ref: FuseResult; fast: FuseResult } {
  const resolved = resolveOptions({ ...options, measure: 'teng', keepFocus: true });
  const { ref, fast } = fastAgainstReference(stack, resolved, label);
  const n = stack.width * stack.height;
  // rawDepth and confidence (the bar checks Ds): the same fit on F equal to ~1e-7.
  let rawOff = 0;
  let confOff = 0;
  for (let i = 0; i < n; i++) {
    if (!(Math.abs(fast.rawDepth[i] - ref.rawDepth[i]) <= 0.02)) rawOff++;
    if (!(Math.abs(fast.confidence[i] - ref.confidence[i]) <= 1e-3)) confOff++;
  }
  expect(rawOff, `${label}: rawDepth off by > 0.02 plane`).toBeLessThanOrEqual(n * 1e-3);
  expect(confOff, `${label}: confidence off by > 1e-3`).toBeLessThanOrEqual(n * 1e-3);
  expect(fast.focus).toHaveLength(stack.planes.length);
  expect(fast.stats.bestPlane, label).toBe(ref.stats.bestPlane);
  for (let z = 0; z < stack.planes.length; z++) {
    const [a, b] = [fast.stats.focusCurve[z], ref.stats.focusCurve[z]];
    // The reference's Y rounding leaves up to ~1e-5 relative on F (see the header).
    expect(Math.abs(a - b), `${label}: focus curve z = ${z}`).toBeLessThanOrEqual(1e-4 * Math.max(a, b) + 1e-12);
  }
  expect(fast.stats.depthMean).toBeCloseTo(ref.stats.depthMean, 2);
  expect(fast.stats.confidenceMean).toBeCloseTo(ref.stats.confidenceMean, 3);
  expect(fast.stats.depthHistogram.reduce((a, b) => a + b, 0)).toBe(n);
  expect(fast.stats).toEqual(statsFromCurve(fast.stats.focusCurve, fast.depth, fast.confidence));
  return { ref, fast };
}

/** auto's report without its timings (and the fused displacement, which F's last bits move by ~1e-9 px). */
function withoutTimings(result: FuseResult): unknown {
  const { timings: _t, fusedDisplacementPx, ...report } = result.alignment!;
  return { ...report, fusedDisplacementPx: fusedDisplacementPx?.toFixed(6) };
}

describe('teng on the fast CPU path', () => {
  it.each([...ODD_SHAPES, [6, 9, 2]])('odd size %ix%i, Z = %i, every window 0..32, sigma 0 and 3', (w, h, z) => {
    const stack = testStack(w, h, z, { seed: w * 31 + h });
    for (const window of [0, 1, 2, 4, 17, 22, 23, 32]) {
      for (const sigma of [0, 3]) check(stack, { window, sigma }, `${w}x${h}x${z} window ${window} sigma ${sigma}`);
    }
  });

  it('F itself: the exact window mean of the integer Sobel energy rounded once, bit for bit, both composites', () => {
    const stack = testStack(67, 45, 5, { seed: 4, flatPatch: true });
    for (const [window, composite] of [[0, 'interpolate'], [3, 'nearest'], [32, 'interpolate']] as const) {
      const { fast } = check(stack, { window, composite }, `67x45x5 window ${window} ${composite}`);
      for (let z = 0; z < 5; z++) expect(fast.focus![z], `window ${window} plane ${z}`).toEqual(exactTeng(stack.planes[z] as Uint8Array, 67, 45, window));
    }
    // Nx1 and 1xN: the clamped reads collapse one direction.
    for (const [w, h] of [[1, 29], [31, 1]]) {
      const thin = testStack(w, h, 2, { seed: w + h });
      const { fast } = check(thin, { window: 5 }, `${w}x${h}`);
      expect(fast.focus![1]).toEqual(exactTeng(thin.planes[1] as Uint8Array, w, h, 5));
    }
  });

  it('a saturated checkerboard at windows 32 and 22: the largest window sums stay exact', () => {
    // |Gx| + |Gy| at their largest nearly everywhere: E ~ 2e12, window sums ~ 8.8e15 at r = 32.
    for (const window of [32, 22]) check(checkerboardStack(70, 2), { window }, `checkerboard r=${window}`);
  });

  it('synthetic cytology, 384x384 x 11 (sigma 3 and 4), and auto decides as the reference does', () => {
    const { stack } = generateStack({ seed: 3, width: 384, height: 384, planes: 11 });
    check(stack, {}, 'synth cytology');
    check(stack, { sigma: 4 }, 'synth cytology sigma 4');
    const options = resolveOptions({ measure: 'teng', align: 'auto' });
    const auto = fuseCpuFast(stack, options);
    expect(auto.backend.runtime).toBe('wasm simd');
    expect(withoutTimings(auto)).toEqual(withoutTimings(fuseCpu(stack, options)));
    expect(auto.alignment?.applied).toBe(false);
    // Nothing applied: exactly align none's result, on the fast path.
    const none = fuseCpuFast(stack, resolveOptions({ measure: 'teng' }));
    expect(Buffer.compare(Buffer.from(auto.image), Buffer.from(none.image))).toBe(0);
    expect(Array.from(auto.depth)).toEqual(Array.from(none.depth));
  });

  it('auto on a moving stack: decides as the reference does, then fuses the warped planes on the fast path', () => {
    const { moved } = movedStack({ seed: 2, kind: 'similarity', render: 448, frame: 384, planes: 3 });
    const options = resolveOptions({ measure: 'teng', align: 'auto', keepFocus: true });
    const ref = fuseCpu(moved, options);
    const fast = fuseCpuFast(moved, options);
    expect(fast.backend.runtime).toBe('wasm simd');
    expect(fast.alignment?.applied).toBe(true);
    expect(withoutTimings(fast)).toEqual(withoutTimings(ref));
    assertParity(parity(ref, fast), 'moved, auto');
  });

  it('a real stack (test/fixtures/real/tools, 712x495 x 6), windows 4 and 17', async () => {
    const stack = (await loadStack(join(import.meta.dirname, 'fixtures/real/tools'))) as ZStack;
    check(stack, {}, 'real tools');
    check(stack, { window: 17, sigma: 0 }, 'real tools, window 17');
  });

  it('lapv and teng share the module: switching measures between stacks of one shape changes nothing', () => {
    const stack = testStack(41, 29, 4, { seed: 8 });
    const teng = resolveOptions({ measure: 'teng', keepFocus: true });
    const lapv = resolveOptions({ keepFocus: true });
    const first = fuseCpuFast(stack, teng);
    const between = fuseCpuFast(stack, lapv);
    const again = fuseCpuFast(stack, teng);
    expect(Array.from(again.depth)).toEqual(Array.from(first.depth));
    expect(Array.from(again.focus![2])).toEqual(Array.from(first.focus![2]));
    expect(Array.from(between.depth)).toEqual(Array.from(fuseCpuFast(stack, lapv).depth));
    assertParity(parity(fuseCpu(stack, lapv), between), 'lapv after teng');
  });
});
