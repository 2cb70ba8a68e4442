/**
 * `focusfuse bench metrics` on synthetic stacks with ground truth: which focus measure (and which
 * peer) recovers depth and the all-in-focus image best, as noise, JPEG quality, defocus and window
 * radius change. The grid is one axis at a time around a base condition (every measure at every
 * point): the full factorial is hundreds of times larger and the plots read one axis at a time anyway.
 */
import { fuse } from '../src/fuse.js';
import { FocusFuseError } from '../src/core/errors.js';
import { MEASURES } from '../src/core/options.js';
import type { AlignMode, FusionBackend, Measure } from '../src/core/types.js';
import { runPeer, type Peer } from './peers.js';
import { edgeBand, scoreAgainstTruth, type Scores } from './score.js';
import { markdownTable } from './stats.js';
import { lineplot } from './svg-plot.js';
import { synthCase, type SynthCondition } from './synth-cases.js';
import type { BenchReport } from './report.js';
import { VERSION_1, VERSION_1_PIPELINE_NOTE } from './version-1.js';
import { engineOf, enginesNote } from './engine.js';

export interface MetricsGrid {
  size: number;
  planes: number;
  seeds: number[];
  /** The point every sweep passes through. */
  base: SynthCondition & { window: number };
  noises: number[];
  qualities: number[];
  defocuses: number[];
  windows: number[];
}

/** CI-sized: a few seconds on two cores. */
export const QUICK_METRICS_GRID: MetricsGrid = {
  size: 128,
  planes: 7,
  seeds: [1],
  base: { noise: 2, quality: 90, defocus: 1.2, window: 4 },
  noises: [0, 2, 6],
  qualities: [90, 60],
  defocuses: [1.2],
  windows: [1, 4, 8],
};

/** Real numbers: CCCID-sized stacks, three scenes per point. */
export const FULL_METRICS_GRID: MetricsGrid = {
  size: 384,
  planes: 11,
  seeds: [1, 2, 3],
  base: { noise: 2, quality: 90, defocus: 1.2, window: 4 },
  noises: [0, 1, 2, 4, 8],
  qualities: [95, 90, 75, 50],
  defocuses: [0.6, 1.2, 2.4],
  windows: [1, 2, 3, 4, 5, 6, 7, 8],
};

/** One fused (or peer) result on one case. `method` is a measure name or a peer name. */
export interface MetricsRow extends SynthCondition {
  method: string;
  kind: 'measure' | 'peer';
  window?: number;
  seed: number;
  scores: Scores;
  ms: number;
  /** Measure rows: the engine that fused it (result.backend.runtime: 'wasm simd' or 'TypeScript stages' on the CPU). */
  engine?: string;
}

export interface MetricsRun {
  grid: MetricsGrid;
  backend: string;
  /** `--align` the measures fused with (`none` by default). */
  align: AlignMode;
  measures: Measure[];
  /** Measures the backend refused, with its reason. */
  refused: Record<string, string>;
  peers: { name: string; command: string; available: boolean; reason?: string; error?: string }[];
  rows: MetricsRow[];
}

const conditionKey = (c: SynthCondition) => `${c.noise}/${c.quality}/${c.defocus}`;

/** The sweep's conditions: the base, then each axis varied alone. */
function conditions(grid: MetricsGrid): SynthCondition[] {
  const { noise, quality, defocus } = grid.base;
  const all = [
    { noise, quality, defocus },
    ...grid.noises.map((n) => ({ noise: n, quality, defocus })),
    ...grid.qualities.map((q) => ({ noise, quality: q, defocus })),
    ...grid.defocuses.map((d) => ({ noise, quality, defocus: d })),
  ];
  const seen = new Set<string>();
  return all.filter((c) => !seen.has(conditionKey(c)) && seen.add(conditionKey(c)));
}

/**
 * Runs the grid: every measure at every condition (base window), every window at the base condition,
 * every available peer at every condition.
 * @example const run = await runMetricsBench(QUICK_METRICS_GRID, { backend: cpuBackend, peers: [] });
 */
export async function runMetricsBench(
  grid: MetricsGrid,
  options: { backend: FusionBackend; peers: Peer[]; measures?: readonly Measure[]; align?: AlignMode; log?: (line: string) => void },
): Promise<MetricsRun> {
  // `--align`: every measure registers the (already registered) planes first: what it costs and
  // whether it changes the accuracy. Peers get the planes as they are.
  const align = options.align ?? 'none';
  const measures = [...(options.measures ?? MEASURES)];
  const log = options.log ?? (() => {});
  const rows: MetricsRow[] = [];
  const peerErrors = new Map<string, string>();
  const isBase = (c: SynthCondition) => conditionKey(c) === conditionKey(grid.base);
  const allWindows = [...new Set([grid.base.window, ...grid.windows])];
  // One untimed fuse per measure and window on a stack of the timed size and planes, so the first
  // case's ms column is not JIT, pipeline creation or the growth of the fast path's wasm memory and
  // workspaces (a smaller warm-up stack left the first measure 3-20x slow: the ranking followed order).
  const warm = await synthCase(grid.base, { seed: grid.seeds[0], size: grid.size, planes: grid.planes });
  // A measure the backend refuses (glv on WebGPU) is reported instead of ending the run.
  const refused: Record<string, string> = {};
  for (const measure of [...measures]) {
    try {
      for (const window of allWindows) await fuse(warm.stack, { ...VERSION_1, measure, window, align }, options.backend);
    } catch (error) {
      if (!(error instanceof FocusFuseError)) throw error;
      refused[measure] = error.message;
      measures.splice(measures.indexOf(measure), 1);
    }
  }
  for (const seed of grid.seeds) {
    for (const condition of conditions(grid)) {
      const c = await synthCase(condition, { seed, size: grid.size, planes: grid.planes });
      const band = edgeBand(c.truth.mask, c.truth.width, c.truth.height);
      log(`metrics: seed ${seed}, noise ${condition.noise}, quality ${condition.quality}, defocus ${condition.defocus}`);
      const windows = isBase(condition) ? allWindows : [grid.base.window];
      for (const measure of measures) {
        for (const window of windows) {
          const t0 = performance.now();
          const result = await fuse(c.stack, { ...VERSION_1, measure, window, align }, options.backend);
          const ms = performance.now() - t0;
          rows.push({ ...condition, method: measure, kind: 'measure', window, seed, ms, engine: engineOf(result), scores: scoreAgainstTruth(result, c.truth, band) });
        }
      }
      for (const peer of options.peers.filter((p) => p.available && !peerErrors.has(p.name))) {
        try {
          const out = await runPeer(peer, c.jpegs, c.stack.width, c.stack.height);
          rows.push({ ...condition, method: peer.name, kind: 'peer', seed, ms: out.ms, scores: scoreAgainstTruth({ image: out.image }, c.truth, band) });
        } catch (error) {
          // One failure says the peer does not work here; trying it on every case would only repeat it.
          peerErrors.set(peer.name, (error as Error).message);
          log(`metrics: ${(error as Error).message}`);
        }
      }
    }
  }
  return {
    grid,
    backend: options.backend.describe(),
    align,
    measures,
    refused,
    peers: options.peers.map((p) => ({ ...p, ...(peerErrors.has(p.name) ? { error: peerErrors.get(p.name) } : {}) })),
    rows,
  };
}

type ScoreName = keyof Scores | 'ms';

/** Mean of a score over the rows matching `where` (over seeds); NaN when none or the score is absent. */
function meanOf(rows: readonly MetricsRow[], score: ScoreName, where: (r: MetricsRow) => boolean): number {
  const values = rows.filter(where).map((r) => (score === 'ms' ? r.ms : r.scores[score]));
  const finite = values.filter((v): v is number => typeof v === 'number');
  return finite.length === 0 ? NaN : finite.reduce((a, b) => a + b, 0) / finite.length;
}

const fmt = (v: number, digits: number) => (Number.isNaN(v) ? '-' : v === Infinity ? 'inf' : v.toFixed(digits));

/** Every method in the run, measures first, in the order they ran. */
function methods(run: MetricsRun): { name: string; kind: 'measure' | 'peer' }[] {
  const seen = new Map<string, 'measure' | 'peer'>();
  for (const r of run.rows) if (!seen.has(r.method)) seen.set(r.method, r.kind);
  return [...seen].map(([name, kind]) => ({ name, kind }));
}

/** The engine(s) that fused a measure's rows matching `where` ('/'-joined when they differ). */
function engineAt(rows: readonly MetricsRow[], where: (r: MetricsRow) => boolean): string {
  return [...new Set(rows.filter(where).flatMap((r) => (r.engine ? [r.engine] : [])))].join('/');
}

/** Measure -> the engine(s) that fused it, over the whole run, for the note under the headline. */
export function metricsEngines(run: MetricsRun): Record<string, string> {
  return Object.fromEntries(methods(run).filter((m) => m.kind === 'measure').map((m) => [m.name, engineAt(run.rows, (r) => r.method === m.name)]));
}

/**
 * The headline table: every method at the base condition and window, best depth RMSE first
 * (peers, which make no depth map, after the measures, by PSNR), with the engine that fused it next
 * to its ms.
 * @example console.log(headlineTable(run));
 */
export function headlineTable(run: MetricsRun): string {
  const base = run.grid.base;
  const at = (name: string) => (r: MetricsRow) => r.method === name && conditionKey(r) === conditionKey(base) && (r.kind === 'peer' || r.window === base.window);
  const lines = methods(run).map((m) => {
    const get = (s: ScoreName) => meanOf(run.rows, s, at(m.name));
    const engine = m.kind === 'peer' ? 'peer (process)' : engineAt(run.rows, at(m.name));
    return { m, rmse: get('depthRmse'), psnr: get('psnr'), cells: [m.name, fmt(get('depthRmse'), 3), fmt(get('within05'), 3), fmt(get('within1'), 3), fmt(get('psnr'), 2), fmt(get('ssim'), 4), fmt(get('halo'), 2), fmt(get('ms'), 0), engine] };
  });
  lines.sort((a, b) => (a.m.kind !== b.m.kind ? (a.m.kind === 'measure' ? -1 : 1) : a.m.kind === 'measure' ? a.rmse - b.rmse : b.psnr - a.psnr));
  return markdownTable(['method', 'depth RMSE (planes)', 'within 0.5', 'within 1', 'PSNR (dB)', 'SSIM', 'halo', 'ms / stack', 'engine'], lines.map((l) => l.cells));
}

/** Table of one score: one row per method, one column per value of the swept axis. */
function sweepTable(run: MetricsRun, axis: 'noise' | 'quality' | 'defocus' | 'window', values: number[], score: ScoreName, digits: number, withPeers: boolean): string {
  const base = run.grid.base;
  const list = methods(run).filter((m) => withPeers || m.kind === 'measure');
  const cell = (name: string, v: number) =>
    fmt(
      meanOf(run.rows, score, (r) => {
        if (r.method !== name) return false;
        const point = { ...base, [axis]: v };
        const sameCondition = r.noise === point.noise && r.quality === point.quality && r.defocus === point.defocus;
        return sameCondition && (r.kind === 'peer' || r.window === point.window);
      }),
      digits,
    );
  return markdownTable([`method \\ ${axis}`, ...values.map(String)], list.map((m) => [m.name, ...values.map((v) => cell(m.name, v))]));
}

/** Series for a plot of one score along one axis. */
function sweepSeries(run: MetricsRun, axis: 'noise' | 'window', values: number[], score: ScoreName, withPeers: boolean) {
  const base = run.grid.base;
  return methods(run)
    .filter((m) => withPeers || m.kind === 'measure')
    .map((m) => ({
      name: m.name,
      points: values.map((v) => {
        const point = { ...base, [axis]: v };
        const y = meanOf(run.rows, score, (r) => r.method === m.name && r.noise === point.noise && r.quality === point.quality && r.defocus === point.defocus && (r.kind === 'peer' || r.window === point.window));
        return [v, y] as const;
      }),
    }));
}

/**
 * Tables, plots and data of a metrics run, ready for writeReport.
 * @example await writeReport('bench-results', metricsReport(run, []));
 */
export function metricsReport(run: MetricsRun, adapters: string[]): BenchReport {
  const g = run.grid;
  const noises = [...new Set([g.base.noise, ...g.noises])].sort((a, b) => a - b);
  const qualities = [...new Set([g.base.quality, ...g.qualities])].sort((a, b) => b - a);
  const defocuses = [...new Set([g.base.defocus, ...g.defocuses])].sort((a, b) => a - b);
  const windows = [...new Set([g.base.window, ...g.windows])].sort((a, b) => a - b);
  const peerLines = run.peers.map((p) => `- ${p.name}: ${p.available ? (p.error ? `failed: ${p.error}` : `\`${p.command}\``) : p.reason}`);
  // One report section per sweep: heading, axis, its values, score, digits, whether peers have a row.
  const sweeps: [string, 'noise' | 'quality' | 'defocus' | 'window', number[], ScoreName, number, boolean][] = [
    ['Depth RMSE (planes) vs noise (8-bit levels)', 'noise', noises, 'depthRmse', 3, false],
    ['All-in-focus PSNR (dB) vs noise', 'noise', noises, 'psnr', 2, true],
    ['Depth RMSE (planes) vs JPEG quality', 'quality', qualities, 'depthRmse', 3, false],
    ['Depth RMSE (planes) vs defocus (px per plane)', 'defocus', defocuses, 'depthRmse', 3, false],
    ['Depth RMSE (planes) vs window radius', 'window', windows, 'depthRmse', 3, false],
    ['Halo score vs window radius', 'window', windows, 'halo', 2, false],
  ];
  const markdown = [
    VERSION_1_PIPELINE_NOTE,
    '',
    `Synthetic stacks (src/synth): ${g.planes} planes of ${g.size}x${g.size}, scenes (seeds) ${g.seeds.join(', ')}, fused by ${run.backend} (the engine column names the engine that ran each measure)${run.align !== 'none' ? `, every measure with --align ${run.align} (peers without)` : ''}.`,
    `Base condition: noise ${g.base.noise} levels, JPEG quality ${g.base.quality}, defocus ${g.base.defocus} px/plane, window r = ${g.base.window}; each sweep varies one of them. Figures are means over the scenes.`,
    `Depth scores cover object pixels (truth mask); halo = mean |error| within ${3} px of object edges / mean |error| over the image.`,
    '',
    '## Headline (base condition)',
    '',
    headlineTable(run),
    ...enginesNote(metricsEngines(run)).flatMap((line) => ['', line]),
    '',
    'Peers:',
    ...(peerLines.length ? peerLines : ['- none']),
    ...Object.entries(run.refused).map(([m, why]) => `\nNot run: ${m}: ${why}`),
    '',
    ...sweeps.flatMap(([heading, axis, values, score, digits, withPeers]) => [`## ${heading}`, '', sweepTable(run, axis, values, score, digits, withPeers), '']),
  ].join('\n');
  const plots = {
    'depth-rmse-vs-noise': lineplot(sweepSeries(run, 'noise', noises, 'depthRmse', false), { title: 'Depth RMSE vs noise', xLabel: 'sensor noise sigma (8-bit levels)', yLabel: 'depth RMSE (planes)' }),
    'psnr-vs-noise': lineplot(sweepSeries(run, 'noise', noises, 'psnr', true), { title: 'All-in-focus PSNR vs noise', xLabel: 'sensor noise sigma (8-bit levels)', yLabel: 'PSNR (dB)' }),
    'depth-rmse-vs-window': lineplot(sweepSeries(run, 'window', windows, 'depthRmse', false), { title: 'Depth RMSE vs window radius', xLabel: 'window radius r', yLabel: 'depth RMSE (planes)' }),
  };
  return { kind: 'metrics', markdown, plots, data: run, adapters };
}
