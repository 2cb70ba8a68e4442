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

const cache = new WeakMap<GPUDevice, Map<KernelName, Promise<KernelPipelines>>>();

function layoutEntry(kind: BindingKind, binding: number): GPUBindGroupLayoutEntry {
  const buffer: GPUBufferBindingLayout = { type: kind };
  return { binding, visibility: GPUShaderStage.COMPUTE, buffer };
}

async function build(device: GPUDevice, name: KernelName): Promise<KernelPipelines> {
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
      compute: { module, entryPoint },
    });
  }
  return { layout, pipelines };
}

/**
 * The pipelines of a kernel on a device, built on first request and shared afterwards.
 * A failed build is not cached, so a later call can retry (e.g. after a transient OOM).
 * @example const { layout, pipelines } = await kernelPipelines(device, 'luma');
 */
export function kernelPipelines(device: GPUDevice, name: KernelName): Promise<KernelPipelines> {
  let perDevice = cache.get(device);
  if (!perDevice) {
    perDevice = new Map();
    cache.set(device, perDevice);
  }
  let entry = perDevice.get(name);
  if (!entry) {
    entry = build(device, name);
    perDevice.set(name, entry);
    entry.catch(() => perDevice.delete(name));
  }
  return entry;
}
