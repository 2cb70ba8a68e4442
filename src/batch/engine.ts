/**
 * The fusion side of a batch: the CPU reference, or a GPU runtime opened once per run and fed
 * several stacks per job (fuseBatch), with crash recovery. A runtime crash costs at most the job it
 * interrupts: the job is redone stack by stack on a relaunched runtime, so only a stack that fails
 * on its own is lost (or redone on the CPU with fallback `cpu`). Node only.
 */
import { availableParallelism } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { FocusFuseError } from '../core/errors.js';
import type { BackendName, FuseOptions, FuseResult, FusionBackend, ResolvedOptions, AnyZStack } from '../core/types.js';
import { asResolvedOptions } from '../core/options.js';
import { cpuBackend, cpuReferenceBackend } from '../cpu/backend.js';
import { autoDeclines, autoDeclinesUnstarted, openGpuRuntime, type GpuRuntimeName, type RuntimeLabels } from '../runtimes.js';
import type { BufferPool } from './buffer-pool.js';
import { openCpuPool, type CpuPoolOptions } from './cpu-pool.js';

/** What the batch needs of a GPU runtime; the headless one has all of it, the Dawn one restarts itself. */
export interface BatchGpuRuntime extends FusionBackend {
  fuseBatch?(stacks: AnyZStack[], options?: FuseOptions | ResolvedOptions): Promise<FuseResult[]>;
  /** False once the runtime crashed; then relaunch() (when present) starts a fresh one. */
  readonly alive?: boolean;
  relaunch?(): Promise<void>;
  close(): Promise<void>;
}

export interface BatchEngineOptions {
  backend: BackendName;
  runtime: GpuRuntimeName;
  /** `cpu`: a stack the GPU fails on (or every stack, once the runtime is beyond relaunching) is fused on the CPU. */
  fallback: 'none' | 'cpu';
  /** Stacks per GPU job. Default 8. */
  gpuBatch?: number;
  /** CPU fusion worker threads (when running from the built bundle); 0 fuses on the main thread. Default {@link defaultCpuThreads}. */
  cpuThreads?: number;
  /** The cpu workers' bundle and recycling budget (see CpuPoolOptions; tests run workers from sources with it). */
  cpuPool?: Pick<CpuPoolOptions, 'module' | 'recycleBytes'>;
  /** Relaunches allowed per run before the runtime is given up. Default 3. */
  maxRelaunches?: number;
  warn(message: string): void;
  log?(line: string): void;
  /** How the notes name the backend and runtime settings (the CLI: its flags). Default `backend`, `runtime`. */
  labels?: RuntimeLabels;
  /** Opens the GPU runtime; default openGpuRuntime. Tests pass one that crashes on cue. */
  openRuntime?(name: GpuRuntimeName): Promise<BatchGpuRuntime>;
}

export interface BatchEngine {
  /** What fuses, for the summary and the manifest. */
  describe(): string;
  /** Stacks worth handing over per call. */
  readonly batchSize: number;
  /** fuseMany calls worth running at once (a worker pool fuses several stacks side by side). */
  readonly parallel: number;
  /**
   * Where the engine recycles memory (the cpu workers; undefined elsewhere): the run decodes planes
   * into its buffers and hands a result's outputs back once written; the engine returns the planes
   * it has fused and fuses into the outputs handed back.
   */
  readonly buffers?: BufferPool;
  /**
   * Fuses each stack; a stack that cannot be fused gets its Error, the others their results. The
   * stacks' planes may be handed over to worker threads: do not use them afterwards. `options` as
   * fuse() takes them (partial, or resolveOptions' result); bad ones reject the call.
   */
  fuseMany(stacks: AnyZStack[], options?: FuseOptions | ResolvedOptions): Promise<(FuseResult | Error)[]>;
  close(): Promise<void>;
}

/** `cpu-reference` asks for the TypeScript reference on every thread (`cpu` runs the wasm fast path where it can). */
function wantsReference(backend: BackendName): boolean {
  return backend === 'cpu-reference';
}

/** The engine on this thread: `cpu-reference` is the TypeScript reference, anything else (a GPU backend falling back too) the cpu default. */
function mainThreadBackend(backend: BackendName): FusionBackend {
  return wantsReference(backend) ? cpuReferenceBackend : cpuBackend;
}

async function fuseOnCpu(stack: AnyZStack, options: ResolvedOptions): Promise<FuseResult | Error> {
  try {
    // A GPU backend falling back fuses (and records) as the cpu default; cpu-reference stays the reference.
    return await mainThreadBackend(options.backend).fuse(stack, { ...options, backend: wantsReference(options.backend) ? options.backend : 'cpu' });
  } catch (error) {
    return error as Error;
  }
}

/** The CPU engine on the main thread, for `backend` (cpu or cpu-reference). */
function mainThreadEngine(backend: BackendName): BatchEngine {
  return {
    describe: () => mainThreadBackend(backend).describe(),
    batchSize: 1,
    parallel: 1,
    async fuseMany(stacks, options) {
      const resolved = asResolvedOptions(options);
      const results: (FuseResult | Error)[] = [];
      for (const stack of stacks) {
        results.push(await fuseOnCpu(stack, resolved));
        // The CPU engine is synchronous: let finished decodes and writes move on between stacks.
        await nextTurn();
      }
      return results;
    },
    close: async () => undefined,
  };
}

/**
 * As many fusion workers as the machine has cores: the main thread only schedules, and libvips'
 * decodes and encodes take a core whenever a worker waits. Measured on 2 busy cores (docs/batch.md
 * "Throughput": 639 FOVs, fused + depth): see the table there for 0 (main thread), 1 and 2 workers.
 * @example defaultCpuThreads() // => 16 on a 16-core machine, 2 on 2 cores
 */
export function defaultCpuThreads(): number {
  return Math.max(1, availableParallelism());
}

/** The CPU engine on `threads` workers, or on the main thread when that is 0 or workers cannot run here. */
async function openCpuEngine(threads: number, backend: BackendName, poolOptions: BatchEngineOptions['cpuPool']): Promise<BatchEngine> {
  const pool = threads > 0 ? await openCpuPool(threads, { ...poolOptions, reference: wantsReference(backend) }) : undefined;
  if (!pool) return mainThreadEngine(backend);
  return {
    describe: () => `cpu (${pool.fast ? 'wasm simd' : 'TypeScript reference'}), ${threads} worker thread${threads === 1 ? '' : 's'}`,
    batchSize: 1,
    // Two stacks per worker: the next one is there when a worker finishes, without a round trip to the main thread.
    parallel: 2 * threads,
    buffers: pool.buffers,
    async fuseMany(stacks, options) {
      const resolved = asResolvedOptions(options);
      return Promise.all(stacks.map((stack) => pool.fuse(stack, resolved).catch((error: Error) => error)));
    },
    close: () => pool.close(),
  };
}

/**
 * Opens the engine a batch runs on. `auto` means the GPU runtime when it starts on a hardware
 * adapter, else the CPU (a software adapter is slower than the CPU engine: {@link autoDeclines}); the
 * headless runtime, whose adapter is SwiftShader by its flags, is not even started for it
 * ({@link autoDeclinesUnstarted}).
 * @example
 * const engine = await openBatchEngine({ backend: 'webgpu', runtime: 'headless', fallback: 'cpu', warn: console.error });
 * const [result] = await engine.fuseMany([stack], resolveOptions({}));
 * await engine.close();
 * @throws FocusFuseError BACKEND when `webgpu` was asked for, its runtime cannot start and there is no CPU fallback.
 */
export async function openBatchEngine(options: BatchEngineOptions): Promise<BatchEngine> {
  const cpuThreads = options.cpuThreads ?? defaultCpuThreads();
  if (options.backend === 'cpu' || wantsReference(options.backend)) return openCpuEngine(cpuThreads, options.backend, options.cpuPool);
  const known = options.backend === 'auto' ? autoDeclinesUnstarted(options.runtime) : undefined;
  const { backend: backendLabel = 'backend', runtime: runtimeLabel = 'runtime' } = options.labels ?? {};
  if (known) {
    // auto is the batch's default and the CPU its outcome on every machine: one short note (the
    // summary names the engine), with the way to a GPU.
    options.log?.(`${backendLabel} auto: cpu (the headless runtime's WebGPU is software; ${runtimeLabel} node uses a GPU where there is one)`);
    return openCpuEngine(cpuThreads, 'cpu', options.cpuPool);
  }
  const open = options.openRuntime ?? ((name: GpuRuntimeName) => openGpuRuntime(name, { log: options.log }) as Promise<BatchGpuRuntime>);
  let gpu: BatchGpuRuntime;
  try {
    gpu = await open(options.runtime);
  } catch (error) {
    if (options.backend === 'auto' || options.fallback === 'cpu') {
      options.warn(`webgpu unavailable (${(error as Error).message}); fusing on the cpu`);
      return openCpuEngine(cpuThreads, 'cpu', options.cpuPool);
    }
    throw error;
  }
  const declined = options.backend === 'auto' ? autoDeclines(gpu) : undefined;
  if (declined) {
    options.warn(`${declined}; fusing on the cpu (${backendLabel} webgpu uses it anyway)`);
    await gpu.close();
    return openCpuEngine(cpuThreads, 'cpu', options.cpuPool);
  }
  return gpuEngine(gpu, options);
}

function gpuEngine(gpu: BatchGpuRuntime, options: BatchEngineOptions): BatchEngine {
  const maxRelaunches = options.maxRelaunches ?? 3;
  let relaunches = 0;
  /** Set when the runtime is beyond saving: the reason every later stack fails with (or goes to the CPU). */
  let lost: string | undefined;

  async function ensureAlive(): Promise<void> {
    if (lost || gpu.alive !== false) return;
    if (!gpu.relaunch || relaunches >= maxRelaunches) {
      lost = `the ${options.runtime} GPU runtime crashed ${relaunches + 1} times; giving it up`;
      options.warn(lost);
      return;
    }
    relaunches += 1;
    options.warn(`the ${options.runtime} GPU runtime crashed; relaunching it (${relaunches} of at most ${maxRelaunches})`);
    try {
      await gpu.relaunch();
    } catch (error) {
      lost = `the ${options.runtime} GPU runtime could not be relaunched (${(error as Error).message})`;
      options.warn(lost);
    }
  }

  async function fuseOne(stack: AnyZStack, resolved: ResolvedOptions): Promise<FuseResult | Error> {
    await ensureAlive();
    let failure: Error;
    if (lost) failure = new FocusFuseError('BACKEND', lost);
    else {
      try {
        return await gpu.fuse(stack, resolved);
      } catch (error) {
        failure = error as Error;
      }
    }
    if (options.fallback !== 'cpu') return failure;
    if (!lost) options.warn(`webgpu failed on ${stack.meta?.name ?? 'a stack'} (${failure.message}); redoing it on the cpu (--fallback cpu)`);
    return fuseOnCpu(stack, resolved);
  }

  return {
    describe: () => (lost && options.fallback === 'cpu' ? `${cpuBackend.describe()} (after: ${lost})` : gpu.describe()),
    batchSize: Math.max(1, options.gpuBatch ?? 8),
    parallel: 1,
    async fuseMany(stacks, fuseOptions) {
      const resolved = asResolvedOptions(fuseOptions);
      await ensureAlive();
      if (!lost && gpu.fuseBatch && stacks.length > 1) {
        try {
          return await gpu.fuseBatch(stacks, resolved);
        } catch (error) {
          // One bad stack fails the whole job and a crash loses it: redo it stack by stack so only
          // a stack that fails on its own is lost.
          options.log?.(`GPU job of ${stacks.length} stacks failed (${(error as Error).message}); redoing them one by one`);
        }
      }
      const results: (FuseResult | Error)[] = [];
      for (const stack of stacks) results.push(await fuseOne(stack, resolved));
      return results;
    },
    close: () => gpu.close(),
  };
}
