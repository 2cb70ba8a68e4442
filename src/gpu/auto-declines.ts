/**
 * The rule by which backend `auto` leaves a WebGPU engine for the CPU engine: one rule for the
 * CLI and batch (runtimes.ts), the library's `fuse` on a page's own adapter (fuse.ts) and the
 * viewer page (app/engine.ts). Browser-safe.
 */
import type { FusionBackend } from '../core/types.js';

/**
 * Why backend `auto` leaves a started GPU engine for the CPU engine, or undefined when it should use
 * it. A software adapter runs the kernels on the same CPU cores, slower than the CPU engine itself
 * (2 cores, 11 x 384^2, lapv: SwiftShader 226 ms through headless Chromium and 302 ms through Dawn,
 * against 74 ms on the CPU engine; docs/bench; in a page 6-9 s against ~0.2-0.3 s). `webgpu`
 * still uses it: the user asked for it.
 * @example autoDeclines(gpu) // "the WebGPU adapter is a software one (webgpu (...)), slower than the cpu engine"
 */
export function autoDeclines(gpu: FusionBackend): string | undefined {
  return gpu.software ? `the WebGPU adapter is a software one (${gpu.describe()}), slower than the cpu engine` : undefined;
}
