/**
 * The host side of the WebGPU engine without a GPU: WGSL constants and struct layout mirror the
 * TypeScript descriptors, band planning and submission packing.
 */
import { describe, expect, it } from 'vitest';
import { MAX_SIGMA, MAX_WINDOW } from '../src/core/options.js';
import { LUMA_INT_WEIGHTS, gaussianRadius } from '../src/core/maths.js';
import { packSubmissions } from '../src/gpu/backend.js';
import {
  BOX_MAX_RADIUS,
  BOX_RUN,
  KERNELS,
  MEASURE_HALO_AFTER,
  MEASURE_HALO_BEFORE,
  SMOOTH_ACROSS,
  SMOOTH_ALONG,
  SMOOTH_MAX_RADIUS,
  STATS_GROUP,
  TILE,
} from '../src/gpu/kernels.js';
import type { KernelName } from '../src/gpu/kernels.js';
import { PARAMS_BYTES, PARAMS_FIELDS, packParams } from '../src/gpu/params.js';
import { haloRows, planBands } from '../src/gpu/plan.js';
import { HISTOGRAM_DECIMATION, HISTOGRAM_SIGMA_FACTOR } from '../src/core/histogram.js';
import { SELECT_ENERGY_RADIUS, SELECT_GATE_HIGH, SELECT_GATE_LOW, SELECT_HALO, SELECT_LEVELS } from '../src/core/select.js';
import { PYRAMID_CLAMP_REACH, PYRAMID_CLAMP_TOLERANCE, PYRAMID_HALO, PYRAMID_LEVELS, PYRAMID_SOFTNESS } from '../src/core/pyramid.js';

/** Value of `const NAME: u32 = Nu;` in a kernel's WGSL. */
function wgslConst(kernel: KernelName, name: string): number {
  const match = KERNELS[kernel].code.match(new RegExp(`const ${name}: u32 = (\\d+)u;`));
  if (!match) throw new Error(`${kernel}: no const ${name}`);
  return Number(match[1]);
}

describe('kernel descriptors mirror the WGSL', () => {
  it('has the tile, run, radius and group constants the host plans with', () => {
    expect(wgslConst('lapv', 'TILE')).toBe(TILE);
    expect(wgslConst('lapv', 'HALO_BEFORE')).toBe(MEASURE_HALO_BEFORE);
    expect(wgslConst('wavelet', 'HALO_AFTER')).toBe(MEASURE_HALO_AFTER);
    expect(wgslConst('boxMean', 'TILE')).toBe(TILE);
    expect(wgslConst('boxMean', 'RUN')).toBe(BOX_RUN);
    expect(wgslConst('boxMean', 'MAX_RADIUS')).toBe(BOX_MAX_RADIUS);
    expect(BOX_MAX_RADIUS).toBe(MAX_WINDOW);
    expect(wgslConst('smooth', 'ALONG')).toBe(SMOOTH_ALONG);
    expect(wgslConst('smooth', 'ACROSS')).toBe(SMOOTH_ACROSS);
    expect(wgslConst('smooth', 'MAX_RADIUS')).toBe(SMOOTH_MAX_RADIUS);
    expect(wgslConst('histogramDepth', 'DECIMATION')).toBe(HISTOGRAM_DECIMATION);
    expect(SMOOTH_MAX_RADIUS).toBe(gaussianRadius(MAX_SIGMA));
    expect(wgslConst('stats', 'GROUP')).toBe(STATS_GROUP);
  });

  it('has the pyramid composite constants of src/core/pyramid.ts', () => {
    const f32 = (kernel: KernelName, name: string) => Number(KERNELS[kernel].code.match(new RegExp(`const ${name}: f32 = ([\\d.]+);`))?.[1]);
    for (const kernel of ['pyramidReduce', 'pyramidBlend'] as const) {
      expect(wgslConst(kernel, 'LEVELS')).toBe(PYRAMID_LEVELS);
      expect(f32(kernel, 'SOFTNESS')).toBe(PYRAMID_SOFTNESS);
    }
    expect(f32('pyramidBlend', 'REACH')).toBe(PYRAMID_CLAMP_REACH);
    expect(f32('pyramidBlend', 'TOLERANCE')).toBe(PYRAMID_CLAMP_TOLERANCE);
  });

  it('has the select composite constants of src/core/select.ts and the luma weights of src/core/maths.ts', () => {
    const code = KERNELS.pyramidBlend.code;
    const f32 = (name: string) => Number(code.match(new RegExp(`const ${name}: f32 = ([\\d.]+);`))?.[1]);
    expect(wgslConst('pyramidBlend', 'SELECTED')).toBe(SELECT_LEVELS);
    expect(Number(code.match(/const ENERGY_RADIUS: i32 = (\d+);/)?.[1])).toBe(SELECT_ENERGY_RADIUS);
    expect(f32('GATE_LOW')).toBe(SELECT_GATE_LOW);
    expect(f32('GATE_HIGH')).toBe(SELECT_GATE_HIGH);
    expect(code.match(/const LUMA_INT: vec3f = vec3f\(([\d., ]+)\);/)?.[1].split(',').map(Number)).toEqual([...LUMA_INT_WEIGHTS]);
  });

  it('declares each entry point with the descriptor workgroup size', () => {
    for (const [name, kernel] of Object.entries(KERNELS)) {
      for (const entry of kernel.entryPoints) {
        const match = kernel.code.match(new RegExp(`@workgroup_size\\((\\d+), (\\d+), (\\d+)\\)\\s*fn ${entry}\\(`));
        expect(match, `${name}.${entry}`).not.toBeNull();
        const size = match!.slice(1).map(Number);
        const expected = name === 'smooth' && entry === 'vertical' ? [SMOOTH_ACROSS, SMOOTH_ALONG, 1] : kernel.workgroupSize;
        expect(size, `${name}.${entry}`).toEqual([...expected]);
      }
    }
  });

  it('declares exactly the descriptor bindings, with matching access', () => {
    for (const [name, kernel] of Object.entries(KERNELS)) {
      const declared = [...kernel.code.matchAll(/@binding\((\d+)\) var<([^>]+)>/g)].map((m) => [Number(m[1]), m[2]] as const);
      expect(declared.map(([b]) => b).sort((a, b) => a - b), name).toEqual(kernel.bindings.map((_, i) => i));
      for (const [binding, space] of declared) {
        const kind = kernel.bindings[binding];
        const expected = kind === 'uniform' ? 'uniform' : kind === 'storage' ? 'storage, read_write' : 'storage, read';
        expect(space, `${name} binding ${binding}`).toBe(expected);
      }
      expect(kernel.shared, `${name} SHARED override`).toBe(/override SHARED: bool/.test(kernel.code));
    }
  });

  it('lays out struct Params in PARAMS_FIELDS order', () => {
    const body = KERNELS.luma.code.match(/struct Params \{([^}]*)\}/)![1];
    const fields = [...body.matchAll(/(\w+): (u32|f32)/g)].map((m) => [m[1], m[2]]);
    expect(fields).toEqual(PARAMS_FIELDS.map(([n, t]) => [n, t]));
    const bytes = packParams({
      width: 7, height: 5, planes: 3, window: 2, smooth_radius: 9, kept_start: 1, kept_end: 4,
      variance: 1, nearest: 0, tau: 0.5, log_eps: 1e-9, weight_floor: 1e-6,
    });
    expect(bytes.byteLength).toBe(PARAMS_BYTES);
    const view = new DataView(bytes);
    expect([view.getUint32(0, true), view.getUint32(4, true), view.getUint32(24, true)]).toEqual([7, 5, 4]);
    expect(view.getFloat32(36, true)).toBe(0.5);
  });
});

describe('planBands', () => {
  const base = { width: 100, height: 1000, planes: 5, channels: 2, window: 4, sigma: 3 };
  const rowBytes = base.width * base.planes * base.channels * 4;

  it('keeps a stack that fits in one band', () => {
    expect(planBands({ ...base, maxBindingBytes: rowBytes * 1000 })).toEqual([{ start: 0, rows: 1000, keptStart: 0, keptEnd: 1000 }]);
  });

  it('tiles with a halo of measure stencil + window + smoothing radius and covers every row once', () => {
    const halo = haloRows(4, 3);
    expect(halo).toBe(MEASURE_HALO_AFTER + 4 + 9);
    const bands = planBands({ ...base, maxBindingBytes: rowBytes * 200 });
    expect(bands.length).toBeGreaterThan(1);
    let next = 0;
    for (const band of bands) {
      expect(band.rows).toBeLessThanOrEqual(200);
      expect(band.start + band.keptStart).toBe(next);
      // Every artificial edge has the full halo; real edges need none.
      if (band.start > 0) expect(band.keptStart).toBe(halo);
      if (band.start + band.rows < base.height) expect(band.rows - band.keptEnd).toBe(halo);
      next = band.start + band.keptEnd;
    }
    expect(next).toBe(base.height);
  });

  it('pyramid composite: more halo, band starts on the 2^LEVELS grid, every row kept once', () => {
    const halo = haloRows(4, 3, 'gaussian', 'pyramid');
    expect(halo).toBe(haloRows(4, 3) + PYRAMID_HALO);
    const bands = planBands({ ...base, maxBindingBytes: base.width * base.planes * 8 * 400, composite: 'pyramid' });
    expect(bands.length).toBeGreaterThan(2);
    let next = 0;
    for (const band of bands) {
      expect(band.rows).toBeLessThanOrEqual(400);
      expect(band.start % 2 ** PYRAMID_LEVELS).toBe(0);
      expect(band.start + band.keptStart).toBe(next);
      if (band.start > 0) expect(band.keptStart).toBeGreaterThanOrEqual(halo);
      if (band.start + band.rows < base.height) expect(band.rows - band.keptEnd).toBe(halo);
      next = band.start + band.keptEnd;
    }
    expect(next).toBe(base.height);
  });

  it('histogram depth and select composite: the halo of their wider Gaussian and of the pyramid plus the energy square', () => {
    // The histogram's Gaussian is HISTOGRAM_SIGMA_FACTOR sigma = 8 px at sigma 3, filtered on a grid of
    // 2 px: radius ceil(3 * 4) = 12 cells, and a pixel reads image rows up to 2 (12 + 2) - 1 = 27 away, against 9.
    expect(gaussianRadius((HISTOGRAM_SIGMA_FACTOR * 3) / HISTOGRAM_DECIMATION)).toBe(12);
    expect(haloRows(4, 3, 'histogram') - haloRows(4, 3)).toBe(27 - gaussianRadius(3));
    // Its bands start on the coarse grid.
    const histogramBands = planBands({ ...base, depthMode: 'histogram', maxBindingBytes: base.width * base.planes * 8 * 150 });
    expect(histogramBands.length).toBeGreaterThan(1);
    for (const band of histogramBands) expect(band.start % HISTOGRAM_DECIMATION).toBe(0);
    // select: the pyramid's reach plus the energy's 3x3 square at level 1 (2 px of level 0).
    expect(haloRows(4, 3, 'gaussian', 'select')).toBe(haloRows(4, 3, 'gaussian', 'pyramid') + SELECT_ENERGY_RADIUS * 2);
    expect(SELECT_HALO).toBe(PYRAMID_HALO + 2);
    const bands = planBands({ ...base, maxBindingBytes: base.width * base.planes * 8 * 400, composite: 'select' });
    expect(bands.length).toBeGreaterThan(2);
    for (const band of bands) expect(band.start % 2 ** PYRAMID_LEVELS).toBe(0);
  });

  it('refuses an image too wide for one row plus halo', () => {
    expect(() => planBands({ ...base, maxBindingBytes: rowBytes * 10 })).toThrow(/too wide/);
  });
});

describe('packSubmissions', () => {
  it('packs jobs in order under the byte budget, a too-big job alone', () => {
    const jobs = [5, 5, 5, 20, 1, 1].map((bytes, id) => ({ id, bytes }));
    expect(packSubmissions(jobs, 10).map((c) => c.map((j) => j.id))).toEqual([[0, 1], [2], [3], [4, 5]]);
    expect(packSubmissions(jobs, 100, 2).map((c) => c.length)).toEqual([2, 2, 2]);
  });
});
