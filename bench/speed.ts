/**
 * `focusfuse bench speed` (and `npm run bench`): per backend and runtime, per stage and end to end,
 * median and inter-quartile spread over repeated runs, across image sizes, plane counts and batch
 * sizes, with the JPEG decode floor and the peers timed in the same run on the same files.
 * Backends that cannot start here (no Chromium, no adapter) are reported with the reason, never
 * silently dropped. Timings on a software adapter say nothing about a real GPU: the adapter is
 * recorded with every result.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuse } from '../src/fuse.js';
import { cpuBackend, cpuReferenceBackend } from '../src/cpu/backend.js';
import { generateStack } from '../src/synth/generate.js';
import { FocusFuseError } from '../src/core/errors.js';
import { MEASURES, resolveOptions } from '../src/core/options.js';
import type { FusionBackend, Measure, ResolvedOptions, ZStack } from '../src/core/types.js';
import { warpPlane } from '../src/image/warp.js';
import { decodePlane } from '../src/io/decode.js';
import { loadStack } from '../src/io/load-stack.js';
import { onEachBenchBackend, type BenchBackendName } from './backends.js';
import { runPeer, type Peer } from './peers.js';
import type { BenchReport } from './report.js';
import { markdownTable, median, quartiles } from './stats.js';
import { lineplot, type Series } from './svg-plot.js';
import { synthCase } from './synth-cases.js';
import { motionAbout } from '../test/align-fixtures.js';
import { VERSION_1, VERSION_1_PIPELINE_NOTE } from './version-1.js';
import { engineOf, enginesNote } from './engine.js';

export interface SpeedGrid {
  runs: number;
  /** Square image sides of the size sweep (at basePlanes planes). */
  sizes: number[];
  /** Plane counts of the plane sweep (at baseSize). */
  planeCounts: number[];
  baseSize: number;
  basePlanes: number;
  /** Stacks per call of the batch sweep (at the base stack). */
  batches: number[];
  /** The large CPU case (planes x side^2 on the fast path, time and peak RSS); none in the quick grid. */
  large?: { side: number; planes: number; runs: number };
}

export const QUICK_SPEED_GRID: SpeedGrid = { runs: 5, sizes: [128, 256], planeCounts: [3, 11], baseSize: 128, basePlanes: 7, batches: [1, 4] };

export const FULL_SPEED_GRID: SpeedGrid = {
  runs: 7,
  sizes: [256, 512, 1024, 2048, 4096],
  planeCounts: [3, 11, 21, 41],
  baseSize: 384,
  basePlanes: 11,
  batches: [1, 8, 64],
  large: { side: 2048, planes: 21, runs: 3 },
};

/** Largest side the synth generator renders for the speed bench; bigger stacks are upscaled (content does not matter for timing). */
const MAX_RENDERED_SIZE = 1024;

/** Timing columns shown, in pipeline order; a backend shows the ones it reports. */
const STAGE_COLUMNS = ['luma', 'measure', 'depth', 'smooth', 'composite', 'stats', 'upload', 'compute', 'readback', 'total', 'jobOverheadMs', 'wall'];

export interface Spread {
  median: number;
  p25: number;
  p75: number;
}

export interface BackendSpeed {
  name: string;
  describe?: string;
  error?: string;
  /** measure -> stage -> ms, at the base stack; the reason for a measure the backend refuses. */
  stages?: Record<string, Record<string, Spread> | { error: string }>;
  /** measure -> the engine that fused it at the base stack ('wasm simd' or 'TypeScript stages' on the CPU). */
  engines?: Record<string, string>;
  /** Wall ms per stack by side (lapv, basePlanes). */
  bySize?: Record<number, Spread | { error: string }>;
  /** Wall ms per stack by plane count (lapv, baseSize). */
  byPlanes?: Record<number, Spread | { error: string }>;
  /** Stacks per second by batch size. */
  stacksPerSecond?: Record<number, number>;
  /** Alignment cost at the base stack, by case (see ALIGN_CASES). */
  alignment?: Record<string, AlignSpeed | { error: string }>;
}

/** One alignment case: wall ms of the whole fuse, and the alignment stage's estimate and warp. */
export interface AlignSpeed {
  wall: Spread;
  estimate: Spread;
  warp: Spread;
  applied: boolean;
}

export interface SpeedRun {
  grid: SpeedGrid;
  measures: Measure[];
  /** Decode floor by side: ms per plane, whole stack sequential, whole stack with loadStack. */
  decode: Record<number, { perPlaneMs: number; sequentialMs: number; loadStackMs: number }>;
  backends: BackendSpeed[];
  /** cpu-reference vs cpu (fast path), when cpu is among the backends. */
  cpuPaths?: CpuPathsSpeed;
  peers: { name: string; available: boolean; reason?: string; bySize?: Record<number, Spread | { error: string }> }[];
}

/** The CPU engines side by side: per stage at the base stack, and the large stack on the fast path. */
export interface CpuPathsSpeed {
  runs: number;
  describe: { reference: string; fast: string };
  reference: Record<string, Spread>;
  fast: Record<string, Spread>;
  large?: { side: number; planes: number; wall: Spread | { error: string }; stages?: Record<string, Spread>; peakRssMiB: number; rssBeforeMiB: number };
}

function spread(samples: number[]): Spread {
  const [p25, p75] = quartiles(samples);
  return { median: median(samples), p25, p75 };
}

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Writes a synthetic stack of `size`^2 x `planes` as JPEG files into `dir`; returns the paths. */
async function writeStackFiles(dir: string, size: number, planes: number): Promise<string[]> {
  const sharp = (await import('sharp')).default;
  const rendered = Math.min(size, MAX_RENDERED_SIZE);
  const c = await synthCase({ noise: 2, quality: 90, defocus: 1.2 }, { seed: 7, size: rendered, planes });
  await mkdir(dir, { recursive: true });
  return Promise.all(
    c.jpegs.map(async (jpeg, z) => {
      const path = join(dir, `plane_${String(z).padStart(3, '0')}.jpg`);
      const bytes = rendered === size ? jpeg : await sharp(jpeg).resize(size, size).jpeg({ quality: 90, chromaSubsampling: '4:2:0' }).toBuffer();
      await writeFile(path, bytes);
      return path;
    }),
  );
}

async function benchDecode(files: string[], runs: number) {
  await Promise.all(files.map((f) => readFile(f))); // warm the page cache: the figure is decode, not disk
  const sequential: number[] = [];
  const parallel: number[] = [];
  for (let i = 0; i < runs; i++) {
    sequential.push(await timeIt(async () => { for (const f of files) await decodePlane(f); }));
    parallel.push(await timeIt(() => loadStack(files)));
  }
  return { sequentialMs: median(sequential), loadStackMs: median(parallel), perPlaneMs: median(sequential) / files.length };
}

/**
 * Per-stage timings of every measure on one stack (one warm-up per measure: pipelines, JIT, buffers).
 * A measure the backend refuses (glv on WebGPU) gets the reason instead of timings.
 */
async function benchStages(backend: FusionBackend, stack: ZStack, measures: readonly Measure[], runs: number) {
  const rows: Record<string, Record<string, Spread> | { error: string }> = {};
  const engines: Record<string, string> = {};
  for (const measure of measures) {
    try {
      engines[measure] = engineOf(await fuse(stack, { ...VERSION_1, measure }, backend));
    } catch (error) {
      if (!(error instanceof FocusFuseError)) throw error;
      rows[measure] = { error: error.message };
      continue;
    }
    const samples: Record<string, number[]> = {};
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const result = await fuse(stack, { ...VERSION_1, measure }, backend);
      const wall = performance.now() - t0;
      for (const [stage, ms] of Object.entries({ ...result.timings, wall })) (samples[stage] ??= []).push(ms);
    }
    rows[measure] = Object.fromEntries(Object.entries(samples).map(([stage, list]) => [stage, spread(list)]));
  }
  return { rows, engines };
}

/** Wall ms of one lapv fuse, warm. Failures (e.g. out of memory at 4096^2) are recorded, not fatal. */
async function benchWall(backend: FusionBackend, stack: ZStack, runs: number): Promise<Spread | { error: string }> {
  try {
    await fuse(stack, VERSION_1, backend);
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) samples.push(await timeIt(() => fuse(stack, VERSION_1, backend)));
    return spread(samples);
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/**
 * The alignment cases of the speed bench: `none` and `auto` on the registered base stack (auto must
 * cost next to nothing there and leave it untouched), then each model on the same stack moved like a
 * breathing, drifting camera (movedBenchStack).
 */
const ALIGN_CASES = [
  { name: 'none, registered', align: 'none', moved: false },
  { name: 'auto, registered', align: 'auto', moved: false },
  { name: 'auto, moved', align: 'auto', moved: true },
  { name: 'translation, moved', align: 'translation', moved: true },
  { name: 'similarity, moved', align: 'similarity', moved: true },
  { name: 'affine, moved', align: 'affine', moved: true },
] as const;

/**
 * The stack with each plane seen through a known motion: 0.4 % magnification, 0.1 degree and
 * (0.6, -0.4) px drift per plane away from the middle one (a breathing lens on a drifting stage).
 */
function movedBenchStack(stack: ZStack): ZStack {
  const reference = Math.floor((stack.planes.length - 1) / 2);
  const [cx, cy] = [(stack.width - 1) / 2, (stack.height - 1) / 2];
  const planes = stack.planes.map((rgba, z) => {
    const d = z - reference;
    if (d === 0) return rgba;
    const m = motionAbout(cx, cy, { scale: 1 + 0.004 * d, rotationDeg: 0.1 * d, dx: 0.6 * d, dy: -0.4 * d });
    return warpPlane({ rgba, width: stack.width, height: stack.height, stride: stack.width }, m, stack.width, stack.height);
  });
  return { ...stack, planes };
}

/** Alignment cost per case (lapv), warm; a case the backend cannot run records why. */
async function benchAlignment(backend: FusionBackend, stack: ZStack, runs: number): Promise<Record<string, AlignSpeed | { error: string }>> {
  const moved = movedBenchStack(stack);
  const out: Record<string, AlignSpeed | { error: string }> = {};
  for (const c of ALIGN_CASES) {
    const input = c.moved ? moved : stack;
    try {
      await fuse(input, { ...VERSION_1, align: c.align }, backend);
      const wall: number[] = [];
      const estimate: number[] = [];
      const warp: number[] = [];
      let applied = false;
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        const result = await fuse(input, { ...VERSION_1, align: c.align }, backend);
        wall.push(performance.now() - t0);
        estimate.push(result.alignment?.timings.estimate ?? 0);
        warp.push(result.alignment?.timings.warp ?? 0);
        applied = result.alignment?.applied ?? false;
      }
      out[c.name] = { wall: spread(wall), estimate: spread(estimate), warp: spread(warp), applied };
    } catch (error) {
      out[c.name] = { error: (error as Error).message };
    }
  }
  return out;
}

/**
 * cpu-reference and cpu on the same stack, version 1's pipeline (lapv), in three
 * rounds of the grid's runs per engine, the engines taking turns round by round: a busy machine
 * slows both alike, and each engine is timed in its steady state (run by run, each reference run
 * evicted the fast path's ~15 MB working set and doubled its time, which a batch never sees).
 */
async function benchCpuPaths(stack: ZStack, runs: number): Promise<Pick<CpuPathsSpeed, 'runs' | 'describe' | 'reference' | 'fast'>> {
  const engines = { reference: cpuReferenceBackend, fast: cpuBackend };
  const samples = { reference: {} as Record<string, number[]>, fast: {} as Record<string, number[]> };
  // Warm-up: the wasm tiers up from its baseline compiler after a few calls, as JS functions do.
  for (let i = 0; i < runs; i++) for (const engine of Object.values(engines)) await fuse(stack, VERSION_1, engine);
  const rounds = 3;
  for (let round = 0; round < rounds; round++) {
    for (const key of ['reference', 'fast'] as const) {
      // Two untimed runs first: the other engine's round left its data in the caches.
      for (let i = 0; i < 2; i++) await fuse(stack, VERSION_1, engines[key]);
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        const result = await fuse(stack, VERSION_1, engines[key]);
        const wall = performance.now() - t0;
        for (const [stage, ms] of Object.entries({ ...result.timings, wall })) (samples[key][stage] ??= []).push(ms);
      }
    }
  }
  const n = rounds * runs;
  const spreads = (s: Record<string, number[]>) => Object.fromEntries(Object.entries(s).map(([stage, list]) => [stage, spread(list)]));
  return { runs: n, describe: { reference: cpuReferenceBackend.describe(), fast: cpuBackend.describe() }, reference: spreads(samples.reference), fast: spreads(samples.fast) };
}

/**
 * The large stack on the fast path: `planes` x side^2, made by repeating each pixel of a 512^2
 * synthetic stack (content barely matters for the timing), fused `runs` times. Peak RSS is the
 * process's (process.resourceUsage().maxRSS), so it includes the input planes and everything the
 * bench held before; the RSS before the stack was made is reported next to it.
 */
async function benchLarge(large: NonNullable<SpeedGrid['large']>): Promise<NonNullable<CpuPathsSpeed['large']>> {
  const mib = (bytes: number) => bytes / 2 ** 20;
  const rssBeforeMiB = mib(process.memoryUsage().rss);
  const small = generateStack({ seed: 7, width: 512, height: 512, planes: large.planes }).stack;
  const k = large.side / 512;
  const planes = small.planes.map((p) => {
    const out = new Uint8Array(large.side * large.side * 4);
    const src = new Uint32Array(p.buffer, p.byteOffset, 512 * 512);
    const dst = new Uint32Array(out.buffer);
    for (let y = 0; y < large.side; y++) {
      const row = Math.floor(y / k) * 512;
      for (let x = 0; x < large.side; x++) dst[y * large.side + x] = src[row + Math.floor(x / k)];
    }
    return out;
  });
  const stack: ZStack = { width: large.side, height: large.side, planes };
  const wall: number[] = [];
  const stages: Record<string, number[]> = {};
  try {
    for (let i = 0; i < large.runs; i++) {
      const t0 = performance.now();
      const result = await fuse(stack, VERSION_1, cpuBackend);
      wall.push(performance.now() - t0);
      for (const [stage, ms] of Object.entries(result.timings)) (stages[stage] ??= []).push(ms);
    }
  } catch (error) {
    return { side: large.side, planes: large.planes, wall: { error: (error as Error).message }, peakRssMiB: process.resourceUsage().maxRSS / 1024, rssBeforeMiB };
  }
  return {
    side: large.side,
    planes: large.planes,
    wall: spread(wall),
    stages: Object.fromEntries(Object.entries(stages).map(([stage, list]) => [stage, spread(list)])),
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    rssBeforeMiB,
  };
}

type BatchCapable = FusionBackend & { fuseBatch?(stacks: ZStack[], options: ResolvedOptions): Promise<unknown[]> };

/** Stacks per second when `size` stacks go in one call (fuseBatch where the backend has it). */
async function benchBatches(backend: BatchCapable, stack: ZStack, batches: number[], runs: number) {
  const options = resolveOptions(VERSION_1);
  const out: Record<number, number> = {};
  for (const size of batches) {
    const stacks = Array.from({ length: size }, () => stack);
    const once = () => (backend.fuseBatch ? backend.fuseBatch(stacks, options) : Promise.all(stacks.map((s) => backend.fuse(s, options))));
    await once();
    const times: number[] = [];
    for (let i = 0; i < Math.max(1, Math.min(runs, Math.ceil(64 / size))); i++) times.push(await timeIt(once));
    out[size] = (1000 * size) / median(times);
  }
  return out;
}

/**
 * Runs the speed bench.
 * @example const run = await runSpeedBench(QUICK_SPEED_GRID, { backends: ['cpu'], peers: [] });
 */
export async function runSpeedBench(
  grid: SpeedGrid,
  options: { backends: readonly BenchBackendName[]; peers: readonly Peer[]; measures?: readonly Measure[]; log?: (line: string) => void },
): Promise<SpeedRun> {
  const log = options.log ?? (() => {});
  const measures = [...(options.measures ?? MEASURES)];
  const root = await mkdtemp(join(tmpdir(), 'focusfuse-bench-'));
  try {
    // Every stack is written once as JPEG files and decoded with loadStack, as a user's would be.
    const files = new Map<string, string[]>();
    const filesFor = async (size: number, planes: number) => {
      const key = `${size}x${planes}`;
      if (!files.has(key)) files.set(key, await writeStackFiles(join(root, key), size, planes));
      return files.get(key)!;
    };
    const stackFor = async (size: number, planes: number) => loadStack(await filesFor(size, planes));

    const decode: SpeedRun['decode'] = {};
    for (const size of grid.sizes) {
      log(`speed: decode floor ${size}^2`);
      decode[size] = await benchDecode(await filesFor(size, grid.basePlanes), grid.runs);
    }

    let cpuPaths: CpuPathsSpeed | undefined;
    if (options.backends.includes('cpu')) {
      log('speed: cpu-reference vs cpu, per stage');
      cpuPaths = await benchCpuPaths(await stackFor(grid.baseSize, grid.basePlanes), grid.runs);
      if (grid.large) {
        log(`speed: cpu, ${grid.large.planes} x ${grid.large.side}^2`);
        cpuPaths.large = await benchLarge(grid.large);
      }
    }

    const backends: BackendSpeed[] = await onEachBenchBackend(options.backends, async (name, backend) => {
      log(`speed: ${name} stages`);
      const entry: BackendSpeed = { name, describe: backend.describe() };
      const { rows, engines } = await benchStages(backend, await stackFor(grid.baseSize, grid.basePlanes), measures, grid.runs);
      entry.stages = rows;
      entry.engines = engines;
      entry.bySize = {};
      for (const size of grid.sizes) {
        log(`speed: ${name} ${size}^2`);
        entry.bySize[size] = await benchWall(backend, await stackFor(size, grid.basePlanes), grid.runs);
      }
      entry.byPlanes = {};
      for (const planes of grid.planeCounts) {
        log(`speed: ${name} ${planes} planes`);
        entry.byPlanes[planes] = await benchWall(backend, await stackFor(grid.baseSize, planes), grid.runs);
      }
      entry.stacksPerSecond = await benchBatches(backend, await stackFor(grid.baseSize, grid.basePlanes), grid.batches, grid.runs);
      log(`speed: ${name} alignment`);
      entry.alignment = await benchAlignment(backend, await stackFor(grid.baseSize, grid.basePlanes), grid.runs);
      return entry;
    });

    const peers: SpeedRun['peers'] = [];
    for (const peer of options.peers) {
      if (!peer.available) {
        peers.push({ name: peer.name, available: false, reason: peer.reason });
        continue;
      }
      const bySize: Record<number, Spread | { error: string }> = {};
      for (const size of grid.sizes) {
        log(`speed: peer ${peer.name} ${size}^2`);
        const jpegs = await Promise.all((await filesFor(size, grid.basePlanes)).map((f) => readFile(f)));
        try {
          const samples: number[] = [];
          // Peers start a process per stack: fewer runs, their spread is dominated by start-up anyway.
          for (let i = 0; i < Math.min(grid.runs, 3); i++) samples.push((await runPeer(peer, jpegs, size, size)).ms);
          bySize[size] = spread(samples);
        } catch (error) {
          bySize[size] = { error: (error as Error).message };
        }
      }
      peers.push({ name: peer.name, available: true, bySize });
    }
    return { grid, measures, decode, backends, ...(cpuPaths ? { cpuPaths } : {}), peers };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const fmtSpread = (s: Spread | { error: string } | undefined) => (s === undefined ? '-' : 'error' in s ? 'failed' : `${s.median.toFixed(1)} (${s.p25.toFixed(1)}..${s.p75.toFixed(1)})`);

function seriesOf(name: string, by: Record<number, Spread | { error: string }> | undefined): Series {
  return { name, points: Object.entries(by ?? {}).flatMap(([k, s]) => ('error' in s ? [] : [[Number(k), s.median] as const])) };
}

/** The cpu-reference vs cpu table and the large-stack line. */
function cpuPathsMarkdown(c: CpuPathsSpeed, g: SpeedGrid): string[] {
  const stages = ['luma', 'measure', 'depth', 'smooth', 'composite', 'stats', 'total', 'wall'].filter((s) => s in c.reference && s in c.fast);
  const rows = stages.map((s) => [s, fmtSpread(c.reference[s]), fmtSpread(c.fast[s]), (c.reference[s].median / c.fast[s].median).toFixed(1) + 'x']);
  const lines = [
    `## cpu-reference vs cpu (fast path), per stage, ${g.basePlanes} x ${g.baseSize}^2, version 1's pipeline (lapv r=4, sigma 3, gaussian depth, interpolate)`,
    '',
    `Median ms (p25..p75) over ${c.runs} runs each, the two engines taking turns in rounds of ${c.runs / 3} runs (after 2 untimed runs each). cpu-reference: ${c.describe.reference}; cpu: ${c.describe.fast}. On the fast path luma is the copy of the planes into wasm memory (the luma itself is fused into measure).`,
    '',
    markdownTable(['stage', 'cpu-reference ms', 'cpu ms', 'speed-up'], rows),
  ];
  const l = c.large;
  if (l) {
    const stagesText = l.stages ? ` (${Object.entries(l.stages).filter(([s]) => s !== 'total').map(([s, v]) => `${s} ${v.median.toFixed(0)}`).join(', ')} ms)` : '';
    lines.push('', `Large stack, ${l.planes} x ${l.side}^2 on cpu (fast path): ${fmtSpread(l.wall)} ms per stack${stagesText}; peak RSS of the bench process ${l.peakRssMiB.toFixed(0)} MiB (it held ${l.rssBeforeMiB.toFixed(0)} MiB before the stack was made; the input planes alone are ${((l.planes * l.side * l.side * 4) / 2 ** 20).toFixed(0)} MiB).`);
  }
  return lines;
}

/**
 * Tables, plots and data of a speed run, ready for writeReport.
 * @example await writeReport('bench-results', speedReport(run));
 */
export function speedReport(run: SpeedRun): BenchReport {
  const g = run.grid;
  const ok = run.backends.filter((b) => !b.error);
  const parts: string[] = [
    VERSION_1_PIPELINE_NOTE,
    '',
    `Median ms (p25..p75) over ${g.runs} warm runs. Stacks are synthetic JPEG q90 planes decoded with loadStack; stages at ${g.basePlanes} x ${g.baseSize}^2, lapv for the sweeps.`,
    '',
    '## Backends',
    '',
    ...run.backends.map((b) => `- ${b.name}: ${b.error ? `not available (${b.error})` : b.describe}`),
    '',
    '## Decode floor (sharp, JPEG q90, ' + g.basePlanes + ' planes)',
    '',
    markdownTable(['side', 'one plane ms', 'stack, sequential ms', 'stack, loadStack (parallel) ms'], g.sizes.map((s) => [s, run.decode[s].perPlaneMs.toFixed(2), run.decode[s].sequentialMs.toFixed(1), run.decode[s].loadStackMs.toFixed(1)])),
  ];
  if (run.cpuPaths) parts.push('', ...cpuPathsMarkdown(run.cpuPaths, g));
  for (const b of ok) {
    const timed = Object.values(b.stages ?? {}).find((row) => !('error' in row)) ?? {};
    const stages = STAGE_COLUMNS.filter((c) => c in timed);
    const label = (c: string) => (c === 'jobOverheadMs' ? 'transport' : c);
    const cells = (m: string) => {
      const row = b.stages![m];
      return 'error' in row ? stages.map((_, i) => (i === 0 ? 'not on this backend' : '-')) : stages.map((c) => fmtSpread(row[c] as Spread));
    };
    const engines = b.engines ?? {};
    parts.push(
      '',
      `## ${b.name}: per stage, ${g.basePlanes} x ${g.baseSize}^2`,
      '',
      markdownTable(['measure', 'engine', ...stages.map((c) => `${label(c)} ms`)], run.measures.map((m) => [m, engines[m] ?? '-', ...cells(m)])),
      ...enginesNote(engines).flatMap((line) => ['', line]),
    );
  }
  const wallRows = (key: 'bySize' | 'byPlanes', values: number[]) => [
    ...ok.map((b) => [b.name, ...values.map((v) => fmtSpread(b[key]![v]))]),
    ...(key === 'bySize' ? run.peers.filter((p) => p.available).map((p) => [`${p.name} (peer, process)`, ...values.map((v) => fmtSpread(p.bySize![v]))]) : []),
    ...(key === 'bySize' ? [['decode floor (loadStack)', ...values.map((v) => run.decode[v].loadStackMs.toFixed(1))]] : []),
  ];
  parts.push('', `## End to end vs image side (${g.basePlanes} planes), ms per stack`, '', markdownTable(['backend \\ side', ...g.sizes.map(String)], wallRows('bySize', g.sizes)));
  parts.push('', `## End to end vs plane count (${g.baseSize}^2), ms per stack`, '', markdownTable(['backend \\ planes', ...g.planeCounts.map(String)], wallRows('byPlanes', g.planeCounts)));
  parts.push('', `## Throughput by batch size (${g.basePlanes} x ${g.baseSize}^2), stacks per second`, '', markdownTable(['backend \\ batch', ...g.batches.map(String)], ok.map((b) => [b.name, ...g.batches.map((n) => b.stacksPerSecond![n].toFixed(1))])));
  const alignRows = ok.flatMap((b) =>
    ALIGN_CASES.map((c) => {
      const row = b.alignment?.[c.name];
      if (!row || 'error' in row) return [b.name, c.name, row ? `failed: ${row.error}` : '-', '-', '-', '-'];
      return [b.name, c.name, fmtSpread(row.wall), fmtSpread(row.estimate), fmtSpread(row.warp), row.applied ? 'yes' : 'no'];
    }),
  );
  parts.push(
    '',
    `## Alignment cost (${g.basePlanes} x ${g.baseSize}^2, lapv), ms per stack`,
    '',
    'Registered: the base stack. Moved: the same planes through 0.4 % magnification, 0.1 degree and (0.6, -0.4) px drift per plane. The estimate runs on the CPU for every backend; the warp runs on the backend.',
    '',
    markdownTable(['backend', 'case', 'wall ms', 'estimate ms', 'warp ms', 'applied'], alignRows),
  );
  const unavailablePeers = run.peers.filter((p) => !p.available);
  if (unavailablePeers.length) parts.push('', ...unavailablePeers.map((p) => `Peer ${p.name}: ${p.reason}`));
  const sizeSeries = [
    ...ok.map((b) => seriesOf(b.name, b.bySize)),
    ...run.peers.filter((p) => p.available).map((p) => seriesOf(p.name, p.bySize)),
    { name: 'decode floor', points: g.sizes.map((s) => [s, run.decode[s].loadStackMs] as const) },
  ];
  const plots = {
    'speed-vs-size': lineplot(sizeSeries, { title: `ms per stack vs image side (${g.basePlanes} planes)`, xLabel: 'image side (px)', yLabel: 'ms per stack (median)', xLog: true, yLog: true }),
    'speed-vs-planes': lineplot(ok.map((b) => seriesOf(b.name, b.byPlanes)), { title: `ms per stack vs planes (${g.baseSize}^2)`, xLabel: 'planes', yLabel: 'ms per stack (median)' }),
  };
  const adapters = ok.filter((b) => !b.name.startsWith('cpu')).map((b) => b.describe ?? b.name);
  return { kind: 'speed', markdown: parts.join('\n'), plots, data: run, adapters };
}
