/**
 * The WebGPU engine, browser-safe (no Node imports): give it a GPUDevice and it is a FusionBackend.
 * The Node runtime (Dawn in a child process) lives in node-runtime.ts and is exported from src/node.ts.
 */
export { createWebGpuBackend, packSubmissions } from './backend.js';
export type { WebGpuBackend, WebGpuBackendOptions } from './backend.js';
export { describeAdapter } from './adapter.js';
export type { AdapterDescription } from './adapter.js';
export { requestFusionDevice } from './device.js';
export { KERNELS } from './kernels.js';
export type { KernelDescriptor, KernelName } from './kernels.js';
export { planBands, haloRows } from './plan.js';
export type { Band } from './plan.js';
