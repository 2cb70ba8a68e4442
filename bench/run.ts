/**
 * Speed bench (`npm run bench`): median ms per 11 x 384 x 384 stack, per backend, measure and stage,
 * next to the time it takes just to read and decode the same stack's JPEGs, all in one run so the
 * figures compare. Prints Markdown tables; `--json FILE` also writes them as JSON.
 *
 *   node dist/bench.js [--runs 7] [--backends cpu,headless,node] [--json bench.json]
 *
 * Backends that cannot start here (no Chromium, no adapter) are reported as such, never silently
 * dropped. Timings on a software adapter say nothing about a real GPU: the adapter is printed with them.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fuse } from '../src/fuse.js';
import { MEASURES, resolveOptions } from '../src/core/options.js';
import type { FusionBackend, ZStack } from '../src/core/types.js';
import { decodePlane } from '../src/io/decode.js';
import { loadStack } from '../src/io/load-stack.js';
import { writeSynthTree } from '../src/synth/write-tree.js';
import { readSynthManifest } from '../src/synth/truth.js';
import { openBenchBackend, type BenchBackendName } from './backends.js';
import { markdownTable, median, quartiles } from './stats.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    backends: { type: 'string', default: 'cpu,headless,node' },
    batches: { type: 'string', default: '1,8,64' },
    json: { type: 'string' },
  },
});
const runs = Math.max(1, Number(values.runs));
const backendNames = values.backends.split(',').map((s) => s.trim()) as BenchBackendName[];
const batchSizes = values.batches.split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);

/** Timing columns shown, in pipeline order; a backend shows the ones it reports. */
const COLUMNS = ['luma', 'measure', 'depth', 'smooth', 'composite', 'stats', 'upload', 'compute', 'readback', 'total', 'jobOverheadMs', 'wall'];

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function benchDecode(files: string[]) {
  const bytes = await Promise.all(files.map((f) => readFile(f)));
  void bytes; // warm the page cache so the figure is decode, not disk
  const sequential: number[] = [];
  const parallel: number[] = [];
  for (let i = 0; i < runs; i++) {
    sequential.push(await timeIt(async () => { for (const f of files) await decodePlane(f); }));
    parallel.push(await timeIt(() => loadStack(files)));
  }
  return { sequentialMs: median(sequential), loadStackMs: median(parallel), perPlaneMs: median(sequential) / files.length };
}

async function benchBackend(backend: FusionBackend, stack: ZStack) {
  const rows: Record<string, Record<string, { median: number; p25: number; p75: number }>> = {};
  for (const measure of MEASURES) {
    await fuse(stack, { measure }, backend); // warm-up: pipelines, JIT, buffers
    const samples: Record<string, number[]> = {};
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const result = await fuse(stack, { measure }, backend);
      const wall = performance.now() - t0;
      for (const [stage, ms] of Object.entries({ ...result.timings, wall })) (samples[stage] ??= []).push(ms);
    }
    rows[measure] = Object.fromEntries(
      Object.entries(samples).map(([stage, list]) => {
        const [p25, p75] = quartiles(list);
        return [stage, { median: median(list), p25, p75 }];
      }),
    );
  }
  return rows;
}

type BatchCapable = FusionBackend & { fuseBatch?(stacks: ZStack[], options: ReturnType<typeof resolveOptions>): Promise<unknown[]> };

/** Stacks per second when `size` stacks go in one call (fuseBatch where the backend has it). */
async function benchBatches(backend: BatchCapable, stack: ZStack) {
  const options = resolveOptions({ measure: 'lapv' });
  const out: Record<number, number> = {};
  for (const size of batchSizes) {
    const stacks = Array.from({ length: size }, () => stack);
    const once = () => (backend.fuseBatch ? backend.fuseBatch(stacks, options) : Promise.all(stacks.map((s) => backend.fuse(s, options))));
    await once();
    const times: number[] = [];
    for (let i = 0; i < Math.max(1, Math.min(runs, Math.ceil(64 / size))); i++) times.push(await timeIt(once));
    out[size] = (1000 * size) / median(times);
  }
  return out;
}

async function main() {
  const root = await mkdtemp(join(tmpdir(), 'focusfuse-bench-'));
  try {
    await writeSynthTree(root, { n: 1, seed: 7 });
    const manifest = await readSynthManifest(root);
    const files = manifest.fovs[0].files.map((f) => join(root, f));
    const stack = await loadStack(files);
    console.log(`# focusfuse speed bench: ${stack.planes.length} x ${stack.width} x ${stack.height} stack, ${runs} runs, median (p25..p75)`);
    console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}\n`);

    const decode = await benchDecode(files);
    console.log(`## Decode floor (sharp, JPEG q90)\n`);
    console.log(markdownTable(['what', 'ms'], [
      ['one plane (sequential)', decode.perPlaneMs.toFixed(2)],
      [`whole stack, sequential`, decode.sequentialMs.toFixed(1)],
      [`whole stack, loadStack (parallel decode)`, decode.loadStackMs.toFixed(1)],
    ]));

    const report: Record<string, unknown> = { stack: { planes: stack.planes.length, width: stack.width, height: stack.height }, runs, decode, backends: {} };
    for (const name of backendNames) {
      const opened = await openBenchBackend(name);
      if ('error' in opened) {
        console.log(`\n## ${name}: not available (${opened.error})`);
        (report.backends as Record<string, unknown>)[name] = { error: opened.error };
        continue;
      }
      try {
        const rows = await benchBackend(opened.backend, stack);
        console.log(`\n## ${name}: ${opened.backend.describe()}\n`);
        const stages = COLUMNS.filter((c) => c in rows[MEASURES[0]]);
        const fmt = (s: { median: number; p25: number; p75: number }) => `${s.median.toFixed(1)} (${s.p25.toFixed(1)}..${s.p75.toFixed(1)})`;
        const label = (c: string) => (c === 'jobOverheadMs' ? 'transport' : c);
        console.log(markdownTable(['measure', ...stages.map((c) => `${label(c)} ms`)], MEASURES.map((m) => [m, ...stages.map((c) => fmt(rows[m][c]))])));
        const batches = await benchBatches(opened.backend, stack);
        console.log(`\nlapv, stacks per second by batch size: ${Object.entries(batches).map(([n, r]) => `${n}: ${r.toFixed(1)}`).join(', ')}`);
        (report.backends as Record<string, unknown>)[name] = { describe: opened.backend.describe(), rows, stacksPerSecond: batches };
      } finally {
        await opened.close();
      }
    }
    if (values.json) await writeFile(values.json, JSON.stringify(report, null, 2));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
