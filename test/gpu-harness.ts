/**
 * Shared setup of the GPU test suites: builds the Dawn worker bundle, starts the Node WebGPU
 * runtime (or skips locally / fails in CI when there is no adapter), makes test stacks, and
 * measures GPU-vs-CPU parity against the bar (test/gpu-harness.ts).
 */
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FuseOptions, FuseResult, ResolvedOptions, ZStack } from '../src/core/types.js';
import { resolveOptions } from '../src/core/options.js';
import { fuseCpu, fuseCpuFast } from '../src/cpu/backend.js';
import type { NodeWebGpuBackend, NodeWebGpuOptions } from '../src/gpu/node-runtime.js';
import { createNodeWebGpuBackend } from '../src/gpu/node-runtime.js';

export { inFlatPatch, random, testStack } from './gpu-stacks.js';
export type { TestStackOptions } from './gpu-stacks.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const WORKER_BUNDLE = join(root, 'node_modules', '.cache', 'focusfuse-test', 'gpu-worker.js');

const bundles = new Map<string, Promise<string>>();

/**
 * Bundles a TypeScript entry (path from the project root) the way `npm run build` does, into
 * node_modules/.cache/focusfuse-test/ so that `webgpu` resolves from there. Returns the file.
 */
export function bundle(entry: string, name: string): Promise<string> {
  let done = bundles.get(name);
  if (!done) {
    const outfile = join(dirname(WORKER_BUNDLE), name);
    done = (async () => {
      mkdirSync(dirname(outfile), { recursive: true });
      await build({
        entryPoints: [join(root, entry)],
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        packages: 'external',
        loader: { '.wgsl': 'text', '.wasm': 'binary' },
        outfile,
        logLevel: 'warning',
      });
      return outfile;
    })();
    bundles.set(name, done);
  }
  return done;
}

/** The Dawn worker bundle (dist/gpu-worker.js in a build). */
export function workerBundle(): Promise<string> {
  return bundle('src/gpu/node-worker.ts', 'gpu-worker.js');
}

/** Whether a missing adapter must fail the GPU suites (CI) rather than skip them. */
export const REQUIRE_GPU = process.env.CI === 'true' || process.env.CI === '1';

/**
 * The Node WebGPU backend, or undefined when no adapter exists and CI is unset (tests then skip).
 * In CI (CI=true) a missing adapter throws, so the GPU suites fail instead of silently skipping.
 */
export async function startGpu(options: NodeWebGpuOptions = {}): Promise<NodeWebGpuBackend | undefined> {
  const workerScript = await workerBundle();
  try {
    return await createNodeWebGpuBackend({ workerScript, ...options });
  } catch (error) {
    if (REQUIRE_GPU) throw error;
    console.warn(`GPU tests skipped (CI unset): ${(error as Error).message}`);
    return undefined;
  }
}

export interface Parity {
  /** Focus values compared (CPU F > 1e-6) and those off by more than 1e-3 relative. */
  focusCompared: number;
  focusOff: number;
  focusWorst: number;
  /**
   * Fraction of pixels with equal argmax_z F, among pixels where some plane has F > 1e-6 (the F
   * bar's floor). Where every F is ~0 (flat, saturated background) the argmax picks among rounding
   * residues: the CPU's f64 running sums leave ~1e-17 where exact F is 0, the GPU gives exactly 0.
   */
  argmaxEqual: number;
  /** Pixels left out of the argmax comparison (all F <= 1e-6). */
  argmaxFlat: number;
  /** Fraction of pixels with |Ds_gpu - Ds_cpu| <= 0.02 plane, and the worst difference. */
  depthClose: number;
  depthWorst: number;
  /** Fraction of channel values within 1 level, and the largest difference. */
  imageClose: number;
  imageWorst: number;
}

function argmax(focus: Float32Array[], i: number): number {
  let k = 0;
  for (let z = 1; z < focus.length; z++) if (focus[z][i] > focus[k][i]) k = z;
  return k;
}

/** Parity measures of a GPU result against the CPU result of the same stack and options (keepFocus on). */
export function parity(cpu: FuseResult, gpu: FuseResult): Parity {
  const n = cpu.width * cpu.height;
  const cf = cpu.focus!;
  const gf = gpu.focus!;
  let focusCompared = 0;
  let focusOff = 0;
  let focusWorst = 0;
  for (let z = 0; z < cf.length; z++) {
    for (let i = 0; i < n; i++) {
      const c = cf[z][i];
      if (!(c > 1e-6)) continue;
      focusCompared++;
      const rel = Math.abs(gf[z][i] - c) / c;
      if (rel > 1e-3) focusOff++;
      if (rel > focusWorst) focusWorst = rel;
    }
  }
  let argmaxSame = 0;
  let argmaxFlat = 0;
  let depthNear = 0;
  let depthWorst = 0;
  for (let i = 0; i < n; i++) {
    const k = argmax(cf, i);
    if (!(cf[k][i] > 1e-6)) argmaxFlat++;
    else if (k === argmax(gf, i)) argmaxSame++;
    const d = Math.abs(gpu.depth[i] - cpu.depth[i]);
    if (d <= 0.02) depthNear++;
    if (!(d <= depthWorst)) depthWorst = d;
  }
  let imageNear = 0;
  let imageWorst = 0;
  for (let j = 0; j < 4 * n; j++) {
    const d = Math.abs(gpu.image[j] - cpu.image[j]);
    if (d <= 1) imageNear++;
    if (d > imageWorst) imageWorst = d;
  }
  return {
    focusCompared,
    focusOff,
    focusWorst,
    argmaxEqual: n > argmaxFlat ? argmaxSame / (n - argmaxFlat) : 1,
    argmaxFlat,
    depthClose: depthNear / n,
    depthWorst,
    imageClose: imageNear / (4 * n),
    imageWorst,
  };
}

/** Throws (with all measures in the message) unless the parity bar (test/gpu-harness.ts) holds. */
export function assertParity(p: Parity, label: string): void {
  const failures: string[] = [];
  if (p.focusOff > 0) failures.push(`${p.focusOff} of ${p.focusCompared} F values off by > 1e-3 relative (worst ${p.focusWorst.toExponential(2)})`);
  if (p.argmaxEqual < 0.999) failures.push(`argmax equal on only ${(100 * p.argmaxEqual).toFixed(3)}%`);
  if (p.depthClose < 0.999) failures.push(`Ds within 0.02 on only ${(100 * p.depthClose).toFixed(3)}% (worst ${p.depthWorst})`);
  if (p.imageClose < 0.999) failures.push(`composite within 1 level on only ${(100 * p.imageClose).toFixed(3)}%`);
  if (p.imageWorst > 8) failures.push(`composite off by up to ${p.imageWorst} levels`);
  if (failures.length) throw new Error(`${label}: parity bar missed: ${failures.join('; ')}`);
}

/**
 * Fuses `stack` on the CPU fast path and on the reference with the same resolved options; throws
 * unless every stage ran on the fast path (`wasm simd`) and the parity bar holds; returns both.
 * @example const { ref, fast } = fastAgainstReference(stack, resolveOptions({ keepFocus: true }), 'synth');
 */
export function fastAgainstReference(stack: ZStack, options: ResolvedOptions, label: string): { ref: FuseResult; fast: FuseResult } {
  const ref = fuseCpu(stack, options);
  const fast = fuseCpuFast(stack, options);
  if (fast.backend.name !== 'cpu' || fast.backend.runtime !== 'wasm simd') throw new Error(`${label}: the fast path did not run (${JSON.stringify(fast.backend)})`);
  assertParity(parity(ref, fast), label);
  return { ref, fast };
}

/**
 * Fuses `stack` on the CPU reference and on `engine` with `mode` (the suite's depth or composite
 * mode) and `options`, focus planes kept, and asserts the parity bar; returns both results.
 * @example await checkParity(gpu, stack, { composite: 'pyramid' }, { sigma: 0 });
 */
export async function checkParity(engine: NodeWebGpuBackend, stack: ZStack, mode: FuseOptions, options: FuseOptions = {}): Promise<{ cpu: FuseResult; gpu: FuseResult }> {
  const resolved = resolveOptions({ ...mode, ...options, keepFocus: true });
  const cpu = fuseCpu(stack, resolved);
  const gpu = await engine.fuse(stack, resolved);
  if (gpu.options.depthMode !== resolved.depthMode || gpu.options.composite !== resolved.composite) throw new Error(`the engine fused with ${gpu.options.depthMode}+${gpu.options.composite}, not ${resolved.depthMode}+${resolved.composite}`);
  assertParity(parity(cpu, gpu), `${stack.meta?.name ?? `${stack.width}x${stack.height}x${stack.planes.length}`} ${JSON.stringify(options)}`);
  return { cpu, gpu };
}

/** Values (bytes, or 16-bit samples) that differ between two images, and the largest difference. */
export function byteDifference(a: ArrayLike<number>, b: ArrayLike<number>): { off: number; worst: number } {
  let off = 0;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > 0) off++;
    worst = Math.max(worst, d);
  }
  return { off, worst };
}
