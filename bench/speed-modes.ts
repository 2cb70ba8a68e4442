/**
 * `focusfuse bench speed --modes`: what each fusion mode combination costs per stack against
 * version 1 (gaussian + interpolate), per backend, on one synthetic stack (the speed grid's base
 * stack, 11 x 384^2 by default). The combinations take turns run by run (v1, then each other one, in
 * every round), so a machine whose load drifts slows them alike; each round's time is also divided
 * by that round's v1 time, and the report gives the median of those ratios next to the ratio of the
 * medians. The machine's load average is recorded before and after: timings on a shared machine are
 * only comparable within one run.
 */
import { loadavg } from 'node:os';
import { fuse } from '../src/fuse.js';
import { COMPOSITE_MODES, DEFAULT_FUSION, DEPTH_MODES, FUSION_PRESETS } from '../src/core/options.js';
import { hasGpuModes } from '../src/gpu/kernels.js';
import type { FuseOptions, FuseResult, ZStack } from '../src/core/types.js';
import { onEachBenchBackend, type BenchBackendName } from './backends.js';
import type { BenchReport } from './report.js';
import { markdownTable, median, quartiles } from './stats.js';
import { synthCase } from './synth-cases.js';
import { VERSION_1 } from './version-1.js';
import { engineOf, enginesNote } from './engine.js';

/**
 * Version 1 first, then every other depth x composite combination except `nearest` (version 1's
 * cheap variant), then the `v2` preset (its own measure and sigma too), with and without its
 * one-plane test; on WebGPU only the combinations it has kernels for.
 */
export function speedModeCombos(gpu = false): { name: string; options: FuseOptions }[] {
  const v2 = FUSION_PRESETS.v2;
  return [
    ...DEPTH_MODES.flatMap((depthMode) =>
      COMPOSITE_MODES.filter((composite) => composite !== 'nearest').map((composite) => ({ name: `${depthMode}+${composite}`, options: { ...VERSION_1, depthMode, composite } as FuseOptions })),
    ),
    { name: `v2 preset (${v2.measure}, sigma ${v2.sigma}, ${v2.depthMode}+${v2.composite})`, options: { fusion: 'v2' } as FuseOptions },
    // What the histogram depth's one-plane test costs where it keeps the per-pixel fusion (as here).
    { name: 'v2 preset, one-plane off', options: { fusion: 'v2', onePlane: 'off' } as FuseOptions },
  ].filter((c) => !gpu || hasGpuModes({ ...FUSION_PRESETS[c.options.fusion ?? DEFAULT_FUSION], ...c.options }));
}

export interface ModesSpeedGrid {
  size: number;
  planes: number;
  runs: number;
}

interface Spread {
  median: number;
  p25: number;
  p75: number;
}

export interface ComboSpeed {
  name: string;
  /** Wall ms per stack. */
  wall: Spread;
  /** This combination's wall time over version 1's in the same round. */
  roundRatio: Spread;
  /** Median ms per stage the backend reports (smooth, composite, ...). */
  stages: Record<string, number>;
  /** The engine that fused it ('wasm simd' or 'TypeScript stages' on the CPU; see bench/engine.ts). */
  engine: string;
}

export interface ModesSpeedRun {
  grid: ModesSpeedGrid;
  /** One-minute load average before and after the run. */
  load: { before: number; after: number };
  backends: { name: string; describe?: string; error?: string; combos?: ComboSpeed[] }[];
}

function spread(samples: number[]): Spread {
  const [p25, p75] = quartiles(samples);
  return { median: median(samples), p25, p75 };
}

async function timeCombos(fuseOnce: (options: FuseOptions) => Promise<FuseResult>, runs: number, gpu: boolean): Promise<ComboSpeed[]> {
  const combos = speedModeCombos(gpu);
  const engines: string[] = [];
  for (const c of combos) engines.push(engineOf(await fuseOnce(c.options))); // warm: pipelines, JIT, buffers
  const wall = combos.map(() => [] as number[]);
  const stages = combos.map(() => ({}) as Record<string, number[]>);
  for (let round = 0; round < runs; round++) {
    for (const [k, c] of combos.entries()) {
      const t0 = performance.now();
      const { timings } = await fuseOnce(c.options);
      wall[k].push(performance.now() - t0);
      for (const [stage, ms] of Object.entries(timings)) (stages[k][stage] ??= []).push(ms);
    }
  }
  return combos.map((c, k) => ({
    name: c.name,
    wall: spread(wall[k]),
    roundRatio: spread(wall[k].map((ms, round) => ms / wall[0][round])),
    stages: Object.fromEntries(Object.entries(stages[k]).map(([stage, list]) => [stage, median(list)])),
    engine: engines[k],
  }));
}

/**
 * Times every combination on every backend; a backend that cannot start is recorded with the reason.
 * @example const run = await runModesSpeed({ size: 384, planes: 11, runs: 7 }, { backends: ['node'] });
 */
export async function runModesSpeed(grid: ModesSpeedGrid, options: { backends: readonly BenchBackendName[]; log?: (line: string) => void }): Promise<ModesSpeedRun> {
  const log = options.log ?? (() => {});
  const before = loadavg()[0];
  const { stack } = await synthCase({ noise: 2, quality: 90, defocus: 1.2 }, { seed: 7, size: grid.size, planes: grid.planes });
  const backends: ModesSpeedRun['backends'] = await onEachBenchBackend(options.backends, async (name, backend) => {
    log(`speed --modes: ${name}`);
    const fuseOnce = (o: FuseOptions) => fuse(stack as ZStack, o, backend);
    return { name, describe: backend.describe(), combos: await timeCombos(fuseOnce, grid.runs, name !== 'cpu' && name !== 'cpu-reference') };
  });
  return { grid, load: { before, after: loadavg()[0] }, backends };
}

const fmt = (s: Spread, digits = 1) => `${s.median.toFixed(digits)} (${s.p25.toFixed(digits)}..${s.p75.toFixed(digits)})`;

/**
 * The report: per backend, each combination's ms per stack and its ratio to version 1.
 * @example await writeReport('bench-results', modesSpeedReport(run));
 */
export function modesSpeedReport(run: ModesSpeedRun): BenchReport {
  const g = run.grid;
  const names = run.backends.map((b) => b.name).join(',');
  const command = `focusfuse bench speed --modes --backends ${names} --runs ${g.runs}${g.planes === 11 ? '' : ' --quick'}${g.size === (g.planes === 11 ? 384 : 128) ? '' : ` --size ${g.size}`}`;
  const parts = [
    `Command: \`${command}\` (or \`node dist/bench.js --modes ...\`).`,
    '',
    `Wall ms per stack (median, p25..p75) over ${g.runs} rounds; in each round every combination fuses the same synthetic ${g.planes} x ${g.size}^2 stack (JPEG q90 planes) once, version 1 (gaussian+interpolate) first. "x v1": median over the rounds of the combination's time over that round's v1 time, then the ratio of the medians. Stage columns: median ms the backend reports (WebGPU: timestamp queries). Load average (1 min) ${run.load.before.toFixed(1)} before, ${run.load.after.toFixed(1)} after.`,
  ];
  for (const b of run.backends) {
    if (b.error || !b.combos) {
      parts.push('', `## ${b.name}: not available (${b.error})`);
      continue;
    }
    const stageNames = ['measure', 'smooth', 'composite'].filter((s) => b.combos!.some((c) => s in c.stages));
    const v1 = b.combos[0].wall.median;
    parts.push(
      '',
      `## ${b.name}`,
      '',
      `${b.describe}`,
      '',
      markdownTable(
        ['combination', 'engine', 'ms per stack', 'x v1 (per round)', 'x v1 (medians)', ...stageNames.map((s) => `${s} ms`)],
        b.combos.map((c) => [c.name, c.engine, fmt(c.wall), fmt(c.roundRatio, 2), (c.wall.median / v1).toFixed(2), ...stageNames.map((s) => (c.stages[s] ?? NaN).toFixed(1))]),
      ),
      ...enginesNote(Object.fromEntries(b.combos.map((c) => [c.name, c.engine]))).flatMap((line) => ['', line]),
    );
  }
  const adapters = run.backends.filter((b) => !b.error && !b.name.startsWith('cpu')).map((b) => b.describe ?? b.name);
  return { kind: 'speed-modes', markdown: parts.join('\n'), plots: {}, data: run, adapters };
}
