// Compare the focus measures on a synthetic stack with ground truth: depth error and image error.
//   npm run build && node examples/compare-measures.mjs [synth-root]
// synth-root is a tree written by `focusfuse synth` (it holds the truth). Real stacks have no truth:
// `focusfuse bench metrics <folder>` compares the measures on them by no-reference figures.
import { fuse, loadStack, MEASURES, readSynthTruth } from 'focusfuse';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The bundled sample tree, found from this file so the example runs from any folder.
const root = process.argv[2] ?? fileURLToPath(new URL('samples/cccid-synth', import.meta.url));
if (!existsSync(join(root, 'synth.json'))) {
  console.error(`compare-measures: ${root} holds no synth.json, so no ground truth to score against (this example takes a tree written by 'focusfuse synth'); for real stacks run: focusfuse bench metrics ${root}`);
  process.exit(2);
}
const manifest = JSON.parse(await readFile(join(root, 'synth.json'), 'utf8'));

for (const fov of manifest.fovs) {
  const stack = await loadStack(fov.files.map((file) => join(root, file)));
  const truth = await readSynthTruth(root, fov);
  for (const measure of MEASURES) {
    // `interpolate` makes the image from this measure's depth alone (the two nearest planes). The
    // default composite, `select`, takes fine detail from the plane its own pyramid energy picks,
    // whatever the measure, so its images would differ by hundredths of a dB between measures.
    const result = await fuse(stack, { measure, composite: 'interpolate' });
    let objects = 0, within = 0, sq = 0, absError = 0;
    for (let i = 0; i < result.depth.length; i++) {
      if (!truth.mask[i]) continue;
      const e = Math.abs(result.depth[i] - truth.depth[i]);
      objects++; absError += e; if (e <= 0.5) within++;
    }
    for (let i = 0; i < result.image.length; i++) if (i % 4 !== 3) sq += (result.image[i] - truth.image[i]) ** 2;
    const psnr = 10 * Math.log10((255 * 255) / (sq / ((result.image.length / 4) * 3)));
    console.log(`${fov.serial} ${measure.padEnd(7)} depth MAE ${(absError / objects).toFixed(3)} planes, ` +
      `${((100 * within) / objects).toFixed(1)}% within 0.5 plane, fused PSNR ${psnr.toFixed(2)} dB`);
  }
}
