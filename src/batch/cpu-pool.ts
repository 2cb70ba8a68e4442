/**
 * CPU fusion on worker threads, so a batch fuses several FOVs at once on a machine with several
 * cores while the main thread only decodes (libvips' threads), encodes and writes. Node only.
 *
 * The workers load the package's browser-safe bundle (dist/index.js, next to the running bundle):
 * it holds the CPU reference and nothing else. Run from sources (tests under vitest) there is no
 * bundle; then `openCpuPool` resolves undefined and the batch fuses on the main thread.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FuseResult, ResolvedOptions, AnyZStack } from '../core/types.js';

export interface CpuPool {
  readonly threads: number;
  fuse(stack: AnyZStack, options: ResolvedOptions): Promise<FuseResult>;
  close(): Promise<void>;
}

// CommonJS because eval workers are scripts; the bundle is then imported as ESM.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.module).then(({ fuseCpu, createCpuWorkspace }) => {
  const workspace = createCpuWorkspace();
  parentPort.on('message', ({ id, stack, options }) => {
    try {
      const result = fuseCpu(stack, options, workspace);
      parentPort.postMessage({ id, result }, [result.image.buffer, ...(result.image16 ? [result.image16.buffer] : []), result.depth.buffer, result.rawDepth.buffer, result.confidence.buffer]);
    } catch (error) {
      parentPort.postMessage({ id, error: String((error && error.message) || error) });
    }
  });
  parentPort.postMessage({ ready: true });
}, (error) => parentPort.postMessage({ failed: String((error && error.message) || error) }));
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

function startWorker(module: string): Promise<Worker> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module } });
    const onMessage = (message: { ready?: boolean; failed?: string }) => {
      if (message.ready) resolve(worker);
      else if (message.failed) reject(new Error(message.failed));
    };
    worker.once('message', onMessage);
    worker.once('error', reject);
  });
}

/**
 * Starts `threads` CPU fusion workers.
 * @example
 * const pool = await openCpuPool(4);
 * const result = pool ? await pool.fuse(stack, resolveOptions({})) : fuseCpu(stack, resolveOptions({}));
 * await pool?.close();
 * @returns undefined when there is no bundle to run in workers (running from sources), or a worker fails to start.
 */
export async function openCpuPool(threads: number): Promise<CpuPool | undefined> {
  const module = cpuModule();
  if (!module) return undefined;
  const started = await Promise.allSettled(Array.from({ length: threads }, () => startWorker(module)));
  const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  if (workers.length < threads) {
    await Promise.all(workers.map((worker) => worker.terminate()));
    return undefined;
  }
  const slots: Slot[] = workers.map((worker) => ({ worker, inFlight: new Map() }));
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
      slot.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module } });
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
    fuse(stack, options) {
      const slot = slots.reduce((a, b) => (b.inFlight.size < a.inFlight.size ? b : a));
      const id = nextId++;
      return new Promise<FuseResult>((resolve, reject) => {
        slot.inFlight.set(id, { resolve, reject });
        slot.worker.postMessage({ id, stack, options });
      });
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
    },
  };
}
