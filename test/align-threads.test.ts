/**
 * The alignment estimate on two threads (src/align/side.ts, src/cpu/fast/estimate-threads.ts): the
 * planes below the reference registered on a worker give the single thread's report bit for bit
 * (transforms, statuses, standard errors, warnings), progress still counts every registration, and
 * a worker that cannot start leaves its side to the caller. The worker runs the built bundle, so
 * these tests need `npm run build`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import '../src/cpu/fast/align.js';
import { planAlignment } from '../src/align/align-stack.js';
import { setAlignProgress } from '../src/align/progress.js';
import { useSideRunner, type SideRunner } from '../src/align/side.js';
import type { ZStack } from '../src/core/types.js';
import { sideThreadRunner } from '../src/cpu/fast/estimate-threads.js';
import { movedStack } from './align-fixtures.js';

const BUNDLE = join(import.meta.dirname, '..', 'dist', 'estimate-worker.js');

/** The worker runner on every stack (no size threshold), counting the sides that came back from a worker. */
function countingRunner(module = pathToFileURL(BUNDLE).href): { runner: SideRunner; replies: () => number; starts: () => number } {
  const threads = sideThreadRunner({ module })!;
  let [starts, replies] = [0, 0];
  const runner: SideRunner = {
    minSidePixels: 0,
    start(job) {
      const started = threads.start(job);
      if (!started) return undefined;
      starts++;
      return {
        registered: () => started.registered(),
        wait(onProgress) {
          const result = started.wait(onProgress);
          if (result) replies++;
          return result;
        },
      };
    },
  };
  return { runner, replies: () => replies, starts: () => starts };
}

/** The report with its timings left out (they differ run to run). */
function plan(stack: ZStack, mode: 'similarity' | 'affine' | 'auto'): { report: unknown; warnings: string[] } {
  const warnings: string[] = [];
  const { report } = planAlignment(stack, { mode, onWarning: (w) => warnings.push(w) });
  return { report: { ...report, timings: undefined }, warnings };
}

beforeAll(() => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run build first`);
});

afterEach(() => {
  useSideRunner(undefined);
  setAlignProgress(undefined);
});

describe('the estimate on two threads', () => {
  it('gives the single thread report bit for bit, with the lower side registered on a worker', () => {
    const { moved } = movedStack({ seed: 3, kind: 'similarity', planes: 7, frame: 128 });
    for (const mode of ['similarity', 'affine', 'auto'] as const) {
      const alone = plan(moved, mode);
      const { runner, replies } = countingRunner();
      useSideRunner(runner);
      const split = plan(moved, mode);
      useSideRunner(undefined);
      expect(replies(), mode).toBeGreaterThan(0);
      expect(split, mode).toStrictEqual(alone);
    }
  });

  it('warns about a plane it cannot register on the worker side as the single thread does, in the same order', () => {
    const { moved } = movedStack({ seed: 5, kind: 'similarity', planes: 7, frame: 128 });
    // Plane 0 (below the reference, on the worker's side) and plane 6 (the caller's) are flat.
    const flat = new Uint8Array(moved.planes[0].length).fill(128);
    const stack: ZStack = { ...moved, planes: moved.planes.map((p, z) => (z === 0 || z === 6 ? flat : p)) };
    const alone = plan(stack, 'similarity');
    expect(alone.warnings.filter((w) => w.includes('too little texture'))).toHaveLength(2);
    expect(alone.warnings.join('\n')).toMatch(/plane 6[^]*plane 0/);
    const { runner, replies } = countingRunner();
    useSideRunner(runner);
    const split = plan(stack, 'similarity');
    expect(replies()).toBe(1);
    expect(split).toStrictEqual(alone);
  });

  it('counts every registration of both threads in its progress, up to the total', () => {
    const { moved } = movedStack({ seed: 3, kind: 'similarity', planes: 7, frame: 128 });
    const seen: [number, number][] = [];
    setAlignProgress((done, total) => seen.push([done, total]));
    useSideRunner(countingRunner().runner);
    planAlignment(moved, { mode: 'similarity' });
    // 6 neighbour and 5 skip-one registrations.
    expect(seen.at(-1)).toEqual([11, 11]);
    expect(seen.every(([done], i) => i === 0 || done >= seen[i - 1][0])).toBe(true);
  });

  it('registers the side itself when the worker cannot load its bundle', () => {
    const { moved } = movedStack({ seed: 3, kind: 'similarity', planes: 7, frame: 128 });
    const alone = plan(moved, 'similarity');
    const { runner, starts, replies } = countingRunner(pathToFileURL(join(import.meta.dirname, 'no-such-bundle.js')).href);
    useSideRunner(runner);
    const t0 = performance.now();
    const split = plan(moved, 'similarity');
    expect(starts()).toBe(1);
    expect(replies()).toBe(0);
    expect(split).toStrictEqual(alone);
    // It learns of the failure from the worker, not from a timeout.
    expect(performance.now() - t0).toBeLessThan(20_000);
  });
});
