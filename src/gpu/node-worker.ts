/**
 * The child process that runs Dawn (npm `webgpu`) for node-runtime.ts. Built as its own bundle
 * (dist/gpu-worker.js). It opens one device, answers `fuse` requests one at a time, and exits on
 * `close`, on parent disconnect, or (code EXIT_DEVICE_LOST) when the device is lost, so the parent
 * restarts it and retries the request it was working on.
 */
import { FocusFuseError } from '../core/errors.js';
import { createWebGpuBackend } from './backend.js';
import type { WebGpuBackend } from './backend.js';
import { openDawnDevice } from './node-dawn.js';
import type { DawnDevice } from './node-dawn.js';
import type { ParentMessage, WireError, WorkerConfig, WorkerMessage } from './node-protocol.js';
import { EXIT_DEVICE_LOST } from './node-protocol.js';

/** Resolves once the message is handed to the IPC channel, so exiting right after cannot drop it. */
function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

function wireError(error: unknown): WireError {
  if (error instanceof FocusFuseError) {
    const prefix = error.file ? `${error.file}: ` : '';
    const message = prefix && error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    return { code: error.code, message, file: error.file };
  }
  return { code: 'BACKEND', message: `WebGPU worker failed: ${error instanceof Error ? error.message : String(error)}` };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig;
  let dawn: DawnDevice;
  try {
    dawn = await openDawnDevice({ icd: config.icd, disableRobustness: config.disableRobustness });
  } catch (error) {
    await send({ type: 'unavailable', error: error instanceof Error ? error.message : String(error) });
    process.exit(0);
  }
  let closing = false;
  dawn.device.lost.then(() => {
    if (!closing) process.exit(EXIT_DEVICE_LOST);
  });
  const backend: WebGpuBackend = createWebGpuBackend(dawn.device, {
    ...config.backend,
    runtime: dawn.runtime,
    adapter: dawn.description.summary,
    software: dawn.description.software,
  });
  const close = (): void => {
    closing = true;
    backend.dispose?.();
    dawn.close();
    process.exit(0);
  };
  // Requests are answered in order; the parent sends one at a time anyway.
  let queue: Promise<void> = Promise.resolve();
  process.on('message', (message: ParentMessage) => {
    queue = queue.then(async () => {
      if (message.type === 'close') return close();
      try {
        await send({ type: 'result', id: message.id, results: await backend.fuseBatch(message.stacks, message.options) });
      } catch (error) {
        await send({ type: 'error', id: message.id, error: wireError(error) });
      }
    });
  });
  process.on('disconnect', close);
  await send({ type: 'ready', adapter: dawn.description, runtime: dawn.runtime, tried: dawn.tried });
}

main().catch(async (error) => {
  await send({ type: 'unavailable', error: `WebGPU worker failed to start: ${error instanceof Error ? error.stack : String(error)}` });
  process.exit(1);
});
