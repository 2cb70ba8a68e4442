/**
 * dawn.node in-process: the GPU object returned by create() must outlive its devices, or the process
 * crashes (see docs/webgpu.md, "The dawn.node crash"). node-dawn.ts pins it; these tests run the
 * patterns that crashed before, in child processes, and expect clean exits.
 * FOCUSFUSE_STRESS_PROCESSES / FOCUSFUSE_STRESS_ITERATIONS scale the stress run (defaults 2 x 3).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REQUIRE_GPU, bundle } from './gpu-harness.js';

function runChild(flags: string[], args: string[], timeout = 300_000): { status: number | null; signal: string | null; out: string } {
  const result = spawnSync(process.execPath, [...flags, ...args], { encoding: 'utf8', timeout });
  return { status: result.status, signal: result.signal, out: `${result.stdout}${result.stderr}` };
}

async function child(): Promise<string> {
  return bundle('test/gpu-dawn-child.ts', 'gpu-dawn-child.js');
}

/** Skips (locally) or fails (CI) when the child found no adapter; otherwise expects `ok`. */
function expectOk(run: { status: number | null; signal: string | null; out: string }, skip: () => void): void {
  if (run.out.startsWith('no-adapter')) {
    if (REQUIRE_GPU) throw new Error(run.out);
    return skip();
  }
  expect({ status: run.status, signal: run.signal }, run.out).toEqual({ status: 0, signal: null });
  expect(run.out).toMatch(/^ok /m);
}

describe('dawn.node lifetime', () => {
  it('keeps a device usable after its GPU object and adapter became garbage', { timeout: 120_000 }, async (ctx) => {
    expectOk(runChild(['--expose-gc'], [await child(), 'lifetime']), () => ctx.skip());
  });

  it("survives DESIGN.md's crash reproducer (--single-threaded, 4 MB buffers, busy main thread)", { timeout: 300_000 }, async (ctx) => {
    expectOk(runChild(['--single-threaded', '--expose-gc'], [await child(), 'repro', '10']), () => ctx.skip());
  });

  it('fuses CCCID-sized stacks repeatedly under GC pressure and a busy main thread', { timeout: 600_000 }, async (ctx) => {
    const processes = Number(process.env.FOCUSFUSE_STRESS_PROCESSES ?? 2);
    const iterations = process.env.FOCUSFUSE_STRESS_ITERATIONS ?? '3';
    const script = await child();
    for (let p = 0; p < processes; p++) {
      expectOk(runChild(['--single-threaded', '--expose-gc'], [script, 'stress', iterations]), () => ctx.skip());
    }
  });
});
