/** Image comparison helpers shared by the accuracy tests and the bench. */

/** PSNR in dB over the RGB channels of two RGBA8 images, optionally only where mask[i] is 1. */
export function psnrRgb(a: Uint8Array, b: Uint8Array, mask?: Uint8Array): number {
  let sum = 0;
  let count = 0;
  for (let i = 0, p = 0; i < a.length; i += 4, p++) {
    if (mask && !mask[p]) continue;
    for (let c = 0; c < 3; c++) {
      const d = a[i + c] - b[i + c];
      sum += d * d;
    }
    count += 3;
  }
  const mse = sum / Math.max(1, count);
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

/** Share of masked pixels whose |depth - truth| <= tolerance. */
export function shareWithin(depth: Float32Array, truth: Float32Array, mask: Uint8Array, tolerance: number): number {
  let hit = 0;
  let count = 0;
  for (let i = 0; i < depth.length; i++) {
    if (!mask[i]) continue;
    count++;
    if (Math.abs(depth[i] - truth[i]) <= tolerance) hit++;
  }
  return hit / Math.max(1, count);
}
