/**
 * Dawn's Node bindings (npm `webgpu`) in THIS process: adapter search, device, and the one rule that
 * keeps dawn.node from crashing (see docs/webgpu.md, "The dawn.node crash"): the GPU object returned
 * by `create()` owns the native instance, and devices do not keep it alive. If it is garbage
 * collected while a device is in use, the next event processing touches freed memory (segfault,
 * "futex facility returned an unexpected error code", std::system_error). So every instance that
 * has a device is pinned here until that device is closed.
 *
 * Use this from the worker process (node-worker.ts); node-runtime.ts runs that worker so a native
 * crash can never take the caller down.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AdapterDescription } from './adapter.js';
import { describeAdapter } from './adapter.js';
import { requestFusionDevice } from './device.js';

/** Software Vulkan drivers tried, in order, when the default Vulkan setup has no adapter (Linux). */
export const SOFTWARE_VULKAN_ICDS = [
  '/usr/lib/chromium/vk_swiftshader_icd.json', // Debian `chromium`
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json', // Ubuntu, Alpine
  '/opt/google/chrome/vk_swiftshader_icd.json', // Google Chrome
  '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json', // Mesa lavapipe (Dawn needs Mesa >= 23-ish)
  '/usr/share/vulkan/icd.d/lvp_icd.aarch64.json',
  '/usr/share/vulkan/icd.d/lvp_icd.json',
];

export interface DawnDevice {
  adapter: GPUAdapter;
  device: GPUDevice;
  description: AdapterDescription;
  /** e.g. `node dawn (webgpu 0.6.2) via VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json`. */
  runtime: string;
  /** The Vulkan ICD file used, when one had to be chosen. */
  icd?: string;
  /** Adapters tried, with why they were passed over (for error messages and `focusfuse info`). */
  tried: string[];
  /** Destroys the device and unpins the instance. */
  close(): void;
}

export interface DawnDeviceOptions {
  /** Use this Vulkan ICD file (sets VK_ICD_FILENAMES); default: the environment's, then SOFTWARE_VULKAN_ICDS. */
  icd?: string;
  /** Candidate ICD files when the default has no adapter. */
  candidates?: string[];
  /**
   * Turn off Dawn's robust buffer access (bounds clamping on every storage access). 1.5-2x faster
   * on SwiftShader (measured); safe only because every kernel clamps its own indices and the
   * parity tests cover odd shapes. Default false.
   */
  disableRobustness?: boolean;
}

// Instances with a live device. Never let one be collected before its device is closed.
const pinned = new Set<GPU>();

function webgpuVersion(): string {
  try {
    return (createRequire(import.meta.url)('webgpu/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * Finds an adapter and opens a device with Dawn in this process.
 * @throws Error listing every adapter source tried when none works.
 * @example
 * const dawn = await openDawnDevice();
 * const backend = createWebGpuBackend(dawn.device, { runtime: dawn.runtime, adapter: dawn.description.summary });
 * // ...
 * dawn.close();
 */
export async function openDawnDevice(options: DawnDeviceOptions = {}): Promise<DawnDevice> {
  const { create, globals } = await import('webgpu');
  // The engine uses the WebGPU globals (GPUBufferUsage, GPUMapMode, ...) as a browser would.
  for (const [key, value] of Object.entries(globals)) {
    if (!(key in globalThis)) Object.defineProperty(globalThis, key, { value, configurable: true, writable: true });
  }
  const sources: (string | undefined)[] = options.icd
    ? [options.icd]
    : [undefined, ...(process.platform === 'linux' && !process.env.VK_ICD_FILENAMES ? (options.candidates ?? SOFTWARE_VULKAN_ICDS) : [])];
  const tried: string[] = [];
  for (const icd of sources) {
    if (icd !== undefined && !existsSync(icd)) continue;
    if (icd !== undefined) process.env.VK_ICD_FILENAMES = icd;
    const label = icd ? `VK_ICD_FILENAMES=${icd}` : `default${process.env.VK_ICD_FILENAMES ? ` (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES})` : ''}`;
    const gpu = create(options.disableRobustness ? ['enable-dawn-features=allow_unsafe_apis,disable_robustness'] : []);
    const adapter = await gpu.requestAdapter();
    if (!adapter) {
      tried.push(`${label}: no adapter`);
      continue;
    }
    pinned.add(gpu);
    try {
      const device = await requestFusionDevice(adapter);
      const description = describeAdapter(adapter);
      let closed = false;
      return {
        adapter,
        device,
        description,
        runtime: `node dawn (webgpu ${webgpuVersion()}${options.disableRobustness ? ', robustness off' : ''})${icd ? ` via ${label}` : ''}`,
        icd,
        tried,
        close() {
          if (closed) return;
          closed = true;
          device.destroy();
          pinned.delete(gpu);
        },
      };
    } catch (error) {
      pinned.delete(gpu);
      tried.push(`${label}: requestDevice failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  throw new Error(`no WebGPU adapter found by Dawn (tried ${tried.length ? tried.join('; ') : 'nothing'})`);
}
