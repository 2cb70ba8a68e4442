/**
 * The alignment warp on the GPU (shaders/warp.wgsl): the planes of a stack resampled into the
 * reference frame by a WarpPlan (estimated on the CPU by planAlignment), as one submission before
 * the fusion's own: upload, warp, readback. The aligned planes then go through the engine like any
 * registered stack.
 */
import { brightnessMatched, planAlignment, type WarpPlan } from '../align/align-stack.js';
import type { AlignmentReport } from '../align/types.js';
import type { FuseResult, ResolvedOptions, ZStack } from '../core/types.js';
import { describeGpuError, gpuFault, messageOf } from './faults.js';
import { KERNELS } from './kernels.js';
import { packParams, PARAMS_BYTES } from './params.js';
import { kernelPipelines } from './pipelines.js';

/** Bytes of one PlaneWarp in warp.wgsl: mat3x3f (three 16-byte columns) + size, stride, rows. */
export const PLANE_WARP_BYTES = 64;

/** Packs the per-plane warps in warp.wgsl's PlaneWarp layout. */
function packWarps(stack: ZStack, plan: WarpPlan, planes: number[]): ArrayBuffer {
  const bytes = new ArrayBuffer(PLANE_WARP_BYTES * planes.length);
  const f32 = new Float32Array(bytes);
  const u32 = new Uint32Array(bytes);
  planes.forEach((z, i) => {
    const o = (i * PLANE_WARP_BYTES) / 4;
    // plan.transforms are wgpu-matrix mat3d: the same three padded columns as WGSL's mat3x3f.
    f32.set(plan.transforms[z], o);
    u32.set([plan.sizes[z].width, plan.sizes[z].height, stack.width, stack.height], o + 12);
  });
  return bytes;
}

/**
 * Runs the warp of `plan` on `device`; kept planes are passed through without GPU work.
 * @example const aligned = await warpOnGpu(device, stack, planAlignment(stack, { mode: 'similarity' }).warp!);
 * @throws FocusFuseError BACKEND naming the stack when the GPU fails.
 */
export async function warpOnGpu(device: GPUDevice, input: ZStack, plan: WarpPlan): Promise<ZStack> {
  const stack = brightnessMatched(input, plan);
  const name = stack.meta?.name ?? 'stack';
  const moved = stack.planes.flatMap((_, z) => (plan.keep[z] ? [] : [z]));
  const aligned: ZStack = { width: plan.width, height: plan.height, planes: stack.planes.slice() };
  if (plan.covered) aligned.covered = plan.covered;
  if (stack.meta !== undefined) aligned.meta = stack.meta;
  if (moved.length === 0) return aligned;
  const sourceBytes = 4 * stack.width * stack.height * moved.length;
  const warpedBytes = 4 * plan.width * plan.height * moved.length;
  const limit = device.limits.maxStorageBufferBindingSize;
  if (Math.max(sourceBytes, warpedBytes) > limit) {
    throw gpuFault([name], 'cannot warp this stack in one binding', `${Math.max(sourceBytes, warpedBytes)} bytes > ${limit}; use backend cpu`);
  }
  const { layout, pipelines } = await kernelPipelines(device, 'warp');
  const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const buffers: GPUBuffer[] = [];
  const create = (label: string, size: number, usage: GPUBufferUsageFlags): GPUBuffer => {
    const buffer = device.createBuffer({ label: `focusfuse.warp.${label}`, size, usage });
    buffers.push(buffer);
    return buffer;
  };
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let thrown: unknown;
  let readback: GPUBuffer | undefined;
  try {
    const params = create('params', PARAMS_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    const warps = create('warps', PLANE_WARP_BYTES * moved.length, storage);
    const source = create('source', sourceBytes, storage);
    const warped = create('warped', warpedBytes, storage);
    readback = create('readback', warpedBytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
    const zero = { window: 0, smooth_radius: 0, kept_start: 0, kept_end: plan.height, variance: 0, nearest: 0, tau: 0, log_eps: 0, weight_floor: 0 };
    device.queue.writeBuffer(params, 0, packParams({ ...zero, width: plan.width, height: plan.height, planes: moved.length }));
    device.queue.writeBuffer(warps, 0, packWarps(stack, plan, moved));
    moved.forEach((z, i) => device.queue.writeBuffer(source, 4 * stack.width * stack.height * i, stack.planes[z] as Uint8Array<ArrayBuffer>));
    const group = device.createBindGroup({
      label: KERNELS.warp.label,
      layout,
      entries: [params, warps, source, warped].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const encoder = device.createCommandEncoder({ label: 'focusfuse.warp' });
    const pass = encoder.beginComputePass({ label: 'focusfuse.warp' });
    pass.setPipeline(pipelines.main);
    pass.setBindGroup(0, group);
    const [x, y, z] = KERNELS.warp.dispatch({ width: plan.width, height: plan.height, layers: moved.length });
    pass.dispatchWorkgroups(x, y, z);
    pass.end();
    encoder.copyBufferToBuffer(warped, 0, readback, 0, warpedBytes);
    device.queue.submit([encoder.finish()]);
  } catch (error) {
    thrown = error;
  }
  const validation = await device.popErrorScope();
  const memory = await device.popErrorScope();
  try {
    const gpuError = validation ?? memory;
    if (gpuError) throw gpuFault([name], describeGpuError(gpuError));
    if (thrown !== undefined || !readback) throw gpuFault([name], 'failed to encode the warp', messageOf(thrown));
    await readback.mapAsync(GPUMapMode.READ);
    const bytes = new Uint8Array(readback.getMappedRange().slice(0));
    readback.unmap();
    const planeBytes = 4 * plan.width * plan.height;
    moved.forEach((z, i) => {
      aligned.planes[z] = bytes.subarray(planeBytes * i, planeBytes * (i + 1));
    });
    return aligned;
  } finally {
    for (const buffer of buffers) buffer.destroy();
  }
}

/** A stack after the alignment stage, with what to add to its result. */
export interface GpuAligned {
  stack: ZStack;
  report?: AlignmentReport;
  /** Wall milliseconds of the stage (estimate on the CPU + warp on the GPU). */
  ms: number;
  /** The stage ran on the CPU while the GPU fused: its time is inside the fusion's wall time already. */
  overlapped?: boolean;
}

/**
 * The alignment stage of the WebGPU engine: estimation on the CPU (planAlignment), warp on the GPU.
 * @example const { stack: aligned, report } = await alignOnGpu(device, stack, resolveOptions({ align: 'auto' }));
 */
export async function alignOnGpu(device: GPUDevice, stack: ZStack, options: ResolvedOptions): Promise<GpuAligned> {
  const t0 = performance.now();
  const { report, warp } = planAlignment(stack, { mode: options.align, reference: options.alignReference, crop: options.alignCrop, matchBrightness: options.alignMatchBrightness });
  if (!report) return { stack, ms: 0 };
  const t1 = performance.now();
  const aligned = warp ? await warpOnGpu(device, stack, warp) : stack;
  report.timings.warp = performance.now() - t1;
  return { stack: aligned, report, ms: performance.now() - t0 };
}

/** Adds the alignment report and its time to a result of the engine. */
export function withAlignment(result: FuseResult, aligned: GpuAligned): FuseResult {
  if (!aligned.report) return result;
  result.alignment = aligned.report;
  result.aligned = aligned.stack;
  result.timings = { align: aligned.ms, ...result.timings, total: (result.timings.total ?? 0) + (aligned.overlapped ? 0 : aligned.ms) };
  return result;
}
