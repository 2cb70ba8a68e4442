// What recycling saves per FOV, in one process on one thread (no pool, no workers): CPU ms of
// process.cpuUsage for (a) loading a FOV's 11 planes into fresh arrays against into the same
// arrays again (loadStack's `allocate`), (b) fuseCpuFast with fresh outputs against `dst`.
// Alternating A and B, `rounds` times each, medians. Run from the repository root after a build:
//   node docs/bench/2026-12-06_batch-recycle_2x-AMD-EPYC_cpu/micro.mjs <fov folder> [rounds=40]
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createCpuWorkspace, fuseCpuFast, initFastCpu, loadStack, resolveOptions } from '../../../dist/node.js';

const [folder, roundsArg = '40'] = process.argv.slice(2);
const rounds = Number(roundsArg);
const files = readdirSync(folder).filter((f) => f.endsWith('.jpg')).map((f) => join(folder, f));
const fov = files.filter((f) => f.startsWith(files[0].replace(/,\d+\)\.jpg$/, ''))).filter((f) => /,\d+\)\.jpg$/.test(f));
await initFastCpu();
const cpuMs = async (work) => {
  const t = process.cpuUsage();
  await work();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000;
};
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

// (a) decode
const kept = [];
let next = 0;
const allocate = (n) => {
  if (kept.length < fov.length) kept.push(new Uint8Array(n));
  return kept[next++ % kept.length];
};
const load = { fresh: [], recycled: [] };
await loadStack(fov, { order: 'cccid', allocate }); // fills `kept`
for (let r = 0; r < rounds; r++) {
  load.fresh.push(await cpuMs(() => loadStack(fov, { order: 'cccid' })));
  next = 0;
  load.recycled.push(await cpuMs(() => loadStack(fov, { order: 'cccid', allocate })));
}

// (b) fuse, for both presets
const stack = await loadStack(fov, { order: 'cccid' });
const n = stack.width * stack.height;
const dst = { image: new Uint8Array(n * 4), depth: new Float32Array(n), rawDepth: new Float32Array(n), confidence: new Float32Array(n) };
const fuse = {};
for (const fusion of ['v2', 'v1']) {
  const options = resolveOptions({ backend: 'cpu', fusion });
  const workspace = createCpuWorkspace();
  fuseCpuFast(stack, options, workspace, dst);
  fuseCpuFast(stack, options, workspace);
  fuse[fusion] = { fresh: [], dst: [] };
  for (let r = 0; r < rounds; r++) {
    fuse[fusion].fresh.push(await cpuMs(() => fuseCpuFast(stack, options, workspace)));
    fuse[fusion].dst.push(await cpuMs(() => fuseCpuFast(stack, options, workspace, dst)));
  }
}
const line = (what, a, b, la, lb) => console.log(`${what}: ${la} ${median(a).toFixed(2)} ms, ${lb} ${median(b).toFixed(2)} ms, saved ${(median(a) - median(b)).toFixed(2)} ms (medians of ${rounds})`);
console.log(`${fov.length} planes of ${stack.width}x${stack.height} (${folder})`);
line('load (read + decode + RGBA copy)', load.fresh, load.recycled, 'fresh', 'recycled');
for (const fusion of ['v2', 'v1']) line(`fuseCpuFast ${fusion}`, fuse[fusion].fresh, fuse[fusion].dst, 'fresh outputs', 'dst');
