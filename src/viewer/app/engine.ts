/**
 * Which engine the page fuses with: the page's WebGPU through the library's navigatorGpuBackend,
 * or, where there is none, the CPU engine (its WebAssembly SIMD fast path, or the TypeScript
 * reference where SIMD is missing), said plainly to the user.
 */
import type { FusionBackend } from '../../core/types.js';
import { cpuBackend, initFastCpu } from '../../cpu/backend.js';
import { navigatorGpuBackend } from '../../navigator-gpu.js';

export interface PageEngine {
  backend: FusionBackend;
  /** Shown in the header badge, e.g. `WebGPU: swiftshader`, `CPU (wasm simd)` or `CPU reference`. */
  label: string;
  /** Set when WebGPU is missing: the sentence the page shows. */
  notice?: string;
}

/**
 * Resolves the engine once at start-up.
 * @example const { backend, notice } = await pickEngine();
 */
export async function pickEngine(): Promise<PageEngine> {
  const hasApi = 'gpu' in navigator && Boolean(navigator.gpu);
  const gpu = hasApi ? await navigatorGpuBackend() : undefined;
  if (gpu) return { backend: gpu, label: gpu.describe() };
  const why = hasApi ? 'this browser exposes WebGPU but found no usable GPU adapter' : 'this browser has no WebGPU (navigator.gpu is missing)';
  const fast = await initFastCpu();
  const engine = fast ? 'the CPU (WebAssembly SIMD)' : 'the CPU reference (this browser has no WebAssembly SIMD)';
  return {
    backend: cpuBackend,
    label: fast ? 'CPU (wasm simd)' : 'CPU reference',
    notice: `WebGPU is not available: ${why}. Fusing on ${engine} instead (same maths within the parity bar, slower); the 3D view needs WebGPU.`,
  };
}
