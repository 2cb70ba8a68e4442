/**
 * WebGPU in Node without risking the caller: Dawn (npm `webgpu`) runs in a child process
 * (node-worker.ts), stacks and results cross over Node's IPC channel as binary (structured clone).
 * If the child dies (a native crash, a lost device, a hang past the timeout) the request is retried
 * on a fresh child, so a crash can cost time but never a batch's work or the caller's process.
 */
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FocusFuseError } from '../core/errors.js';
import { toRgba8Stack, validateStack } from '../core/stack.js';
import type { AnyZStack, FuseOptions, FuseResult, FusionBackend, ResolvedOptions, ZStack } from '../core/types.js';
import { asResolvedOptions } from '../core/options.js';
import type { AdapterDescription } from './adapter.js';
import { stackNames } from './faults.js';
import type { ParentMessage, WorkerConfig, WorkerMessage } from './node-protocol.js';
import { EXIT_DEVICE_LOST } from './node-protocol.js';

export interface NodeWebGpuOptions {
  /** Vulkan ICD file to use (sets VK_ICD_FILENAMES in the worker); default: search (see node-dawn.ts). */
  icd?: string;
  /** The worker bundle. Default: $FOCUSFUSE_GPU_WORKER, else gpu-worker.js next to this module (dist/). */
  workerScript?: string;
  /** Restarts of a crashed worker per request before giving up. Default 2. */
  retries?: number;
  /** A request running longer than this kills the worker (then it is retried). Default 10 minutes. */
  requestTimeoutMs?: number;
  /** Worker start-up (adapter and device) limit. Default 60 s. */
  startTimeoutMs?: number;
  /** Extra `node` flags for the worker. */
  nodeArgs?: string[];
  /** Environment of the worker. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Engine settings inside the worker (tiling, batching, timestamps, pool). */
  backend?: WorkerConfig['backend'];
  /** Turn off Dawn's robust buffer access in the worker (see node-dawn.ts): faster, default false. */
  disableRobustness?: boolean;
}

export interface NodeWebGpuBackend extends FusionBackend {
  readonly name: 'webgpu';
  readonly adapter: AdapterDescription;
  /** e.g. `node dawn (webgpu 0.6.2) via VK_ICD_FILENAMES=...` */
  readonly runtime: string;
  /** Worker restarts after crashes, so far. */
  readonly restarts: number;
  /** Process id of the current worker (undefined between a crash and the restart). */
  readonly workerPid: number | undefined;
  /** Fuses several stacks in one request; options as fuse() takes them (resolved here, so bad ones are refused before the worker sees them). */
  fuseBatch(stacks: AnyZStack[], options?: FuseOptions | ResolvedOptions): Promise<FuseResult[]>;
  dispose(): Promise<void>;
}

/** Where the worker bundle is looked for by default. */
export function defaultWorkerScript(): string {
  return process.env.FOCUSFUSE_GPU_WORKER ?? fileURLToPath(new URL('./gpu-worker.js', import.meta.url));
}

interface Ready {
  adapter: AdapterDescription;
  runtime: string;
  tried: string[];
}

/** The worker died (crash, kill, timeout) before answering. Retried by the supervisor. */
class WorkerDied extends Error {}

/** The worker started but found no adapter. Not retried: the machine will not change. */
class NoAdapter extends Error {}

const LOG_LINES = 30;
// Harmless noise from the Vulkan loader and Dawn on headless machines.
const NOISE = /XDG_RUNTIME_DIR|^\s*$/;

/** One child process running Dawn. */
class DawnWorker {
  readonly child: ChildProcess;
  readonly ready: Promise<Ready>;
  private readonly log: string[] = [];
  private pending?: { id: number; resolve: (r: FuseResult[]) => void; reject: (e: Error) => void };
  private nextId = 1;
  private exitReason?: string;
  private exited = false;

  constructor(script: string, config: WorkerConfig, options: NodeWebGpuOptions) {
    this.child = fork(script, [JSON.stringify(config)], {
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: options.nodeArgs ?? [],
      env: options.env ?? process.env,
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (text: string) => this.remember(text));
    }
    this.ready = new Promise<Ready>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.exitReason = `did not start within ${options.startTimeoutMs ?? 60_000} ms`;
        this.child.kill('SIGKILL');
      }, options.startTimeoutMs ?? 60_000);
      this.child.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          this.idle();
          resolve(message);
        } else if (message.type === 'unavailable') {
          clearTimeout(timer);
          reject(new NoAdapter(message.error));
        } else if (this.pending && message.id === this.pending.id) {
          const { resolve: done, reject: fail } = this.pending;
          this.pending = undefined;
          this.idle();
          if (message.type === 'result') done(message.results);
          else fail(new FocusFuseError(message.error.code, message.error.message, message.error.file));
        }
      });
      this.child.on('exit', (code, signal) => {
        this.exited = true;
        clearTimeout(timer);
        const why = this.exitReason ?? (code === EXIT_DEVICE_LOST ? 'its GPU device was lost' : signal ? `it was killed by ${signal}` : `it exited with code ${code}`);
        const error = new WorkerDied(`${why}${this.logTail()}`);
        reject(error);
        this.pending?.reject(error);
        this.pending = undefined;
      });
    });
    this.ready.catch(() => undefined);
    this.busy();
  }

  fuse(stacks: ZStack[], options: ResolvedOptions, timeoutMs: number): Promise<FuseResult[]> {
    return new Promise<FuseResult[]>((resolve, reject) => {
      // A worker that died while idle (OOM killer, ...) is restarted like one that died mid-request.
      if (this.exited || !this.child.connected) return reject(new WorkerDied(`it had exited${this.logTail()}`));
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.exitReason = `it did not answer within ${timeoutMs} ms`;
        this.child.kill('SIGKILL');
      }, timeoutMs);
      const settle = <T>(f: (v: T) => void) => (v: T) => {
        clearTimeout(timer);
        f(v);
      };
      this.pending = { id, resolve: settle(resolve), reject: settle(reject) };
      this.busy();
      const message: ParentMessage = { type: 'fuse', id, stacks, options };
      this.child.send(message, (error) => {
        if (!error || this.pending?.id !== id) return;
        const failed = this.pending;
        this.pending = undefined;
        this.child.kill('SIGKILL');
        failed.reject(new WorkerDied(`sending the request failed: ${error.message}`));
      });
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    const message: ParentMessage = { type: 'close' };
    if (this.child.connected) this.child.send(message);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  private remember(text: string): void {
    for (const line of text.split('\n')) if (!NOISE.test(line)) this.log.push(line);
    this.log.splice(0, Math.max(0, this.log.length - LOG_LINES));
  }

  private logTail(): string {
    return this.log.length ? `; its last output: ${this.log.slice(-8).join(' | ')}` : '';
  }

  // An idle worker must not keep the caller's process alive.
  private idle(): void {
    this.child.unref();
    (this.child.channel as { unref?: () => void } | undefined)?.unref?.();
    for (const s of [this.child.stdout, this.child.stderr]) (s as { unref?: () => void } | null)?.unref?.();
  }

  private busy(): void {
    this.child.ref();
    (this.child.channel as { ref?: () => void } | undefined)?.ref?.();
  }
}

/**
 * A FusionBackend running the WebGPU engine on Dawn in a child process. Resolves once the worker has
 * an adapter and a device; rejects (FocusFuseError BACKEND) when none can be found.
 * @example
 * const gpu = await createNodeWebGpuBackend();
 * console.log(gpu.describe()); // webgpu (node dawn (webgpu 0.6.2) via VK_ICD_FILENAMES=..., google swiftshader ...)
 * const result = await fuse(stack, { measure: 'lapv' }, gpu);
 * await gpu.dispose();
 */
export async function createNodeWebGpuBackend(options: NodeWebGpuOptions = {}): Promise<NodeWebGpuBackend> {
  const script = options.workerScript ?? defaultWorkerScript();
  if (!existsSync(script)) {
    throw new FocusFuseError('BACKEND', `the WebGPU worker bundle ${script} is missing (run \`npm run build\`, or pass workerScript / set FOCUSFUSE_GPU_WORKER)`);
  }
  const retries = options.retries ?? 2;
  const timeoutMs = options.requestTimeoutMs ?? 600_000;
  const config: WorkerConfig = { icd: options.icd, backend: options.backend, disableRobustness: options.disableRobustness };
  let worker: DawnWorker | undefined;
  let restarts = 0;
  let disposed = false;

  async function start(): Promise<{ worker: DawnWorker; ready: Ready }> {
    for (let attempt = 0; ; attempt++) {
      const candidate = new DawnWorker(script, config, options);
      try {
        return { worker: candidate, ready: await candidate.ready };
      } catch (error) {
        if (error instanceof NoAdapter) throw new FocusFuseError('BACKEND', `no WebGPU adapter in Node: ${error.message}`);
        if (attempt >= retries) throw new FocusFuseError('BACKEND', `the WebGPU worker failed to start ${attempt + 1} times: ${(error as Error).message}`);
        restarts++;
      }
    }
  }

  const first = await start();
  worker = first.worker;
  const { adapter, runtime } = first.ready;

  let tail: Promise<unknown> = Promise.resolve();
  async function fuseBatch(input: AnyZStack[], given?: FuseOptions | ResolvedOptions): Promise<FuseResult[]> {
    if (disposed) throw new FocusFuseError('BACKEND', 'this WebGPU backend was disposed');
    const fuseOptions = asResolvedOptions(given);
    const stacks = input.map((stack) => toRgba8Stack(validateStack(stack))); // 8-bit kernels: see README "High bit depth"
    const names = stacks.map((s) => s.meta?.name ?? 'stack');
    const run = tail.then(async () => {
      for (let attempt = 0; ; attempt++) {
        worker ??= (await start()).worker;
        try {
          return await worker.fuse(stacks, fuseOptions, timeoutMs);
        } catch (error) {
          if (!(error instanceof WorkerDied)) throw error;
          worker = undefined;
          restarts++;
          if (attempt >= retries) {
            throw new FocusFuseError('BACKEND', `the WebGPU worker died ${attempt + 1} times while fusing (last: ${error.message})`, stackNames(names));
          }
        }
      }
    });
    tail = run.catch(() => undefined);
    return run;
  }

  return {
    name: 'webgpu',
    // Stacks cross to the worker by structured clone, planeSizes included; its engine aligns.
    aligns: true,
    adapter,
    software: adapter.software,
    runtime,
    get restarts() {
      return restarts;
    },
    get workerPid() {
      return worker?.child.pid;
    },
    describe: () => `webgpu (${runtime}, ${adapter.summary})`,
    fuse: async (stack, fuseOptions) => (await fuseBatch([stack], fuseOptions))[0],
    fuseBatch,
    async dispose() {
      disposed = true;
      await tail;
      await worker?.close();
      worker = undefined;
    },
  };
}

/**
 * What `focusfuse info` prints about WebGPU in Node: the adapter Dawn finds (in a throwaway worker),
 * or why there is none.
 * @example const probe = await probeNodeWebGpu(); console.log('error' in probe ? probe.error : probe.summary);
 */
export async function probeNodeWebGpu(options: NodeWebGpuOptions = {}): Promise<(AdapterDescription & { runtime: string }) | { error: string }> {
  try {
    const backend = await createNodeWebGpuBackend({ ...options, retries: options.retries ?? 0 });
    await backend.dispose();
    return { ...backend.adapter, runtime: backend.runtime };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
