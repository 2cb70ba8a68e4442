/** Opens a backend for the bench by name, turning start-up failures into a reportable reason. */
import type { FusionBackend } from '../src/core/types.js';
import { cpuBackend, cpuReferenceBackend } from '../src/cpu/backend.js';
import { openGpuRuntime, type GpuRuntimeName } from '../src/runtimes.js';

export type BenchBackendName = 'cpu' | 'cpu-reference' | GpuRuntimeName;

export async function openBenchBackend(name: BenchBackendName): Promise<{ backend: FusionBackend; close: () => Promise<void> } | { error: string }> {
  if (name === 'cpu') return { backend: cpuBackend, close: async () => {} };
  if (name === 'cpu-reference') return { backend: cpuReferenceBackend, close: async () => {} };
  try {
    const backend = await openGpuRuntime(name);
    return { backend, close: () => backend.close() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}
