/**
 * The one entry point apps call. It validates, picks a backend and hands the stack over; it never
 * branches on the backend beyond choosing it.
 */
import { resolveOptions } from './core/options.js';
import { validateStack, type StackInput } from './core/stack.js';
import type { BackendName, FuseOptions, FuseResult, FusionBackend } from './core/types.js';
import { cpuReferenceBackend } from './cpu/backend.js';
import { cpuBackend } from './cpu/fast/index.js';
import { FocusFuseError } from './core/errors.js';
import { autoDeclines } from './gpu/auto-declines.js';
import { navigatorGpuBackend } from './navigator-gpu.js';

/**
 * Resolves a backend name to an engine. `webgpu`/`auto` are provided by the GPU module when present;
 * callers can also pass a ready backend (e.g. one bound to a GPUDevice or a headless runtime).
 */
export type BackendResolver = (name: 'webgpu' | 'auto') => Promise<FusionBackend | undefined>;

let webgpuResolver: BackendResolver | undefined;

/**
 * Installs how `backend: 'webgpu' | 'auto'` finds a GPU engine; `undefined` restores the default,
 * which is the page's navigator.gpu where there is one. In Node, `useGpuRuntime()` installs one.
 * @example setWebGpuResolver(async () => createWebGpuBackend(myDevice));
 */
export function setWebGpuResolver(resolver: BackendResolver | undefined): void {
  webgpuResolver = resolver;
}

async function pickBackend(name: BackendName): Promise<FusionBackend> {
  if (name === 'cpu') return cpuBackend;
  if (name === 'cpu-reference') return cpuReferenceBackend;
  const gpu = webgpuResolver ? await webgpuResolver(name) : await navigatorGpuBackend();
  // The page's own adapter under `auto` follows the CLI's and the viewer's rule: a software one
  // (SwiftShader, lavapipe: 6-9 s per 11 x 384^2 stack) is left for the CPU engine (~0.2 s). An
  // installed resolver (useGpuRuntime in Node) applies the rule itself.
  if (gpu && (name === 'webgpu' || webgpuResolver || !autoDeclines(gpu))) return gpu;
  if (name === 'auto') return cpuBackend;
  throw new FocusFuseError(
    'BACKEND',
    "backend 'webgpu' was asked for but no WebGPU adapter is available here (in Node, start a runtime with useGpuRuntime('headless' | 'node'); or use backend 'auto' or 'cpu')",
  );
}

/**
 * Fuses a Z-stack into an all-in-focus image, a sub-plane depth map and a confidence map.
 *
 * @example
 * import { fuse } from 'focusfuse';
 * const result = await fuse({ width, height, planes }, { measure: 'lapv', window: 4, sigma: 3 });
 * result.image;      // Uint8Array RGBA8, width*height*4
 * result.depth;      // Float32Array, plane units (0 = first plane)
 * result.confidence; // Float32Array in [0, 1)
 *
 * @param given Z planes of RGBA8 pixels (Uint8Array, or canvas pixels: ImageData.data), or RGBA16 (Uint16Array, with `bitDepth` when the
 *   samples use fewer than 16 bits), all width x height, in focal order. 16-bit planes keep their
 *   precision on the CPU engine without alignment (`result.image16`); see README "High bit depth".
 * @param options Measure, window, sigma, composite mode, backend; all optional.
 * @param backend Optional engine to use instead of resolving `options.backend`.
 */
export async function fuse(given: StackInput, options: FuseOptions = {}, backend?: FusionBackend): Promise<FuseResult> {
  const resolved = resolveOptions(options);
  // The shape only, before a runtime starts: every engine checks the stack again, samples included
  // (one pass over 16-bit samples, once per call).
  const stack = validateStack(given, { samples: false });
  const engine = backend ?? (await pickBackend(resolved.backend));
  if (resolved.align !== 'none' && !engine.aligns) {
    // Refuse rather than fuse unaligned planes (the headless-Chromium transport does not carry them yet).
    throw new FocusFuseError('BAD_OPTION', `align '${resolved.align}' is not supported by ${engine.describe()}; use backend 'cpu', runtime 'node', or align 'none'`, stack.meta?.name);
  }
  return engine.fuse(stack, resolved);
}
