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

/**
 * Runs `bench` on each named backend in turn, opening and closing it around the run; a backend that
 * cannot start is reported as `{ name, error }` in its place.
 * @example const rows = await onEachBenchBackend(['cpu', 'node'], async (name, backend) => ({ name, describe: backend.describe() }));
 */
export async function onEachBenchBackend<T>(names: readonly BenchBackendName[], bench: (name: BenchBackendName, backend: FusionBackend) => Promise<T>): Promise<(T | { name: BenchBackendName; error: string })[]> {
  const results: (T | { name: BenchBackendName; error: string })[] = [];
  for (const name of names) {
    const opened = await openBenchBackend(name);
    if ('error' in opened) {
      results.push({ name, error: opened.error });
      continue;
    }
    try {
      results.push(await bench(name, opened.backend));
    } finally {
      await opened.close();
    }
  }
  return results;
}
