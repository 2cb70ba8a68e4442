/**
 * Device acquisition shared by every runtime (browser page, headless Chromium, Dawn in Node):
 * ask for the adapter's own buffer limits (the defaults, 128 MiB bindings, would tile sooner than
 * needed) and for timestamp queries where the adapter has them.
 */

/**
 * Requests a device fit for the engine from an adapter.
 * @example
 * const adapter = await navigator.gpu.requestAdapter();
 * const device = await requestFusionDevice(adapter!);
 */
export async function requestFusionDevice(adapter: GPUAdapter, label = 'focusfuse'): Promise<GPUDevice> {
  const requiredFeatures: GPUFeatureName[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  return adapter.requestDevice({
    label,
    requiredFeatures,
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
  });
}
