/**
 * Child-process entry of test/gpu-dawn.test.ts (bundled by the test, run with --expose-gc):
 *   lifetime        open a device, drop every handle but the device, collect garbage, then use it;
 *   stress N        fuse N CCCID-sized stacks in this process under GC pressure and a busy main
 *                   thread (the pattern that crashed dawn.node before the instance was pinned);
 *   repro N         DESIGN.md's reproducer N times: 4 MB array, 50 ms busy main thread, create +
 *                   writeBuffer + copy + mapAsync, on a device from openDawnDevice.
 * Prints `ok ...` and exits 0, or `no-adapter ...` when Dawn finds none.
 */
import { resolveOptions } from '../src/core/options.js';
import type { Measure } from '../src/core/types.js';
import { createWebGpuBackend } from '../src/gpu/backend.js';
import { openDawnDevice } from '../src/gpu/node-dawn.js';
import { testStack } from './gpu-stacks.js';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const busy = (ms: number): void => {
  const end = Date.now() + ms;
  while (Date.now() < end);
};

async function deviceOnly(): Promise<GPUDevice> {
  // Everything but the device (the GPU object, the adapter, the handle) is garbage after this.
  return (await openDawnDevice()).device;
}

async function main(): Promise<void> {
  const [mode, count] = [process.argv[2], Number(process.argv[3] ?? 1)];
  let device: GPUDevice;
  try {
    device = await deviceOnly();
  } catch (error) {
    console.log(`no-adapter ${(error as Error).message}`);
    process.exit(0);
  }
  if (mode === 'lifetime') {
    for (let i = 0; i < 5; i++) {
      gc();
      await sleep(20);
    }
    const result = await createWebGpuBackend(device, { software: true }).fuse(testStack(64, 48, 5), resolveOptions({}));
    console.log(`ok lifetime ${result.image.length}`);
  } else if (mode === 'stress') {
    const backend = createWebGpuBackend(device, { software: true });
    const stack = testStack(384, 384, 11, { seed: 9 });
    const measures: Measure[] = ['lapv', 'teng', 'wavelet'];
    for (let i = 0; i < count; i++) {
      const pressure = new Float32Array(1 << 20).fill(i);
      busy(50);
      const result = await backend.fuse(stack, resolveOptions({ measure: measures[i % 3], keepFocus: i % 2 === 0 }));
      if (result.depth.length !== 384 * 384 || pressure[0] !== i) throw new Error('bad result');
      if (i % 3 === 0) gc();
    }
    console.log(`ok stress ${count}`);
  } else if (mode === 'repro') {
    for (let i = 0; i < count; i++) {
      const data = new Float32Array(1 << 20).map((_, j) => j + i);
      busy(50);
      const buffer = device.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
      device.queue.writeBuffer(buffer, 0, data);
      const read = device.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(buffer, 0, read, 0, data.byteLength);
      device.queue.submit([encoder.finish()]);
      await read.mapAsync(GPUMapMode.READ);
      const back = new Float32Array(read.getMappedRange());
      if (back[back.length - 1] !== data[data.length - 1]) throw new Error('readback mismatch');
      read.unmap();
      buffer.destroy();
      read.destroy();
      gc();
    }
    console.log(`ok repro ${count}`);
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
