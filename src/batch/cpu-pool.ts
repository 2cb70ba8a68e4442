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
 * (a batch never writes them: `--save-aligned` is `fuse`'s).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FuseResult, ResolvedOptions, AnyZStack } from '../core/types.js';

export interface CpuPool {
  readonly threads: number;
  /** True when the workers run the wasm fast path (`fuseCpuFast`), false for the TypeScript reference. */
  readonly fast: boolean;
  /**
   * Fuses `stack` on the least busy worker. Its planes are transferred: they are empty (detached)
   * here once this is called.
   */
  fuse(stack: AnyZStack, options: ResolvedOptions): Promise<FuseResult>;
  close(): Promise<void>;
}

export interface CpuPoolOptions {
  /** Fuse with the TypeScript reference even where the fast path runs (`--backend cpu-reference`). Default false. */
  reference?: boolean;
  /** URL of the bundle the workers import. Default: dist/index.js next to the running bundle. */
  module?: string;
}

// CommonJS because eval workers are scripts; the bundle is then imported as ESM. The fast path is
// used unless the reference is asked for or it cannot start here (no wasm SIMD).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const m = await import(workerData.module);
  const fast = !workerData.reference && (await m.initFastCpu());
  const fuse = fast ? m.fuseCpuFast : m.fuseCpu;
  const workspace = m.createCpuWorkspace();
  parentPort.on('message', ({ id, stack, options }) => {
    try {
      const result = fuse(stack, options, workspace);
      delete result.aligned;
      const buffers = [result.image, result.image16, result.depth, result.rawDepth, result.confidence].filter(Boolean).map((a) => a.buffer);
      parentPort.postMessage({ id, result }, [...new Set(buffers)]);
    } catch (error) {
      parentPort.postMessage({ id, error: String((error && error.message) || error) });
    }
  });
  parentPort.postMessage({ ready: true, fast });
})().catch((error) => parentPort.postMessage({ failed: String((error && error.message) || error) }));
`;

/** The CPU bundle next to the running one, when there is one. */
function cpuModule(): string | undefined {
  const url = new URL('./index.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) && import.meta.url.includes('/dist/') ? url.href : undefined;
}

/** The planes' buffers, each once, that can be transferred (not shared memory). */
function planeBuffers(stack: AnyZStack): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const plane of stack.planes) if (plane.buffer instanceof ArrayBuffer) buffers.add(plane.buffer);
  return [...buffers];
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
  let nextId = 0;
  let closed = false;

  const watch = (slot: Slot) => {
    slot.worker.on('message', (message: { id: number; result?: FuseResult; error?: string }) => {
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
    fast: workers.every((w) => w.fast),
    fuse(stack, fuseOptions) {
      const slot = slots.reduce((a, b) => (b.inFlight.size < a.inFlight.size ? b : a));
      const id = nextId++;
      return new Promise<FuseResult>((resolve, reject) => {
        slot.inFlight.set(id, { resolve, reject });
        slot.worker.postMessage({ id, stack, options: fuseOptions }, planeBuffers(stack));
      });
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
    },
  };
}
