/** The bench's building blocks: truth scores, the SVG plot, peer specs, results folder names. */
import { describe, expect, it } from 'vitest';
import { depthErrors, edgeBand, psnr, meanSsim, scoreAgainstTruth } from '../bench/score.js';
import { lineplot } from '../bench/svg-plot.js';
import { parsePeer } from '../bench/peers.js';
import { resultsFolderName } from '../bench/machine.js';
import { generateStack } from '../src/synth/generate.js';
import { random } from './gpu-stacks.js';

function rgba(width: number, height: number, value: (i: number) => number): Uint8Array {
  const out = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) out.set([value(i), value(i), value(i), 255], i * 4);
  return out;
}

describe('depthErrors', () => {
  it('scores object pixels only, with tolerances inclusive', () => {
    const truth = new Float32Array([1, 1, 1, 1]);
    const depth = new Float32Array([1.5, 2, 4, 9]);
    const mask = new Uint8Array([1, 1, 1, 0]); // the 8-plane error is background: ignored
    const d = depthErrors(depth, truth, mask);
    expect(d.rmse).toBeCloseTo(Math.sqrt((0.25 + 1 + 9) / 3), 12);
    expect(d.within05).toBeCloseTo(1 / 3, 12);
    expect(d.within1).toBeCloseTo(2 / 3, 12);
  });

  it('falls back to every pixel when there are no objects', () => {
    expect(depthErrors(new Float32Array([0, 2]), new Float32Array([0, 0]), new Uint8Array(2)).rmse).toBeCloseTo(Math.SQRT2, 12);
  });
});

describe('image scores', () => {
  it('psnr follows 10 log10(255^2 / MSE) and is infinite for identical images', () => {
    const a = rgba(4, 4, () => 100);
    expect(psnr(a, a)).toBe(Infinity);
    expect(psnr(a, rgba(4, 4, () => 110))).toBeCloseTo(10 * Math.log10((255 * 255) / 100), 10);
  });

  it('ssim is 1 for identical images and drops with noise', () => {
    const { truth } = generateStack({ seed: 2, size: 48, planes: 3 });
    expect(meanSsim(truth.image, truth.image, 48, 48)).toBeCloseTo(1, 6);
    const noisy = truth.image.map((v, i) => (i % 4 === 3 ? v : Math.min(255, Math.max(0, v + ((i * 7919) % 41) - 20))));
    expect(meanSsim(noisy, truth.image, 48, 48)).toBeLessThan(0.95);
  });

  it('edgeBand marks a ring around an object and nothing far from it', () => {
    const [w, h] = [20, 20];
    const mask = new Uint8Array(w * h);
    for (let y = 8; y < 12; y++) for (let x = 8; x < 12; x++) mask[y * w + x] = 1;
    const band = edgeBand(mask, w, h, 2);
    expect(band[10 * w + 10]).toBe(1); // inside but within 2 px of the edge
    expect(band[10 * w + 6]).toBe(1);
    expect(band[0]).toBe(0);
    expect(band[10 * w + 3]).toBe(0);
  });

  it('the halo score rises when the error sits at object edges', () => {
    const [w, h] = [32, 32];
    const mask = new Uint8Array(w * h);
    for (let y = 10; y < 22; y++) for (let x = 10; x < 22; x++) mask[y * w + x] = 1;
    const truth = { width: w, height: h, image: rgba(w, h, () => 128), depth: new Float32Array(w * h), mask };
    const band = edgeBand(mask, w, h);
    const atEdges = scoreAgainstTruth({ image: rgba(w, h, (i) => (band[i] ? 148 : 128)) }, truth);
    const everywhere = scoreAgainstTruth({ image: rgba(w, h, () => 138) }, truth);
    expect(atEdges.halo).toBeGreaterThan(2);
    expect(everywhere.halo).toBeCloseTo(1, 10);
    expect(everywhere.depthRmse).toBeUndefined();
  });
});

describe('lineplot', () => {
  it('draws one polyline and legend entry per series, escaping names', () => {
    const svg = lineplot(
      [
        { name: 'a<b', points: [[1, 2], [2, 3], [4, 1]] },
        { name: 'c', points: [[1, 5], [4, 6]] },
      ],
      { title: 'T & t', xLabel: 'x', yLabel: 'y' },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg.match(/<circle/g)).toHaveLength(5);
    expect(svg).toContain('a&lt;b');
    expect(svg).toContain('T &amp; t');
  });

  it('drops non-positive points on log axes instead of drawing NaN', () => {
    const svg = lineplot([{ name: 's', points: [[0, 1], [10, 100], [100, 1000]] }], { title: 't', xLabel: 'x', yLabel: 'y', xLog: true, yLog: true });
    expect(svg).not.toContain('NaN');
    expect(svg.match(/<circle/g)).toHaveLength(2);
  });
});

describe('parsePeer', () => {
  it('reads name=command with both placeholders', () => {
    expect(parsePeer('mine=tool -o {out} {in}')).toMatchObject({ name: 'mine', command: 'tool -o {out} {in}', available: true });
  });

  it.each(['tool {in} {out}', 'x=tool {in}', 'x=tool {out}', 'bad name=tool {in} {out}'])('rejects %s', (spec) => {
    expect(() => parsePeer(spec)).toThrow(/Expected 'name=command \{in\} \{out\}'/);
  });
});

describe('resultsFolderName', () => {
  it('has date, kind, machine and adapter, file-name safe', () => {
    const machine = { cpu: 'Intel(R) Xeon(R) CPU @ 2.20GHz', cores: 2, memoryGiB: 8, os: 'linux', node: 'v20' };
    const name = resultsFolderName('speed', machine, ['webgpu (node, NVIDIA H100 / Vulkan)'], new Date('2026-01-02T03:04:05Z'));
    const two = ['webgpu (headless Chrome/1.2, google swiftshader, software)', 'webgpu (node dawn (webgpu 0.6.2) via x, google swiftshader (driver 5), software)'];
    expect(resultsFolderName('speed', machine, two, new Date('2026-01-02T00:00:00Z'))).toBe('2026-01-02_speed_2x-Intel-Xeon_headless-google-swiftshader+node-google-swiftshader-driver-5');
    expect(name).toBe('2026-01-02_speed_2x-Intel-Xeon_node-NVIDIA-H100-Vulkan');
    expect(resultsFolderName('metrics', machine, [], new Date('2026-01-02T00:00:00Z'))).toBe('2026-01-02_metrics_2x-Intel-Xeon_cpu');
  });
});

describe('fusion-mode bench figures (bench/modes.ts)', () => {
  it('lists every composite mode, version 1 (interpolate) first', async () => {
    const { modeCombos } = await import('../bench/modes.js');
    const names = modeCombos().map((c) => c.name);
    expect(names[0]).toMatch(/interpolate$/);
    for (const mode of ['interpolate', 'nearest', 'pyramid', 'select']) expect(names.some((n) => n.endsWith(mode))).toBe(true);
    expect(names).toContain('histogram+select');
    // Tenengrad over 5x5 windows: the best synthetic depth evidence for histogram (docs/fusion-v2.md).
    // Every combination sets version 1's four options explicitly (whatever the default preset), then its own.
    expect(modeCombos()[0].options).toEqual({ measure: 'lapv', sigma: 3, depthMode: 'gaussian', composite: 'interpolate' });
    expect(modeCombos().find((c) => c.name === 'teng-r2 histogram+select')?.options).toEqual({ measure: 'teng', sigma: 3, window: 2, depthMode: 'histogram', composite: 'select' });
  });

  it('notes under a table the combinations whose one-plane fallback fired on every seed', async () => {
    const { modesMarkdown, QUICK_MODES_GRID } = await import('../bench/modes.js');
    const scores = { depthRmse: 1, within05: 0.5, psnr: 30, psnrCells: 30, psnrCellsLuma: 30, ssim: 0.9, haloMae: 2, sharpness: 0.9, sharpnessRms: 0.95 };
    const combos = ['gaussian+interpolate', 'histogram+interpolate', 'histogram+select'];
    const rows = [1, 2].flatMap((seed) => combos.map((combo) => ({ scene: 'cytology' as const, condition: 'base', seed, combo, ms: 5, scores, ...(combo.startsWith('histogram') ? { fallback: true } : {}) })));
    const grid = { ...QUICK_MODES_GRID, scenes: ['cytology' as const], conditions: { base: QUICK_MODES_GRID.conditions.base } };
    const note = 'Note: the one-plane fallback (result.depthFallback) fired on every seed for histogram+interpolate, histogram+select:';
    expect(modesMarkdown({ grid, backend: 'cpu', combos, rows })).toContain(note);
    // On one seed only: no note (the rows are means over the seeds, not alike).
    const once = rows.map((r) => (r.seed === 2 ? { ...r, fallback: undefined } : r));
    expect(modesMarkdown({ grid, backend: 'cpu', combos, rows: once })).not.toContain('one-plane fallback');
  });

  it('estimates noise sigma (Immerkaer) of a noisy flat image, and ~0 for a flat one', async () => {
    const { noiseSigma } = await import('../bench/modes.js');
    const rng = random(7);
    const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    const values = Array.from({ length: 200 * 200 }, () => Math.round(128 + 5 * normal()));
    const noisy = rgba(200, 200, (i) => values[i]); // gray: the same value in R, G and B
    expect(noiseSigma(noisy, 200, 200)).toBeGreaterThan(4);
    expect(noiseSigma(noisy, 200, 200)).toBeLessThan(6);
    expect(noiseSigma(rgba(50, 50, () => 90), 50, 50)).toBe(0);
  });

  it('counts overshoot beyond 1 level outside the per-pixel plane range only', async () => {
    const { overshoot } = await import('../bench/modes.js');
    const stack = { width: 2, height: 1, planes: [rgba(2, 1, () => 100), rgba(2, 1, () => 120)] };
    const inside = rgba(2, 1, () => 110);
    expect(overshoot(inside, stack)).toEqual({ share: 0, mean: 0 });
    const image = rgba(2, 1, (i) => (i === 0 ? 130 : 121)); // 10 over on pixel 0, 1 over (tolerated) on pixel 1
    const o = overshoot(image, stack);
    expect(o.share).toBeCloseTo(0.5, 12);
    expect(o.mean).toBe(10);
  });

  it('scores luma inside the mask only: a chroma-only change costs no luma dB', async () => {
    const { maskedLumaPsnr } = await import('../bench/modes.js');
    const { luma } = await import('../src/image/luma.js');
    // Same Y (0.299 R + 0.587 G + 0.114 B = 100) in another colour: RGB differs, luma does not.
    const grey = new Uint8Array([100, 100, 100, 255]);
    const tinted = new Uint8Array([114, 93, 100, 255]); // Y = 34.086 + 54.591 + 11.4 = 100.077
    expect(maskedLumaPsnr(luma(tinted, 1, 1), luma(grey, 1, 1), new Uint8Array([1]))).toBeGreaterThan(60);
    expect(psnr(tinted, grey)).toBeLessThan(30);
    // 4 px, mask on 2: luma off by 2 and 4 levels inside, by 100 outside (ignored).
    const truth = rgba(4, 1, () => 100);
    const fused = rgba(4, 1, (i) => [102, 104, 0, 200][i]);
    const expected = 10 * Math.log10((255 * 255) / ((4 + 16) / 2));
    expect(maskedLumaPsnr(luma(fused, 4, 1), luma(truth, 4, 1), new Uint8Array([1, 1, 0, 0]))).toBeCloseTo(expected, 4);
    expect(maskedLumaPsnr(luma(fused, 4, 1), luma(truth, 4, 1), new Uint8Array(4))).toBeNaN();
  });
});
