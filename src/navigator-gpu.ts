/**
 * Where a page has WebGPU (navigator.gpu), `backend: 'webgpu' | 'auto'` uses it without any set-up:
 * one adapter and device per page, asked for on first use and kept. Browser-safe.
 */
import type { FusionBackend } from './core/types.js';
import { describeAdapter } from './gpu/adapter.js';
import { createWebGpuBackend } from './gpu/backend.js';
import { requestFusionDevice } from './gpu/device.js';

let pending: Promise<FusionBackend | undefined> | undefined;

async function open(gpu: GPU): Promise<FusionBackend | undefined> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return undefined;
  const device = await requestFusionDevice(adapter);
  // A lost device must not be reused: the next call asks for a fresh one.
  void device.lost.then(() => {
    pending = undefined;
  });
  const description = describeAdapter(adapter);
  return createWebGpuBackend(device, { runtime: 'browser', adapter: description.summary, software: description.software });
}

/**
 * Resolves the page's WebGPU backend, or undefined where navigator.gpu is missing or gives no adapter.
 * @example const gpu = await navigatorGpuBackend(); if (gpu) await fuse(stack, {}, gpu);
 */
export function navigatorGpuBackend(): Promise<FusionBackend | undefined> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) return Promise.resolve(undefined);
  pending ??= open(gpu).catch(() => undefined);
  return pending;
}
