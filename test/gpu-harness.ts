/**
 * Shared setup of the GPU test suites: builds the Dawn worker bundle, starts the Node WebGPU
 * runtime (or skips locally / fails in CI when there is no adapter), makes test stacks, and
 * measures GPU-vs-CPU parity against the bar of DESIGN.md.
 */
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FuseResult, ZStack } from '../src/core/types.js';
import type { NodeWebGpuBackend, NodeWebGpuOptions } from '../src/gpu/node-runtime.js';
import { createNodeWebGpuBackend } from '../src/gpu/node-runtime.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const WORKER_BUNDLE = join(root, 'node_modules', '.cache', 'focusfuse-test', 'gpu-worker.js');

let bundled: Promise<string> | undefined;

/** Builds src/gpu/node-worker.ts the way `npm run build` does (inside node_modules so `webgpu` resolves). */
export function workerBundle(): Promise<string> {
  bundled ??= (async () => {
    mkdirSync(dirname(WORKER_BUNDLE), { recursive: true });
    await build({
      entryPoints: [join(root, 'src', 'gpu', 'node-worker.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      loader: { '.wgsl': 'text' },
      outfile: WORKER_BUNDLE,
      logLevel: 'warning',
    });
    return WORKER_BUNDLE;
  })();
  return bundled;
}

/**
 * The Node WebGPU backend, or undefined when no adapter exists and CI is unset (tests then skip).
 * In CI (CI=true) a missing adapter throws, so the GPU suites fail instead of silently skipping.
 */
export async function startGpu(options: NodeWebGpuOptions = {}): Promise<NodeWebGpuBackend | undefined> {
  const workerScript = await workerBundle();
  try {
    return await createNodeWebGpuBackend({ workerScript, ...options });
  } catch (error) {
    if (process.env.CI === 'true' || process.env.CI === '1') throw error;
    console.warn(`GPU tests skipped (CI unset): ${(error as Error).message}`);
    return undefined;
  }
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TestStackOptions {
  seed?: number;
  /** Sensor noise amplitude in 8-bit levels. Default 2. */
  noise?: number;
  /** Leave a flat, noise-free rectangle (ties across planes, F = 0). Default true. */
  flatPatch?: boolean;
  /** Vary alpha between planes (the composite blends alpha too). Default false. */
  alpha?: boolean;
}

/**
 * A procedural Z-stack: texture whose contrast peaks at a smoothly varying focal plane, plus noise,
 * 8-bit quantised like real data, with an optional flat patch. Not a physical blur model (src/synth
 * is); it only has to make every stage of both engines work on realistic-looking numbers.
 */
export function testStack(width: number, height: number, planes: number, options: TestStackOptions = {}): ZStack {
  const rng = random(options.seed ?? 1);
  const noise = options.noise ?? 2;
  const texture = Float32Array.from({ length: width * height }, () => rng() - 0.5);
  const flat = options.flatPatch ?? true;
  const stack: ZStack = { width, height, planes: [], meta: { name: `test ${width}x${height}x${planes}` } };
  for (let z = 0; z < planes; z++) {
    const plane = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        const focal = (planes - 1) * (0.5 + 0.45 * Math.sin(x * 0.045 + 1.3) * Math.cos(y * 0.037));
        const sharp = Math.exp(-((z - focal) ** 2) / 4.5);
        const inPatch = flat && x >= width * 0.6 && x < width * 0.8 && y >= height * 0.6 && y < height * 0.8;
        const v = inPatch ? 180 : 120 + 40 * Math.sin(x * 0.02) + 110 * sharp * texture[i] + noise * (rng() - 0.5) * 2;
        const q = (u: number): number => Math.max(0, Math.min(255, Math.round(u)));
        plane[4 * i] = q(v);
        plane[4 * i + 1] = q(0.8 * v + 30);
        plane[4 * i + 2] = q(255 - 0.6 * v);
        plane[4 * i + 3] = options.alpha ? q(255 - 20 * z - (inPatch ? 0 : 30 * sharp)) : 255;
      }
    }
    stack.planes.push(plane);
  }
  return stack;
}

export interface Parity {
  /** Focus values compared (CPU F > 1e-6) and those off by more than 1e-3 relative. */
  focusCompared: number;
  focusOff: number;
  focusWorst: number;
  /** Fraction of pixels with equal argmax_z F. */
  argmaxEqual: number;
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
  let depthNear = 0;
  let depthWorst = 0;
  for (let i = 0; i < n; i++) {
    if (argmax(cf, i) === argmax(gf, i)) argmaxSame++;
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
    argmaxEqual: argmaxSame / n,
    depthClose: depthNear / n,
    depthWorst,
    imageClose: imageNear / (4 * n),
    imageWorst,
  };
}

/** Throws (with all measures in the message) unless the parity bar of DESIGN.md holds. */
export function assertParity(p: Parity, label: string): void {
  const failures: string[] = [];
  if (p.focusOff > 0) failures.push(`${p.focusOff} of ${p.focusCompared} F values off by > 1e-3 relative (worst ${p.focusWorst.toExponential(2)})`);
  if (p.argmaxEqual < 0.999) failures.push(`argmax equal on only ${(100 * p.argmaxEqual).toFixed(3)}%`);
  if (p.depthClose < 0.999) failures.push(`Ds within 0.02 on only ${(100 * p.depthClose).toFixed(3)}% (worst ${p.depthWorst})`);
  if (p.imageClose < 0.999) failures.push(`composite within 1 level on only ${(100 * p.imageClose).toFixed(3)}%`);
  if (p.imageWorst > 8) failures.push(`composite off by up to ${p.imageWorst} levels`);
  if (failures.length) throw new Error(`${label}: parity bar missed: ${failures.join('; ')}`);
}
