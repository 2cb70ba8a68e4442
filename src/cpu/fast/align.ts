/**
 * Alignment's estimate loops in WebAssembly (src/cpu/fast/assembly/align.ts): the Gaussian blur
 * and the luma block means (SIMD), bit for bit the values of src/image/blur.ts and luma.ts, and
 * the Gauss-Newton sums of src/align/estimate.ts (gaussNewtonSweep), bit for bit too. They run on
 * an instance of the module of their own, so the estimate never touches the fusion's memory layout
 * (auto estimates while the fusion's planes sit in theirs). Importing this file registers them
 * (src/image/accelerate.ts); the module is instantiated by initFastCpu, or else on first use. Why:
 * in a fresh process (the CLI) V8 runs the TypeScript loops interpreted and then baseline-compiled
 * for most of the estimate; WebAssembly is compiled before its first call (docs/alignment.md,
 * Cost).
 */
import wasmBytes from './kernels.wasm';
import { useImageKernels, type ImageKernels } from '../../image/accelerate.js';
import { blurPasses } from '../../image/blur.js';
import { BLUR_RIDGE, modelSize } from '../../align/estimate.js';
import { useAlignKernels, type AlignKernels } from '../../align/kernels.js';
import { growTo, layoutFrom } from './kernels.js';

/** The module's exports this file uses (see src/cpu/fast/assembly/align.ts). */
interface AlignWasm {
  memory: WebAssembly.Memory;
  heapBase(): number;
  blurRowsExact(src: number, dst: number, width: number, height: number, kernel: number, radius: number, padded: number): void;
  blurColumnsExact(src: number, dst: number, width: number, height: number, kernel: number, radius: number): void;
  blurRowsBox(src: number, dst: number, width: number, height: number, radius: number, padded: number): void;
  blurColumnsBox(src: number, dst: number, width: number, height: number, radius: number, sum: number): void;
  lumaPlane(rgba: number, n: number, dst: number): void;
  shrinkLumaBlocks(rgba: number, stride: number, w: number, h: number, factor: number, norm: number, dst: number): void;
  texturedPixels(data: number, width: number, height: number, edge: number, block: number, bw: number, bh: number, out: number): number;
  warpBilinear(b: number, bw: number, bh: number, width: number, height: number, m0: number, m1: number, m4: number, m5: number, m8: number, m9: number, out: number, inside: number): void;
  correlationWhere(a: number, b: number, inside: number, n: number): number;
  searchShift(a: number, aw: number, ah: number, b: number, bw: number, bh: number, ox: number, oy: number, range: number, out: number): void;
  gnConfigure(...pointers: number[]): void;
  bandPass(fine: number, coarse: number, n: number): number;
  halveLevel(src: number, width: number, height: number, dst: number): void;
  gnPixels(a: number, width: number, height: number, pixels: number, tilesX: number, tilesY: number): void;
  gnSumAll(): void;
  gnSweep(m0: number, m1: number, m4: number, m5: number, m8: number, m9: number, margin: number, bx1: number, by1: number, gain: number, offset: number, huber: number): void;
  robustLine(x: number, y: number, n: number, w: number, residuals: number, sorted: number, out: number): number;
}

/** luma and shrinkLuma copy the plane into the module's memory in bands of about this many bytes. */
const SHRINK_BAND_BYTES = 1 << 19;

// undefined: not tried yet; null: WebAssembly SIMD missing, or compiling refused here.
let wasm: AlignWasm | null | undefined;

/**
 * Instantiates the estimate's module asynchronously (initFastCpu calls it): a browser's main thread
 * may not compile it synchronously, and instance() would then leave the estimate to TypeScript.
 */
export async function initAlignKernels(): Promise<void> {
  if (wasm !== undefined) return;
  try {
    const exports = WebAssembly.validate(wasmBytes) ? ((await WebAssembly.instantiate(wasmBytes)).instance.exports as unknown as AlignWasm) : null;
    wasm ??= exports;
  } catch {
    wasm ??= null;
  }
}

function instance(): AlignWasm | null {
  if (wasm !== undefined) return wasm;
  try {
    wasm = WebAssembly.validate(wasmBytes) ? (new WebAssembly.Instance(new WebAssembly.Module(wasmBytes)).exports as unknown as AlignWasm) : null;
  } catch {
    wasm = null;
  }
  return wasm;
}

// Every call of buffers() lays the memory out again from the heap base: a Gauss-Newton sweep checks
// that its layout is still the latest (the estimate never interleaves two users).
let layouts = 0;

/** Lays `sizes` bytes out from the heap base, grows the memory to hold them; undefined when it cannot grow. */
function buffers(k: AlignWasm, sizes: number[]): number[] | undefined {
  layouts++;
  const { take, end } = layoutFrom(k.heapBase());
  const at = sizes.map(take);
  try {
    growTo(k, end());
  } catch {
    return undefined;
  }
  return at;
}

/** Sizes of the blur passes' working buffers (scratch image, padded row, kernel taps, column sums) for radii up to `radius`. */
function passBuffers(width: number, n: number, radius: number): number[] {
  return [n * 4, (width + 2 * radius) * 4, (2 * radius + 1) * 4, width * 4];
}

/**
 * gaussianBlur's passes (blurPasses) from the image at `input` into `output` (both in the module's
 * memory; input is left as it was), with the working buffers laid out by passBuffers.
 */
function runPasses(k: AlignWasm, passes: { kernel?: Float32Array; boxRadii: readonly number[] }, input: number, output: number, work: number[], width: number, height: number): void {
  const [scratch, padded, taps, sums] = work;
  const { kernel, boxRadii } = passes;
  if (kernel) {
    const radius = (kernel.length - 1) / 2;
    new Float32Array(k.memory.buffer, taps, kernel.length).set(kernel);
    k.blurRowsExact(input, scratch, width, height, taps, radius, padded);
    k.blurColumnsExact(scratch, output, width, height, taps, radius);
    return;
  }
  let current = input;
  for (const r of boxRadii) {
    k.blurRowsBox(current, scratch, width, height, r, padded);
    k.blurColumnsBox(scratch, output, width, height, r, sums);
    current = output;
  }
}

/** The blur, the luma and its block means as src/image/accelerate.ts's ImageKernels (false where they cannot run). */
export const wasmImageKernels: ImageKernels = {
  blur(src, width, height, kernel, boxRadii, dst) {
    const k = instance();
    if (!k) return false;
    const n = width * height;
    const radius = kernel ? (kernel.length - 1) / 2 : Math.max(0, ...boxRadii);
    const at = buffers(k, [n * 4, n * 4, ...passBuffers(width, n, radius)]);
    if (!at) return false;
    const [input, output, ...work] = at;
    new Float32Array(k.memory.buffer).set(src.subarray(0, n), input >> 2);
    runPasses(k, { kernel, boxRadii }, input, output, work, width, height);
    dst.set(new Float32Array(k.memory.buffer, output, n));
    return true;
  },
  luma(rgba, n, dst) {
    const k = instance();
    // A band of pixels at a time (~0.5 MB in, as much out): nothing copied whole into fresh memory.
    const band = SHRINK_BAND_BYTES >> 2;
    const at = k && buffers(k, [band * 4, band * 4]);
    if (!k || !at) return false;
    const [plane, out] = at;
    for (let i = 0; i < n; i += band) {
      const count = Math.min(band, n - i);
      new Uint8Array(k.memory.buffer).set(rgba.subarray(i * 4, (i + count) * 4), plane);
      k.lumaPlane(plane, count, out);
      dst.set(new Float32Array(k.memory.buffer, out, count), i);
    }
    return true;
  },
  shrinkLuma(rgba, stride, w, h, factor, norm, dst) {
    const k = instance();
    // Block sums stay exact in the kernel's i32 lanes up to 64 x 64 blocks.
    if (!k || factor > 64) return false;
    // A band of rows at a time (~0.5 MB): the plane is not copied whole into fresh memory.
    const band = Math.max(1, Math.floor(SHRINK_BAND_BYTES / (factor * stride * 4)));
    const at = buffers(k, [band * factor * stride * 4, w * h * 4]);
    if (!at) return false;
    const [plane, out] = at;
    for (let y = 0; y < h; y += band) {
      const rows = Math.min(band, h - y);
      const from = y * factor * stride * 4;
      new Uint8Array(k.memory.buffer).set(rgba.subarray(from, from + rows * factor * stride * 4), plane);
      k.shrinkLumaBlocks(plane, stride, w, rows, factor, norm, out + y * w * 4);
    }
    dst.set(new Float32Array(k.memory.buffer, out, w * h));
    return true;
  },
};

/** The pixel choice and Gauss-Newton's sums as src/align/kernels.ts's AlignKernels (undefined where they cannot run). */
export const wasmAlignKernels: AlignKernels = {
  bandPassPyramid(luma, fineSigma, coarseSigma, levelCount, allocate) {
    const k = instance();
    if (!k) return undefined;
    const { width, height } = luma;
    const n = width * height;
    const passes = [blurPasses(fineSigma), blurPasses(coarseSigma)];
    const radius = Math.max(0, ...passes.map((p) => (p?.kernel ? (p.kernel.length - 1) / 2 : Math.max(0, ...(p?.boxRadii ?? [])))));
    const sizes = [{ width, height }];
    while (sizes.length < levelCount) sizes.push({ width: sizes[sizes.length - 1].width >> 1, height: sizes[sizes.length - 1].height >> 1 });
    const at = buffers(k, [n * 4, n * 4, n * 4, ...passBuffers(width, n, radius), ...sizes.slice(1).map((l) => l.width * l.height * 4)]);
    if (!at) return undefined;
    const [input, fine, coarse, scratch, padded, taps, sums, ...halves] = at;
    new Float32Array(k.memory.buffer, input, n).set(luma.data.subarray(0, n));
    for (const [p, out] of [[passes[0], fine], [passes[1], coarse]] as const) {
      if (p) runPasses(k, p, input, out, [scratch, padded, taps, sums], width, height);
      else new Uint8Array(k.memory.buffer).copyWithin(out, input, input + n * 4);
    }
    const energy = k.bandPass(fine, coarse, n);
    const images = [fine, ...halves];
    for (let l = 1; l < sizes.length; l++) k.halveLevel(images[l - 1], sizes[l - 1].width, sizes[l - 1].height, images[l]);
    // One array for all levels: a fresh array per level cost more than copying it out (short-lived
    // external memory, page faults; docs/alignment.md, Cost).
    const length = sizes.reduce((total, l) => total + l.width * l.height, 0);
    const all = allocate?.(length) ?? new Float32Array(length);
    let offset = 0;
    const levels = sizes.map((size, l) => {
      const data = all.subarray(offset, (offset += size.width * size.height));
      data.set(new Float32Array(k.memory.buffer, images[l], data.length));
      return { ...size, data };
    });
    return { levels, energy };
  },
  searchShift(a, b, ox, oy, range) {
    const k = instance();
    const at = k && buffers(k, [a.width * a.height * 4, b.width * b.height * 4, 24]);
    if (!k || !at) return undefined;
    const [aAt, bAt, out] = at;
    new Float32Array(k.memory.buffer, aAt, a.width * a.height).set(a.data.subarray(0, a.width * a.height));
    new Float32Array(k.memory.buffer, bAt, b.width * b.height).set(b.data.subarray(0, b.width * b.height));
    k.searchShift(aAt, a.width, a.height, bAt, b.width, b.height, ox, oy, range, out);
    const [dx, dy, correlation] = new Float64Array(k.memory.buffer, out, 3);
    return { dx, dy, correlation };
  },
  blurScorer(a, b, m, maxSigma) {
    const k = instance();
    if (!k) return undefined;
    const n = a.width * a.height;
    // Box radii stay below sigma + 2, the sampled kernel's is ceil(3 sigma) for sigma < 3.
    const radius = Math.ceil(3 * maxSigma) + 2;
    const at = buffers(k, [n * 4, b.width * b.height * 4, n * 4, n, n * 4, ...passBuffers(a.width, n, radius)]);
    if (!at) return undefined;
    const [aAt, bAt, warped, inside, output, ...work] = at;
    new Float32Array(k.memory.buffer, aAt, n).set(a.data.subarray(0, n));
    new Float32Array(k.memory.buffer, bAt, b.width * b.height).set(b.data.subarray(0, b.width * b.height));
    k.warpBilinear(bAt, b.width, b.height, a.width, a.height, m[0], m[1], m[4], m[5], m[8], m[9], warped, inside);
    const mine = layouts;
    // The image at `from` blurred by sigma level pixels: where it lands (from itself below blurPasses' least sigma).
    const blur = (from: number, sigma: number): number => {
      if (layouts !== mine) throw new Error('wasmAlignKernels: the blur match layout was reused by another kernel');
      const passes = blurPasses(sigma);
      if (!passes) return from;
      runPasses(k, passes, from, output, work, a.width, a.height);
      return output;
    };
    return {
      score: (sigma, blurA) => (blurA ? k.correlationWhere(blur(aAt, sigma), warped, inside, n) : k.correlationWhere(aAt, blur(warped, sigma), inside, n)),
      blurredA: (sigma, dst) => {
        const blurred = new Float32Array(k.memory.buffer, blur(aAt, sigma), n);
        if (!dst) return blurred.slice();
        dst.set(blurred);
        return dst;
      },
    };
  },
  texturedPixels(level, edge, block, bw, bh) {
    const k = instance();
    const n = level.width * level.height;
    const at = k && buffers(k, [n * 4, bw * bh * 4]);
    if (!k || !at) return undefined;
    const [data, out] = at;
    new Float32Array(k.memory.buffer, data, n).set(level.data.subarray(0, n));
    const count = k.texturedPixels(data, level.width, level.height, edge, block, bw, bh, out);
    return new Int32Array(k.memory.buffer, out, count).slice();
  },
  robustLine(x, y) {
    const k = instance();
    const n = x.length;
    const at = k && buffers(k, [n * 8, n * 8, n * 8, n * 8, n * 8, 16]);
    if (!k || !at) return undefined;
    const [xAt, yAt, w, residuals, sorted, out] = at;
    new Float64Array(k.memory.buffer, xAt, n).set(x);
    new Float64Array(k.memory.buffer, yAt, n).set(y);
    if (!k.robustLine(xAt, yAt, n, w, residuals, sorted, out)) return null;
    const [gain, offset] = new Float64Array(k.memory.buffer, out, 2);
    return { gain, offset };
  },
  gaussNewton({ a, pixels, model, tilesX, tilesY }, b) {
    const k = instance();
    if (!k) return undefined;
    const params = modelSize(model);
    const tiles = tilesX * tilesY;
    const count = pixels.length;
    const n = a.width * a.height;
    const f64 = (values: number) => values * 8;
    const at = buffers(k, [n * 4, count * 4, f64(count), f64(count), f64(count), f64(count * params), count * 4, f64(count), b.width * b.height * 4, f64(params * params), f64(params), f64(tiles), f64(tiles), f64(tiles * params), f64(Math.max(tiles, 1)), f64(params * params), f64(tiles), f64(tiles * params), f64(7)]);
    if (!at) return undefined;
    const [aAt, pixelsAt, pxAt, pyAt, valuesAt, rowsAt, tileOfAt, lapsAt, bAt, hAt, gAt, ttAt, tgAt, tpAt, blurAt, hAllAt, ttAllAt, tpAllAt, sumsAt] = at;
    const buffer = k.memory.buffer;
    new Float32Array(buffer, aAt, n).set(a.data.subarray(0, n));
    new Int32Array(buffer, pixelsAt, count).set(pixels);
    new Float32Array(buffer, bAt, b.width * b.height).set(b.data.subarray(0, b.width * b.height));
    k.gnConfigure(count, params, tiles, pxAt, pyAt, valuesAt, rowsAt, tileOfAt, lapsAt, bAt, b.width, hAt, gAt, ttAt, tgAt, tpAt, blurAt, hAllAt, ttAllAt, tpAllAt, sumsAt, BLUR_RIDGE);
    k.gnPixels(aAt, a.width, a.height, pixelsAt, tilesX, tilesY);
    k.gnSumAll();
    const mine = layouts;
    return ({ m, margin, gain, offset, huber, blur }, system) => {
      if (layouts !== mine) throw new Error('wasmAlignKernels: the Gauss-Newton layout was reused by another kernel before its last sweep');
      const memory = k.memory.buffer;
      new Float64Array(memory, blurAt, blur.length).set(blur);
      k.gnSweep(m[0], m[1], m[4], m[5], m[8], m[9], margin, b.width - 1 - margin, b.height - 1 - margin, gain, offset, huber);
      system.h.set(new Float64Array(memory, hAt, params * params));
      system.g.set(new Float64Array(memory, gAt, params));
      system.tt.set(new Float64Array(memory, ttAt, tiles));
      system.tg.set(new Float64Array(memory, tgAt, tiles));
      system.tp.set(new Float64Array(memory, tpAt, tiles * params));
      const sums = new Float64Array(memory, sumsAt, 7);
      return { used: sums[0], sa: sums[1], sb: sums[2], saa: sums[3], sab: sums[4], see: sums[5], ridge: sums[6] };
    };
  },
};

useImageKernels(wasmImageKernels);
useAlignKernels(wasmAlignKernels);
