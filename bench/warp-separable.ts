/**
 * `node dist/warp-bench.js`: the CPU engine's separable Lanczos-3 warp per 2048x1536 plane, the
 * TypeScript reference (src/image/warp-separable.ts) against the WebAssembly SIMD one
 * (src/cpu/fast/warp.ts), alternating plane by plane in one process, on the camera sweep of
 * `node dist/align-bench.js` (its moved planes and true transforms). Prints medians of wall and CPU
 * ms per plane and how many output values differ.
 *
 *   node dist/warp-bench.js              # 3 rounds over the 6 moved planes
 *   node dist/warp-bench.js --rounds 5
 */
import { fastKernels } from '../src/cpu/fast/kernels.js';
import { warpPlaneSeparableWasm } from '../src/cpu/fast/warp.js';
import { warpPlaneSeparable } from '../src/image/warp-separable.js';
import { CAMERA_CASES, cameraStack } from './align-camera.js';
import { markdownTable, median } from './stats.js';

const args = process.argv.slice(2);
const at = args.indexOf('--rounds');
const rounds = at >= 0 ? Number(args[at + 1]) : 3;
const kernels = fastKernels();
if (!kernels) throw new Error('WebAssembly SIMD is not available in this runtime');
const c = CAMERA_CASES.find((k) => k.name === 'camera')!;
const { planes, truth } = cameraStack(c, 1);
const reference = Math.floor((c.planes - 1) / 2);

type Warp = (z: number) => Uint8Array;
const builds: [string, Warp][] = [
  ['TypeScript', (z) => warpPlaneSeparable({ rgba: planes[z], width: c.width, height: c.height, stride: c.width }, truth[z], c.width, c.height)],
  ['WebAssembly SIMD', (z) => warpPlaneSeparableWasm(kernels, { rgba: planes[z], width: c.width, height: c.height, stride: c.width }, truth[z], c.width, c.height)],
];
const times = builds.map(() => ({ wall: [] as number[], cpu: [] as number[], first: 0 }));
let [differ, worst, values] = [0, 0, 0];
for (let round = 0; round < rounds; round++) {
  for (let z = 0; z < c.planes; z++) {
    if (z === reference) continue;
    const outputs: Uint8Array[] = [];
    // Alternate which build goes first, so that neither always follows the other's garbage.
    const order = (round + z) % 2 ? [1, 0] : [0, 1];
    for (const b of order) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      outputs[b] = builds[b][1](z);
      const wall = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      if (times[b].wall.length === 0 && times[b].first === 0) times[b].first = wall;
      else {
        times[b].wall.push(wall);
        times[b].cpu.push((cpu.user + cpu.system) / 1000);
      }
    }
    if (round === 0) {
      for (let i = 0; i < outputs[0].length; i++) {
        const d = Math.abs(outputs[0][i] - outputs[1][i]);
        differ += d ? 1 : 0;
        worst = Math.max(worst, d);
      }
      values += outputs[0].length;
    }
  }
}
console.log(`separable Lanczos-3 warp, ${c.width}x${c.height} plane, ${rounds} rounds x ${c.planes - 1} planes alternating (first call of each left out: ${builds.map(([name], b) => `${name} ${times[b].first.toFixed(0)} ms`).join(', ')})`);
console.log(markdownTable(['warp', 'wall ms (median)', 'CPU ms (median)', 'runs'], builds.map(([name], b) => [name, median(times[b].wall).toFixed(1), median(times[b].cpu).toFixed(1), times[b].wall.length])));
console.log(`ratio (wall medians): ${(median(times[0].wall) / median(times[1].wall)).toFixed(2)}x; values that differ: ${differ} of ${values} (${((100 * differ) / values).toFixed(4)} %), by at most ${worst}`);
