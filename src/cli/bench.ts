/**
 * `focusfuse bench metrics|speed`: the accuracy and speed benchmarks (the harness lives in bench/).
 * Every subcommand prints its Markdown report and, with --out, writes the report folder
 * (report.md, SVG plots, results.json) named by date, machine and adapter.
 */
import { expected } from '../core/errors.js';
import { ALIGN_MODES, MEASURES } from '../core/options.js';
import type { Measure } from '../core/types.js';
import { GPU_RUNTIMES } from '../runtimes.js';
import { openBenchBackend, type BenchBackendName } from '../../bench/backends.js';
import { FULL_METRICS_GRID, QUICK_METRICS_GRID, metricsReport, runMetricsBench } from '../../bench/metrics.js';
import { enfusePeer, parsePeer, type Peer } from '../../bench/peers.js';
import { realReport, runRealBench, stackFolders } from '../../bench/real.js';
import { MODES_GRID, QUICK_MODES_GRID, modesReport, runModesBench, runRealModes } from '../../bench/modes.js';
import { relative } from 'node:path';
import { writeReport, type BenchReport } from '../../bench/report.js';
import { FULL_SPEED_GRID, QUICK_SPEED_GRID, runSpeedBench, speedReport } from '../../bench/speed.js';
import { modesSpeedReport, runModesSpeed } from '../../bench/speed-modes.js';
import { choiceFlag, integerFlag, numberFlag, parseCommandArgs, pointlessFlag, type Command } from './args.js';

const BACKEND_NAMES: readonly BenchBackendName[] = ['cpu', 'cpu-reference', ...GPU_RUNTIMES];

const FLAGS = {
  out: { type: 'string', short: 'o' },
  quick: { type: 'boolean' },
  backend: { type: 'string' },
  backends: { type: 'string' },
  measures: { type: 'string' },
  peer: { type: 'string', multiple: true },
  'no-enfuse': { type: 'boolean' },
  runs: { type: 'string' },
  sizes: { type: 'string' },
  limit: { type: 'string' },
  window: { type: 'string' },
  align: { type: 'string' },
  modes: { type: 'boolean' },
  seeds: { type: 'string' },
  size: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

const HELP = `Usage: focusfuse bench metrics [<folder>] [options]
       focusfuse bench speed [options]

metrics            accuracy of every focus measure (and peer) on generated stacks with
                   ground truth: depth RMSE and share within 0.5 / 1 plane on objects,
                   all-in-focus PSNR and SSIM, halo score; swept over noise, JPEG
                   quality, defocus and window radius 1..8
metrics <folder>   the same measures on real stacks (a stack folder or a CCCID tree),
                   no-reference: gradient share, depth agreement between measures,
                   focus curve per FOV, per-class summary
metrics --modes    every depth mode x composite mode (version 1 first) on the synthetic
                   scenes cytology, chart, nuclei, overlap, at a base and a noisy
                   condition: depth RMSE, within 0.5 plane, PSNR (image, cells), SSIM,
                   halo, sharpness vs truth, ms
metrics <folder> --modes
                   the same combinations on real stacks (folders of planes under
                   <folder>): gradient share, noise, overshoot, PNG crops v1 vs the rest
speed              per backend and runtime, per stage and end to end, median and
                   spread, image sides 256..4096, 3..41 planes, batches, decode floor;
                   cpu: the reference and the fast path per stage side by side
                   (alternating runs) and 21 x 2048^2 on the fast path (time, peak RSS)
speed --modes      ms per stack of every depth mode x composite mode (nearest left
                   out) against version 1 on one 11 x 384^2 stack, per backend, the
                   combinations taking turns in every round: median and ratio to v1

metrics, metrics <folder> and speed fuse each measure under version 1's pipeline:
sigma 3, gaussian depth, interpolate (the default is v2: teng, sigma 4, histogram
depth, select); --modes compares the pipelines. Each report says so at its top.

Options:
  -o, --out <dir>       write report.md, SVG plots and results.json into
                        <dir>/<date>_<kind>_<machine>_<adapter>/
  --quick               CI size instead of the full grid (which takes minutes to hours):
                        metrics: 7 planes of 128^2, one scene (about 3-4 s on two
                        cores); metrics <folder>: at most 4 stacks; speed: cpu only,
                        sides 128 and 256, 3 and 11 planes, 5 runs, no 21 x 2048^2
                        case (about 5 s)
  --backend <name>      metrics: engine that fuses: ${BACKEND_NAMES.join(', ')} (default cpu)
  --backends <list>     speed: engines to time (default cpu,headless,node; also
                        cpu-reference; those that cannot start are reported with the
                        reason). With cpu, the cpu-reference vs cpu table is always there
  --measures <list>     focus measures (default all: ${MEASURES.join(', ')})
  --peer 'name=cmd {in} {out}'
                        also run this program on every stack ({in}: the plane files,
                        {out}: a .tif to write); repeatable
  --no-enfuse           skip enfuse (run by default when installed)
  --runs <n>            speed: timed runs per point (default 7, quick 5)
  --sizes <list>        speed: image sides of the size sweep (default 256,512,1024,2048,4096;
                        software adapters take minutes per 4096^2 stack)
  --limit <n>           metrics <folder>: at most n stacks, taken in turns from each
                        class (CCCID tree) or source folder (other trees); a stack it
                        skips (mixed plane sizes without --align) makes room for the next
  --window <r>          metrics <folder>: window radius (default 4)
  --align <mode>        metrics: register the planes first (${ALIGN_MODES.join(', ')};
                        default none). On a folder each stack is registered once, on the
                        CPU, and every measure, mode and peer fuses the registered planes: what
                        unregistered real stacks (focus breathing) need
  --modes               metrics, speed: compare the fusion modes (see above) instead of measures
  --seeds <list>        metrics --modes: scene seeds (default 1,2,3; quick 1)
  --size <px>           metrics --modes, speed --modes: image side (default 384; quick 128,
                        speed --modes --quick also 7 planes instead of 11)
  -q, --quiet           no progress lines
  -h, --help            this text

Examples:
  focusfuse bench metrics --quick --out bench-results
  focusfuse bench metrics data/CCCID --limit 40 --out bench-results
  focusfuse bench metrics real-stacks/ --align similarity --limit 4
  focusfuse bench speed --backends cpu,node --out bench-results
  focusfuse bench speed --modes --backends node,headless --runs 9 --out bench-results
  focusfuse bench metrics --peer 'mytool=mytool -o {out} {in}'`;

function listFlag<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: readonly T[]): T[] {
  if (value === undefined) return [...fallback];
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!allowed.includes(item as T)) expected(`a comma-separated list of ${allowed.join(', ')}`, flag, value);
  if (items.length === 0) expected(`a comma-separated list of ${allowed.join(', ')}`, flag, value);
  return items as T[];
}

function positiveInteger(flag: string, value: string | undefined): number | undefined {
  return integerFlag(flag, value, 1);
}

async function peersFrom(values: { peer?: string[]; 'no-enfuse'?: boolean }): Promise<Peer[]> {
  const custom = (values.peer ?? []).map(parsePeer);
  return values['no-enfuse'] ? custom : [await enfusePeer(), ...custom];
}

async function finish(report: BenchReport, out: string | undefined): Promise<number> {
  console.log(report.markdown);
  if (out !== undefined) console.log(`\nReport: ${await writeReport(out, report)}`);
  return 0;
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmark focus measures (accuracy, real stacks) and backends (speed), with peers',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, FLAGS);
    const [sub, ...rest] = positionals;
    if (sub !== 'metrics' && sub !== 'speed') expected("'metrics' or 'speed'", 'bench subcommand', sub);
    if (values.out !== undefined && values.out.trim() === '') expected('a folder path', '--out', values.out);
    const measures = listFlag<Measure>('--measures', values.measures, MEASURES, MEASURES);
    const log = values.quiet ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
    const peers = await peersFrom(values);

    // Flags of one mode given to another would be silently ignored: refuse them.
    const given = (names: (keyof typeof values)[]) => names.filter((name) => values[name] !== undefined);
    const onlyFor = { speed: ['backends', 'runs', 'sizes'], metrics: ['backend', 'align'], folder: ['limit', 'window'] } as const;
    const misplaced =
      sub === 'speed' ? given([...onlyFor.metrics, ...onlyFor.folder]) : rest.length === 0 ? given([...onlyFor.speed, ...onlyFor.folder]) : given([...onlyFor.speed]);
    if (misplaced.length > 0) {
      const mode = sub === 'speed' ? 'bench speed' : rest.length === 0 ? 'bench metrics without a folder' : 'bench metrics <folder>';
      const owner = (name: string) => ((onlyFor.speed as readonly string[]).includes(name) ? 'bench speed' : (onlyFor.folder as readonly string[]).includes(name) ? 'bench metrics <folder>' : 'bench metrics');
      pointlessFlag(`--${misplaced[0]}`, `in ${mode}: it is an option of ${owner(misplaced[0])} (see focusfuse help bench)`);
    }

    if (sub === 'speed') {
      if (rest.length > 0) expected('no folder (speed runs on generated stacks)', 'bench speed', rest.join(' '));
      const grid = { ...(values.quick ? QUICK_SPEED_GRID : FULL_SPEED_GRID) };
      grid.runs = positiveInteger('--runs', values.runs) ?? grid.runs;
      if (values.sizes !== undefined) grid.sizes = values.sizes.split(',').map((size) => positiveInteger('--sizes', size) as number);
      const backends = listFlag('--backends', values.backends, BACKEND_NAMES, values.quick ? ['cpu'] : BACKEND_NAMES.filter((name) => name !== 'cpu-reference'));
      if (values.modes) {
        const size = positiveInteger('--size', values.size) ?? (values.quick ? 128 : grid.baseSize);
        const planes = values.quick ? 7 : grid.basePlanes;
        return finish(modesSpeedReport(await runModesSpeed({ size, planes, runs: grid.runs }, { backends, log })), values.out);
      }
      return finish(speedReport(await runSpeedBench(grid, { backends, peers, measures, log })), values.out);
    }

    if (rest.length > 1) expected('at most one folder', 'bench metrics', rest.join(' '));
    const [backendName] = listFlag('--backend', values.backend, BACKEND_NAMES, ['cpu']);
    const align = choiceFlag('--align', ALIGN_MODES, values.align, 'none');
    const opened = await openBenchBackend(backendName);
    if ('error' in opened) expected(`a backend that starts here (${opened.error})`, '--backend', backendName);
    try {
      const adapters = backendName === 'cpu' ? [] : [opened.backend.describe()];
      if (values.modes) {
        if (rest.length === 1) {
          const folders = (await stackFolders(rest[0])).slice(0, positiveInteger('--limit', values.limit) ?? Infinity);
          const real = await runRealModes(folders.map((path) => ({ id: relative(rest[0], path) || path, path })), { backend: opened.backend, align, log });
          return await finish(modesReport(undefined, real, adapters), values.out);
        }
        const grid = { ...(values.quick ? QUICK_MODES_GRID : MODES_GRID) };
        if (values.seeds !== undefined) grid.seeds = values.seeds.split(',').map((s) => positiveInteger('--seeds', s) as number);
        grid.size = positiveInteger('--size', values.size) ?? grid.size;
        return await finish(modesReport(await runModesBench(grid, { backend: opened.backend, log }), undefined, adapters), values.out);
      }
      if (rest.length === 1) {
        const limit = positiveInteger('--limit', values.limit) ?? (values.quick ? 4 : undefined);
        const window = numberFlag('--window', values.window);
        const run = await runRealBench(rest[0], { backend: opened.backend, peers, measures, window, limit, align, log });
        return await finish(realReport(run, adapters), values.out);
      }
      const grid = values.quick ? QUICK_METRICS_GRID : FULL_METRICS_GRID;
      return await finish(metricsReport(await runMetricsBench(grid, { backend: opened.backend, peers, measures, align, log }), adapters), values.out);
    } finally {
      await opened.close();
    }
  },
};
