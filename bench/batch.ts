/**
 * Batch throughput bench: a synthetic CCCID tree (N FOVs x 11 planes of 384x384 JPEG, a few bad
 * FOVs planted) fused end to end by `runBatch`, next to the decode floor measured in the same run
 * (every plane read and decoded with sharp, as many in flight as the batch has, nothing else).
 * The CPU engine runs once per worker count (0 = the main thread, 1, 2, the core count), so the
 * table shows what the pool buys; then, one FOV at a time on one core, what each stage costs
 * (decode, fuse, encode of each output, write) and what each PNG level costs and saves.
 *
 *   node dist/batch-bench.js [--n 100] [--threads 0,1,2,N] [--outputs fused,depth] [--backends cpu] [--tree DIR] [--json FILE]
 *
 * The tree is generated once into --tree (default: $TMPDIR/focusfuse-batch-bench-<n>-<size>) and
 * reused while its synth.json matches. Backends that cannot start are reported, never dropped.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseOutputKinds } from '../src/batch/layout.js';
import { runBatch, type BatchSummary } from '../src/batch/run.js';
import { scanDataset, type BatchFov } from '../src/batch/scan.js';
import type { AlignMode, AnyZStack, FuseResult } from '../src/core/types.js';
import { DEFAULT_FUSION, FUSIONS, oneOf, resolveOptions } from '../src/core/options.js';
import { createCpuWorkspace, fuseCpu } from '../src/cpu/index.js';
import * as api from '../src/index.js';
import { writeFilesAtomic } from '../src/io/atomic.js';
import { depthScaleFor, encodeDepth16, encodeConfidence16, encodeDepthColor, encodeRgba, type EncodeOptions } from '../src/io/encode.js';
import { loadStack } from '../src/io/load-stack.js';
import { statsDocument } from '../src/io/write-result.js';
import type { GpuRuntimeName } from '../src/runtimes.js';
import { readSynthManifest } from '../src/synth/truth.js';
import { plantBadFovs } from '../test/batch-fixtures.js';
import { markdownTable, median } from './stats.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100' },
    size: { type: 'string', default: '384' },
    backends: { type: 'string', default: 'cpu' },
    threads: { type: 'string' },
    outputs: { type: 'string', default: 'fused,depth' },
    concurrency: { type: 'string', default: '4' },
    align: { type: 'string', default: 'none' },
    fusion: { type: 'string', default: DEFAULT_FUSION },
    sample: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '1' },
    tree: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(`Usage: node dist/batch-bench.js [options]

Fuses a synthetic CCCID tree (bad FOVs planted) end to end, the cpu engine once per worker count,
next to the decode-only floor measured in the same run; then the cost of each stage and of each
PNG level, one FOV at a time on one core. Prints Markdown tables.

  --n <count>           FOVs in the generated tree (default 100; the target is on 639, CCCID's size)
  --size <px>           plane side (default 384)
  --threads <list>      cpu fusion worker counts to run (default 0,1,2,<cores>; 0 = the main thread)
  --outputs <list>      outputs per FOV (default fused,depth)
  --backends <list>     cpu, headless, node (default cpu; the GPU runtimes run once each)
  --align <list>        align modes, each run per backend (default none; e.g. none,auto)
  --fusion <v2|v1>      the fusion preset every run and the per-stage costs use (default ${DEFAULT_FUSION})
  --concurrency <n>     FOVs decoded ahead and written behind (default 4)
  --sample <n>          FOVs for the per-stage and per-output costs (default 16; 0 leaves them out)
  --rounds <n>          run the floor and every run n times, alternating, and report medians (default 1)
  --tree <dir>          where the tree is generated and reused (default $TMPDIR/focusfuse-batch-bench-<n>-<size>)
  --json <file>         also write the results as JSON
  -h, --help            this text`);
  process.exit(0);
}
const n = Number(values.n);
const size = Number(values.size);
const concurrency = Number(values.concurrency);
const outputs = parseOutputKinds(values.outputs);
const cores = availableParallelism();
const threadCounts = [...new Set((values.threads ?? `0,1,2,${cores}`).split(',').map(Number))];
const backends = values.backends.split(',').map((s) => s.trim()) as ('cpu' | GpuRuntimeName)[];
const alignModes = values.align.split(',').map((s) => s.trim()) as AlignMode[];
const fusion = oneOf(FUSIONS, '--fusion', values.fusion);
const tree = values.tree ?? join(tmpdir(), `focusfuse-batch-bench-${n}-${size}`);

/** Generates the tree (and plants bad FOVs) unless a complete one of this shape is already there. */
async function ensureTree(): Promise<void> {
  const manifest = existsSync(join(tree, 'synth.json')) ? await readSynthManifest(tree).catch(() => undefined) : undefined;
  if (manifest?.complete && manifest.options.n === n && manifest.options.width === size) return;
  // Imported here so the synth generator is loaded only when it is needed.
  const { writeSynthTree } = await import('../src/synth/write-tree.js');
  const t0 = performance.now();
  await rm(tree, { recursive: true, force: true });
  let last = 0;
  const written = await writeSynthTree(tree, { n, size, seed: 1 }, ({ done, total }) => {
    if (performance.now() - last > 10_000) {
      console.error(`generating ${done}/${total} FOVs...`);
      last = performance.now();
    }
  });
  await plantBadFovs(tree, written.fovs);
  console.error(`generated ${n} FOVs in ${((performance.now() - t0) / 1000).toFixed(0)} s into ${tree}`);
}

/** Wall and CPU (all threads: main, workers, libvips) time of `work`, in ms. */
async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await work();
  const cpu = process.cpuUsage(cpu0);
  return { value, ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Reads and decodes every plane of every FOV as the batch does, `concurrency` FOVs at a time: the floor a batch cannot beat. */
async function decodeFloor(fovs: BatchFov[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < fovs.length) {
      const fov = fovs[next++];
      await loadStack(fov.files, { order: 'cccid', highBitDepth: true }).catch(() => undefined); // planted bad FOVs fail, as in the batch
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function benchBatch(name: 'cpu' | GpuRuntimeName, align: AlignMode, cpuThreads?: number): Promise<BatchSummary | { error: string }> {
  const out = await mkdtemp(join(tmpdir(), `focusfuse-batch-bench-out-${name}-`));
  try {
    return await runBatch({
      root: tree,
      out,
      fuse: { backend: name === 'cpu' ? 'cpu' : 'webgpu', align, fusion },
      runtime: name === 'cpu' ? undefined : name,
      concurrency,
      cpuThreads,
      outputs,
      warn: (m) => console.error(`  ${name}: warning: ${m}`),
    });
  } catch (error) {
    return { error: (error as Error).message };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** The fusion the cpu engine runs: the wasm fast path when this build has one, else the reference. */
async function cpuFusion(): Promise<{ name: string; fuse(stack: AnyZStack): FuseResult }> {
  const fast = api as unknown as { initFastCpu?: () => Promise<boolean>; fuseCpuFast?: typeof fuseCpu };
  const options = resolveOptions({ fusion, backend: 'cpu' });
  const workspace = createCpuWorkspace();
  if (fast.initFastCpu && fast.fuseCpuFast && (await fast.initFastCpu())) return { name: 'fast path', fuse: (stack) => fast.fuseCpuFast!(stack, options, workspace) };
  return { name: 'reference', fuse: (stack) => fuseCpu(stack, options, workspace) };
}

/** Each output's encoder, as writeResult calls it. */
const ENCODERS: Record<string, (r: FuseResult, o: EncodeOptions) => Promise<Uint8Array | string>> = {
  'fused PNG': (r, o) => encodeRgba(r.image, r.width, r.height, 'png', 'fused', false, o),
  'fused JPEG (q95)': (r, o) => encodeRgba(r.image, r.width, r.height, 'jpeg', 'fused', false, o),
  'fused TIFF (lzw)': (r, o) => encodeRgba(r.image, r.width, r.height, 'tiff', 'fused', false, o),
  'depth 16-bit PNG': (r, o) => encodeDepth16(r.depth, r.width, r.height, depthScaleFor(r.planeCount), o),
  'confidence 16-bit PNG': (r, o) => encodeConfidence16(r.confidence, r.width, r.height, o),
  'depth-color PNG': (r, o) => encodeDepthColor(r.depth, r.planeCount, r.width, r.height, 'png', o),
  'stats JSON': async (r) => `${JSON.stringify(statsDocument(r, { fused: 'x.png', depth: 'x.depth.png', json: 'x.json' }), null, 2)}\n`,
};
const PNG_LEVELS = [0, 1, 3, 6, 9];

/**
 * One FOV at a time on one core (no overlap): what each stage costs, and each output at each PNG
 * level with and without adaptive filters. Medians over `sample` FOVs.
 */
async function stageCosts(fovs: BatchFov[], sample: number) {
  const engine = await cpuFusion();
  const stages: Record<string, number[]> = { decode: [], fuse: [], 'encode (asked outputs)': [], write: [] };
  const perOutput = new Map<string, { ms: number[]; bytes: number[] }>();
  const record = (key: string, ms: number, bytes: number) => {
    const entry = perOutput.get(key) ?? { ms: [], bytes: [] };
    entry.ms.push(ms);
    entry.bytes.push(bytes);
    perOutput.set(key, entry);
  };
  const scratch = await mkdtemp(join(tmpdir(), 'focusfuse-batch-bench-stage-'));
  // CPU time of the process (every thread), not wall: a decode spreads over libuv's threads, and a
  // shared machine's wait for a core is not the stage's cost.
  const cpuMs = async (work: () => unknown) => {
    const c0 = process.cpuUsage();
    const value = await work();
    const c = process.cpuUsage(c0);
    return { value, ms: (c.user + c.system) / 1000 };
  };
  let taken = 0;
  for (const fov of fovs) {
    if (taken >= sample) break;
    const decoded = await cpuMs(() => loadStack(fov.files, { order: 'cccid', highBitDepth: true }).catch(() => undefined));
    const stack = decoded.value as AnyZStack | undefined;
    if (!stack) continue;
    taken += 1;
    const fused = await cpuMs(() => engine.fuse(stack));
    const result = fused.value as FuseResult;
    const asked: [string, Uint8Array | string][] = [];
    const encoded = await cpuMs(async () => {
      const ask = async (kind: string, file: string, encoder: string) => {
        if (outputs.includes(kind as never)) asked.push([join(scratch, file), await ENCODERS[encoder](result, {})]);
      };
      await ask('fused', 'fused.png', 'fused PNG');
      await ask('depth', 'depth.png', 'depth 16-bit PNG');
      await ask('confidence', 'confidence.png', 'confidence 16-bit PNG');
      await ask('depth-color', 'depth-color.png', 'depth-color PNG');
      await ask('json', 'stats.json', 'stats JSON');
    });
    const written = await cpuMs(() => writeFilesAtomic(asked));
    stages.decode.push(decoded.ms);
    stages.fuse.push(fused.ms);
    stages['encode (asked outputs)'].push(encoded.ms);
    stages.write.push(written.ms);
    for (const [name, encode] of Object.entries(ENCODERS)) {
      const levels = name.includes('PNG') ? PNG_LEVELS : [undefined];
      for (const level of levels) {
        for (const pngFilters of level === undefined ? [false] : [false, true]) {
          const { value: bytes, ms } = await cpuMs(() => encode(result, { pngLevel: level, pngFilters }));
          record(level === undefined ? name : `${name}, level ${level}${pngFilters ? ', adaptive filters' : ''}`, ms, (bytes as Uint8Array | string).length);
        }
      }
    }
  }
  await rm(scratch, { recursive: true, force: true });
  return { fusion: `${engine.name}, ${fusion} preset`, stages, perOutput, taken };
}

await ensureTree();
const scan = await scanDataset(tree);
const fovs = scan.fovs;
await decodeFloor(fovs); // warm the page cache: the floor is decoding, not the disk

type Row = Record<string, string | number>;
type Run = { name: 'cpu' | GpuRuntimeName; align: AlignMode; threads?: number };
const runs = backends.flatMap((name) => alignModes.flatMap((align): Run[] => (name === 'cpu' ? threadCounts.map((threads) => ({ name, align, threads })) : [{ name, align }])));
const labelOf = ({ name, align, threads }: Run) =>
  `${name}${threads === undefined ? '' : threads === 0 ? ', main thread' : `, ${threads} worker${threads === 1 ? '' : 's'}`}${align === 'none' ? '' : `, align ${align}`}`;

interface Measured {
  engine: string;
  ok: number | string;
  failed: number | string;
  seconds: number[];
  rate: number[];
  xFloor: number[];
  cpuMs: number[];
}
const measured = new Map<string, Measured>();
const measure = (label: string) => measured.get(label) ?? measured.set(label, { engine: '', ok: '', failed: '', seconds: [], rate: [], xFloor: [], cpuMs: [] }).get(label)!;

// Rounds alternate the floor and every run, so a busy spell of a shared machine hits them alike;
// each run's "x floor" is against the floor of its own round.
const rounds = Number(values.rounds);
for (let round = 1; round <= rounds; round++) {
  const floor = await timed(() => decodeFloor(fovs));
  const floorRate = fovs.length / (floor.ms / 1000);
  console.error(`round ${round}/${rounds}: decode floor ${fovs.length} FOVs in ${(floor.ms / 1000).toFixed(1)} s (${floorRate.toFixed(1)} FOV/s)`);
  Object.assign(measure('decode floor (read + decode only)'), { engine: 'sharp' });
  measure('decode floor (read + decode only)').seconds.push(floor.ms / 1000);
  measure('decode floor (read + decode only)').rate.push(floorRate);
  measure('decode floor (read + decode only)').xFloor.push(1);
  measure('decode floor (read + decode only)').cpuMs.push(floor.cpuMs / fovs.length);
  for (const run of runs) {
    const label = labelOf(run);
    console.error(`round ${round}/${rounds}: ${label}: fusing ${fovs.length} FOVs...`);
    const { value: result, cpuMs } = await timed(() => benchBatch(run.name, run.align, run.threads));
    const entry = measure(label);
    if ('error' in result) {
      entry.engine = `unavailable: ${result.error}`;
      continue;
    }
    const rate = result.selected / (result.elapsedMs / 1000);
    Object.assign(entry, { engine: result.engine, ok: result.fused, failed: result.failed });
    entry.seconds.push(result.elapsedMs / 1000);
    entry.rate.push(rate);
    entry.xFloor.push(floorRate / rate);
    entry.cpuMs.push(cpuMs / result.selected);
  }
}
const spread = (values: number[], digits: number) =>
  values.length === 0 ? '' : values.length === 1 ? +values[0].toFixed(digits) : `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}..${Math.max(...values).toFixed(digits)})`;
const rows: Row[] = [...measured].map(([run, m]) => ({
  run,
  engine: m.engine,
  ok: m.ok,
  failed: m.failed,
  seconds: spread(m.seconds, 2),
  'FOV/s': spread(m.rate, 1),
  'x floor': spread(m.xFloor, 2),
  'CPU ms/FOV': spread(m.cpuMs, 1),
}));

const sample = Number(values.sample);
console.error(`stage costs: ${sample} FOVs one at a time...`);
const costs = sample > 0 ? await stageCosts(fovs, sample) : undefined;

const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`;
console.log(`## Batch throughput: ${fovs.length} FOVs x 11 planes of ${size}x${size} JPEG, outputs ${outputs.join(',')}\n`);
console.log(`Machine: ${machine}, concurrency ${concurrency}, UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE ?? 'default (4)'}.`);
console.log(`"x floor": end-to-end time over the decode-only time of the same FOVs in the same round (1 = as fast as decoding alone); "CPU ms/FOV": CPU time of every thread of the process over the FOVs.${rounds > 1 ? ` Medians of ${rounds} alternating rounds (min..max).` : ''}\n`);
const header = Object.keys(rows[0]);
console.log(markdownTable(header, rows.map((row) => header.map((key) => row[key]))));

const round = (v: number) => +v.toFixed(2);
if (costs) {
  console.log(`\n## Stage costs, one FOV at a time (${costs.taken} FOVs, medians, CPU ms of every thread; fusion: the ${costs.fusion})\n`);
  const stage = Object.fromEntries(Object.entries(costs.stages).map(([name, ms]) => [name, median(ms)]));
  const rest = stage.decode + stage['encode (asked outputs)'] + stage.write;
  // What the stages allow on this machine's cores if they overlapped perfectly: the ceiling the pipeline aims at.
  const ceiling = (fuseMs: number) => round((cores * 1000) / (rest + fuseMs));
  console.log(
    markdownTable(['stage', 'ms'], [
      ...Object.entries(stage).map(([name, ms]) => [name, round(ms)]),
      ['total', round(rest + stage.fuse)],
      [`ceiling on ${cores} cores, perfectly overlapped (FOV/s)`, ceiling(stage.fuse)],
      ['the same with a 10 ms fusion (the fast-path target)', ceiling(10)],
      ['the same with an instant fusion', ceiling(0)],
    ]),
  );
  console.log(`\n## Output cost per FOV (${costs.taken} FOVs, medians, CPU ms; one libvips thread each)\n`);
  console.log(markdownTable(['output', 'encode CPU ms', 'KiB'], [...costs.perOutput].map(([name, e]) => [name, round(median(e.ms)), round(median(e.bytes) / 1024)])));
}

if (values.json) {
  const stageJson = costs && Object.fromEntries(Object.entries(costs.stages).map(([k, v]) => [k, median(v)]));
  const outputJson = costs && Object.fromEntries([...costs.perOutput].map(([k, e]) => [k, { ms: median(e.ms), bytes: median(e.bytes) }]));
  const raw = Object.fromEntries(measured);
  await writeFile(values.json, `${JSON.stringify({ tree, size, concurrency, machine, rounds, rows, raw, stages: stageJson, outputs: outputJson }, null, 2)}\n`);
}
