/**
 * CPU fusion on worker threads, so a batch fuses several FOVs at once while the main thread only
 * schedules: decoding and encoding run on libvips' threads, fusion on the workers. Node only.
 *
 * The workers load the package's browser-safe bundle (dist/index.js, next to the running bundle):
 * it holds the CPU engines and nothing else. Run from sources (tests under vitest) there is no
 * bundle; then `openCpuPool` resolves undefined and the batch fuses on the main thread.
 *
 * Planes go to a worker by transfer, not by copy (structured clone): the main thread hands the
 * buffers over and no longer owns them. Results come back the same way, without the aligned planes
 * (a batch never writes them: `--save-aligned` is `fuse`'s), and so do the planes' buffers once
 * fused, into the pool's `buffers` (src/batch/buffer-pool.ts): the batch decodes the next FOVs into
 * them. Outputs the batch has written go there too, and travel with the next stack of their size
 * as the fast path's `dst` (FuseOutputs), so a worker fuses into recycled memory as well.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FuseResult, ResolvedOptions, AnyZStack } from '../core/types.js';
import { buffersOf, createBufferPool, DEFAULT_POOL_BYTES, type BufferPool } from './buffer-pool.js';

export interface CpuPool {
  readonly threads: number;
  /** True when the workers run the wasm fast path (`fuseCpuFast`), false for the TypeScript reference. */
  readonly fast: boolean;
  /**
   * Recycled buffers: the planes of every stack fused (fused or failed) come back here, and stacks
   * are fused into buffers of their planes' byte length found here. Put a result's outputs here
   * once nothing reads them any more.
   */
  readonly buffers: BufferPool;
  /**
   * Fuses `stack` on the least busy worker. Its planes are transferred: they are empty (detached)
   * here once this is called, and their buffers return to `buffers` with the result or the error.
   */
  fuse(stack: AnyZStack, options: ResolvedOptions): Promise<FuseResult>;
  close(): Promise<void>;
}

export interface CpuPoolOptions {
  /** Fuse with the TypeScript reference even where the fast path runs (`--backend cpu-reference`). Default false. */
  reference?: boolean;
  /** URL of the bundle the workers import. Default: dist/index.js next to the running bundle. */
  module?: string;
  /** Budget of `buffers` in bytes (0: nothing is recycled). Default DEFAULT_POOL_BYTES, 64 MiB. */
  recycleBytes?: number;
}

/** The fast path's outputs a worker can fuse into (FuseOutputs), each as large as an RGBA8 plane: an image and three float maps. */
const OUTPUTS = ['image', 'depth', 'rawDepth', 'confidence'] as const;

// CommonJS because eval workers are scripts; the bundle is then imported as ESM. The fast path is
// used unless the reference is asked for or it cannot start here (no wasm SIMD).
// `spare`: recycled buffers for the outputs, in OUTPUTS order (the reference takes none). Whatever
// the result does not hold goes back with it, or with the error: the planes and unused spares.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
// buffer-pool.ts's buffersOf, restated: this script imports only the public bundle, which does not export it.
const buffersOf = (arrays) => [...new Set(arrays.filter((a) => a && a.buffer instanceof ArrayBuffer).map((a) => a.buffer))];
(async () => {
  const m = await import(workerData.module);
  const fast = !workerData.reference && (await m.initFastCpu());
  const workspace = m.createCpuWorkspace();
  const into = ([image, depth, rawDepth, confidence]) => ({
    image: image && new Uint8Array(image),
    depth: depth && new Float32Array(depth),
    rawDepth: rawDepth && new Float32Array(rawDepth),
    confidence: confidence && new Float32Array(confidence),
  });
  const fuse = fast ? (stack, options, spare) => m.fuseCpuFast(stack, options, workspace, into(spare)) : (stack, options) => m.fuseCpu(stack, options, workspace);
  parentPort.on('message', ({ id, stack, options, spare }) => {
    let reply;
    try {
      const result = fuse(stack, options, spare);
      delete result.aligned;
      reply = { id, result };
    } catch (error) {
      reply = { id, error: String((error && error.message) || error) };
    }
    const r = reply.result;
    const outputs = r ? buffersOf([r.image, r.image16, r.depth, r.rawDepth, r.confidence]) : [];
    const back = [...new Set([...buffersOf((stack && stack.planes) || []), ...spare])].filter((b) => b.byteLength > 0 && !outputs.includes(b));
    reply.spare = back;
    parentPort.postMessage(reply, [...outputs, ...back]);
  });
  parentPort.postMessage({ ready: true, fast });
})().catch((error) => parentPort.postMessage({ failed: String((error && error.message) || error) }));
`;

/** The CPU bundle next to the running one, when there is one. */
function cpuModule(): string | undefined {
  const url = new URL('./index.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) && import.meta.url.includes('/dist/') ? url.href : undefined;
}

interface Slot {
  worker: Worker;
  inFlight: Map<number, { resolve(result: FuseResult): void; reject(error: Error): void }>;
}

function startWorker(workerData: { module: string; reference: boolean }): Promise<{ worker: Worker; fast: boolean }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
    const onMessage = (message: { ready?: boolean; fast?: boolean; failed?: string }) => {
      if (message.ready) resolve({ worker, fast: message.fast === true });
      else if (message.failed) reject(new Error(message.failed));
    };
    worker.once('message', onMessage);
    worker.once('error', reject);
  });
}

/**
 * Starts `threads` CPU fusion workers.
 * @example
 * const pool = await openCpuPool(2);
 * const result = pool ? await pool.fuse(stack, resolveOptions({})) : fuseCpu(stack, resolveOptions({}));
 * await pool?.close();
 * @returns undefined when there is no bundle to run in workers (running from sources), or a worker fails to start.
 */
export async function openCpuPool(threads: number, options: CpuPoolOptions = {}): Promise<CpuPool | undefined> {
  const module = options.module ?? cpuModule();
  if (!module) return undefined;
  const workerData = { module, reference: options.reference === true };
  const started = await Promise.allSettled(Array.from({ length: threads }, () => startWorker(workerData)));
  const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  if (workers.length < threads) {
    await Promise.all(workers.map(({ worker }) => worker.terminate()));
    return undefined;
  }
  const slots: Slot[] = workers.map(({ worker }) => ({ worker, inFlight: new Map() }));
  const buffers = createBufferPool(options.recycleBytes ?? DEFAULT_POOL_BYTES);
  const fast = workers.every((w) => w.fast);
  let nextId = 0;
  let closed = false;

  const watch = (slot: Slot) => {
    slot.worker.on('message', (message: { id: number; result?: FuseResult; error?: string; spare?: ArrayBuffer[] }) => {
      for (const buffer of message.spare ?? []) buffers.put(buffer);
      const job = slot.inFlight.get(message.id);
      if (!job) return;
      slot.inFlight.delete(message.id);
      if (message.result) job.resolve(message.result);
      else job.reject(new Error(message.error ?? 'the cpu worker returned nothing'));
    });
    const lose = (why: string) => {
      for (const job of slot.inFlight.values()) job.reject(new Error(`the cpu worker ${why}`));
      slot.inFlight.clear();
      if (closed) return;
      // A crashed worker costs the stacks it held; the pool goes on with a fresh one.
      slot.worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
      watch(slot);
    };
    // 'error' is always followed by 'exit': replace the worker once, on exit, saying why.
    let crash = '';
    slot.worker.once('error', (error) => (crash = ` after an error (${error.message})`));
    slot.worker.once('exit', (code) => lose(`exited with code ${code}${crash}`));
  };
  slots.forEach(watch);

  return {
    threads,
    fast,
    buffers,
    fuse(stack, fuseOptions) {
      const slot = slots.reduce((a, b) => (b.inFlight.size < a.inFlight.size ? b : a));
      const id = nextId++;
      // The outputs are as large as an RGBA8 plane of the stack (unless a crop shrinks them: the
      // spares then come back unused).
      const outputBytes = stack.width * stack.height * 4;
      const spare = fast ? OUTPUTS.flatMap(() => buffers.take(outputBytes) ?? []) : [];
      return new Promise<FuseResult>((resolve, reject) => {
        slot.inFlight.set(id, { resolve, reject });
        try {
          slot.worker.postMessage({ id, stack, options: fuseOptions, spare }, [...buffersOf(stack.planes), ...spare]);
        } catch (error) {
          // Nothing was transferred (a plane already detached, say): the spares are still ours.
          slot.inFlight.delete(id);
          for (const buffer of spare) buffers.put(buffer);
          reject(error as Error);
        }
      });
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
    },
  };
}
