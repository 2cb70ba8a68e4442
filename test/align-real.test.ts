/**
 * A real unregistered focal stack (test/fixtures/real/smear: brightfield smear, planes of different
 * sizes and ~+-5 % magnification over the sweep). A thin sample: the ideal fused image looks like the
 * best-focus plane z09. The test fuses the planes around z09 WITHOUT z09 itself, so the fused image is
 * a blend of planes with different magnifications, and compares it with z09 brought into the
 * reference plane's frame by the independent ECC registration: ghosting shows as a drop of correlation.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compose, fromRows, invert, rmsDifference } from '../src/align/matrix.js';
import { warpPlane } from '../src/image/warp.js';
import { buildPyramid } from '../src/align/pyramid.js';
import { resolveOptions } from '../src/core/options.js';
import type { ZStack } from '../src/core/types.js';
import { fuseCpu } from '../src/cpu/backend.js';
import { luma } from '../src/image/luma.js';
import { loadStack } from '../src/io/load-stack.js';

const FIXTURE = join(import.meta.dirname, 'fixtures/real/smear');
// Six planes around the best focus (left out) keep the test lean; z08, the third, is the reference.
const PLANES = [6, 7, 8, 10, 11, 12];
const files = PLANES.map((z) => join(FIXTURE, `z${String(z).padStart(2, '0')}.png`));

/** Correlation of the band-passed luma of two same-size RGBA images: 1 = same detail in the same place. */
function detailCorrelation(a: Uint8Array, b: Uint8Array, width: number, height: number): number {
  const [pa, pb] = [a, b].map((rgba) => buildPyramid(luma(rgba, width, height), width, height, 1).levels[0].data);
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < pa.length; i++) {
    sab += pa[i] * pb[i];
    saa += pa[i] * pa[i];
    sbb += pb[i] * pb[i];
  }
  return sab / Math.sqrt(saa * sbb);
}

/** Cuts the top-left width x height of every plane: what fusing without alignment amounts to. */
function cropTopLeft(stack: ZStack, width: number, height: number): ZStack {
  const planes = stack.planes.map((plane) => {
    const out = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++) out.set(plane.subarray(y * stack.width * 4, (y * stack.width + width) * 4), y * width * 4);
    return out;
  });
  return { width, height, planes };
}

describe('real unregistered stack (smear)', () => {
  it('is refused without alignment, and loads padded with its plane sizes when aligning', async () => {
    await expect(loadStack(files, { order: 'given' })).rejects.toThrow(/every plane must have the same size/);
    const stack = await loadStack(files, { order: 'given', allowMixedSizes: true });
    expect(stack.planeSizes?.map((s) => `${s.width}x${s.height}`)[0]).toBe('347x301');
    expect([stack.width, stack.height]).toEqual([359, 312]);
  });

  it('similarity alignment fuses it without ghosting, close to the independent ECC registration', async () => {
    const stack = await loadStack(files, { order: 'given', allowMixedSizes: true });
    const result = fuseCpu(stack, resolveOptions({ align: 'similarity' }));
    const report = result.alignment!;
    expect(report.reference).toBe(2);
    expect([result.width, result.height]).toEqual([350, 305]); // z08's size
    const ecc = JSON.parse(await readFile(join(FIXTURE, 'registered-meta.json'), 'utf8')).ecc_affine_inverse_maps as Record<string, number[][]>;
    // ECC maps take z09's pixels to each plane's; ours take z08's: compare ours with ECC_z * ECC_z08^-1.
    const eccOf = (z: number) => fromRows([...ecc[`z${String(z).padStart(2, '0')}`], [0, 0, 1]]);
    const z08ToZ09 = invert(eccOf(8));
    const vsEcc = report.planes.map((p, i) => rmsDifference(fromRows(p.matrix), compose(eccOf(PLANES[i]), z08ToZ09), result.width, result.height));
    const best = await loadStack([join(FIXTURE, 'z09.png')]);
    // z09 in z08's frame through the ECC maps (z09's own map is close to identity; it is z09's frame).
    const view = { rgba: best.planes[0], width: best.width, height: best.height, stride: best.width };
    const reference = { width: result.width, height: result.height, planes: [warpPlane(view, z08ToZ09, result.width, result.height)] };
    const aligned = detailCorrelation(result.image, reference.planes[0], result.width, result.height);
    // The same planes fused without alignment (cut to their common top-left size).
    const w = Math.min(...stack.planeSizes!.map((s) => s.width));
    const h = Math.min(...stack.planeSizes!.map((s) => s.height));
    const naive = fuseCpu(cropTopLeft(stack, w, h), resolveOptions({}));
    const naiveCorrelation = detailCorrelation(naive.image, cropTopLeft(reference, w, h).planes[0], w, h);
    console.log(`smear: vs ECC (px RMS) ${vsEcc.map((e) => e.toFixed(2)).join(' ')}; detail correlation with z09: aligned ${aligned.toFixed(3)}, not aligned ${naiveCorrelation.toFixed(3)}; align ${report.timings.estimate.toFixed(0)} + ${report.timings.warp.toFixed(0)} ms`);
    for (const e of vsEcc) expect(e).toBeLessThan(1);
    expect(aligned).toBeGreaterThan(0.97);
    expect(naiveCorrelation).toBeLessThan(aligned - 0.05);
  });
});
