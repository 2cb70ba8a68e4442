/**
 * initFastCpu instantiates both of the fast path's WebAssembly instances asynchronously: the
 * fusion's and the alignment estimate's. A browser's main thread refuses to compile a module of
 * this size synchronously (Chromium: "WebAssembly.Compile is disallowed on the main thread, if the
 * buffer size is larger than 4KB"); this file plays that refusal in Node by making the synchronous
 * constructor throw, and checks that after initFastCpu the estimate's kernels still run in
 * WebAssembly instead of falling back to their TypeScript twins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alignKernels } from '../src/align/kernels.js';
import { fastKernels } from '../src/cpu/fast/kernels.js';
import { initFastCpu } from '../src/cpu/fast/index.js';

const SyncModule = WebAssembly.Module;

beforeAll(() => {
  (WebAssembly as { Module: unknown }).Module = function refused(): never {
    throw new RangeError('WebAssembly.Compile is disallowed on the main thread, if the buffer size is larger than 4KB');
  };
});

afterAll(() => {
  (WebAssembly as { Module: unknown }).Module = SyncModule;
});

describe('initFastCpu where modules may not compile synchronously (a browser main thread)', () => {
  it('leaves both the fusion and the alignment estimate on WebAssembly', async () => {
    expect(await initFastCpu()).toBe(true);
    expect(fastKernels()).toBeDefined();
    const n = 64 * 48;
    const luma = { width: 64, height: 48, data: Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 0.5 + 0.5) };
    // Undefined when the estimate's instance could not be made (its TypeScript loops then run).
    expect(alignKernels()!.bandPassPyramid(luma, 1.5, 6, 3)).toBeDefined();
  });
});
