/**
 * focusfuse for Node: everything in the browser-safe API plus file I/O (sharp), the synthetic
 * ground-truth generator's file writer, and the two Node WebGPU runtimes (headless Chromium and Dawn).
 *
 * @example
 * import { loadStack, fuse, writeResult } from 'focusfuse';
 * const stack = await loadStack('NILM/1. Superficial-Intermediate Cells');
 * const result = await fuse(stack, { measure: 'lapv' });
 * await writeResult(result, { fused: 'fused.png', depth: 'depth.png', depthColor: 'depth-color.png' });
 */
export * from './index.js';
export * from './io/index.js';
export { writeSynthTree } from './synth/write-tree.js';
export { readSynthManifest, readSynthTruth } from './synth/truth.js';
export { launchHeadlessRuntime, probeHeadless } from './headless/index.js';
export type { HeadlessRuntime, HeadlessRuntimeOptions } from './headless/index.js';
export { openGpuRuntime, useGpuRuntime, GPU_RUNTIMES } from './runtimes.js';
export type { GpuRuntimeName, OpenedRuntime } from './runtimes.js';
export { createNodeWebGpuBackend, probeNodeWebGpu } from './gpu/node-runtime.js';
export * from './batch/index.js';
