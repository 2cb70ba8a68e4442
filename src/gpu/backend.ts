/**
 * The WebGPU engine as a FusionBackend. It runs in any WebGPU implementation (browser, headless
 * Chromium, Dawn in Node): it only needs a GPUDevice. Stacks are planned into band jobs (one per
 * stack unless a stack must be tiled), jobs are packed into submissions under a memory budget, and
 * each submission is one command buffer: upload, compute, readback.
 */
import { toRgba8Stack, validateStack } from '../core/stack.js';
import type { AnyZStack, FuseOptions, FuseResult, FusionBackend, ResolvedOptions, ZStack } from '../core/types.js';
import { asResolvedOptions } from '../core/options.js';
import { FocusFuseError } from '../core/errors.js';
import type { BufferPool, BufferPoolOptions } from './buffer-pool.js';
import { createBufferPool } from './buffer-pool.js';
import type { EncodedJob, JobPipelines } from './band-job.js';
import { STAGES, bandJobBytes, encodeBandJob, loadJobPipelines } from './band-job.js';
import { SOFTWARE_ADAPTER } from './adapter.js';
import { describeGpuError, gpuFault, messageOf } from './faults.js';
import { SMOOTH_ACROSS, TILE, checkGpuModes, measureKernelFor } from './kernels.js';
import type { Band } from './plan.js';
import { planBands } from './plan.js';
import type { StackState } from './stack-state.js';
import { addTime, createStackState, finishStack, prepareHalosReadback } from './stack-state.js';
import type { StageTimer } from './timer.js';
import { MAX_QUERIES, createStageTimer } from './timer.js';
import { planAlignment, previewFactor, type WarpPlan } from '../align/align-stack.js';
import type { AlignmentReport } from '../align/types.js';
import { alignOnGpu, warpOnGpu, withAlignment, type GpuAligned } from './warp-pass.js';

export interface WebGpuBackendOptions {
  /** What hosts the device, e.g. `browser`, `node (dawn)`, `headless chromium`. Default `browser`. */
  runtime?: string;
  /** Adapter summary for reports (see describeAdapter). */
  adapter?: string;
  /**
   * Largest storage binding a band may use, in bytes; bigger stacks are tiled into bands.
   * Default: the device's maxStorageBufferBindingSize, at most 256 MiB (it bounds memory per band).
   */
  maxBindingBytes?: number;
  /** GPU memory budget of one submission (several stacks per submission). Default 512 MiB. */
  maxBatchBytes?: number;
  /** Time stages with timestamp queries when the device has them. Default true. */
  timestamps?: boolean;
  /**
   * Stage the windowed passes in workgroup memory (the kernels' `SHARED` constant). Default: true,
   * except on software adapters (SwiftShader, lavapipe: as told by `software`, else by
   * device.adapterInfo or the `adapter` summary), where workgroup barriers cost 10-50x.
   */
  workgroupMemory?: boolean;
  /** Whether the adapter is a software rasteriser (see describeAdapter); decides workgroupMemory. */
  software?: boolean;
  /** Buffer pool settings. */
  pool?: BufferPoolOptions;
}

export interface WebGpuBackend extends FusionBackend {
  readonly name: 'webgpu';
  readonly device: GPUDevice;
  /** Fuses several stacks with the same options (partial ones are resolved, as by fuse), packing them into as few submissions as the budget allows. */
  fuseBatch(stacks: AnyZStack[], options?: FuseOptions | ResolvedOptions): Promise<FuseResult[]>;
}

interface Job {
  state: StackState;
  band: Band;
  bytes: number;
}

/** Stacks per submission are also bounded by the timestamp query set (2 queries per stage pass). */
const MAX_JOBS_PER_SUBMISSION = Math.floor(MAX_QUERIES / (2 * STAGES.length));

/** Groups jobs in order into submissions of at most `budget` bytes (a bigger job goes alone). */
export function packSubmissions<T extends { bytes: number }>(jobs: T[], budget: number, maxJobs = MAX_JOBS_PER_SUBMISSION): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const job of jobs) {
    if (current.length > 0 && (bytes + job.bytes > budget || current.length >= maxJobs)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(job);
    bytes += job.bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * A FusionBackend on a GPUDevice. Pipelines are cached per device and buffers are pooled, so fusing
 * many stacks of one size compiles and allocates nothing after the first.
 * @param device a device from requestFusionDevice (or any device; limits then are the defaults).
 * @param options runtime/adapter names for reports, tiling and batching budgets.
 * @example
 * const adapter = await navigator.gpu.requestAdapter();
 * const device = await requestFusionDevice(adapter);
 * const gpu = createWebGpuBackend(device, { runtime: 'browser', adapter: describeAdapter(adapter).summary });
 * const result = await fuse(stack, { measure: 'teng' }, gpu);
 */
export function createWebGpuBackend(device: GPUDevice, options: WebGpuBackendOptions = {}): WebGpuBackend {
  const runtime = options.runtime ?? 'browser';
  const adapter = options.adapter ?? adapterFromDevice(device);
  const limits = device.limits;
  const maxBindingBytes = Math.min(
    options.maxBindingBytes ?? 256 * 2 ** 20,
    limits.maxStorageBufferBindingSize,
    limits.maxBufferSize,
  );
  const maxBatchBytes = options.maxBatchBytes ?? 512 * 2 ** 20;
  const timestamps = (options.timestamps ?? true) && device.features.has('timestamp-query');
  const software = options.software ?? (softwareFromDevice(device) || SOFTWARE_ADAPTER.test(adapter ?? ''));
  const shared = options.workgroupMemory ?? !software;
  const pool: BufferPool = createBufferPool(device, options.pool);
  const backendInfo: FuseResult['backend'] = { name: 'webgpu', runtime, adapter };
  let lost: GPUDeviceLostInfo | undefined;
  device.lost.then((info) => {
    lost = info;
  });
  // One submission at a time: error scopes and the pool stay simple, and the GPU serialises anyway.
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task);
    tail = run.catch(() => undefined);
    return run;
  };

  const lostError = (names: string[]): FocusFuseError =>
    gpuFault(names, `device was lost (${lost?.reason ?? 'unknown'})`, lost?.message?.trim() || undefined);

  function planJobs(state: StackState): Job[] {
    const { width, height, planes } = state.stack;
    const maxWidth = limits.maxComputeWorkgroupsPerDimension * Math.min(TILE, SMOOTH_ACROSS);
    if (width > maxWidth) {
      throw gpuFault([state.name], `cannot fuse an image wider than ${maxWidth} pixels`, `received ${width}`);
    }
    let bands: Band[];
    try {
      bands = planBands({
        width,
        height,
        planes: planes.length,
        channels: measureKernelFor(state.options.measure).channels,
        window: state.options.window,
        sigma: state.options.sigma,
        depthMode: state.options.depthMode,
        maxBindingBytes,
        composite: state.options.composite,
      });
    } catch (error) {
      throw gpuFault([state.name], 'cannot tile this stack', messageOf(error));
    }
    state.bands = bands.length;
    prepareHalosReadback(state, bands.length);
    return bands.map((band) => ({ state, band, bytes: bandJobBytes(state, band) }));
  }

  async function runSubmission(jobs: Job[], pipelines: JobPipelines): Promise<void> {
    const names = [...new Set(jobs.map((j) => j.state.name))];
    if (lost) throw lostError(names);
    const t0 = performance.now();
    let t1 = t0;
    const encoded: EncodedJob[] = [];
    let timer: StageTimer | undefined;
    let thrown: unknown;
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    try {
      const encoder = device.createCommandEncoder({ label: 'focusfuse.submission' });
      timer = timestamps ? createStageTimer(device, pool, jobs.length, STAGES.length) : undefined;
      jobs.forEach((job, i) => encoded.push(encodeBandJob(device, pool, pipelines, job.state, job.band, encoder, timer, i)));
      timer?.resolve(encoder);
      device.queue.submit([encoder.finish({ label: 'focusfuse.submission' })]);
      t1 = performance.now();
    } catch (error) {
      thrown = error;
    }
    const validation = device.popErrorScope();
    const memory = device.popErrorScope();
    const release = (): void => {
      for (const job of encoded) job.release();
      timer?.release();
    };
    try {
      const gpuError = (await validation) ?? (await memory);
      if (gpuError) throw gpuFault(names, describeGpuError(gpuError));
      if (thrown !== undefined) throw gpuFault(names, 'failed to encode the work', messageOf(thrown));
      await device.queue.onSubmittedWorkDone();
      const t2 = performance.now();
      await Promise.all(encoded.map((job) => job.readback.mapAsync(GPUMapMode.READ, 0, job.readbackBytes)));
      encoded.forEach((job) => {
        job.collect(job.readback.getMappedRange(0, job.readbackBytes));
        job.readback.unmap();
      });
      const stageTimes = timer ? await timer.read() : [];
      const t3 = performance.now();
      jobs.forEach((job, i) => {
        for (const [stage, ms] of Object.entries(stageTimes[i] ?? {})) addTime(job.state.gpuTimes, stage, ms);
        addTime(job.state.wallTimes, 'upload', (t1 - t0) / jobs.length);
        addTime(job.state.wallTimes, 'compute', (t2 - t1) / jobs.length);
        addTime(job.state.wallTimes, 'readback', (t3 - t2) / jobs.length);
      });
      release();
    } catch (error) {
      // Buffers of a failed submission may be invalid or still mapped: drop them, and free the pool
      // too (an out-of-memory error is the likely cause).
      for (const job of encoded) {
        if (job.readback.mapState === 'mapped') job.readback.unmap();
      }
      release();
      pool.clear();
      if (lost) throw lostError(names);
      if (error instanceof FocusFuseError) throw error;
      throw gpuFault(names, 'failed while fusing', messageOf(error));
    }
  }

  /** Fuses stacks as they are: band jobs packed into submissions under the memory budget. */
  async function fuseStacks(stacks: ZStack[], options: ResolvedOptions): Promise<FuseResult[]> {
    const states = stacks.map((stack) => createStackState(stack, options));
    const jobs = states.flatMap(planJobs);
    await serial(async () => {
      let pipelines: JobPipelines;
      try {
        pipelines = await loadJobPipelines(device, options.measure, shared, options.depthMode);
      } catch (error) {
        throw gpuFault(states.map((s) => s.name), 'could not build its kernels', messageOf(error));
      }
      for (const chunk of packSubmissions(jobs, maxBatchBytes)) await runSubmission(chunk, pipelines);
    });
    return states.map((state) => finishStack(state, backendInfo));
  }

  async function fuseBatch(input: AnyZStack[], given?: FuseOptions | ResolvedOptions): Promise<FuseResult[]> {
    const options = asResolvedOptions(given);
    const stacks = input.map((stack) => toRgba8Stack(validateStack(stack))); // 8-bit kernels: see README "High bit depth"

    measureKernelFor(options.measure); // a CPU-only measure fails here, clearly, before any GPU work
    checkGpuModes(options); // so does a CPU-only depth or composite mode
    if (options.align === 'auto' && !options.alignCrop && stacks.every((s) => previewFactor(s) > 0)) return fuseAuto(stacks, options);
    // Alignment first (CPU estimate, GPU warp): the band jobs then see registered planes.
    const aligned: GpuAligned[] = [];
    await serial(async () => {
      if (lost) throw lostError(stacks.map((s) => s.meta?.name ?? 'stack'));
      for (const stack of stacks) aligned.push(await alignOnGpu(device, stack, options));
    });
    const results = await fuseStacks(aligned.map((a) => a.stack), options);
    return results.map((result, i) => withAlignment(result, aligned[i]));
  }

  /**
   * auto, overlapped with the GPU: the planes as given are fused while the CPU decides
   * (planAlignment) whether any must move, so on a registered stack, the usual case, auto adds no
   * wall time wherever the GPU rather than the CPU is the bottleneck. A stack that must move is
   * warped and fused again, and its first result dropped.
   */
  async function fuseAuto(stacks: ZStack[], options: ResolvedOptions): Promise<FuseResult[]> {
    const speculative = fuseStacks(stacks, options);
    speculative.catch(() => undefined); // awaited below, also when the estimate throws first
    // Let the submission reach the GPU before the CPU is busy with the estimate.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const plans: { report: AlignmentReport; warp?: WarpPlan; ms: number }[] = [];
    try {
      for (const stack of stacks) {
        const t0 = performance.now();
        const { report, warp } = planAlignment(stack, { mode: 'auto', reference: options.alignReference, matchBrightness: options.alignMatchBrightness });
        plans.push({ report: report!, ...(warp ? { warp } : {}), ms: performance.now() - t0 });
      }
    } catch (error) {
      await speculative.catch(() => undefined);
      throw error;
    }
    const results = await speculative;
    for (const [i, { report, warp, ms }] of plans.entries()) {
      if (!warp) {
        results[i] = withAlignment(results[i], { stack: stacks[i], report, ms, overlapped: true });
        continue;
      }
      const t1 = performance.now();
      const moved = await serial(() => warpOnGpu(device, stacks[i], warp));
      report.timings.warp = performance.now() - t1;
      [results[i]] = await fuseStacks([moved], options);
      results[i] = withAlignment(results[i], { stack: moved, report, ms: ms + report.timings.warp });
    }
    return results;
  }

  return {
    name: 'webgpu',
    aligns: true,
    software,
    device,
    describe: () => `webgpu (${runtime}${adapter ? `, ${adapter}` : ''})`,
    fuse: async (stack, options) => (await fuseBatch([stack], options))[0],
    fuseBatch,
    dispose: () => pool.clear(),
  };
}

/** Whether GPUDevice.adapterInfo (where the implementation has it) names a software adapter. */
function softwareFromDevice(device: GPUDevice): boolean {
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo & { isFallbackAdapter?: boolean } }).adapterInfo;
  if (!info) return false;
  return info.isFallbackAdapter === true || SOFTWARE_ADAPTER.test(`${info.vendor} ${info.architecture} ${info.device} ${info.description}`);
}

/** Adapter summary from GPUDevice.adapterInfo where the implementation has it. */
function adapterFromDevice(device: GPUDevice): string | undefined {
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  if (!info) return undefined;
  return [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || undefined;
}
