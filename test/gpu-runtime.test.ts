/**
 * The Node runtime: Dawn runs in a child process; a crash of that process costs a retry, never the
 * caller's work or process. Workers are killed from outside to stand in for a native crash.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FocusFuseError } from '../src/core/errors.js';
import { resolveOptions } from '../src/core/options.js';
import { fuse } from '../src/fuse.js';
import { fuseCpu } from '../src/cpu/index.js';
import type { NodeWebGpuBackend } from '../src/gpu/node-runtime.js';
import { createNodeWebGpuBackend, probeNodeWebGpu } from '../src/gpu/node-runtime.js';
import { openGpuRuntime, useGpuRuntime, type GpuRuntimeName } from '../src/runtimes.js';
import { assertParity, parity, startGpu, testStack, workerBundle } from './gpu-harness.js';

let gpu: NodeWebGpuBackend | undefined;
beforeAll(async () => {
  gpu = await startGpu({ retries: 1 });
});
afterAll(async () => {
  await gpu?.dispose();
});

/** Resolves with the pid of the next worker other than `previous`. */
async function nextWorker(backend: NodeWebGpuBackend, previous: number | undefined): Promise<number> {
  for (;;) {
    const pid = backend.workerPid;
    if (pid !== undefined && pid !== previous) return pid;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('Node WebGPU runtime', () => {
  it('describes the adapter and runtime it found', (ctx) => {
    if (!gpu) return ctx.skip();
    expect(gpu.describe()).toMatch(/^webgpu \(node dawn \(webgpu \d/);
    expect(gpu.adapter.summary.length).toBeGreaterThan(0);
    expect(typeof gpu.adapter.software).toBe('boolean');
    expect(gpu.adapter.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
  });

  it('plugs into fuse() as a FusionBackend', { timeout: 60_000 }, async (ctx) => {
    if (!gpu) return ctx.skip();
    const stack = testStack(33, 21, 4);
    const result = await fuse(stack, { measure: 'wavelet', keepFocus: true }, gpu);
    assertParity(parity(fuseCpu(stack, resolveOptions({ measure: 'wavelet', keepFocus: true })), result), 'fuse()');
  });

  it('retries on a fresh worker when the worker crashes mid-request', { timeout: 120_000 }, async (ctx) => {
    if (!gpu) return ctx.skip();
    const stack = testStack(200, 150, 11, { seed: 4 });
    const options = resolveOptions({ measure: 'lapv', keepFocus: true });
    const before = gpu.restarts;
    const crashed = gpu.workerPid!;
    const pending = gpu.fuse(stack, options);
    process.kill(crashed, 'SIGSEGV');
    const result = await pending;
    expect(gpu.restarts).toBe(before + 1);
    expect(gpu.workerPid).not.toBe(crashed);
    assertParity(parity(fuseCpu(stack, options), result), 'after a crash');
  });

  it('gives up with an error naming the stack when every attempt crashes', { timeout: 120_000 }, async (ctx) => {
    if (!gpu) return ctx.skip();
    const stack = testStack(200, 150, 11, { seed: 5 });
    stack.meta = { name: 'NILM/1. Superficial-Intermediate Cells/001_(3059,11012)' };
    let pid = gpu.workerPid!;
    const pending = gpu.fuse(stack, resolveOptions({}));
    process.kill(pid, 'SIGKILL');
    pid = await nextWorker(gpu, pid);
    process.kill(pid, 'SIGKILL');
    const error = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FocusFuseError);
    expect((error as FocusFuseError).code).toBe('BACKEND');
    expect((error as FocusFuseError).message).toMatch(/^NILM\/1\. Superficial-Intermediate Cells\/001_\(3059,11012\): the WebGPU worker died 2 times while fusing \(last: it was killed by SIGKILL/);
    // The next request gets a fresh worker and works.
    const stack2 = testStack(20, 10, 3);
    expect((await gpu.fuse(stack2, resolveOptions({}))).image.length).toBe(20 * 10 * 4);
  });

  it('restarts a worker that died while idle', { timeout: 60_000 }, async (ctx) => {
    if (!gpu) return ctx.skip();
    const pid = gpu.workerPid!;
    const before = gpu.restarts;
    process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 5));
    const result = await gpu.fuse(testStack(20, 10, 3), resolveOptions({}));
    expect(result.image.length).toBe(20 * 10 * 4);
    expect(gpu.restarts).toBe(before + 1);
  });

  it('says why when Dawn finds no adapter, and probe reports it', { timeout: 60_000 }, async () => {
    const workerScript = await workerBundle();
    const env = { ...process.env, VK_ICD_FILENAMES: '/nonexistent/icd.json' };
    await expect(createNodeWebGpuBackend({ workerScript, env })).rejects.toThrow(/no WebGPU adapter in Node: .*VK_ICD_FILENAMES=\/nonexistent\/icd\.json/);
    const probe = await probeNodeWebGpu({ workerScript, env });
    expect('error' in probe && probe.error).toMatch(/no WebGPU adapter/);
  });

  it('probes the adapter for `focusfuse info`', { timeout: 60_000 }, async (ctx) => {
    if (!gpu) return ctx.skip();
    const probe = await probeNodeWebGpu({ workerScript: await workerBundle() });
    expect('error' in probe).toBe(false);
    if (!('error' in probe)) {
      expect(probe.summary).toBe(gpu.adapter.summary);
      expect(probe.runtime).toBe(gpu.runtime);
    }
  });

  it('rejects a missing worker bundle with a hint', async () => {
    await expect(createNodeWebGpuBackend({ workerScript: '/nonexistent/gpu-worker.js' })).rejects.toThrow(/npm run build/);
  });

  it('says whether its adapter is software, and backend auto fuses on the cpu when it is', { timeout: 60_000 }, async (ctx) => {
    if (!gpu) return ctx.skip();
    expect(gpu.software).toBe(gpu.adapter.software);
    const before = process.env.FOCUSFUSE_GPU_WORKER;
    process.env.FOCUSFUSE_GPU_WORKER = await workerBundle();
    const warnings: string[] = [];
    const close = useGpuRuntime('node', { warn: (message) => warnings.push(message) });
    try {
      const stack = testStack(17, 13, 3);
      const auto = await fuse(stack, { backend: 'auto' });
      await fuse(stack, { backend: 'auto' });
      const forced = await fuse(stack, { backend: 'webgpu' });
      expect(forced.backend.name).toBe('webgpu');
      // SwiftShader here and in CI; on a machine with a GPU the runtime is used.
      expect(auto.backend.name).toBe(gpu.software ? 'cpu' : 'webgpu');
      expect(warnings).toEqual(gpu.software ? [expect.stringMatching(/^the WebGPU adapter is a software one \(webgpu \(node dawn .*slower than the cpu engine; using the cpu$/)] : []);
    } finally {
      await close();
      if (before === undefined) delete process.env.FOCUSFUSE_GPU_WORKER;
      else process.env.FOCUSFUSE_GPU_WORKER = before;
    }
  });

  it('refuses work after dispose', { timeout: 60_000 }, async (ctx) => {
    if (!gpu) return ctx.skip();
    const other = await startGpu();
    await other!.dispose();
    await expect(other!.fuse(testStack(5, 5, 2), resolveOptions({}))).rejects.toThrow(/disposed/);
  });
});

describe('runtime names', () => {
  it('a misspelt runtime is refused when it is named, not taken for the cpu at the first fuse', async () => {
    const message = "Expected one of 'headless', 'node' for runtime but received 'cuda' (string)";
    expect(() => useGpuRuntime('cuda' as GpuRuntimeName)).toThrow(message);
    expect(() => useGpuRuntime('cuda' as GpuRuntimeName, { labels: { runtime: '--runtime' } })).toThrow(message.replace('for runtime', 'for --runtime'));
    await expect(openGpuRuntime('cuda' as GpuRuntimeName)).rejects.toThrow(message);
  });
});
