/**
 * Batch on GPU runtimes: through headless Chromium for real (a few tiny FOVs, including a browser
 * killed mid-run), and crash / per-stack failure handling with scripted runtimes around the CPU
 * engine. Without chromium the headless suite skips locally but FAILS under CI=true.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchGpuRuntime } from '../src/batch/engine.js';
import { outcomeLine } from '../src/batch/progress.js';
import { runBatch, type BatchProgress } from '../src/batch/run.js';
import type { FuseOptions, FuseResult, ResolvedOptions, AnyZStack } from '../src/core/types.js';
import { cpuBackend } from '../src/cpu/backend.js';
import { findChromium } from '../src/headless/chromium.js';
import { launchHeadlessRuntime } from '../src/headless/runtime.js';
import { makeTree, requireBuiltCli, runCli } from './batch-fixtures.js';

const IN_CI = process.env.CI === 'true';
const HAS_CHROMIUM = (() => {
  try {
    return Boolean(findChromium());
  } catch {
    return false;
  }
})();

let work: string;
let root: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'focusfuse-batch-gpu-'));
  root = join(work, 'cccid');
  await makeTree(root, { n: 5, size: 48 });
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A runtime around the CPU engine that fails as scripted: the test of the batch's recovery, not of a GPU. */
function scriptedRuntime(script: { crashOnJob?: number; failStack?: (stack: AnyZStack) => boolean; software?: boolean }) {
  const calls = { jobs: 0, relaunches: 0, closes: 0 };
  let alive = true;
  const fuseOne = async (stack: AnyZStack, options?: FuseOptions | ResolvedOptions): Promise<FuseResult> => {
    if (!alive) throw new Error('runtime is down');
    if (script.failStack?.(stack)) throw new Error('out of memory on this stack');
    const result = await cpuBackend.fuse(stack, options);
    return { ...result, backend: { name: 'webgpu', runtime: 'scripted', adapter: 'test adapter' } };
  };
  const runtime: BatchGpuRuntime = {
    name: 'webgpu',
    software: script.software,
    describe: () => 'webgpu (scripted)',
    get alive() {
      return alive;
    },
    async fuseBatch(stacks, options?: FuseOptions | ResolvedOptions) {
      calls.jobs += 1;
      if (calls.jobs === script.crashOnJob) {
        alive = false;
        throw new Error('browser disconnected');
      }
      const results: FuseResult[] = [];
      for (const stack of stacks) results.push(await fuseOne(stack, options));
      return results;
    },
    fuse: fuseOne,
    async relaunch() {
      calls.relaunches += 1;
      alive = true;
    },
    close: async () => {
      calls.closes += 1;
    },
  };
  return { runtime, calls };
}

describe('batch GPU recovery (scripted runtime)', () => {
  it('a runtime crash loses no work: relaunch, redo the job, carry on', async () => {
    const { runtime, calls } = scriptedRuntime({ crashOnJob: 2 });
    const warnings: string[] = [];
    const summary = await runBatch({
      root, out: join(work, 'crash'), fuse: { backend: 'webgpu' }, gpuBatch: 2, outputs: ['json'],
      openRuntime: async () => runtime, warn: (m) => warnings.push(m),
    });
    expect(summary.rows.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(summary.rows.every((r) => r.adapter === 'test adapter')).toBe(true);
    expect(calls.relaunches).toBe(1);
    expect(warnings.join('\n')).toMatch(/crashed; relaunching/);
  });

  it('a stack the GPU fails on alone is an error row, or redone on the cpu with fallback cpu', async () => {
    const failStack = (stack: AnyZStack) => stack.meta?.name?.includes('LSIL') ?? false;
    const strict = await runBatch({
      root, out: join(work, 'strict'), fuse: { backend: 'webgpu' }, outputs: ['json'],
      openRuntime: async () => scriptedRuntime({ failStack }).runtime,
    });
    const lsil = strict.rows.filter((r) => r.class === 'LSIL');
    expect(lsil.length).toBeGreaterThan(0);
    expect(lsil.every((r) => r.status === 'error' && /out of memory/.test(r.error))).toBe(true);
    expect(strict.rows.filter((r) => r.class !== 'LSIL').every((r) => r.status === 'ok')).toBe(true);

    const lenient = await runBatch({
      root, out: join(work, 'lenient'), fuse: { backend: 'webgpu' }, fallback: 'cpu', outputs: ['json'],
      openRuntime: async () => scriptedRuntime({ failStack }).runtime, warn: () => undefined,
    });
    expect(lenient.rows.every((r) => r.status === 'ok')).toBe(true);
    expect(lenient.rows.filter((r) => r.class === 'LSIL').every((r) => /^cpu\b/.test(r.backend))).toBe(true);
  });

  it('backend auto falls back to the cpu when no runtime starts; webgpu without fallback refuses', async () => {
    const broken = async (): Promise<BatchGpuRuntime> => {
      throw new Error('no adapter');
    };
    const auto = await runBatch({ root, out: join(work, 'auto'), fuse: { backend: 'auto' }, runtime: 'node', outputs: ['json'], openRuntime: broken, warn: () => undefined });
    expect(auto.rows.every((r) => r.status === 'ok' && /^cpu\b/.test(r.backend))).toBe(true);
    await expect(runBatch({ root, out: join(work, 'refused'), fuse: { backend: 'webgpu' }, outputs: ['json'], openRuntime: broken })).rejects.toThrow(/no adapter/);
  });

  it('backend auto closes a runtime on a software adapter and fuses on the cpu; webgpu uses it', async () => {
    const software = scriptedRuntime({ software: true });
    const warnings: string[] = [];
    const auto = await runBatch({
      root, out: join(work, 'auto-software'), fuse: { backend: 'auto' }, runtime: 'node', outputs: ['json'],
      openRuntime: async () => software.runtime, warn: (m) => warnings.push(m),
    });
    expect(auto.rows.every((r) => r.status === 'ok' && /^cpu\b/.test(r.backend))).toBe(true);
    expect(software.calls).toMatchObject({ jobs: 0, closes: 1 });
    expect(warnings.join('\n')).toMatch(/software one \(webgpu \(scripted\)\), slower than the cpu engine; fusing on the cpu/);

    const forced = scriptedRuntime({ software: true });
    const webgpu = await runBatch({ root, out: join(work, 'webgpu-software'), fuse: { backend: 'webgpu' }, outputs: ['json'], openRuntime: async () => forced.runtime });
    expect(webgpu.rows.every((r) => r.status === 'ok' && r.backend === 'webgpu scripted')).toBe(true);

    const hardware = scriptedRuntime({ software: false });
    const onGpu = await runBatch({ root, out: join(work, 'auto-hardware'), fuse: { backend: 'auto' }, runtime: 'node', outputs: ['json'], openRuntime: async () => hardware.runtime });
    expect(onGpu.rows.every((r) => r.status === 'ok' && r.backend === 'webgpu scripted')).toBe(true);
    expect(hardware.calls.jobs).toBeGreaterThan(0);
  });
});

describe('the start of backend auto (a WebGPU runtime launched to check its adapter)', () => {
  it('is announced before it begins, timed apart, and left out of the rate', async () => {
    const software = scriptedRuntime({ software: true });
    const progress: BatchProgress[] = [];
    const summary = await runBatch({
      root, out: join(work, 'auto-slow-start'), fuse: { backend: 'auto' }, runtime: 'node', outputs: ['json'], cpuThreads: 0, warn: () => undefined,
      onProgress: (p) => progress.push(p),
      // A runtime that takes 600 ms to start, as a browser takes seconds: then declined (software).
      openRuntime: async () => {
        await new Promise((resolve) => setTimeout(resolve, 600));
        return software.runtime;
      },
    });
    expect(software.calls.closes).toBe(1);
    expect(progress[0].starting).toBe('checking for a WebGPU adapter (backend auto; backend cpu skips this): starting the node runtime');
    // The first count comes once the engine is open, so a progress rate starts there.
    expect(progress.slice(1).every((p) => p.starting === undefined)).toBe(true);
    expect(progress[1]).toMatchObject({ total: 5, done: 0 });
    expect(summary.engineStartMs).toBeGreaterThanOrEqual(600);
    expect(summary.engineStartMs).toBeLessThan(summary.elapsedMs);
    const line = outcomeLine(summary);
    const rate = summary.fused / ((summary.elapsedMs - summary.engineStartMs) / 1000);
    expect(line).toContain(`5 FOVs: 5 fused, 0 failed in ${(summary.elapsedMs / 1000).toFixed(1)}s (${rate.toFixed(2)} FOV/s; before that ${(summary.engineStartMs / 1000).toFixed(1)}s checking for a WebGPU adapter (backend auto; backend cpu skips this)) on cpu`);
  });

  it('is skipped for the headless runtime, whose adapter is SwiftShader by its flags: cpu at once, saying why', async () => {
    let opened = 0;
    const progress: BatchProgress[] = [];
    const warnings: string[] = [];
    const notes: string[] = [];
    const summary = await runBatch({
      root, out: join(work, 'auto-headless'), fuse: { backend: 'auto' }, outputs: ['json'], cpuThreads: 0, warn: (m) => warnings.push(m), log: (m) => notes.push(m), onProgress: (p) => progress.push(p),
      openRuntime: async () => {
        opened += 1;
        return scriptedRuntime({ software: true }).runtime;
      },
    });
    expect(opened).toBe(0);
    expect(summary.rows.every((r) => r.status === 'ok' && /^cpu\b/.test(r.backend))).toBe(true);
    // The batch's default: a note (shown unless -q), not a warning.
    expect(warnings).toEqual([]);
    expect(notes).toEqual([
      "backend auto: cpu (the headless runtime's WebGPU is software; runtime node uses a GPU where there is one)",
    ]);
    expect(progress.some((p) => p.starting !== undefined)).toBe(false);
    expect(summary.engineStart).toBeUndefined();
    // The CLI names its flags instead (its labels); a library caller above reads the option words.
    const flagNotes: string[] = [];
    await runBatch({ root, out: join(work, 'auto-headless-flags'), fuse: { backend: 'auto' }, outputs: ['json'], cpuThreads: 0, labels: { backend: '--backend', runtime: '--runtime' }, log: (m) => flagNotes.push(m) });
    expect(flagNotes).toEqual(["--backend auto: cpu (the headless runtime's WebGPU is software; --runtime node uses a GPU where there is one)"]);
  });

  it('is not there for the cpu backend: nothing announced, nothing apart', async () => {
    const progress: BatchProgress[] = [];
    const summary = await runBatch({ root, out: join(work, 'cpu-no-start'), fuse: { backend: 'cpu' }, outputs: ['json'], cpuThreads: 0, onProgress: (p) => progress.push(p) });
    expect(progress.some((p) => p.starting !== undefined)).toBe(false);
    expect(summary.engineStart).toBeUndefined();
    expect(outcomeLine(summary)).toMatch(/^5 FOVs: 5 fused, 0 failed in \d+\.\ds \(\d+\.\d\d FOV\/s\) on cpu/);
  });
});

describe.skipIf(!HAS_CHROMIUM && !IN_CI)('batch through headless Chromium', () => {
  it('fuses the FOVs on WebGPU in the browser, close to the cpu reference', async () => {
    requireBuiltCli();
    const gpu = join(work, 'headless');
    const run = await runCli(['batch', root, '--out', gpu, '--backend', 'webgpu', '--runtime', 'headless', '--only', '{NILM,HSIL}', '--outputs', 'fused,json']);
    expect(run.stderr).not.toContain('failed FOVs');
    expect(run.code).toBe(0);
    const cpu = await runBatch({ root, out: join(work, 'headless-cpu'), fuse: { backend: 'cpu' }, only: ['{NILM,HSIL}'], outputs: ['json'] });
    const rows = JSON.parse(await readFile(join(gpu, 'manifest.json'), 'utf8')).rows;
    expect(rows).toHaveLength(cpu.rows.length);
    rows.forEach((row: (typeof cpu.rows)[number], i: number) => {
      const reference = cpu.rows[i];
      expect(row.backend).toContain('webgpu');
      expect(row.adapter).not.toBe('');
      expect(row.best_plane).toBe(reference.best_plane);
      expect(Math.abs(row.depth_mean! - reference.depth_mean!)).toBeLessThan(0.02);
      expect(Math.abs(row.confidence_mean! - reference.confidence_mean!)).toBeLessThan(0.01);
    });
  });

  it("fuse --backend auto launches no browser for the headless runtime (SwiftShader by its flags); --backend webgpu reports the browser's start apart", async () => {
    requireBuiltCli();
    const sample = 'examples/samples/cccid-synth/NILM/1. Superficial-Intermediate Cells';
    const auto = await runCli(['fuse', sample, '-o', join(work, 'auto-fused.png'), '--backend', 'auto']);
    expect(auto.code).toBe(0);
    expect(auto.stderr).toContain("the headless runtime's WebGPU adapter is SwiftShader on every machine (its Chromium flags ask for it), a software one, slower than the cpu engine (--runtime node uses a GPU where there is one); using the cpu");
    expect(auto.stdout).not.toContain('opening the WebGPU runtime');
    expect(auto.stdout).toMatch(/ on cpu, wasm simd\n/);
    const webgpu = await runCli(['fuse', sample, '-o', join(work, 'webgpu-fused.png'), '--backend', 'webgpu']);
    expect(webgpu.code).toBe(0);
    // Launching Chromium takes seconds, reported apart from the fusion's own time.
    const [, fuseMs, startMs] = /fuse (\d+) ms \(\+ (\d+) ms opening the WebGPU runtime\)/.exec(webgpu.stdout) ?? [];
    expect(Number(startMs)).toBeGreaterThan(100);
    expect(Number(fuseMs)).toBeGreaterThan(0);
  });

  it('a browser killed mid-run is relaunched and every FOV still fused', async () => {
    let jobs = 0;
    let relaunched = 0;
    const summary = await runBatch({
      root, out: join(work, 'headless-crash'), fuse: { backend: 'webgpu' }, gpuBatch: 2, outputs: ['json'], warn: () => undefined,
      openRuntime: async () => {
        const runtime = await launchHeadlessRuntime();
        const fuseBatch = runtime.fuseBatch;
        const relaunch = runtime.relaunch;
        return Object.assign(runtime, {
          fuseBatch(stacks: AnyZStack[], options: ResolvedOptions) {
            jobs += 1;
            if (jobs === 2) process.kill(runtime.browserPid!, 'SIGKILL'); // a real crash of the browser
            return fuseBatch(stacks, options);
          },
          async relaunch() {
            relaunched += 1;
            await relaunch();
          },
        });
      },
    });
    expect(relaunched).toBe(1);
    expect(summary.rows.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(summary.rows.every((r) => r.backend.includes('webgpu'))).toBe(true);
  });
});
