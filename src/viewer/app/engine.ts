/**
 * Which engine the page fuses with: the page's WebGPU through the library's navigatorGpuBackend,
 * or the CPU engine (its WebAssembly SIMD fast path, or the TypeScript reference where SIMD is
 * missing), said plainly to the user. `auto` follows the CLI's rule (autoDeclines): a software
 * adapter (SwiftShader in a VM or remote desktop) is slower than the CPU engine, so it fuses on the
 * CPU; `webgpu` uses whatever adapter there is; `cpu` never asks for one. The 3D relief asks for
 * its own device (view3d.ts) whatever the engine.
 */
import type { FusionBackend } from '../../core/types.js';
import { cpuBackend, initFastCpu } from '../../cpu/backend.js';
import { autoDeclines } from '../../gpu/auto-declines.js';
import { navigatorGpuBackend } from '../../navigator-gpu.js';

/** The engine choices the page offers (its `engine` list and `?engine=` parameter). */
export const ENGINE_CHOICES = ['auto', 'webgpu', 'cpu'] as const;
export type EngineChoice = (typeof ENGINE_CHOICES)[number];

export interface PageEngine {
  backend: FusionBackend;
  /** Shown in the header badge, e.g. `webgpu (browser, ...)`, `CPU (wasm simd)` or `CPU (wasm simd; software WebGPU adapter declined)`. */
  label: string;
  /** Set when WebGPU is missing or declined: the sentence the page shows. */
  notice?: string;
}

/** The CPU engine, with what the badge says about it. */
async function cpuEngine(why?: string): Promise<PageEngine & { engine: string }> {
  const fast = await initFastCpu();
  return {
    backend: cpuBackend,
    label: fast ? `CPU (wasm simd${why ? `; ${why}` : ''})` : `CPU reference${why ? ` (${why})` : ''}`,
    engine: fast ? 'the CPU (WebAssembly SIMD)' : 'the CPU reference (this browser has no WebAssembly SIMD)',
  };
}

/**
 * Resolves the engine for a choice (default `auto`).
 * @example const { backend, label, notice } = await pickEngine('auto');
 */
export async function pickEngine(choice: EngineChoice = 'auto'): Promise<PageEngine> {
  if (choice === 'cpu') {
    const { backend, label } = await cpuEngine();
    return { backend, label };
  }
  const hasApi = 'gpu' in navigator && Boolean(navigator.gpu);
  const gpu = hasApi ? await navigatorGpuBackend() : undefined;
  const declined = gpu && choice === 'auto' ? autoDeclines(gpu) : undefined;
  if (gpu && !declined) return { backend: gpu, label: gpu.describe() };
  if (gpu && declined) {
    const { backend, label, engine } = await cpuEngine('software WebGPU adapter declined');
    return { backend, label, notice: `Engine auto: ${declined}, so the page fuses on ${engine} (choose engine webgpu to use the adapter anyway).` };
  }
  const why = hasApi ? 'this browser exposes WebGPU but found no usable GPU adapter' : 'this browser has no WebGPU (navigator.gpu is missing)';
  const { backend, label, engine } = await cpuEngine();
  return {
    backend,
    label,
    notice: `WebGPU is not available: ${why}. Fusing on ${engine} instead (same maths within the parity bar, slower); the 3D view needs WebGPU.`,
  };
}
