/**
 * The batch's CPU worker pool: planes handed over by transfer give exactly the main thread's
 * results, the aligned planes (never a batch output) do not come back, `--threads` counts workers
 * (0 = the main thread), and a bad FOV costs only itself on workers. Workers run the built bundle,
 * so these tests need `npm run build`.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCpuPool } from '../src/batch/cpu-pool.js';
import { runBatch } from '../src/batch/run.js';
import { scanDataset, type BatchFov } from '../src/batch/scan.js';
import { resolveOptions } from '../src/core/options.js';
import { cpuBackend, cpuReferenceBackend, fuseCpu, fuseCpuFast } from '../src/cpu/index.js';
import { loadStack } from '../src/io/load-stack.js';
import { expectSameOutputs, makeTree, plantBadFovs, requireBuiltCli, runCli } from './batch-fixtures.js';

const BUNDLE = pathToFileURL(join(import.meta.dirname, '..', 'dist', 'index.js')).href;

let work: string;
let root: string;
let fovs: BatchFov[];
let bad: Set<string>;

beforeAll(async () => {
  requireBuiltCli();
  work = await mkdtemp(join(tmpdir(), 'focusfuse-batch-pool-'));
  root = join(work, 'cccid');
  bad = new Set((await plantBadFovs(root, await makeTree(root, { n: 12, size: 48 }))).expectedErrors.keys());
  fovs = (await scanDataset(root)).fovs;
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const load = (fov: BatchFov) => loadStack(fov.files, { order: 'cccid', highBitDepth: true });

describe('cpu worker pool', () => {
  it('transfers the planes (they are gone here) and returns what the main thread computes, without the aligned planes', async () => {
    const pool = await openCpuPool(2, { module: BUNDLE });
    expect(pool).toBeDefined();
    // The bundle embeds the wasm module, so its workers run the fast path.
    expect(pool!.fast).toBe(true);
    try {
      const good = fovs.filter((fov) => !bad.has(fov.id)).slice(-2);
      for (const align of ['none', 'translation'] as const) {
        const options = resolveOptions({ backend: 'cpu', align });
        const stacks = await Promise.all(good.map(load));
        const results = await Promise.all(stacks.map((stack) => pool!.fuse(stack, options)));
        for (const [i, stack] of stacks.entries()) {
          expect(stack.planes.every((plane) => plane.byteLength === 0)).toBe(true);
          // Workers run the fast path where the bundle has it, as the main thread's `cpu` does.
          const expected = (pool!.fast ? fuseCpuFast : fuseCpu)(await load(good[i]), options);
          expect(results[i].image).toEqual(expected.image);
          expect(results[i].depth).toEqual(expected.depth);
          expect(results[i].confidence).toEqual(expected.confidence);
          expect(results[i].stats).toEqual(expected.stats);
          // A batch never writes the aligned planes: they are not copied back from the worker.
          if (align !== 'none') expect(expected.aligned).toBeDefined();
          expect(results[i].aligned).toBeUndefined();
        }
      }
    } finally {
      await pool?.close();
    }
  });

  it('--threads 1 fuses on one worker, goes on past the bad FOVs and writes what the main thread writes', async () => {
    const outputs = ['fused', 'depth', 'json'] as const;
    const library = await runBatch({ root, out: join(work, 'main'), fuse: { backend: 'cpu' }, outputs: [...outputs], cpuThreads: 0 });
    expect(library.engine).toBe(cpuBackend.describe());
    expect(library.failed).toBeGreaterThanOrEqual(7);
    const run = await runCli(['batch', root, '--out', join(work, 'one-worker'), '--backend', 'cpu', '--threads', '1', '--outputs', outputs.join(','), '-q']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('1 worker thread');
    await expectSameOutputs(join(work, 'main'), join(work, 'one-worker'), expect);
  });

  it('--backend cpu-reference fuses on the TypeScript reference on the main thread, cpu on the fast path', async () => {
    const reference = await runBatch({ root, out: join(work, 'reference'), fuse: { backend: 'cpu-reference' }, outputs: ['json'], cpuThreads: 0 });
    expect(reference.engine).toBe(cpuReferenceBackend.describe());
    const ok = reference.rows.filter((r) => r.status === 'ok');
    expect(ok.length).toBeGreaterThan(0);
    expect(ok.every((r) => r.backend === 'cpu TypeScript stages')).toBe(true);
    const fast = await runBatch({ root, out: join(work, 'fast'), fuse: { backend: 'cpu' }, outputs: ['json'], cpuThreads: 0 });
    expect(fast.rows.filter((r) => r.status === 'ok').every((r) => r.backend === 'cpu wasm simd')).toBe(true);
  });

  it('refuses a thread count outside 0..1024', async () => {
    for (const cpuThreads of [-1, 1.5, 1025]) {
      const error = await runBatch({ root, out: join(work, 'bad-threads'), fuse: { backend: 'cpu' }, cpuThreads }).catch((e: unknown) => e);
      expect((error as Error).message).toBe(`Expected an integer between 0 and 1024 for cpuThreads but received ${cpuThreads} (number)`);
    }
  });
});

describe('--png-level', () => {
  it('changes the PNG files size, never their pixels', async () => {
    const files = fovs.at(-1)!.files;
    const sizes: number[] = [];
    const pixels: Buffer[] = [];
    for (const level of ['0', '9']) {
      const fused = join(work, `fused-${level}.png`);
      const depth = join(work, `depth-${level}.png`);
      const run = await runCli(['fuse', ...files, '-o', fused, '--depth', depth, '--png-level', level, '-q']);
      expect(run.stderr).toBe('');
      sizes.push((await stat(fused)).size + (await stat(depth)).size);
      pixels.push(Buffer.concat(await Promise.all([fused, depth].map((path) => sharp(path).raw({ depth: 'ushort' }).toBuffer()))));
    }
    expect(sizes[0]).toBeGreaterThan(sizes[1] * 1.2);
    expect(pixels[0].equals(pixels[1])).toBe(true);

    const out = join(work, 'batch-level-0');
    const batch = await runCli(['batch', root, '--out', out, '--backend', 'cpu', '--threads', '0', '--outputs', 'fused', '--png-level', '0', '-q']);
    expect(batch.code).toBe(3);
    const fusedFile = files[0].replace(root, out).replace(/_\((\d+),(\d+),0\)\.jpg$/, '_($1,$2).fused.png');
    const written = await readFile(fusedFile);
    expect(written.length).toBeGreaterThan(sizes[0] * 0.5); // level 0 stores: about width x height x 3 bytes
  });

  it('refuses a level that is not an integer 0..9, on fuse and batch alike', async () => {
    const files = fovs.at(-1)!.files;
    for (const [level, received] of [['12', '12 (number)'], ['-1', '-1 (number)'], ['2.5', '2.5 (number)']]) {
      const fuse = await runCli(['fuse', ...files, '-o', join(work, 'x.png'), '--png-level', level]);
      expect(fuse.code).toBe(2);
      expect(fuse.stderr).toContain(`Expected an integer between 0 and 9 for --png-level but received ${received}`);
      const batch = await runCli(['batch', root, '--out', join(work, 'x'), '--backend', 'cpu', '--png-level', level]);
      expect(batch.code).toBe(2);
      expect(batch.stderr).toContain(`Expected an integer between 0 and 9 for --png-level but received ${received}`);
    }
    const word = await runCli(['fuse', ...files, '-o', join(work, 'x.png'), '--png-level', 'fast']);
    expect(word.stderr).toContain("Expected a number for --png-level but received 'fast' (string)");
    // runBatch's own checks name the CLI's flags through its labels (a library caller reads cpuThreads).
    const threads = await runCli(['batch', root, '--out', join(work, 'x'), '--backend', 'cpu', '--threads', '1.5']);
    expect(threads.code).toBe(2);
    expect(threads.stderr).toContain('Expected an integer between 0 and 1024 for --threads but received 1.5 (number)');
  });
});
