/**
 * Which engine the page fuses with: the page's WebGPU through the library's navigatorGpuBackend,
 * or, where there is none, the CPU reference, said plainly to the user.
 */
import type { FusionBackend } from '../../core/types.js';
import { cpuBackend } from '../../cpu/backend.js';
import { navigatorGpuBackend } from '../../navigator-gpu.js';

export interface PageEngine {
  backend: FusionBackend;
  /** Shown in the header badge, e.g. `WebGPU: swiftshader` or `CPU reference`. */
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
  return {
    backend: cpuBackend,
    label: 'CPU reference',
    notice: `WebGPU is not available: ${why}. Fusing with the CPU reference instead (same results, slower); the 3D view needs WebGPU.`,
  };
}
