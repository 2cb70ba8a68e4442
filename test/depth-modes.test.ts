/**
 * The depth modes on the CPU reference: `gaussian` stays version 1 (the `v1` preset); `edge-aware`
 * (docs/fusion-v2.md) fixes the halo case of a bar chart, takes the in-focus plane of a
 * contrast-inverted stack, and shows one plane where there is no focus evidence.
 */
import { describe, expect, it } from 'vitest';
import { DIP_RATIO, HALO_SHARE, MIN_EVIDENT_DIVISOR, PEAK_RATIO, countsLength, depthFallback, fallbackPlane } from '../src/core/edge-aware.js';
import { EDGE_LINES_PER_GROUP, KERNELS } from '../src/gpu/kernels.js';
import { DEPTH_MODES, resolveOptions } from '../src/core/options.js';
import { composite, depthFromFocus, edgeAwareDepth, fuseCpu, smoothDepth } from '../src/cpu/index.js';
import type { FuseResult } from '../src/core/types.js';
import { errorOf } from './expect-helpers.js';
import { haloChart, invertedStack } from './halo-chart.js';

/** Share of pixels whose depth is within 0.5 plane of `plane`. */
function shareWithin(depth: Float32Array, plane: number): number {
  let ok = 0;
  for (const d of depth) if (Math.abs(d - plane) <= 0.5) ok++;
  return ok / depth.length;
}

const meanDistance = (depth: Float32Array, plane: number): number => depth.reduce((sum, d) => sum + Math.abs(d - plane), 0) / depth.length;

describe('depthMode option', () => {
  it('defaults to the v2 preset\'s histogram (v1: gaussian) and accepts every mode', () => {
    expect(DEPTH_MODES).toEqual(['gaussian', 'edge-aware', 'histogram']);
    expect(resolveOptions().depthMode).toBe('histogram');
    expect(resolveOptions({ fusion: 'v1' }).depthMode).toBe('gaussian');
    expect(resolveOptions({ depthMode: 'edge-aware' }).depthMode).toBe('edge-aware');
  });

  it('rejects an unknown mode with the uniform message', () => {
    const error = errorOf(() => resolveOptions({ depthMode: 'bilateral' as never }));
    expect(error.message).toBe("Expected one of 'gaussian', 'edge-aware', 'histogram' for depthMode but received 'bilateral' (string)");
  });
});

describe('fusion preset', () => {
  it('fills the measure, sigma, depth mode and composite not given; given ones win', () => {
    const pick = ({ measure, sigma, depthMode, composite, tau, window }: ReturnType<typeof resolveOptions>) => ({ measure, sigma, depthMode, composite, tau, window });
    expect(pick(resolveOptions())).toEqual(pick(resolveOptions({ fusion: 'v2' })));
    expect(pick(resolveOptions({ fusion: 'v1' }))).toEqual({ measure: 'lapv', sigma: 3, depthMode: 'gaussian', composite: 'interpolate', tau: 2e-3, window: 4 });
    expect(pick(resolveOptions({ fusion: 'v2' }))).toEqual({ measure: 'teng', sigma: 4, depthMode: 'histogram', composite: 'select', tau: 1e-2, window: 4 });
    expect(pick(resolveOptions({ fusion: 'v2', measure: 'lapv', sigma: 2 }))).toEqual({ measure: 'lapv', sigma: 2, depthMode: 'histogram', composite: 'select', tau: 2e-3, window: 4 });
    expect(resolveOptions({ fusion: 'v1', depthMode: 'edge-aware' }).depthMode).toBe('edge-aware');
  });

  it('rejects an unknown preset with the uniform message', () => {
    expect(errorOf(() => resolveOptions({ fusion: 'v3' as never })).message).toBe("Expected one of 'v1', 'v2' for fusion but received 'v3' (string)");
  });
});

describe('gaussian mode is version 1', () => {
  it('fuses exactly as depthFromFocus + smoothDepth + composite, by the v1 preset or by naming its four options', () => {
    const { stack } = haloChart();
    const { width, height, planes } = stack;
    const byDefault = fuseCpu(stack, resolveOptions({ fusion: 'v1', keepFocus: true }));
    const named = fuseCpu(stack, resolveOptions({ keepFocus: true, measure: 'lapv', sigma: 3, depthMode: 'gaussian', composite: 'interpolate' }));
    const { depth: D, confidence: C } = depthFromFocus(byDefault.focus!, width, height, byDefault.options.tau);
    const Ds = smoothDepth(D, C, width, height, 3);
    for (const result of [byDefault, named]) {
      expect(result.depth).toEqual(Ds);
      expect(result.image).toEqual(composite(planes, Ds, width, height, 'interpolate'));
    }
  });
});

describe('edge-aware mode', () => {
  const fuseBoth = (stack: Parameters<typeof fuseCpu>[0]): Record<'gaussian' | 'edge-aware', FuseResult> => ({
    gaussian: fuseCpu(stack, resolveOptions({ fusion: 'v1', depthMode: 'gaussian' })),
    'edge-aware': fuseCpu(stack, resolveOptions({ fusion: 'v1', depthMode: 'edge-aware' })),
  });

  it('keeps the flat gaps of a bar chart on the chart plane, where version 1 takes defocused halos', () => {
    const { stack, focusPlane } = haloChart();
    const results = fuseBoth(stack);
    expect(shareWithin(results.gaussian.depth, focusPlane)).toBeLessThan(0.95);
    expect(shareWithin(results['edge-aware'].depth, focusPlane)).toBeGreaterThanOrEqual(0.95);
    expect(results['edge-aware'].depthFallback).toBeUndefined();
    // The fused chart then equals the in-focus plane nearly everywhere (no dark blotches in the gaps).
    const fused = results['edge-aware'].image;
    const truth = stack.planes[focusPlane];
    let off = 0;
    for (let i = 0; i < fused.length; i++) if (Math.abs(fused[i] - truth[i]) > 2) off++;
    expect(off / fused.length).toBeLessThan(0.01);
  });

  it('keeps sub-plane precision: a chart in focus between two planes stays between them', () => {
    // Blur 2 px per plane around 3.5: planes 3 and 4 are equally sharp, the fit puts D near 3.5.
    const { stack } = haloChart(121, 41, 8, 3.5);
    const result = fuseCpu(stack, resolveOptions({ fusion: 'v1', depthMode: 'edge-aware' }));
    expect(shareWithin(result.depth, 3.5)).toBeGreaterThan(0.95);
    expect(Math.abs(meanDistance(result.depth, 3.5))).toBeLessThan(0.25);
  });

  it('shows the in-focus plane of a contrast-inverted stack, closer than the best single plane', () => {
    const { stack, focusPlane } = invertedStack();
    const results = fuseBoth(stack);
    const best = results.gaussian.stats.bestPlane;
    expect(best).not.toBe(focusPlane); // max contrast is on a defocused plane here
    const edge = results['edge-aware'];
    expect(Array.from(new Set(edge.depth))).toEqual([focusPlane]); // one plane: no seams
    expect(edge.depthFallback).toEqual({ reason: 'inverted', plane: focusPlane });
    expect(results.gaussian.depthFallback).toBeUndefined();
    expect(edge.image).toEqual(stack.planes[focusPlane]);
    expect(meanDistance(edge.depth, focusPlane)).toBeLessThanOrEqual(Math.abs(best - focusPlane));
    expect(meanDistance(results.gaussian.depth, focusPlane)).toBeGreaterThan(0.3); // version 1: a patchwork
  });

  it('shows one plane where no pixel has evidence, instead of a noise patchwork', () => {
    const { stack } = haloChart(64, 48, 5, 2, 2);
    // Flat gray planes with independent noise: nothing to see.
    const flat = {
      ...stack,
      planes: stack.planes.map((plane, z) => plane.map((v, i) => (i % 4 === 3 ? 255 : 128 + ((i * 7 + z * 13) % 5) - 2))),
    };
    const result = fuseCpu(flat, resolveOptions({ fusion: 'v1', depthMode: 'edge-aware' }));
    expect(new Set(result.depth).size).toBe(1);
    expect(result.depthFallback?.reason).toBe('no-evidence');
    expect(new Set(fuseCpu(flat, resolveOptions({ fusion: 'v1' })).depth).size).toBeGreaterThan(1);
  });

  it('sigma 0 keeps the raw depth, after the safety test', () => {
    const { stack } = haloChart(64, 40);
    const result = fuseCpu(stack, resolveOptions({ fusion: 'v1', depthMode: 'edge-aware', sigma: 0 }));
    expect(result.depth).toEqual(result.rawDepth);
    const inverted = invertedStack();
    const fallback = fuseCpu(inverted.stack, resolveOptions({ fusion: 'v1', depthMode: 'edge-aware', sigma: 0 }));
    expect(Array.from(new Set(fallback.depth))).toEqual([inverted.focusPlane]);
  });

  it('handles Z = 1, Z = 2 and 1xN images', () => {
    const { stack } = haloChart(40, 9, 3, 1);
    for (const planes of [stack.planes.slice(0, 1), stack.planes.slice(0, 2)]) {
      const result = fuseCpu({ ...stack, planes }, resolveOptions({ fusion: 'v1', depthMode: 'edge-aware' }));
      for (const d of result.depth) expect(d >= 0 && d <= planes.length - 1).toBe(true);
    }
    const row = { width: 40, height: 1, planes: stack.planes.map((p) => p.slice(4 * 40 * 4, 4 * 40 * 5)) };
    const column = { width: 1, height: 9, planes: stack.planes.map((p) => Uint8Array.from({ length: 36 }, (_, i) => p[(Math.floor(i / 4) * 40 + 6) * 4 + (i % 4)])) };
    for (const s of [row, column]) {
      const result = fuseCpu(s, resolveOptions({ fusion: 'v1', depthMode: 'edge-aware' }));
      for (const d of result.depth) expect(Number.isFinite(d)).toBe(true);
    }
  });

  it('checks its inputs', () => {
    const input = { width: 2, height: 1, planes: [new Uint8Array(8)], focus: [new Float32Array(2)], depth: new Float32Array(2), confidence: new Float32Array(1), window: 4, sigma: 3, tau: 1e-3 };
    expect(errorOf(() => edgeAwareDepth(input)).message).toMatch(/confidence/);
  });
});

describe('fallbackPlane', () => {
  const counts = (evident: number, dips: number[], argmaxEvident: number[], argmaxAll: number[]) => {
    const c = [evident, ...dips, ...argmaxEvident, ...argmaxAll];
    expect(c.length).toBe(countsLength(dips.length));
    return c;
  };

  it('inverted: the most common dip plane', () => {
    expect(fallbackPlane(counts(100, [0, 80, 0], [50, 0, 50], [300, 400, 300]), 3, 1000)).toBe(1);
    expect(fallbackPlane(counts(100, [0, 30, 30], [50, 0, 50], [300, 400, 300]), 3, 1000)).toBe(1); // tie: the lowest
  });

  it('no evidence: the most common argmax of the evident pixels, else of all pixels', () => {
    expect(fallbackPlane(counts(5, [0, 0, 0], [0, 1, 4], [300, 400, 300]), 3, 1000)).toBe(2);
    expect(fallbackPlane(counts(0, [0, 0, 0], [0, 0, 0], [300, 400, 300]), 3, 1000)).toBe(1);
  });

  it('says why: depthFallback', () => {
    expect(depthFallback(counts(100, [0, 80, 0], [50, 0, 50], [300, 400, 300]), 3, 1000)).toEqual({ reason: 'inverted', plane: 1 });
    expect(depthFallback(counts(5, [0, 0, 0], [0, 1, 4], [300, 400, 300]), 3, 1000)).toEqual({ reason: 'no-evidence', plane: 2 });
    expect(depthFallback(counts(100, [0, 50, 0], [50, 0, 50], [300, 400, 300]), 3, 1000)).toBeUndefined();
  });

  it('otherwise -1: per-pixel depth', () => {
    expect(fallbackPlane(counts(100, [0, 50, 0], [50, 0, 50], [300, 400, 300]), 3, 1000)).toBe(-1);
  });
});

describe('edge_depth.wgsl mirrors the TypeScript constants', () => {
  const code = KERNELS.edgeDepth.code;
  const constant = (name: string, type: 'u32' | 'f32') => Number(code.match(new RegExp(`const ${name}: ${type} = ([\\d.]+)u?;`))?.[1]);

  it('has the same ratios, divisor and lines per workgroup', () => {
    expect(constant('DIP_RATIO', 'f32')).toBe(DIP_RATIO);
    expect(constant('PEAK_RATIO', 'f32')).toBe(PEAK_RATIO);
    expect(constant('HALO_SHARE', 'f32')).toBe(HALO_SHARE);
    expect(constant('MIN_EVIDENT_DIVISOR', 'u32')).toBe(MIN_EVIDENT_DIVISOR);
    expect(constant('LINES_PER_GROUP', 'u32')).toBe(EDGE_LINES_PER_GROUP);
  });
});
