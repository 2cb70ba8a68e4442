/**
 * A page whose Content-Security-Policy forbids compiling WebAssembly (no 'wasm-unsafe-eval'): the
 * CPU engine falls back to its TypeScript stages, ~10x slower. This file plays that refusal in Node
 * by making every way of compiling throw, as Chromium does, and checks that the fallback is said
 * once on the console instead of only in result.backend.runtime.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cpuBackend, initFastCpu } from '../src/cpu/fast/index.js';
import { testStack } from './gpu-stacks.js';

const original = { instantiate: WebAssembly.instantiate, Module: WebAssembly.Module };
const refusal = "WebAssembly.instantiate(): Refused to compile or instantiate WebAssembly module because 'unsafe-eval' is not an allowed source of script";

beforeAll(() => {
  const wasm = WebAssembly as unknown as Record<string, unknown>;
  wasm.instantiate = () => Promise.reject(new WebAssembly.CompileError(refusal));
  wasm.Module = function refused(): never {
    throw new WebAssembly.CompileError(refusal);
  };
});

afterAll(() => {
  Object.assign(WebAssembly, original);
});

describe('the CPU engine where WebAssembly may not be compiled (a strict CSP)', () => {
  it('fuses on the TypeScript stages and says why once on the console', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect(await initFastCpu()).toBe(false);
      const stack = testStack(24, 16, 3);
      const first = await cpuBackend.fuse(stack);
      await cpuBackend.fuse(stack);
      expect(first.backend.runtime).toBe('TypeScript stages');
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toMatch(/^focusfuse: WebAssembly could not be compiled here \(.*Refused to compile.*\); the CPU engine runs its TypeScript stages, about 10x slower\. .*'wasm-unsafe-eval'/);
    } finally {
      warn.mockRestore();
    }
  });
});
