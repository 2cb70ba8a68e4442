/**
 * Re-measures the DEFAULT_TAU calibration (see the comment above DEFAULT_TAU in src/core/options.ts):
 * median over pixels of Fmax (max over 11 planes) of a flat background RGB (225, 218, 232) plus
 * Gaussian luminance noise sigma 1.5/255, JPEG q90 round trip, independent noise per plane, r = 4.
 * tau is then about 10x that median, so empty background scores a confidence near 0.
 *
 *   npx esbuild bench/calibrate-tau.ts --bundle --platform=node --format=esm --packages=external --outfile=/tmp/calibrate-tau.mjs && node /tmp/calibrate-tau.mjs
 */
import sharp from 'sharp';
import { luma } from '../src/image/luma.js';
import { createCpuScratch } from '../src/cpu/scratch.js';
import { CPU_MEASURES } from '../src/cpu/measures.js';
import { createRandom } from '../src/synth/random.js';
import { median } from './stats.js';

const SIZE = 384;
const PLANES = 11;

async function noisyPlane(seed: number): Promise<Float32Array> {
  const random = createRandom(seed);
  const rgb = new Uint8Array(SIZE * SIZE * 3);
  for (let i = 0; i < SIZE * SIZE; i++) {
    const noise = 1.5 * random.normal();
    rgb[3 * i] = Math.round(225 + noise);
    rgb[3 * i + 1] = Math.round(218 + noise);
    rgb[3 * i + 2] = Math.round(232 + noise);
  }
  const jpeg = await sharp(rgb, { raw: { width: SIZE, height: SIZE, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  const rgba = await sharp(jpeg).ensureAlpha().raw().toBuffer();
  return luma(new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.length), SIZE, SIZE);
}

const planes = await Promise.all(Array.from({ length: PLANES }, (_, z) => noisyPlane(1000 + z)));
const scratch = createCpuScratch(SIZE, SIZE);
for (const [name, measure] of Object.entries(CPU_MEASURES)) {
  const fmax = new Float32Array(SIZE * SIZE);
  const f = new Float32Array(SIZE * SIZE);
  for (const Y of planes) {
    measure(Y, SIZE, SIZE, 4, f, scratch);
    for (let i = 0; i < f.length; i++) if (f[i] > fmax[i]) fmax[i] = f[i];
  }
  const m = median(Array.from(fmax));
  console.log(`${name.padEnd(8)} median background Fmax ${m.toExponential(2)}  -> tau ~ ${(10 * m).toExponential(1)}`);
}
