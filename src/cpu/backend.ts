/**
 * The CPU engines: `cpuBackend` (backend `cpu`) fuses on the fast path (src/cpu/fast, WebAssembly
 * SIMD) where it can, `cpuReferenceBackend` (backend `cpu-reference`) on the readable TypeScript
 * stages (src/cpu/pipeline.ts), which the WebGPU engine and the fast path are tested against.
 */
export { fuseCpu, createCpuWorkspace, cpuReferenceBackend } from './pipeline.js';
export type { CpuWorkspace } from './pipeline.js';
export { cpuBackend, fuseCpuFast, initFastCpu, fastCpuReady } from './fast/index.js';
