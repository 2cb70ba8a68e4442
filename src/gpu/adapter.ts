/**
 * What a WebGPU adapter is, in the words `focusfuse info` and the bench print. Timings are only
 * comparable on the same adapter, so every report carries this.
 */

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for software rasterisers (SwiftShader, lavapipe/llvmpipe, WARP) and fallback adapters. */
  software: boolean;
  /** Whether GPU timestamps can time the stages (feature `timestamp-query`). */
  timestamps: boolean;
  /** The limits that decide tiling and batching. */
  limits: {
    maxBufferSize: number;
    maxStorageBufferBindingSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxComputeWorkgroupsPerDimension: number;
    maxStorageBuffersPerShaderStage: number;
  };
  /** One line, e.g. `google swiftshader (SwiftShader driver 5.0.0), software`. */
  summary: string;
}

/** Names of software rasterisers in adapter info. */
export const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|warp|microsoft basic render/i;

/**
 * Describes an adapter: vendor, architecture, device, software or not, key limits.
 * @example
 * const adapter = await navigator.gpu.requestAdapter();
 * console.log(describeAdapter(adapter).summary); // "google swiftshader (SwiftShader driver 5.0.0), software"
 */
export function describeAdapter(adapter: GPUAdapter): AdapterDescription {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const legacyFallback = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
  const vendor = info.vendor ?? '';
  const architecture = info.architecture ?? '';
  const device = info.device ?? '';
  const description = info.description ?? '';
  const software = info.isFallbackAdapter === true || legacyFallback === true || SOFTWARE_ADAPTER.test(`${vendor} ${architecture} ${device} ${description}`);
  const l = adapter.limits;
  const name = [vendor, architecture].filter(Boolean).join(' ') || 'unknown adapter';
  const detail = description || device;
  return {
    vendor,
    architecture,
    device,
    description,
    software,
    timestamps: adapter.features.has('timestamp-query'),
    limits: {
      maxBufferSize: l.maxBufferSize,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    },
    summary: `${name}${detail ? ` (${detail})` : ''}${software ? ', software' : ''}`,
  };
}
