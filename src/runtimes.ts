/**
 * The Node-side WebGPU runtimes behind one function, so the CLI, the bench and library users pick a
 * runtime by name and never branch on it afterwards. Node only.
 */
import { FocusFuseError } from './core/errors.js';
import type { FusionBackend } from './core/types.js';
import { setWebGpuResolver } from './fuse.js';
import { createNodeWebGpuBackend } from './gpu/node-runtime.js';
import { launchHeadlessRuntime } from './headless/runtime.js';

/** `headless`: WebGPU inside headless Chromium (default, crash-isolated by the browser); `node`: Dawn in a child process. */
export type GpuRuntimeName = 'headless' | 'node';
export const GPU_RUNTIMES: readonly GpuRuntimeName[] = ['headless', 'node'];

/** A GPU backend plus the way to shut its runtime down. */
export type OpenedRuntime = FusionBackend & { close(): Promise<void> };

/**
 * Starts a WebGPU runtime and returns it as a FusionBackend.
 * @example
 * const gpu = await openGpuRuntime('headless');
 * try { await fuse(stack, {}, gpu); } finally { await gpu.close(); }
 * @throws FocusFuseError BACKEND when the runtime cannot start or finds no adapter.
 */
export async function openGpuRuntime(name: GpuRuntimeName, options: { log?: (line: string) => void } = {}): Promise<OpenedRuntime> {
  if (name === 'headless') {
    return launchHeadlessRuntime({ log: options.log });
  }
  if (name === 'node') {
    const backend = await createNodeWebGpuBackend();
    return Object.assign(backend, { close: () => backend.dispose() });
  }
  throw new FocusFuseError('BAD_OPTION', `Expected one of 'headless', 'node' for runtime but received '${String(name)}' (string)`);
}

/**
 * Makes `fuse(stack, { backend: 'webgpu' | 'auto' })` start `runtime` on first use and reuse it.
 * With `auto`, a runtime that cannot start means the CPU (the caller can read result.backend).
 * Returns a function that closes the runtime if it was started.
 * @example
 * const close = useGpuRuntime('headless');
 * await fuse(stack, { backend: 'auto' });
 * await close();
 */
export function useGpuRuntime(
  runtime: GpuRuntimeName,
  options: { log?: (line: string) => void; warn?: (message: string) => void } = {},
): () => Promise<void> {
  let opening: Promise<OpenedRuntime> | undefined;
  setWebGpuResolver(async (backend) => {
    opening ??= openGpuRuntime(runtime, { log: options.log });
    try {
      return await opening;
    } catch (error) {
      if (backend === 'auto') {
        options.warn?.(`webgpu unavailable (${(error as Error).message}); using the cpu`);
        return undefined;
      }
      throw error;
    }
  });
  return async () => {
    setWebGpuResolver(undefined);
    const opened = await opening?.catch(() => undefined);
    await opened?.close();
  };
}
