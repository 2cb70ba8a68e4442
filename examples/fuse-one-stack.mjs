// Fuse one Z-stack from Node and write every output.
//   npm run build && node examples/fuse-one-stack.mjs [folder] [out-dir]
import { fileURLToPath } from 'node:url';
import { fuse, loadStack, writeResult } from 'focusfuse';

// The bundled sample, found from this file so the example runs from any folder.
const sample = fileURLToPath(new URL('samples/cccid-synth/NILM/1. Superficial-Intermediate Cells', import.meta.url));
const folder = process.argv[2] ?? sample;
const outDir = process.argv[3] ?? 'out/example';

const stack = await loadStack(folder, { onWarning: (message) => console.warn(`warning: ${message}`) });
const result = await fuse(stack, { measure: 'lapv', window: 4, sigma: 3 });

await writeResult(result, {
  fused: `${outDir}/fused.png`,
  depth: `${outDir}/depth.png`,
  depthColor: `${outDir}/depth-color.png`,
  confidence: `${outDir}/confidence.png`,
  json: `${outDir}/stats.json`,
});
const { bestPlane, confidenceMean, focusCurve } = result.stats;
console.log(`${stack.meta?.name}: best single plane ${bestPlane}, mean confidence ${confidenceMean.toFixed(3)}`);
console.log(`focus curve: ${focusCurve.map((f) => f.toExponential(2)).join(' ')}`);
console.log(`written to ${outDir}/ in ${result.timings.total.toFixed(0)} ms of fusion`);
