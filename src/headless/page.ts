/// <reference types="@webgpu/types" />
/**
 * Browser entry of the headless runtime (bundled by esbuild, WGSL inlined). It owns the WebGPU
 * device and runs jobs on request: Node calls `focusfuse.runJob(id)` through puppeteer, the page
 * fetches the job's binary input from the local server, fuses every stack in it and posts the
 * binary result back (see protocol.ts). Node keeps the jobs; the page keeps nothing between them.
 */
import type { FuseResult, FusionBackend, ResolvedOptions, ZStack } from '../core/types.js';
import { cpuBackend } from '../cpu/backend.js';
import { createWebGpuBackend, describeAdapter, requestFusionDevice, type AdapterDescription } from '../gpu/index.js';
import { readInputJob, resultJobParts, type JobSummary, type StackFailure } from './protocol.js';

/** Which engine the page runs: WebGPU normally; the CPU reference to test the transport alone. */
export type PageEngineName = 'webgpu' | 'cpu';

/** What the page exposes to Node as `globalThis.focusfuse`. */
export interface PageApi {
  /** Acquires the adapter and device (for `webgpu`) and creates the engine; returns the adapter, or null for `cpu`. */
  init(engine: PageEngineName, runtime: string): Promise<AdapterDescription | null>;
  /** Runs one job end to end; resolves once the result has been posted. */
  runJob(id: string): Promise<JobSummary>;
}

type BatchEngine = FusionBackend & { fuseBatch?(stacks: ZStack[], options: ResolvedOptions): Promise<FuseResult[]> };

let engine: BatchEngine | undefined;
let device: GPUDevice | undefined;
/** Set once the device is lost; every later job fails fast with it. */
let lostReason: string | undefined;

async function init(engineName: PageEngineName, runtime: string): Promise<AdapterDescription | null> {
  if (engineName === 'cpu') {
    engine = cpuBackend;
    return null;
  }
  if (!navigator.gpu) {
    throw new Error('navigator.gpu is missing: this Chromium has WebGPU off (flags) or the page is not a secure context');
  }
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('navigator.gpu.requestAdapter() returned no adapter (no usable Vulkan/SwiftShader here)');
  const description = describeAdapter(adapter);
  device = await requestFusionDevice(adapter);
  device.lost.then((info) => {
    lostReason = `${info.reason}: ${info.message}`;
    console.error(`WebGPU device lost (${lostReason})`);
  });
  device.addEventListener('uncapturederror', (event) => console.error(`WebGPU error: ${event.error.message}`));
  engine = createWebGpuBackend(device, { runtime, adapter: description.summary, software: description.software });
  return description;
}

/**
 * After an engine error: was it the device going away? `device.lost` can settle a moment after the
 * failing call, so give it a short grace period before blaming the stack.
 */
async function deviceLostAfterError(): Promise<string | undefined> {
  if (device && !lostReason) await Promise.race([device.lost, new Promise((resolve) => setTimeout(resolve, 200))]);
  return lostReason && `WebGPU device lost (${lostReason})`;
}

/**
 * Fuses a job's stacks; a failing stack becomes a failure entry instead of failing its neighbours.
 * A batch engine gets the whole job at once (it overlaps uploads with compute); if that throws,
 * the stacks are retried one by one so the error names the stack that caused it.
 */
async function fuseAll(stacks: ZStack[], options: ResolvedOptions): Promise<Array<FuseResult | StackFailure>> {
  const active = engine;
  if (!active) throw new Error('the page was not initialised (init() was not called or failed)');
  if (active.fuseBatch && stacks.length > 1) {
    try {
      return await active.fuseBatch(stacks, options);
    } catch {
      const lost = await deviceLostAfterError();
      if (lost) throw new Error(lost);
    }
  }
  const outcomes: Array<FuseResult | StackFailure> = [];
  for (const stack of stacks) {
    try {
      outcomes.push(await active.fuse(stack, options));
    } catch (error) {
      const lost = await deviceLostAfterError();
      if (lost) throw new Error(lost);
      outcomes.push({ name: stack.meta?.name ?? 'stack', message: (error as Error).message });
    }
  }
  return outcomes;
}

async function runJob(id: string): Promise<JobSummary> {
  if (lostReason) return { fatal: `WebGPU device lost (${lostReason})` };
  const t0 = performance.now();
  const response = await fetch(`/job/${id}/input`);
  if (!response.ok) throw new Error(`fetching job input failed: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const t1 = performance.now();
  const { options, stacks } = readInputJob(bytes);
  const t2 = performance.now();
  let outcomes: Array<FuseResult | StackFailure>;
  try {
    outcomes = await fuseAll(stacks, options);
  } catch (error) {
    return { fatal: (error as Error).message };
  }
  const t3 = performance.now();
  const parts = resultJobParts(outcomes, { fetchMs: t1 - t0, decodeMs: t2 - t1, fuseMs: t3 - t2 });
  const posted = await fetch(`/job/${id}/result`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: new Blob(parts as BlobPart[]),
  });
  if (!posted.ok) throw new Error(`posting job result failed: HTTP ${posted.status}`);
  return {};
}

const api: PageApi = { init, runJob };
(globalThis as unknown as { focusfuse: PageApi }).focusfuse = api;
