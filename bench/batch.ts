/**
 * Batch throughput bench: a full-size synthetic CCCID tree (639 FOVs x 11 planes of 384x384 JPEG,
 * a few bad FOVs planted) fused end to end by `runBatch` per backend/runtime, next to the decode
 * floor measured in the same run: the time just to read and decode every plane, with the same
 * concurrency. Prints a Markdown table; `--json FILE` writes it as JSON.
 *
 *   node dist/batch-bench.js [--n 639] [--size 384] [--backends cpu,headless,node] [--align none,auto] [--threads N] [--tree DIR] [--json FILE]
 *
 * The tree is generated once into --tree (default: $TMPDIR/focusfuse-batch-bench-<n>-<size>) and
 * reused while its synth.json matches. Backends that cannot start are reported, never dropped.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runBatch, type BatchSummary } from '../src/batch/run.js';
import { scanDataset, type BatchFov } from '../src/batch/scan.js';
import { loadStack } from '../src/io/load-stack.js';
import type { AlignMode } from '../src/core/types.js';
import type { GpuRuntimeName } from '../src/runtimes.js';
import { readSynthManifest } from '../src/synth/truth.js';
import { plantBadFovs } from '../test/batch-fixtures.js';
import { markdownTable } from './stats.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '639' },
    size: { type: 'string', default: '384' },
    backends: { type: 'string', default: 'cpu,headless,node' },
    concurrency: { type: 'string', default: '4' },
    threads: { type: 'string' },
    align: { type: 'string', default: 'none' },
    tree: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(`Usage: node dist/batch-bench.js [options]

Fuses a synthetic CCCID tree (bad FOVs planted) end to end per backend and align mode, next to the
decode-only floor measured in the same run, and prints FOVs per second as a Markdown table.

  --n <count>           FOVs in the generated tree (default 639)
  --size <px>           plane side (default 384)
  --backends <list>     cpu, headless, node (default cpu,headless,node)
  --align <list>        align modes, each run per backend (default none; e.g. none,auto)
  --concurrency <n>     FOVs in flight (default 4)
  --threads <n>         CPU worker threads (default: cores - 1)
  --tree <dir>          where the tree is generated and reused (default $TMPDIR/focusfuse-batch-bench-<n>-<size>)
  --json <file>         also write the results as JSON
  -h, --help            this text`);
  process.exit(0);
}
const n = Number(values.n);
const size = Number(values.size);
const concurrency = Number(values.concurrency);
const backends = values.backends.split(',').map((s) => s.trim()) as ('cpu' | GpuRuntimeName)[];
// Each backend runs once per align mode: `none,auto` shows what auto's quick look costs a registered dataset.
const alignModes = values.align.split(',').map((s) => s.trim()) as AlignMode[];
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

/** Reads and decodes every plane of every FOV, `concurrency` FOVs at a time: the floor a batch cannot beat. */
async function decodeFloor(fovs: BatchFov[]): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < fovs.length) {
      const fov = fovs[next++];
      await loadStack(fov.files, { order: 'cccid' }).catch(() => undefined); // planted bad FOVs fail, as in the batch
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return performance.now() - t0;
}

async function benchBackend(name: 'cpu' | GpuRuntimeName, align: AlignMode): Promise<BatchSummary | { error: string }> {
  const out = await mkdtemp(join(tmpdir(), `focusfuse-batch-bench-out-${name}-`));
  try {
    return await runBatch({
      root: tree,
      out,
      fuse: { backend: name === 'cpu' ? 'cpu' : 'webgpu', align },
      runtime: name === 'cpu' ? undefined : name,
      concurrency,
      cpuThreads: values.threads === undefined ? undefined : Number(values.threads),
      warn: (m) => console.error(`  ${name}: warning: ${m}`),
    });
  } catch (error) {
    return { error: (error as Error).message };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

await ensureTree();
const scan = await scanDataset(tree);
const fovs = scan.fovs;
await decodeFloor(fovs); // warm the page cache: the floor is decoding, not the disk
const floorMs = await decodeFloor(fovs);
const floorRate = fovs.length / (floorMs / 1000);
console.error(`decode floor: ${fovs.length} FOVs in ${(floorMs / 1000).toFixed(1)} s (${floorRate.toFixed(1)} FOV/s)`);

const rows: Record<string, string | number>[] = [
  { backend: 'decode floor (read + decode only)', align: '', engine: 'sharp', fovs: fovs.length, ok: '', failed: '', seconds: +(floorMs / 1000).toFixed(2), 'FOV/s': +floorRate.toFixed(2), 'x floor': 1 },
];
for (const name of backends) for (const align of alignModes) {
  console.error(`${name}, align ${align}: fusing ${fovs.length} FOVs...`);
  const result = await benchBackend(name, align);
  if ('error' in result) {
    rows.push({ backend: name, align, engine: `unavailable: ${result.error}`, fovs: '', ok: '', failed: '', seconds: '', 'FOV/s': '', 'x floor': '' });
    continue;
  }
  const seconds = result.elapsedMs / 1000;
  const rate = result.selected / seconds;
  rows.push({
    backend: name,
    align,
    engine: result.engine,
    fovs: result.selected,
    ok: result.fused,
    failed: result.failed,
    seconds: +seconds.toFixed(2),
    'FOV/s': +rate.toFixed(2),
    'x floor': +(floorRate / rate).toFixed(2),
  });
}

console.log(`## Batch throughput: ${fovs.length} FOVs x 11 planes of ${size}x${size} JPEG, outputs fused,depth,confidence,json\n`);
console.log(`Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, concurrency ${concurrency}, cpu threads ${values.threads ?? 'default (cores - 1)'}.`);
console.log('"x floor": end-to-end time over the decode-only time of the same FOVs (1 = as fast as decoding alone).\n');
const header = Object.keys(rows[0]);
console.log(markdownTable(header, rows.map((row) => header.map((key) => row[key]))));
if (values.json) await writeFile(values.json, `${JSON.stringify({ tree, size, concurrency, rows }, null, 2)}\n`);
