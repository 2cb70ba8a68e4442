/**
 * `node dist/bitdepth-bench.js`: ms per stack of the CPU engine on 16-bit stacks, the TypeScript
 * reference stages (fuseCpu) against the WebAssembly fast path (fuseCpuFast), in one warm process,
 * the cases alternating round by round. The stack is the cccid-synth sample (11 x 384^2) widened to
 * 12 bits (v x 16) and 16 bits (v x 257); the 8-bit sample on the fast path is printed for scale.
 * Prints medians of the whole fuse and of each stage, and throws where the fast path did not run.
 *
 *   node dist/bitdepth-bench.js              # 15 rounds, versions 1 and 2
 *   node dist/bitdepth-bench.js --rounds 9
 *   node dist/bitdepth-bench.js --window 17  # version 1's lapv window radius (default 4)
 */
import { join } from 'node:path';
import { resolveOptions } from '../src/core/options.js';
import type { AnyZStack, FuseOptions, FuseResult, ZStack } from '../src/core/types.js';
import { createCpuWorkspace, fuseCpu } from '../src/cpu/pipeline.js';
import { fuseCpuFast } from '../src/cpu/fast/index.js';
import { loadStack } from '../src/io/load-stack.js';
import { markdownTable, median } from './stats.js';

const args = process.argv.slice(2);
const at = args.indexOf('--rounds');
const rounds = at >= 0 ? Number(args[at + 1]) : 15;
const windowAt = args.indexOf('--window');
const v1Window = windowAt >= 0 ? Number(args[windowAt + 1]) : undefined;
const SAMPLE = join(import.meta.dirname, '..', 'examples', 'samples', 'cccid-synth', 'NILM', '1. Superficial-Intermediate Cells');

/** The 8-bit stack's samples times `factor`, as `bits`-bit RGBA16 planes. */
function widened(stack: ZStack, factor: number, bits: number): AnyZStack {
  return { width: stack.width, height: stack.height, planes: stack.planes.map((p) => Uint16Array.from(p, (v) => v * factor)), bitDepth: bits };
}

const eight = (await loadStack(SAMPLE)) as ZStack;
const stacks: [string, AnyZStack][] = [['12-bit', widened(eight, 16, 12)], ['16-bit', widened(eight, 257, 16)], ['8-bit', eight]];
const workspace = createCpuWorkspace();
type Case = { name: string; run: () => FuseResult; fast: boolean };
const cases: Case[] = [];
for (const fusion of ['v2', 'v1'] as const) {
  const options = resolveOptions({ fusion, ...(fusion === 'v1' && v1Window !== undefined ? { window: v1Window } : {}) } satisfies FuseOptions);
  for (const [bits, stack] of stacks) {
    if (bits !== '8-bit') cases.push({ name: `${bits} ${fusion} reference`, run: () => fuseCpu(stack, options, workspace), fast: false });
    cases.push({ name: `${bits} ${fusion} fast path`, run: () => fuseCpuFast(stack, options, workspace), fast: true });
  }
}
const STAGES = ['luma', 'measure', 'depth', 'smooth', 'composite', 'stats'] as const;
const times = cases.map(() => ({ total: [] as number[], stages: STAGES.map(() => [] as number[]) }));
for (const c of cases) c.run(); // warm-up: compiled code and touched memory for every case
for (let round = 0; round < rounds; round++) {
  cases.forEach((c, i) => {
    const t = performance.now();
    const result = c.run();
    times[i].total.push(performance.now() - t);
    STAGES.forEach((s, j) => times[i].stages[j].push(result.timings[s] ?? 0));
    if (c.fast && result.backend.runtime !== 'wasm simd') throw new Error(`${c.name}: the fast path did not run`);
  });
}
const ms = (v: number) => v.toFixed(1);
const reference = (name: string) => cases.findIndex((c) => c.name === name.replace('fast path', 'reference'));
const rows = cases.map((c, i) => {
  const ref = reference(c.name);
  const ratio = c.fast && ref >= 0 ? `${(median(times[ref].total) / median(times[i].total)).toFixed(1)}x` : '';
  return [c.name, ms(median(times[i].total)), ratio, ...times[i].stages.map((s) => ms(median(s)))];
});
console.log(`11 x 384^2, ${rounds} rounds, medians (ms), warm, cases alternating${v1Window !== undefined ? `, version 1 at window ${v1Window}` : ''}\n`);
console.log(markdownTable(['case', 'fuse', 'speed-up', ...STAGES], rows));
