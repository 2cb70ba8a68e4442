/**
 * The batch recycles memory on its cpu workers (src/batch/buffer-pool.ts): planes fused come back
 * and are decoded into again, outputs written go back and are fused into again. None of it may
 * change a byte: a batch of FOVs of two sizes with bad FOVs among them writes what a fresh fuse of
 * each FOV writes, a buffer is never in two places at once, and a stack that fails still returns
 * its buffers. Workers run the built bundle, so these tests need `npm run build`.
 */
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buffersOf, createBufferPool, lendPlanes } from '../src/batch/buffer-pool.js';
import { openCpuPool } from '../src/batch/cpu-pool.js';
import { runBatch } from '../src/batch/run.js';
import { scanDataset, type BatchFov } from '../src/batch/scan.js';
import { resolveOptions } from '../src/core/options.js';
import type { FuseResult, ZStack } from '../src/core/types.js';
import { fuseCpuFast } from '../src/cpu/index.js';
import { loadStack } from '../src/io/load-stack.js';
import { generateStack } from '../src/synth/generate.js';
import { expectSameOutputs, makeTree, requireBuiltCli } from './batch-fixtures.js';

const BUNDLE = pathToFileURL(join(import.meta.dirname, '..', 'dist', 'index.js')).href;

let work: string;
let root: string;
let fovs: BatchFov[];
/** The bad FOVs, in the middle of the scan order. */
let bad: BatchFov[];
/** Each FOV's plane side. */
let side: Map<BatchFov, number>;

/** Copies every FOV folder of a synth tree into `root` (the same class and subtype folders). */
async function mergeTree(from: string, into: string): Promise<void> {
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name !== 'ground-truth') await cp(join(from, entry.name), join(into, entry.name), { recursive: true });
  }
}

beforeAll(async () => {
  requireBuiltCli();
  work = await mkdtemp(join(tmpdir(), 'focusfuse-batch-recycle-'));
  root = join(work, 'cccid');
  // Two sizes mixed in one tree (48^2 and 40^2 FOVs side by side in the scan order).
  await makeTree(root, { n: 10, size: 48 });
  await makeTree(join(work, 'small'), { n: 5, size: 40, seed: 11 });
  await mergeTree(join(work, 'small'), root);
  fovs = (await scanDataset(root)).fovs;
  const small = new Set((await scanDataset(join(work, 'small'))).fovs.map((fov) => fov.id));
  side = new Map(fovs.map((fov) => [fov, small.has(fov.id) ? 40 : 48]));
  const sizes = fovs.map((fov) => side.get(fov)!);
  // The scan order mixes the sizes: the pool meets both in turn.
  expect(sizes.slice(0, 8)).toContain(40);
  expect(sizes.slice(0, 8)).toContain(48);
  // Bad FOVs in the middle: one whose plane 3 is not a JPEG (the other planes decode first), one
  // whose plane 7 has the other size (every plane decodes, then the stack is refused).
  bad = [fovs[5], fovs[8]];
  const other = fovs.find((fov) => small.has(fov.id) !== small.has(bad[1].id))!;
  await writeFile(plane(bad[0], 3), 'not a JPEG');
  await cp(plane(other, 0), plane(bad[1], 7));
});

const plane = (fov: BatchFov, z: number) => fov.files.find((f) => f.endsWith(`,${z}).jpg`))!;

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('buffer pool', () => {
  it('hands a buffer out once, matches byte lengths, ignores duplicates, detached and shared buffers', () => {
    const pool = createBufferPool(1000);
    const a = new ArrayBuffer(100);
    const b = new ArrayBuffer(100);
    pool.put(a);
    pool.put(a); // twice: still held once
    pool.put(b);
    expect(pool.bytes).toBe(200);
    expect(pool.take(50)).toBeUndefined();
    const first = pool.take(100);
    const second = pool.take(100);
    expect(first).toBe(b); // the most recently put first
    expect(second).toBe(a);
    expect(pool.take(100)).toBeUndefined();
    expect(pool.bytes).toBe(0);

    const moved = new ArrayBuffer(100);
    structuredClone(moved, { transfer: [moved] }); // detached: byteLength 0
    pool.put(moved);
    pool.put(new SharedArrayBuffer(100));
    expect(pool.bytes).toBe(0);
    expect(pool.stats()).toMatchObject({ reused: 2, missed: 2 });
  });

  it('stays within its budget, dropping the buffers put longest ago', () => {
    const pool = createBufferPool(250);
    const [old, middle, young] = [new ArrayBuffer(100), new ArrayBuffer(100), new ArrayBuffer(100)];
    for (const buffer of [old, middle, young]) pool.put(buffer);
    expect(pool.bytes).toBe(200);
    expect(pool.stats()).toMatchObject({ dropped: 1, peakBytes: 200 });
    expect([pool.take(100), pool.take(100), pool.take(100)]).toEqual([young, middle, undefined]);
    pool.put(new ArrayBuffer(300)); // larger than the budget: never held
    expect(pool.bytes).toBe(0);
    expect(createBufferPool(0).take(0)).toBeUndefined();
  });
});

describe('planes decoded into lent buffers', () => {
  it('a FOV that fails to load gives back every buffer it was decoded into; a loaded one keeps its recycled planes', async () => {
    const plane = (fov: BatchFov) => side.get(fov)! ** 2 * 4;
    // Plane 3 is not a JPEG: the 10 others decode, then the load fails.
    let pool = createBufferPool();
    let loan = lendPlanes(pool);
    await expect(loadStack(bad[0].files, { order: 'cccid', allocate: loan.allocate })).rejects.toThrow(/not a JPEG|cannot decode/);
    loan.settle([]);
    expect(pool.bytes).toBe(10 * plane(bad[0]));
    // Plane 7 has the other size: all 11 decode, then the stack is refused.
    pool = createBufferPool();
    loan = lendPlanes(pool);
    await expect(loadStack(bad[1].files, { order: 'cccid', allocate: loan.allocate })).rejects.toThrow(/every plane must have the same size/);
    loan.settle([]);
    const other = fovs.find((fov) => side.get(fov) !== side.get(bad[1]))!;
    expect(pool.bytes).toBe(10 * plane(bad[1]) + plane(other));

    // A good FOV takes what the pool has of its size (fresh buffers past that) and keeps them all.
    const good = fovs.find((fov) => !bad.includes(fov))!;
    pool = createBufferPool();
    const recycled = Array.from({ length: 6 }, () => new ArrayBuffer(plane(good)));
    for (const buffer of [...recycled, new ArrayBuffer(plane(good) + 4)]) pool.put(buffer);
    loan = lendPlanes(pool);
    const stack = await loadStack(good.files, { order: 'cccid', allocate: loan.allocate });
    loan.settle(stack.planes);
    expect(pool.stats().reused).toBe(6);
    expect(pool.bytes).toBe(plane(good) + 4);
    expect(recycled.every((buffer) => buffersOf(stack.planes).includes(buffer))).toBe(true);
    const fresh = await loadStack(good.files, { order: 'cccid' });
    expect(stack.planes.every((p, z) => bytesOf(p).equals(bytesOf(fresh.planes[z])))).toBe(true);
  });
});

describe('fuseCpuFast dst', () => {
  // Small synthetic stacks (40 x 32: not square, not a multiple of the SIMD width).
  const stackA = () => generateStack({ seed: 5, width: 40, height: 32, planes: 7 }).stack;
  const stackB = () => generateStack({ seed: 9, width: 40, height: 32, planes: 7 }).stack;
  for (const fusion of ['v2', 'v1'] as const) {
    for (const align of ['none', 'translation'] as const) {
      it(`writes into dst the bytes of fresh outputs, reused across stacks of other content (${fusion}, align ${align})`, () => {
        const options = resolveOptions({ backend: 'cpu', fusion, align });
        const fresh = fuseCpuFast(stackA(), options);
        const n = fresh.width * fresh.height;
        // dst still holding another stack's outputs, as in a batch.
        const dst = { image: new Uint8Array(n * 4), depth: new Float32Array(n), rawDepth: new Float32Array(n), confidence: new Float32Array(n) };
        const other = fuseCpuFast(stackB(), options, undefined, dst);
        expect(other.image).toBe(dst.image);
        expect(Buffer.from(other.image).equals(Buffer.from(fresh.image))).toBe(false);
        const reused = fuseCpuFast(stackA(), options, undefined, dst);
        for (const key of ['image', 'depth', 'rawDepth', 'confidence'] as const) {
          expect(reused[key]).toBe(dst[key]);
          expect(bytesOf(reused[key]).equals(bytesOf(fresh[key]))).toBe(true);
        }
        expect(reused.stats).toEqual(fresh.stats);
      });
    }
  }

  it('makes fresh arrays where dst does not fit, and without dst as before', () => {
    const options = resolveOptions({ backend: 'cpu' });
    const fresh = fuseCpuFast(stackA(), options);
    const wrong = { image: new Uint8Array(7), depth: new Float32Array(3) };
    const result = fuseCpuFast(stackA(), options, undefined, wrong);
    expect(result.image).not.toBe(wrong.image);
    expect(result.depth).not.toBe(wrong.depth);
    expect(bytesOf(result.image).equals(bytesOf(fresh.image))).toBe(true);
    expect(bytesOf(result.depth).equals(bytesOf(fresh.depth))).toBe(true);
    expect([...wrong.image]).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('cpu workers recycling', () => {
  it('return the planes of every stack, fused or failed, and fuse into recycled outputs the bytes of fresh ones', async () => {
    const pool = await openCpuPool(1, { module: BUNDLE });
    expect(pool?.fast).toBe(true);
    try {
      const options = resolveOptions({ backend: 'cpu' });
      const good = fovs.filter((fov) => !bad.includes(fov));
      const allocate = (byteLength: number) => new Uint8Array(pool!.buffers.take(byteLength) ?? new ArrayBuffer(byteLength));
      for (const fov of [...good, ...good]) {
        const stack = await loadStack(fov.files, { order: 'cccid', allocate });
        const planes = buffersOf(stack.planes);
        const result = await pool!.fuse(stack, options);
        // The planes' buffers came back (and nothing else holds them: they were transferred twice).
        expect(planes.every((buffer) => buffer.byteLength === 0)).toBe(true);
        const expected = fuseCpuFast(await loadStack(fov.files, { order: 'cccid' }), options);
        for (const key of ['image', 'depth', 'rawDepth', 'confidence'] as const) expect({ fov: fov.id, key, same: bytesOf(result[key]).equals(bytesOf(expected[key])) }).toEqual({ fov: fov.id, key, same: true });
        for (const buffer of outputBuffers(result)) pool!.buffers.put(buffer);
      }
      const stats = pool!.buffers.stats();
      // After the first FOV of each size every plane and output is a recycled buffer.
      expect(stats.reused).toBeGreaterThan(0.8 * (2 * good.length * 15));
      // A stack the worker refuses still sends its planes back.
      const held = pool!.buffers.bytes;
      const broken: ZStack = { width: 4, height: 4, planes: [new Uint8Array(64), new Uint8Array(60)] };
      await expect(pool!.fuse(broken, options)).rejects.toThrow(/plane 1/);
      expect(pool!.buffers.bytes).toBe(held + 64 + 60);
    } finally {
      await pool?.close();
    }
  });
});

describe('batch with recycling', () => {
  it('writes for every good FOV of two sizes, past bad ones, the files a fresh fuse of each FOV writes', async () => {
    const outputs = ['fused', 'depth', 'confidence', 'json'] as const;
    // The main thread fuses each FOV into fresh arrays, one at a time: the reference files.
    const fresh = await runBatch({ root, out: join(work, 'fresh'), fuse: { backend: 'cpu' }, outputs: [...outputs], cpuThreads: 0 });
    expect(fresh.recycled).toBeUndefined();
    expect(fresh.failed).toBe(2);
    for (const fusion of ['v2', 'v1'] as const) {
      const out = join(work, `recycled-${fusion}`);
      const reference = fusion === 'v2' ? fresh : await runBatch({ root, out: join(work, 'fresh-v1'), fuse: { backend: 'cpu', fusion }, outputs: [...outputs], cpuThreads: 0 });
      const recycled = await runBatch({ root, out, fuse: { backend: 'cpu', fusion }, outputs: [...outputs], cpuThreads: 2, concurrency: 2, cpuPool: { module: BUNDLE } });
      expect(recycled.engine).toContain('2 worker threads');
      expect(recycled.failed).toBe(2);
      expect(recycled.rows.filter((r) => r.status === 'error').map((r) => r.fov)).toEqual(bad.map((fov) => fov.id));
      // Most planes and outputs were recycled buffers, not fresh ones.
      expect(recycled.recycled!.reused).toBeGreaterThan(recycled.recycled!.missed);
      await expectSameOutputs(fusion === 'v2' ? join(work, 'fresh') : join(work, 'fresh-v1'), out, expect);
      expect(reference.failed).toBe(2);
    }
  });
});

function bytesOf(array: ArrayBufferView | undefined): Buffer {
  return array ? Buffer.from(array.buffer, array.byteOffset, array.byteLength) : Buffer.alloc(0);
}

function outputBuffers(result: FuseResult): ArrayBuffer[] {
  return buffersOf([result.image, result.image16, result.depth, result.rawDepth, result.confidence]);
}
