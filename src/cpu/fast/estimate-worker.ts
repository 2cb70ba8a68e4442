/**
 * Worker-thread side of the two-core estimate (estimate-threads.ts), bundled as
 * dist/estimate-worker.js: registers one side of the chain with the WebAssembly kernels, replies on
 * its port, then flags the reply in shared memory for the caller blocked in Atomics.wait.
 */
import './align.js';
import { estimateSide } from '../../align/side.js';
import { REGISTERED, REPLIED, type SideWorkerData, type SideWorkerReply } from './estimate-threads.js';

/** Runs the job the worker was started with (called by the worker's bootstrap). */
export function runSide({ job, flags, port }: SideWorkerData): void {
  let reply: SideWorkerReply;
  try {
    reply = { result: estimateSide(job, () => Atomics.add(flags, REGISTERED, 1)) };
  } catch (error) {
    reply = { error: String((error as Error)?.message ?? error) };
  }
  port.postMessage(reply);
  port.close();
  Atomics.store(flags, REPLIED, 1);
  Atomics.notify(flags, REPLIED);
}
