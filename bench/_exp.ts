import { fuse } from '../src/fuse.js';
import { synthCase } from '../bench/synth-cases.js';
import { psnr } from '../bench/score.js';
import { composite } from '../src/cpu/composite.js';
function teng(img: Uint8Array, w: number, h: number, mask?: Uint8Array) {
  let s = 0; let c = 0;
  for (let y = 1; y < h - 1; y++) for (let x = 1; x < w - 1; x++) {
    const i = y * w + x; if (mask && !mask[i]) continue;
    const Y = (j: number) => 0.299 * img[4 * j] + 0.587 * img[4 * j + 1] + 0.114 * img[4 * j + 2];
    const gx = Y(i - w + 1) + 2 * Y(i + 1) + Y(i + w + 1) - Y(i - w - 1) - 2 * Y(i - 1) - Y(i + w - 1);
    const gy = Y(i + w - 1) + 2 * Y(i + w) + Y(i + w + 1) - Y(i - w - 1) - 2 * Y(i - w) - Y(i - w + 1);
    s += gx * gx + gy * gy; c++;
  }
  return s / c;
}
function psnrMask(a: Uint8Array, b: Uint8Array, m: Uint8Array) { let sq = 0, n = 0; for (let p = 0; p < m.length; p++) if (m[p]) for (let c = 0; c < 3; c++) { const d = a[4*p+c]-b[4*p+c]; sq += d*d; n++; } return 10*Math.log10(255*255/(sq/n)); }
for (const seed of [1, 2]) {
  const c = await synthCase({ noise: 2, quality: 90, defocus: 1.2 }, { seed, size: 256, planes: 11 });
  const { width: w, height: h } = c.stack;
  const r = await fuse(c.stack, {});
  const tt = teng(c.truth.image, w, h);
  for (const mode of ['interpolate', 'nearest', 'pyramid'] as const) {
    const t0 = performance.now();
    const img = composite(c.stack.planes, r.depth, w, h, mode);
    const ms = performance.now() - t0;
    // also composite with true depth
    const imgT = composite(c.stack.planes, c.truth.depth, w, h, mode);
    console.log(seed, mode, 'psnr', psnr(img, c.truth.image).toFixed(2), 'cells', psnrMask(img, c.truth.image, c.truth.mask).toFixed(2), 'sharp', (teng(img, w, h) / tt).toFixed(3), 'truthDepth psnr', psnr(imgT, c.truth.image).toFixed(2), 'sharp', (teng(imgT, w, h) / tt).toFixed(3), ms.toFixed(0), 'ms');
  }
}
