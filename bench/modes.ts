/**
 * `focusfuse bench metrics --modes`: every fusion mode combination (depth mode x composite mode, as
 * many as src/core/options.ts lists) on the synthetic scenes that make halos (src/synth/halo-scenes.ts)
 * with ground truth, and on real stacks with no-reference figures. Version 1 is the combination
 * `gaussian` + `interpolate` (or plain `interpolate` where no depth mode exists).
 */
import sharp from 'sharp';
import { COMPOSITE_MODES, DEPTH_MODES } from '../src/core/options.js';
import { hasGpuModes } from '../src/gpu/kernels.js';
import type { AlignMode, FuseOptions, FuseResult, FusionBackend, ZStack } from '../src/core/types.js';
import { luma } from '../src/image/luma.js';
import { sobelEnergyImage } from '../src/cpu/teng.js';
import { fuse } from '../src/fuse.js';
import { SYNTH_SCENES, type SynthScene } from '../src/synth/halo-scenes.js';
import { gradientShare, loadForBench, maxPlaneEnergy, type RealFovResult } from './real.js';
import type { BenchReport } from './report.js';
import { depthErrors, meanSsim, psnr } from './score.js';
import { markdownTable, median } from './stats.js';
import { synthCase, type SynthCondition } from './synth-cases.js';
import { VERSION_1 } from './version-1.js';

/** One mode combination. */
export interface ModeCombo {
  name: string;
  options: FuseOptions;
}

/**
 * Every depth mode x composite mode the options accept (DEPTH_MODES x COMPOSITE_MODES, so a new
 * mode is benched without editing this), version 1 (`gaussian+interpolate`) first.
 * @example modeCombos().map((c) => c.name) // ['gaussian+interpolate', 'gaussian+nearest', ...]
 */
export function modeCombos(): ModeCombo[] {
  const grid = DEPTH_MODES.flatMap((depthMode) => COMPOSITE_MODES.map((composite) => ({ name: `${depthMode}+${composite}`, options: { ...VERSION_1, depthMode, composite } })));
  return [...grid, ...MEASURE_COMBOS];
}

/**
 * Combinations with another measure: Tenengrad gave the best depth evidence for the `histogram`
 * depth on synthetic cytology (docs/fusion-v2.md), so the bench shows it with version 1's stages
 * (what the measure alone does) and with the v2 modes (5x5 windows; the default 9x9 with sigma 4).
 */
const MEASURE_COMBOS: ModeCombo[] = [
  { name: 'teng-r2 gaussian+interpolate', options: { ...VERSION_1, measure: 'teng', window: 2 } },
  { name: 'teng-r2 histogram+select', options: { ...VERSION_1, measure: 'teng', window: 2, depthMode: 'histogram', composite: 'select' } },
  // The default 9x9 window with a wider histogram: nearly as good on cytology, no ghost edge on tools.
  { name: 'teng-s4 histogram+select', options: { ...VERSION_1, measure: 'teng', sigma: 4, depthMode: 'histogram', composite: 'select' } },
  // The v2 preset without its one-plane test (src/core/halos.ts): what per-pixel fusion gives where the test shows one plane.
  { name: 'teng-s4 histogram+select one-plane off', options: { ...VERSION_1, measure: 'teng', sigma: 4, depthMode: 'histogram', composite: 'select', onePlane: 'off' } },
];

/** The combinations `backend` runs: the WebGPU engine leaves out any mode without a kernel (CPU_ONLY_MODES, empty today). */
function combosFor(backend: FusionBackend): ModeCombo[] {
  return modeCombos().filter((c) => backend.name === 'cpu' || hasGpuModes(c.options));
}

export interface ModesGrid {
  size: number;
  planes: number;
  seeds: number[];
  scenes: readonly SynthScene[];
  /** Named conditions: the issue's base and noisy ones. */
  conditions: Record<string, SynthCondition>;
}

export const MODES_GRID: ModesGrid = {
  size: 384,
  planes: 11,
  seeds: [1, 2, 3],
  scenes: SYNTH_SCENES,
  conditions: { base: { noise: 2, quality: 90, defocus: 1.2 }, noisy: { noise: 5, quality: 80, defocus: 1.2 } },
};

export const QUICK_MODES_GRID: ModesGrid = { ...MODES_GRID, size: 128, planes: 7, seeds: [1] };

/** Scores of one combination on one synthetic case. */
export interface ModeScores {
  depthRmse: number;
  within05: number;
  psnr: number;
  /** PSNR over object (cell, chart) pixels only. */
  psnrCells: number;
  /**
   * The same over luma only (Y = 0.299 R + 0.587 G + 0.114 B, peak 255). Fusion chooses and blends
   * luma detail; most of the RGB error inside cells is the chroma that 4:2:0 JPEG planes lost, the
   * same whichever plane is chosen (docs/fusion-v2.md, "Where select's remaining dB go").
   */
  psnrCellsLuma: number;
  ssim: number;
  /** Mean |fused - truth| (8-bit levels) within HALO_REACH px of a strong edge of the truth image. */
  haloMae: number;
  /** Sobel gradient energy of the fused luma / that of the truth. */
  sharpness: number;
  /**
   * √sharpness: the ratio of RMS gradients, the scale on which issue 12 quotes its baselines
   * (version 1 ~0.92, per-pixel selection of the right plane ~0.95; on the energy ratio they are
   * 0.857 and 0.904) and states its 0.94..0.97 target.
   */
  sharpnessRms: number;
}

export interface ModesRow {
  scene: SynthScene;
  condition: string;
  seed: number;
  combo: string;
  scores: ModeScores;
  ms: number;
  /** The one-plane fallback fired (result.depthFallback): the depth is one plane everywhere. */
  fallback?: boolean;
}

/** How far from a strong truth edge the halo figure looks, px. */
const HALO_REACH = 6;

function sobelSum(rgba: Uint8Array, width: number, height: number, out: Float64Array): number {
  sobelEnergyImage(luma(rgba, width, height), width, height, out);
  let sum = 0;
  for (let i = 0; i < out.length; i++) sum += out[i];
  return sum;
}

/** 1 within HALO_REACH px (Chebyshev) of pixels whose truth gradient energy is >= 10% of the image's largest. */
function strongEdgeBand(image: Uint8Array, width: number, height: number): Uint8Array {
  const g = new Float64Array(width * height);
  sobelSum(image, width, height, g);
  let max = 0;
  for (const v of g) if (v > max) max = v;
  const band = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!(g[y * width + x] >= 0.1 * max) || max === 0) continue;
      for (let dy = -HALO_REACH; dy <= HALO_REACH; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        band.fill(1, yy * width + Math.max(0, x - HALO_REACH), yy * width + Math.min(width, x + HALO_REACH + 1));
      }
    }
  }
  return band;
}

/**
 * PSNR (peak 255) of two luma images in [0, 1] over the mask's pixels; NaN for an empty mask.
 * @example maskedLumaPsnr(luma(fused, w, h), luma(truth, w, h), truth.mask) // 37.7
 */
export function maskedLumaPsnr(a: Float32Array, b: Float32Array, mask: Uint8Array): number {
  let sq = 0;
  let count = 0;
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p]) continue;
    const d = 255 * (a[p] - b[p]);
    sq += d * d;
    count++;
  }
  if (count === 0) return NaN;
  return sq === 0 ? Infinity : 10 * Math.log10((255 * 255 * count) / sq);
}

function maskedPsnrAndMae(a: Uint8Array, b: Uint8Array, mask: Uint8Array): { psnr: number; mae: number } {
  let sq = 0;
  let abs = 0;
  let count = 0;
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p]) continue;
    for (let c = 0; c < 3; c++) {
      const d = a[4 * p + c] - b[4 * p + c];
      sq += d * d;
      abs += Math.abs(d);
      count++;
    }
  }
  if (count === 0) return { psnr: NaN, mae: NaN };
  return { psnr: sq === 0 ? Infinity : 10 * Math.log10((255 * 255 * count) / sq), mae: abs / count };
}

/**
 * Runs every combination on every scene, condition and seed.
 * @example const run = await runModesBench(QUICK_MODES_GRID, { backend: cpuBackend });
 */
export async function runModesBench(grid: ModesGrid, options: { backend: FusionBackend; log?: (line: string) => void }): Promise<{ grid: ModesGrid; backend: string; combos: string[]; rows: ModesRow[] }> {
  const log = options.log ?? (() => {});
  const combos = combosFor(options.backend);
  const rows: ModesRow[] = [];
  const scratch = new Float64Array(grid.size * grid.size);
  // Warm-up per combination (JIT, pipelines), not timed.
  const warm = await synthCase(grid.conditions.base, { seed: 99, size: 48, planes: 3 });
  for (const combo of combos) await fuse(warm.stack, combo.options, options.backend);
  for (const scene of grid.scenes) {
    for (const [condition, c] of Object.entries(grid.conditions)) {
      for (const seed of grid.seeds) {
        log(`modes: ${scene}, ${condition}, seed ${seed}`);
        const { stack, truth } = await synthCase(c, { seed, size: grid.size, planes: grid.planes, scene });
        const { width, height } = truth;
        const band = strongEdgeBand(truth.image, width, height);
        const truthSharpness = sobelSum(truth.image, width, height, scratch);
        const truthLuma = luma(truth.image, width, height);
        for (const combo of combos) {
          const t0 = performance.now();
          const result = await fuse(stack, combo.options, options.backend);
          const ms = performance.now() - t0;
          const depth = depthErrors(result.depth, truth.depth, truth.mask);
          const sharpness = sobelSum(result.image, width, height, scratch) / truthSharpness;
          rows.push({
            scene,
            condition,
            seed,
            combo: combo.name,
            ms,
            ...(result.depthFallback ? { fallback: true } : {}),
            scores: {
              depthRmse: depth.rmse,
              within05: depth.within05,
              psnr: psnr(result.image, truth.image),
              psnrCells: maskedPsnrAndMae(result.image, truth.image, truth.mask).psnr,
              psnrCellsLuma: maskedLumaPsnr(luma(result.image, width, height), truthLuma, truth.mask),
              ssim: meanSsim(result.image, truth.image, width, height),
              haloMae: maskedPsnrAndMae(result.image, truth.image, band).mae,
              sharpness,
              sharpnessRms: Math.sqrt(sharpness),
            },
          });
        }
      }
    }
  }
  return { grid, backend: options.backend.describe(), combos: combos.map((c) => c.name), rows };
}

const fmt = (v: number, digits: number) => (Number.isNaN(v) ? '-' : Number.isFinite(v) ? v.toFixed(digits) : 'inf');
const meanOf = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN);

/** Markdown tables: per scene and condition, one row per combination, means over the seeds. */
export function modesMarkdown(run: Awaited<ReturnType<typeof runModesBench>>): string {
  const g = run.grid;
  const sections: string[] = [
    `Synthetic scenes (src/synth, \`focusfuse synth --scene\`): ${g.planes} planes of ${g.size}x${g.size}, seeds ${g.seeds.join(', ')}, fused by ${run.backend}.`,
    `Conditions: ${Object.entries(g.conditions).map(([name, c]) => `${name} = noise ${c.noise} levels, JPEG ${c.quality}, defocus ${c.defocus} px/plane`).join('; ')}.`,
    'Depth RMSE and "within 0.5" over object pixels (chart: the whole chart, gaps included); PSNR over the image and over object pixels ("cells"), RGB,',
    'and over object pixels on luma only ("Y cells": fusion picks luma detail, while most RGB error inside cells is chroma that the 4:2:0 planes lost, alike for every combination);',
    `halo = mean |fused - truth| (levels) within ${HALO_REACH} px of strong truth edges; sharpness = Sobel energy of the fused image / of the truth, "RMS" its square root (the ratio of RMS gradients). Means over seeds; ms = median wall time per fuse.`,
    '',
  ];
  const v1 = run.combos[0];
  for (const scene of g.scenes) {
    for (const condition of Object.keys(g.conditions)) {
      const rows = run.rows.filter((r) => r.scene === scene && r.condition === condition);
      if (!rows.length) continue;
      const mean = (combo: string, key: keyof ModeScores) => meanOf(rows.filter((r) => r.combo === combo).map((r) => r.scores[key]));
      const baseRmse = mean(v1, 'depthRmse');
      const basePsnrCells = mean(v1, 'psnrCells');
      const basePsnrCellsLuma = mean(v1, 'psnrCellsLuma');
      sections.push(`## ${scene}, ${condition}`, '');
      sections.push(
        markdownTable(
          ['combination', 'depth RMSE', 'vs v1', 'within 0.5', 'PSNR', 'PSNR cells', 'vs v1 (dB)', 'PSNR Y cells', 'vs v1 (dB)', 'SSIM', 'halo', 'sharpness', 'RMS', 'ms'],
          run.combos.map((combo) => [
            combo,
            fmt(mean(combo, 'depthRmse'), 3),
            `${fmt((100 * (mean(combo, 'depthRmse') - baseRmse)) / baseRmse, 0)} %`,
            fmt(mean(combo, 'within05'), 3),
            fmt(mean(combo, 'psnr'), 2),
            fmt(mean(combo, 'psnrCells'), 2),
            fmt(mean(combo, 'psnrCells') - basePsnrCells, 2),
            fmt(mean(combo, 'psnrCellsLuma'), 2),
            fmt(mean(combo, 'psnrCellsLuma') - basePsnrCellsLuma, 2),
            fmt(mean(combo, 'ssim'), 4),
            fmt(mean(combo, 'haloMae'), 2),
            fmt(mean(combo, 'sharpness'), 3),
            fmt(mean(combo, 'sharpnessRms'), 3),
            fmt(median(rows.filter((r) => r.combo === combo).map((r) => r.ms)), 0),
          ]),
        ),
        '',
      );
      // Rows alike in every column need a word: the one-plane test found the stack to be one plane.
      const fellBack = run.combos.filter((combo) => rows.some((r) => r.combo === combo) && rows.every((r) => r.combo !== combo || r.fallback));
      if (fellBack.length) {
        sections.push(`Note: the one-plane fallback (result.depthFallback) fired on every seed for ${fellBack.join(', ')}: their depth is one plane everywhere, so their rows differ by composite only, or not at all.`, '');
      }
    }
  }
  return sections.join('\n');
}

/** No-reference figures of one fused image of a real stack. */
export interface RealModeScores {
  /** Fused gradient energy / per-pixel best plane's (see bench/real.ts). */
  gradientShare: number;
  /** Immerkaer's noise sigma of the fused luma, 8-bit levels. */
  noise: number;
  /** Share of channel values more than 1 level outside the per-pixel [min, max] over the planes. */
  overshootShare: number;
  /** Mean excess (levels) of those values beyond the range. */
  overshootMean: number;
}

/** Immerkaer (1996) fast noise estimate: sigma = sqrt(pi / 2) / (6 (W-2)(H-2)) sum |Y * M|, M = [1 -2 1; -2 4 -2; 1 -2 1]. */
export function noiseSigma(rgba: Uint8Array, width: number, height: number): number {
  if (width < 3 || height < 3) return NaN;
  const Y = luma(rgba, width, height);
  let sum = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const v = Y[i - width - 1] - 2 * Y[i - width] + Y[i - width + 1] - 2 * Y[i - 1] + 4 * Y[i] - 2 * Y[i + 1] + Y[i + width - 1] - 2 * Y[i + width] + Y[i + width + 1];
      sum += Math.abs(v);
    }
  }
  return (255 * Math.sqrt(Math.PI / 2) * sum) / (6 * (width - 2) * (height - 2));
}

/** Overshoot outside each pixel's [min, max] over the planes, per RGB channel. */
export function overshoot(image: Uint8Array, stack: ZStack): { share: number; mean: number } {
  let outside = 0;
  let excess = 0;
  const n = stack.width * stack.height;
  for (let j = 0; j < 4 * n; j++) {
    if ((j & 3) === 3) continue;
    let lo = 255;
    let hi = 0;
    for (const p of stack.planes) {
      if (p[j] < lo) lo = p[j];
      if (p[j] > hi) hi = p[j];
    }
    const e = image[j] < lo ? lo - image[j] : image[j] > hi ? image[j] - hi : 0;
    if (e > 1) {
      outside++;
      excess += e;
    }
  }
  return { share: outside / (3 * n), mean: outside ? excess / outside : 0 };
}

export interface RealModesRun {
  backend: string;
  /** `--align`: each stack registered (on the CPU) before the modes fuse it; `none` otherwise. */
  align: AlignMode;
  combos: string[];
  stacks: { id: string; width: number; height: number; planes: number; alignment?: RealFovResult['alignment']; bestPlane: number; scores: Record<string, RealModeScores>; ms: Record<string, number> }[];
  skipped: { id: string; reason: string }[];
}

function realScores(image: Uint8Array, stack: ZStack, maxEnergy: Float64Array): RealModeScores {
  const o = overshoot(image, stack);
  return { gradientShare: gradientShare(image, stack, maxEnergy), noise: noiseSigma(image, stack.width, stack.height), overshootShare: o.share, overshootMean: o.mean };
}

/** Side of the square crops v1 vs the other combinations, px. */
const CROP = 160;

/** Crop (x0, y0) of CROP x CROP where v1 and `other` differ most (box sum of |difference|, coarse grid). */
function cropWhereDifferent(a: Uint8Array, b: Uint8Array, width: number, height: number): [number, number] {
  const w = Math.min(CROP, width);
  const h = Math.min(CROP, height);
  let best = -1;
  let at: [number, number] = [0, 0];
  const step = 16;
  for (let y0 = 0; y0 + h <= height; y0 += step) {
    for (let x0 = 0; x0 + w <= width; x0 += step) {
      let sum = 0;
      for (let y = y0; y < y0 + h; y += 2) for (let x = x0; x < x0 + w; x += 2) sum += Math.abs(a[4 * (y * width + x) + 1] - b[4 * (y * width + x) + 1]);
      if (sum > best) {
        best = sum;
        at = [x0, y0];
      }
    }
  }
  return at;
}

/** PNG of crops side by side (4 px gaps), each an RGBA8 image of the stack's size. */
async function cropStrip(images: Uint8Array[], width: number, height: number, at: [number, number]): Promise<Uint8Array> {
  const w = Math.min(CROP, width);
  const h = Math.min(CROP, height);
  const gap = 4;
  const out = new Uint8Array(4 * (images.length * (w + gap) - gap) * h).fill(255);
  const stride = images.length * (w + gap) - gap;
  images.forEach((img, k) => {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const s = 4 * ((at[1] + y) * width + at[0] + x);
        const d = 4 * (y * stride + k * (w + gap) + x);
        out.set(img.subarray(s, s + 4), d);
      }
    }
  });
  const png = await sharp(out, { raw: { width: stride, height: h, channels: 4 } }).png().toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.length);
}

/**
 * Every combination on real stacks (folders of planes): no-reference figures, plus PNG crops
 * (best single plane | v1 | every other combination) where v1 and the last combination differ most.
 * @example const run = await runRealModes(['test/fixtures/real/tools'], { backend: cpuBackend });
 */
export async function runRealModes(
  folders: { id: string; path: string }[],
  options: { backend: FusionBackend; align?: AlignMode; log?: (line: string) => void },
): Promise<{ run: RealModesRun; files: Record<string, Uint8Array> }> {
  const log = options.log ?? (() => {});
  const align = options.align ?? 'none';
  const combos = combosFor(options.backend);
  const run: RealModesRun = { backend: options.backend.describe(), align, combos: [...combos.map((c) => c.name), 'best plane'], stacks: [], skipped: [] };
  const files: Record<string, Uint8Array> = {};
  for (const { id, path } of folders) {
    log(`modes: real ${id}`);
    const loaded = await loadForBench(path, align);
    if ('skipped' in loaded) {
      run.skipped.push({ id, reason: loaded.skipped });
      continue;
    }
    const { stack, alignment } = loaded;
    const maxEnergy = maxPlaneEnergy(stack);
    const entry: RealModesRun['stacks'][number] = { id, width: stack.width, height: stack.height, planes: stack.planes.length, ...(alignment ? { alignment } : {}), bestPlane: 0, scores: {}, ms: {} };
    const images: Uint8Array[] = [];
    let first: FuseResult | undefined;
    for (const combo of combos) {
      const t0 = performance.now();
      const result = await fuse(stack, combo.options, options.backend);
      entry.ms[combo.name] = performance.now() - t0;
      entry.scores[combo.name] = realScores(result.image, stack, maxEnergy);
      images.push(result.image);
      first ??= result;
    }
    entry.bestPlane = first!.stats.bestPlane;
    const best = stack.planes[entry.bestPlane];
    entry.scores['best plane'] = realScores(best, stack, maxEnergy);
    const at = cropWhereDifferent(images[0], images[images.length - 1], stack.width, stack.height);
    files[`crop-${id.replace(/[^A-Za-z0-9_-]+/g, '-')}.png`] = await cropStrip([best, ...images], stack.width, stack.height, at);
    run.stacks.push(entry);
  }
  return { run, files };
}

/** Markdown of a real-stack modes run. */
export function realModesMarkdown(run: RealModesRun, cropNames: string[]): string {
  const lines: string[] = [
    `Real stacks, fused by ${run.backend}. No ground truth: gradient share (fused gradient energy / per-pixel best plane's; above 1 means seams or noise, below means blur),`,
    'noise (Immerkaer sigma of the fused luma, 8-bit levels), overshoot (share of RGB values more than 1 level outside the per-pixel range over the planes, and their mean excess in levels).',
    ...(run.align !== 'none' ? [`Every stack registered first (--align ${run.align}, on the CPU); the figures compare against the registered planes.`] : []),
    '',
  ];
  for (const s of run.stacks) {
    const v1 = s.scores[run.combos[0]].gradientShare;
    const moved = s.alignment ? (s.alignment.applied ? `, registered: largest move ${fmt(s.alignment.maxDisplacementPx, 2)} px` : ', registration applied nothing') : '';
    lines.push(`## ${s.id} (${s.width}x${s.height}, ${s.planes} planes, best single plane ${s.bestPlane}${moved})`, '');
    lines.push(
      markdownTable(
        ['combination', 'gradient share', 'vs v1', 'noise', 'overshoot share', 'overshoot mean', 'ms'],
        run.combos.map((c) => {
          const x = s.scores[c];
          return [c, fmt(x.gradientShare, 3), `${fmt((100 * (x.gradientShare - v1)) / v1, 1)} %`, fmt(x.noise, 2), fmt(100 * x.overshootShare, 3) + ' %', fmt(x.overshootMean, 1), c in s.ms ? fmt(s.ms[c], 0) : '-'];
        }),
      ),
      '',
    );
    const crop = cropNames.find((n) => n === `crop-${s.id.replace(/[^A-Za-z0-9_-]+/g, '-')}.png`);
    if (crop) lines.push(`Crops, left to right: best single plane, ${run.combos.filter((c) => c !== 'best plane').join(', ')}:`, '', `![${s.id}](${crop})`, '');
  }
  for (const k of run.skipped) lines.push(`Skipped ${k.id}: ${k.reason}`);
  return lines.join('\n');
}

/** The whole `--modes` report: synthetic scenes, then real stacks when given. */
export function modesReport(
  synthetic: Awaited<ReturnType<typeof runModesBench>> | undefined,
  real: { run: RealModesRun; files: Record<string, Uint8Array> } | undefined,
  adapters: string[],
): BenchReport {
  const markdown = [synthetic ? modesMarkdown(synthetic) : '', real ? realModesMarkdown(real.run, Object.keys(real.files)) : ''].join('\n');
  // Distinct kinds, so a synthetic and a real run on the same day get folders of their own.
  const kind = synthetic ? (real ? 'metrics-modes-all' : 'metrics-modes') : 'metrics-modes-real';
  return { kind, markdown, plots: {}, data: { synthetic, real: real?.run }, adapters, files: real?.files };
}

