/**
 * `focusfuse bench metrics <folder>` on real stacks without ground truth (a stack folder or a CCCID
 * tree). No-reference figures:
 * - gradient share: the fused image's Sobel gradient energy summed over the image, divided by the
 *   sum over pixels of the largest gradient energy any plane has there. 1 would mean every pixel is
 *   as sharp as the sharpest plane; blur and halos lower it; noise can push single pixels above.
 * - depth agreement: mean |depth_a - depth_b| (planes) between every pair of measures.
 * - the focus curve (mean focus per plane) of every FOV, and per-class summaries on CCCID trees.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative } from 'node:path';
import { FocusFuseError } from '../src/core/errors.js';
import { naturalCompare } from '../src/io/cccid.js';
import { fuse } from '../src/fuse.js';
import { MEASURES } from '../src/core/options.js';
import type { AlignMode, FusionBackend, Measure, ZStack } from '../src/core/types.js';
import { alignStack } from '../src/align/align-stack.js';
import { countOf } from '../src/core/text.js';
import sharp from 'sharp';
import { luma } from '../src/image/luma.js';
import { sobelEnergyImage } from '../src/cpu/teng.js';
import { scanDataset } from '../src/batch/scan.js';
import { IMAGE_EXTENSIONS, isHiddenOrTemp, loadStack, MIXED_SIZES_HINT } from '../src/io/load-stack.js';
import { runPeer, type Peer } from './peers.js';
import type { BenchReport } from './report.js';
import { markdownTable } from './stats.js';
import { lineplot } from './svg-plot.js';
import { VERSION_1, VERSION_1_PIPELINE_NOTE } from './version-1.js';
import { engineOf, enginesNote } from './engine.js';

export interface RealFovResult {
  id: string;
  className: string;
  planes: number;
  width: number;
  height: number;
  /** With `--align`: what the registration did. */
  alignment?: { mode: AlignMode; applied: boolean; maxDisplacementPx: number };
  /** measure or peer -> gradient share. */
  gradientShare: Record<string, number>;
  /** measure -> mean focus per plane. */
  focusCurve: Record<string, number[]>;
  /** "a|b" -> mean |depth_a - depth_b|, planes. */
  depthDisagreement: Record<string, number>;
  /** measure or peer -> wall ms. */
  ms: Record<string, number>;
  /** measure -> the engine that fused it (result.backend.runtime: 'wasm simd' or 'TypeScript stages' on the CPU). */
  engine: Record<string, string>;
}

export interface RealRun {
  root: string;
  backend: string;
  window: number;
  /** `--align`: each stack registered (on the CPU) before the measures run; `none` otherwise. */
  align: AlignMode;
  measures: Measure[];
  peers: { name: string; available: boolean; reason?: string; error?: string }[];
  fovs: RealFovResult[];
  /** Stacks that could not be loaded, with why. */
  skipped: { id: string; reason: string }[];
}

/** Sum over pixels of the Sobel gradient energy of an RGBA8 image's luma. */
function gradientEnergy(rgba: Uint8Array, width: number, height: number, perPixel: Float64Array): void {
  sobelEnergyImage(luma(rgba, width, height), width, height, perPixel);
}

/**
 * Gradient share of `image` against the planes' per-pixel maximum gradient energy.
 * @example gradientShare(result.image, stack) // 0.87
 */
export function gradientShare(image: Uint8Array, stack: ZStack, maxEnergy = maxPlaneEnergy(stack)): number {
  const { width, height } = stack;
  const g = new Float64Array(width * height);
  gradientEnergy(image, width, height, g);
  let num = 0;
  let den = 0;
  for (let i = 0; i < g.length; i++) {
    num += g[i];
    den += maxEnergy[i];
  }
  return den === 0 ? 1 : num / den;
}

/** Per-pixel maximum over the planes of the Sobel gradient energy. */
export function maxPlaneEnergy(stack: ZStack): Float64Array {
  const { width, height } = stack;
  const max = new Float64Array(width * height);
  const g = new Float64Array(width * height);
  for (const plane of stack.planes) {
    gradientEnergy(plane, width, height, g);
    for (let i = 0; i < g.length; i++) if (g[i] > max[i]) max[i] = g[i];
  }
  return max;
}

/**
 * A bench stack, registered once on the CPU when `align` is not `none` (every measure, mode and peer
 * then fuses the same planes, and the gradient share compares against the registered planes' best),
 * or why it is skipped: one unreadable stack (e.g. planes of different sizes) is reported, not the
 * end of the run.
 */
export async function loadForBench(files: string | string[], align: AlignMode): Promise<{ stack: ZStack; alignment?: RealFovResult['alignment'] } | { skipped: string }> {
  try {
    const stack = await loadStack(files, { allowMixedSizes: align !== 'none' });
    if (align === 'none') return { stack };
    const aligned = alignStack(stack, { mode: align });
    const report = aligned.report!;
    return { stack: aligned.stack, alignment: { mode: align, applied: report.applied, maxDisplacementPx: Math.max(0, ...report.planes.map((p) => p.displacementPx)) } };
  } catch (error) {
    if (!(error instanceof FocusFuseError)) throw error;
    // The loader's hint names fuse's flag; here --align of the bench includes the stack.
    return { skipped: error.message.replace(MIXED_SIZES_HINT, '(use --align to include it)') };
  }
}

/** Folders under `root` (itself included, at most 3 levels down) that directly hold image files. */
export async function stackFolders(root: string, depth = 0): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true });
  const hasImages = entries.some((e) => e.isFile() && IMAGE_EXTENSIONS.includes(extname(e.name).toLowerCase()) && !isHiddenOrTemp(e.name));
  if (hasImages) return [root];
  if (depth >= 3) return [];
  const subfolders = entries.filter((e) => e.isDirectory() && !isHiddenOrTemp(e.name)).map((e) => e.name).sort(naturalCompare);
  return (await Promise.all(subfolders.map((name) => stackFolders(join(root, name), depth + 1)))).flat();
}

/**
 * Up to `limit` items taken in turns from each group (in the groups' first-seen order), so a
 * limited run covers every class or source instead of the first one only.
 * @example spreadOver(['a1', 'a2', 'b1'], (x) => x[0], 2) // => ['a1', 'b1']
 */
export function spreadOver<T>(items: readonly T[], groupOf: (item: T) => string, limit: number): T[] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(groupOf(item), [...(groups.get(groupOf(item)) ?? []), item]);
  const picked: T[] = [];
  for (let i = 0; picked.length < Math.min(limit, items.length); i++) {
    for (const list of groups.values()) if (i < list.length && picked.length < limit) picked.push(list[i]);
  }
  return picked;
}

/**
 * The stacks under `root`: every FOV of a CCCID tree; else every folder of planes under it (the
 * folder itself when it holds the planes), classed by their parent folder (the source), in turns
 * from each class or source so that a limited run covers them all.
 */
async function findStacks(root: string): Promise<{ id: string; className: string; files: string[] | string }[]> {
  const scan = await scanDataset(root);
  if (scan.fovs.length === 0) {
    const folders = await stackFolders(root);
    if (folders.length === 0) throw new FocusFuseError('NO_IMAGES', 'Expected a CCCID tree or folders of image planes but found no images', root);
    const stacks = folders.map((folder) => {
      const id = relative(root, folder) || basename(root);
      return { id, className: folder === root ? '-' : dirname(id) === '.' ? '-' : dirname(id), files: folder };
    });
    return spreadOver(stacks, (s) => s.className, stacks.length);
  }
  return spreadOver(scan.fovs, (f) => f.className, scan.fovs.length).map((f) => ({ id: f.id, className: f.className, files: f.files }));
}

/** Planes as JPEG (quality 100) files for a peer, when it must see the registered planes. */
async function planesAsJpeg(stack: ZStack): Promise<Buffer[]> {
  return Promise.all(stack.planes.map((rgba) => sharp(rgba, { raw: { width: stack.width, height: stack.height, channels: 4 } }).removeAlpha().jpeg({ quality: 100 }).toBuffer()));
}

/**
 * Runs every measure (and peer) on up to `limit` stacks under `root`; stacks that cannot be loaded
 * are listed in `skipped` and do not count towards the limit.
 * @example const run = await runRealBench('data/CCCID', { backend: cpuBackend, peers: [], limit: 8 });
 */
export async function runRealBench(
  root: string,
  options: { backend: FusionBackend; peers: Peer[]; measures?: readonly Measure[]; window?: number; limit?: number; align?: AlignMode; log?: (line: string) => void },
): Promise<RealRun> {
  const align = options.align ?? 'none';
  const measures = [...(options.measures ?? MEASURES)];
  const window = options.window ?? 4;
  const log = options.log ?? (() => {});
  const peerErrors = new Map<string, string>();
  const fovs: RealFovResult[] = [];
  const skipped: { id: string; reason: string }[] = [];
  const warmSizes = new Set<string>();
  const limit = options.limit ?? Infinity;
  // All stacks in spread order, taken until `limit` of them fused: a skipped stack (planes of
  // different sizes without --align) makes room for the next one instead of shrinking the run.
  for (const entry of await findStacks(root)) {
    if (fovs.length >= limit) break;
    log(`metrics: ${entry.id}`);
    const loaded = await loadForBench(entry.files, align);
    if ('skipped' in loaded) {
      skipped.push({ id: entry.id, reason: loaded.skipped });
      log(`metrics: skipped ${entry.id}: ${loaded.skipped}`);
      continue;
    }
    const { stack, alignment } = loaded;
    const maxEnergy = maxPlaneEnergy(stack);
    const fov: RealFovResult = { id: entry.id, className: entry.className, planes: stack.planes.length, width: stack.width, height: stack.height, ...(alignment ? { alignment } : {}), gradientShare: {}, focusCurve: {}, depthDisagreement: {}, ms: {}, engine: {} };
    const depths: Record<string, Float32Array> = {};
    // One untimed fuse per measure at each new stack size (JIT, wasm memory, workspaces), as
    // bench/metrics.ts does: else the first measure's ms is cold and the ranking follows --measures' order.
    const size = `${stack.width}x${stack.height}x${stack.planes.length}`;
    if (!warmSizes.has(size)) {
      warmSizes.add(size);
      for (const measure of measures) await fuse(stack, { ...VERSION_1, measure, window }, options.backend);
    }
    for (const measure of measures) {
      const t0 = performance.now();
      const result = await fuse(stack, { ...VERSION_1, measure, window }, options.backend);
      fov.ms[measure] = performance.now() - t0;
      fov.engine[measure] = engineOf(result);
      fov.gradientShare[measure] = gradientShare(result.image, stack, maxEnergy);
      fov.focusCurve[measure] = result.stats.focusCurve;
      depths[measure] = result.depth;
    }
    for (let a = 0; a < measures.length; a++) {
      for (let b = a + 1; b < measures.length; b++) {
        const da = depths[measures[a]];
        const db = depths[measures[b]];
        let sum = 0;
        for (let i = 0; i < da.length; i++) sum += Math.abs(da[i] - db[i]);
        fov.depthDisagreement[`${measures[a]}|${measures[b]}`] = sum / da.length;
      }
    }
    for (const peer of options.peers.filter((p) => p.available && !peerErrors.has(p.name))) {
      try {
        // The peer reads the FOV's own files, in the plane order loadStack found.
        const ordered = stack.meta?.files ?? (Array.isArray(entry.files) ? entry.files : []);
        const planes = alignment ? await planesAsJpeg(stack) : await Promise.all(ordered.map((f) => readFile(f)));
        const out = await runPeer(peer, planes, stack.width, stack.height);
        fov.ms[peer.name] = out.ms;
        fov.gradientShare[peer.name] = gradientShare(out.image, stack, maxEnergy);
      } catch (error) {
        peerErrors.set(peer.name, (error as Error).message);
        log(`metrics: ${(error as Error).message}`);
      }
    }
    fovs.push(fov);
  }
  return {
    root,
    backend: options.backend.describe(),
    window,
    align,
    measures,
    peers: options.peers.map((p) => ({ name: p.name, available: p.available, reason: p.reason, ...(peerErrors.has(p.name) ? { error: peerErrors.get(p.name) } : {}) })),
    fovs,
    skipped,
  };
}

const mean = (values: number[]) => (values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length);

/**
 * Tables, plots and data of a real-stack run, ready for writeReport.
 * @example await writeReport('bench-results', realReport(run, []));
 */
export function realReport(run: RealRun, adapters: string[]): BenchReport {
  const methods = [...new Set(run.fovs.flatMap((f) => Object.keys(f.gradientShare)))];
  const classes = [...new Set(run.fovs.map((f) => f.className))];
  const engines = Object.fromEntries(run.measures.map((m) => [m, [...new Set(run.fovs.flatMap((f) => (f.engine[m] ? [f.engine[m]] : [])))].join('/')]));
  const shareRow = (name: string) => [
    name,
    ...classes.map((c) => mean(run.fovs.filter((f) => f.className === c && name in f.gradientShare).map((f) => f.gradientShare[name])).toFixed(3)),
    mean(run.fovs.filter((f) => name in f.gradientShare).map((f) => f.gradientShare[name])).toFixed(3),
    mean(run.fovs.filter((f) => name in f.ms).map((f) => f.ms[name])).toFixed(0),
    engines[name] ?? 'peer (process)',
  ];
  const agreement = markdownTable(
    ['measure', ...run.measures],
    run.measures.map((a) => [a, ...run.measures.map((b) => (a === b ? '-' : mean(run.fovs.map((f) => f.depthDisagreement[`${a}|${b}`] ?? f.depthDisagreement[`${b}|${a}`])).toFixed(3)))]),
  );
  const first = run.measures[0];
  const curves = run.fovs.slice(0, 10).map((f) => {
    const curve = f.focusCurve[first];
    const top = Math.max(...curve) || 1;
    return { name: f.id.split('/').pop() ?? f.id, points: curve.map((v, z) => [z, v / top] as const) };
  });
  const markdown = [
    VERSION_1_PIPELINE_NOTE,
    '',
    `${countOf(run.fovs.length, 'stack')} under ${run.root}, window r = ${run.window}, fused by ${run.backend} (the engine column names the engine that ran each measure). No ground truth: no-reference figures only.`,
    ...(run.align !== 'none'
      ? [
          '',
          `Aligned (--align ${run.align}, CPU) before fusing; every measure and peer fused the registered planes (peers as JPEG q100). ` +
            `Applied to ${run.fovs.filter((f) => f.alignment?.applied).length} of ${run.fovs.length}; largest move ${Math.max(0, ...run.fovs.map((f) => f.alignment?.maxDisplacementPx ?? 0)).toFixed(1)} px.`,
        ]
      : []),
    '',
    '## Gradient share (fused gradient energy / per-pixel best plane; higher is better, up to 1), by class',
    '',
    markdownTable(['method', ...classes, 'all', 'ms / stack', 'engine'], methods.map(shareRow)),
    ...enginesNote(engines).flatMap((line) => ['', line]),
    '',
    '## Depth disagreement between measures (mean |difference|, planes)',
    '',
    agreement,
    '',
    `Focus curves (mean ${first} per plane) of every FOV are in results.json.`,
    ...run.peers.filter((p) => !p.available || p.error).map((p) => `Peer ${p.name}: ${p.error ?? p.reason}`),
    ...run.skipped.map((s) => `Skipped ${s.id}: ${s.reason}`),
  ].join('\n');
  const plots = { 'focus-curves': lineplot(curves, { title: `Focus curves (${first}, normalised)`, xLabel: 'plane', yLabel: 'mean focus / max' }) };
  return { kind: 'metrics-real', markdown, plots, data: run, adapters };
}
