/**
 * Pipelines cached per GPUDevice: each kernel's shader module, bind group layout and pipelines
 * are created once per device, on first use, so fusing a stack never compiles anything.
 */
import type { BindingKind, KernelName } from './kernels.js';
import { KERNELS } from './kernels.js';

export interface KernelPipelines {
  layout: GPUBindGroupLayout;
  /** One pipeline per entry point. */
  pipelines: Record<string, GPUComputePipeline>;
}

const cache = new WeakMap<GPUDevice, Map<string, Promise<KernelPipelines>>>();

function layoutEntry(kind: BindingKind, binding: number): GPUBindGroupLayoutEntry {
  const buffer: GPUBufferBindingLayout = { type: kind };
  return { binding, visibility: GPUShaderStage.COMPUTE, buffer };
}

async function build(device: GPUDevice, name: KernelName, shared: boolean): Promise<KernelPipelines> {
  const kernel = KERNELS[name];
  const module = device.createShaderModule({ label: kernel.label, code: kernel.code });
  const layout = device.createBindGroupLayout({
    label: kernel.label,
    entries: kernel.bindings.map((kind, binding) => layoutEntry(kind, binding)),
  });
  const pipelineLayout = device.createPipelineLayout({ label: kernel.label, bindGroupLayouts: [layout] });
  const pipelines: Record<string, GPUComputePipeline> = {};
  for (const entryPoint of kernel.entryPoints) {
    pipelines[entryPoint] = await device.createComputePipelineAsync({
      label: `${kernel.label}.${entryPoint}`,
      layout: pipelineLayout,
      compute: { module, entryPoint, constants: kernel.shared ? { SHARED: shared ? 1 : 0 } : undefined },
    });
  }
  return { layout, pipelines };
}

/**
 * The pipelines of a kernel on a device, built on first request and shared afterwards.
 * A failed build is not cached, so a later call can retry (e.g. after a transient OOM).
 * @param shared the `SHARED` pipeline constant of kernels that have it (workgroup-memory tiles).
 * @example const { layout, pipelines } = await kernelPipelines(device, 'luma', true);
 */
export function kernelPipelines(device: GPUDevice, name: KernelName, shared = true): Promise<KernelPipelines> {
  let perDevice = cache.get(device);
  if (!perDevice) {
    perDevice = new Map();
    cache.set(device, perDevice);
  }
  const key = `${name}:${KERNELS[name].shared && shared}`;
  let entry = perDevice.get(key);
  if (!entry) {
    entry = build(device, name, shared);
    perDevice.set(key, entry);
    entry.catch(() => perDevice.delete(key));
  }
  return entry;
}
