/**
 * The Node-side WebGPU runtimes behind one function, so the CLI, the bench and library users pick a
 * runtime by name and never branch on it afterwards. Node only.
 */
import { oneOf } from './core/options.js';
import type { FusionBackend } from './core/types.js';
import { setWebGpuResolver } from './fuse.js';
import { autoDeclines } from './gpu/auto-declines.js';
import { createNodeWebGpuBackend } from './gpu/node-runtime.js';
import { CHROMIUM_FLAGS } from './headless/chromium.js';
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
 * @throws FocusFuseError BACKEND when the runtime cannot start or finds no adapter; BAD_OPTION for another name.
 */
export async function openGpuRuntime(name: GpuRuntimeName, options: { log?: (line: string) => void } = {}): Promise<OpenedRuntime> {
  if (oneOf(GPU_RUNTIMES, 'runtime', name) === 'headless') return launchHeadlessRuntime({ log: options.log });
  const backend = await createNodeWebGpuBackend();
  return Object.assign(backend, { close: () => backend.dispose() });
}

/** The software-adapter rule, shared with the viewer page (src/gpu/auto-declines.ts). */
export { autoDeclines };

/**
 * Why backend `auto` can leave `runtime` for the CPU engine without starting it, or undefined when
 * only a started runtime can tell. The headless runtime launches Chromium with SwiftShader asked for
 * (CHROMIUM_FLAGS: `--use-vulkan=swiftshader --use-webgpu-adapter=swiftshader`, which force
 * Chromium's fallback adapter), so its adapter is a software one on every machine, GPU or not, and
 * {@link autoDeclines} would decline it after seconds of launching a browser for nothing. The node
 * runtime (Dawn) takes a hardware adapter where there is one: it is started and asked. Tied to the
 * flags: a build that let Chromium pick a GPU would start and ask the headless runtime again.
 * @example autoDeclinesUnstarted('headless') // "the headless runtime's WebGPU adapter is SwiftShader on every machine (...)..."
 */
export function autoDeclinesUnstarted(runtime: GpuRuntimeName): string | undefined {
  if (runtime !== 'headless' || !CHROMIUM_FLAGS.includes('--use-webgpu-adapter=swiftshader')) return undefined;
  return "the headless runtime's WebGPU adapter is SwiftShader on every machine (its Chromium flags ask for it), a software one, slower than the cpu engine";
}

/**
 * How messages name the backend and runtime settings where the caller knows them by other names
 * (the CLI passes its flags, `{ backend: '--backend', runtime: '--runtime' }`); default the words
 * `backend` and `runtime`, as a library caller sets them.
 */
export interface RuntimeLabels {
  backend?: string;
  runtime?: string;
}

/**
 * Makes `fuse(stack, { backend: 'webgpu' | 'auto' })` start `runtime` on first use and reuse it.
 * With `auto`, a runtime that cannot start, or that found only a software adapter ({@link autoDeclines};
 * the headless runtime is not even started: {@link autoDeclinesUnstarted}), means the CPU (said once
 * through `warn`; the caller can read result.backend).
 * Returns a function that closes the runtime if it was started.
 * @example
 * const close = useGpuRuntime('headless');
 * await fuse(stack, { backend: 'auto' });
 * await close();
 */
export function useGpuRuntime(
  runtime: GpuRuntimeName,
  options: { log?: (line: string) => void; warn?: (message: string) => void; labels?: RuntimeLabels } = {},
): () => Promise<void> {
  // Now, not at the first fuse: with backend auto a misspelt runtime would quietly mean the cpu.
  oneOf(GPU_RUNTIMES, options.labels?.runtime ?? 'runtime', runtime);
  let opening: Promise<OpenedRuntime> | undefined;
  let warned = false;
  const useCpu = (why: string) => {
    if (!warned) options.warn?.(`${why}; using the cpu`);
    warned = true;
    return undefined;
  };
  setWebGpuResolver(async (backend) => {
    const known = backend === 'auto' ? autoDeclinesUnstarted(runtime) : undefined;
    if (known) return useCpu(`${known} (${options.labels?.runtime ?? 'runtime'} node uses a GPU where there is one)`);
    opening ??= openGpuRuntime(runtime, { log: options.log });
    let gpu: OpenedRuntime;
    try {
      gpu = await opening;
    } catch (error) {
      if (backend === 'auto') return useCpu(`webgpu unavailable (${(error as Error).message})`);
      throw error;
    }
    const declined = backend === 'auto' ? autoDeclines(gpu) : undefined;
    return declined ? useCpu(declined) : gpu;
  });
  return async () => {
    setWebGpuResolver(undefined);
    const opened = await opening?.catch(() => undefined);
    await opened?.close();
  };
}
