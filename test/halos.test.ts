/**
 * The `histogram` depth's one-plane test (src/core/halos.ts): planted focus planes for each rule
 * (the ratio, the reach, the per-mille bound in integers, ties, no evidence), the fast path's peaks
 * giving the same answer, and every CPU engine on real stacks: tools (a planar wall) and sephace
 * (unstained cells, halos on both sides of focus) show their in-focus plane itself; the bundled
 * synthetic CCCID sample and the registered Pap smear keep their per-pixel fusion.
 * The WebGPU engines are checked against these in test/gpu-halos.test.ts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXPLAINED_RATIO, UNEXPLAINED_DIVISOR, halosDecision, halosFallback } from '../src/core/halos.js';
import { haloRadius } from '../src/core/edge-aware.js';
import { resolveOptions } from '../src/core/options.js';
import type { FuseResult, ZStack } from '../src/core/types.js';
import { fuseCpu } from '../src/cpu/index.js';
import { fuseCpuFast } from '../src/cpu/fast/index.js';
import { loadStack } from '../src/io/load-stack.js';

const TAU = 0.01;
const WINDOW = 2;
const R = haloRadius(WINDOW); // 6

/** Z focus planes of width x height, all 0 (no evidence). */
function emptyFocus(width: number, height: number, planes: number): Float32Array[] {
  return Array.from({ length: planes }, () => new Float32Array(width * height));
}

/**
 * Plane 1 with `count` (<= width) evident pixels of F = 1 along row 10, and halos of every other one:
 * plane 0 at F = `halo` three rows below (so plane 1 has the most evidence).
 */
function plantedHalos(width: number, height: number, count: number, halo: number): Float32Array[] {
  const focus = emptyFocus(width, height, 3);
  for (let k = 0; k < count; k++) {
    focus[1][10 * width + k] = 1;
    if (k % 2 === 0) focus[0][13 * width + k] = halo;
  }
  return focus;
}

describe('one-plane test (planted focus planes)', () => {
  const [W, H] = [120, 60];

  it('shows the plane whose stronger focus lies beside every other peak', () => {
    expect(halosFallback(plantedHalos(W, H, 100, 0.9), W, H, TAU, WINDOW)).toEqual({ reason: 'halos', plane: 1 });
    // A halo up to EXPLAINED_RATIO x the nearby max is explained; above it is structure of its own.
    expect(halosFallback(plantedHalos(W, H, 100, Math.fround(EXPLAINED_RATIO)), W, H, TAU, WINDOW)?.plane).toBe(1);
    expect(halosFallback(plantedHalos(W, H, 100, 1.6), W, H, TAU, WINDOW)).toBeUndefined();
  });

  it('reaches haloRadius(r) pixels in x and in y, no further', () => {
    for (const [dx, dy, explained] of [[R, 0, true], [R + 1, 0, false], [0, R, true], [0, -(R + 1), false], [-R, -R, true]] as const) {
      const focus = emptyFocus(W, H, 3);
      focus[1].fill(1, 0, 4 * W); // rows 0 .. 3: plane 1 has the most evidence (481 of 482 pixels)
      const [cx, cy] = [60, 40];
      focus[2][cy * W + cx] = 1.2; // the peak off plane 1 ...
      focus[1][(cy + dy) * W + cx + dx] = 1; // ... and plane 1's focus at (dx, dy) from it
      // Unexplained, 1 of 482 evident pixels is more than 1 per mille: the per-pixel fusion stays.
      expect(halosFallback(focus, W, H, TAU, WINDOW)?.plane, `${dx}, ${dy}`).toBe(explained ? 1 : undefined);
    }
  });

  it('keeps per-pixel fusion from 1 unexplained pixel per UNEXPLAINED_DIVISOR evident ones (integers)', () => {
    // Plane 1's evidence in rows 0 .. 33, 4 peaks on plane 2 in row 59, far out of its reach:
    // 4 of 4001 evident pixels is below 1 per mille, 4 of 4000 is not.
    for (const [onPlane1, shown] of [[3997, true], [3996, false]] as const) {
      const focus = emptyFocus(W, H, 3);
      focus[1].fill(1, 0, onPlane1);
      for (let k = 0; k < 4; k++) focus[2][(H - 1) * W + 10 * k] = 0.5;
      expect(UNEXPLAINED_DIVISOR * 4 < onPlane1 + 4).toBe(shown);
      expect(halosFallback(focus, W, H, TAU, WINDOW)?.plane, `4 of ${onPlane1 + 4}`).toBe(shown ? 1 : undefined);
    }
  });

  it('needs evidence, two planes and most of the evidence on one of them', () => {
    expect(halosFallback(emptyFocus(W, H, 3), W, H, TAU, WINDOW)).toBeUndefined();
    const one = emptyFocus(W, H, 1);
    one[0].fill(1);
    expect(halosFallback(one, W, H, TAU, WINDOW)).toBeUndefined();
    // Planes 0 and 2 side by side, each explaining the other: the plane with more than half of the
    // evident pixels is shown; an even split (noise-like, no plane stands out) keeps per-pixel fusion.
    for (const [on0, on2, shown] of [[41, 39, 0], [39, 41, 2], [40, 40, undefined]] as const) {
      const focus = emptyFocus(W, H, 3);
      focus[0].fill(1, 20 * W, 20 * W + on0);
      focus[2].fill(1, 21 * W, 21 * W + on2);
      expect(halosFallback(focus, W, H, TAU, WINDOW)?.plane, `${on0} on plane 0, ${on2} on plane 2`).toBe(shown);
    }
  });

  it('gives the same answer from an engine\'s own peaks, asking only for plane P', () => {
    for (const halo of [0.9, 1.6]) {
      const focus = plantedHalos(W, H, 100, halo);
      const n = W * H;
      const best = new Int32Array(n);
      const fmax = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        for (let z = 0; z < 3; z++) {
          if (focus[z][i] > fmax[i] || z === 0) [fmax[i], best[i]] = [focus[z][i], z];
        }
      }
      const asked: number[] = [];
      const decided = halosDecision({ best, fmax, planes: 3, width: W, height: H, tau: TAU, window: WINDOW }, (plane) => (asked.push(plane), focus[plane]));
      expect(decided).toEqual(halosFallback(focus, W, H, TAU, WINDOW));
      expect(asked).toEqual([1]);
    }
  });
});

const REAL = join(import.meta.dirname, 'fixtures/real');

const load = (path: string): Promise<ZStack> => loadStack(path);

/** Asserts that `result` is plane `plane` of `stack` itself, with Ds = plane everywhere. */
function expectPlane(result: FuseResult, stack: ZStack, plane: number, label: string): void {
  expect(result.depthFallback, label).toEqual({ reason: 'halos', plane });
  expect(Buffer.compare(Buffer.from(result.image), Buffer.from(stack.planes[plane])), `${label}: the image is plane ${plane}`).toBe(0);
  expect(result.depth.every((d) => d === plane), label).toBe(true);
  expect(result.stats.depthMean, label).toBe(plane);
  expect(result.stats.depthHistogram[plane], label).toBe(stack.width * stack.height);
}

describe('one-plane test on real stacks, both CPU engines', () => {
  const engines = [
    ['reference', fuseCpu],
    ['fast path', fuseCpuFast],
  ] as const;

  it.each([
    ['tools', 0],
    ['sephace/set2_fine', 1],
    ['sephace/set1_init', 1],
  ] as const)('%s shows its in-focus plane %i itself', async (name, plane) => {
    const stack = await load(join(REAL, name));
    for (const [engine, fuse] of engines) {
      const result = fuse(stack, resolveOptions({}));
      expectPlane(result, stack, plane, `${name}, ${engine}`);
      if (engine === 'fast path') expect(result.backend.runtime).toBe('wasm simd');
      // The focus planes the test read are not handed out unless asked for.
      expect(result.focus).toBeUndefined();
    }
  });

  it('shows a 16-bit stack\'s plane at full precision (image16 its samples, image those scaled to 8 bits)', async () => {
    const eight = await load(join(REAL, 'tools'));
    // The same planes as 16-bit samples (x 257: 8-bit v -> 16-bit v v), so the test sees the same F.
    const planes = eight.planes.map((p) => Uint16Array.from(p, (v) => v * 257));
    const result = fuseCpuFast({ width: eight.width, height: eight.height, planes, bitDepth: 16 }, resolveOptions({}));
    expect(result.depthFallback).toEqual({ reason: 'halos', plane: 0 });
    // On the fast path itself (its sweep's test and nearest composite of u16 samples; docs/cpu-fast-path.md "16-bit stacks").
    expect(result.backend.runtime).toBe('wasm simd');
    expect(result.image16 && Buffer.compare(Buffer.from(result.image16.buffer), Buffer.from(planes[0].buffer))).toBe(0);
    expect(Buffer.compare(Buffer.from(result.image), Buffer.from(eight.planes[0]))).toBe(0);
  });

  it.each([
    ['the bundled synthetic CCCID sample', join(import.meta.dirname, '../examples/samples/cccid-synth/NILM/1. Superficial-Intermediate Cells')],
    ['smear_registered', join(import.meta.dirname, '../examples/samples/smear-registered')],
  ])('%s keeps its per-pixel fusion', async (name, path) => {
    const stack = await load(path);
    for (const [engine, fuse] of engines) {
      const result = fuse(stack, resolveOptions({}));
      expect(result.depthFallback, `${name}, ${engine}`).toBeUndefined();
      expect(new Set(result.depth).size, `${name}, ${engine}: a depth map, not one plane`).toBeGreaterThan(100);
    }
  });
});
