/**
 * The alignment estimate on two cores in Node: the lower side of the registration chain (the planes
 * below the reference, see src/align/side.ts) on a worker thread while the calling thread registers
 * the upper side. The pipeline that asks for the estimate is synchronous (an engine's fuse call), so
 * the caller waits on shared memory (Atomics.wait) and takes the worker's reply off its port with
 * receiveMessageOnPort: no event loop turn is needed. Each estimate starts its own worker (~50 ms,
 * overlapped with the caller's side) and ends it: a CLI run estimates one stack, and a batch fuses
 * stacks on its own workers, where this is not installed.
 *
 * The worker runs the same code on the same WebAssembly module as the caller, so the transforms are
 * bit for bit those of a single thread (test/estimate-threads.test.ts). A worker that fails or stops
 * finishing registrations is given up on, and the caller registers that side itself.
 *
 * The worker loads the bundle dist/estimate-worker.js next to the running bundle; run from sources
 * (tests under vitest) there is none, and the estimate stays on one thread unless a test names it.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread, MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { useSideRunner, type SideJob, type SideResult, type SideRunner } from '../../align/side.js';

/** Slots of the shared Int32Array: whether the worker has replied, and how many registrations it finished. */
export const REPLIED = 0;
export const REGISTERED = 1;
/** A worker that finishes no registration for this long is given up on (a 2048 px registration takes ~0.2 s). */
const STALL_MS = 30_000;
/**
 * A side goes to a worker only with at least this many pixels of pyramid base to register: a
 * worker takes ~50 ms to start (its own module and WebAssembly compile), a side of 5 x 384^2
 * planes ~100 ms to register.
 */
export const MIN_SIDE_PIXELS = 500_000;
/** How often the waiting caller wakes to pass on the worker's progress. */
const POLL_MS = 50;

/** What the worker is started with. */
export interface SideWorkerData {
  job: SideJob;
  /** Shared: REPLIED (0 until the reply is on the port, 2 when the worker could not load its module) and REGISTERED. */
  flags: Int32Array;
  port: MessagePort;
  /** URL of the bundle that exports runSide. */
  module: string;
}

// CommonJS because eval workers are scripts. The bootstrap cannot fail to load, so a bundle that
// cannot be imported is reported (REPLIED = 2) instead of leaving the caller waiting.
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
import(workerData.module).then((m) => m.runSide(workerData)).catch(() => {
  Atomics.store(workerData.flags, ${REPLIED}, 2);
  Atomics.notify(workerData.flags, ${REPLIED});
});
`;

/** The worker's reply on its port. */
export interface SideWorkerReply {
  result?: SideResult;
  error?: string;
}

/** The worker bundle next to the running bundle, when there is one. */
function workerModule(): string | undefined {
  const url = new URL('./estimate-worker.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) && import.meta.url.includes('/dist/') ? url.href : undefined;
}

/**
 * A side runner on worker threads loading `module` (default: dist/estimate-worker.js beside the
 * running bundle); undefined where there is no such bundle.
 * @example const runner = sideThreadRunner({ module: new URL('../dist/estimate-worker.js', import.meta.url).href });
 */
export function sideThreadRunner(options: { module?: string } = {}): SideRunner | undefined {
  const module = options.module ?? workerModule();
  if (!module) return undefined;
  return {
    minSidePixels: MIN_SIDE_PIXELS,
    start(job) {
      const flags = new Int32Array(new SharedArrayBuffer(8));
      const { port1, port2 } = new MessageChannel();
      let worker: Worker;
      try {
        const workerData: SideWorkerData = { job, flags, port: port2 as unknown as MessagePort, module };
        worker = new Worker(BOOTSTRAP, { eval: true, workerData, transferList: [port2] });
      } catch {
        port1.close();
        return undefined;
      }
      worker.unref();
      // A worker that dies shows as one that stops registering (the caller is blocked and cannot
      // take events): never an unhandled 'error' event.
      worker.on('error', () => undefined);
      return {
        registered: () => Atomics.load(flags, REGISTERED),
        wait(onProgress) {
          let seen = 0;
          let since = performance.now();
          try {
            while (Atomics.load(flags, REPLIED) === 0) {
              Atomics.wait(flags, REPLIED, 0, POLL_MS);
              const done = Atomics.load(flags, REGISTERED);
              if (done !== seen) {
                [seen, since] = [done, performance.now()];
                onProgress(done);
              } else if (performance.now() - since > STALL_MS) {
                return undefined;
              }
            }
            if (Atomics.load(flags, REPLIED) !== 1) return undefined;
            onProgress(Atomics.load(flags, REGISTERED));
            const reply = receiveMessageOnPort(port1)?.message as SideWorkerReply | undefined;
            return reply?.result;
          } finally {
            port1.close();
            void worker.terminate();
          }
        },
      };
    },
  };
}

/**
 * Installs (`enabled`, the default) or removes the worker-thread side runner for this thread's
 * alignment estimates. It is installed only on Node's main thread of a machine with at least two
 * cores, and where the worker bundle exists; returns whether it is installed. The package's Node
 * entry and the CLI install it; results are the same with or without it.
 * @example useEstimateThreads(false); // estimate on this thread only
 */
export function useEstimateThreads(enabled = true): boolean {
  const runner = enabled && isMainThread && availableParallelism() >= 2 ? sideThreadRunner() : undefined;
  useSideRunner(runner);
  return runner !== undefined;
}
