/**
 * Alignment's WebAssembly image loops (src/cpu/fast/align.ts: Gaussian blur, luma block means, the
 * Gauss-Newton sums) against the TypeScript reference they replace, bit for bit: the same f64
 * operations in the same order, so the estimate's transforms do not move by a single bit.
 */
import { describe, expect, it } from 'vitest';
import { gaussianBlur } from '../src/image/blur.js';
import { luma, shrinkLuma } from '../src/image/luma.js';
import { useImageKernels } from '../src/image/accelerate.js';
import { wasmImageKernels } from '../src/cpu/fast/align.js';
import { createRandom } from '../src/synth/random.js';
import { useAlignKernels } from '../src/align/kernels.js';
import { wasmAlignKernels } from '../src/cpu/fast/align.js';
import { planAlignment } from '../src/align/align-stack.js';
import { cameraStack, CAMERA_CASES } from '../bench/align-camera.js';
import { searchShift, SEARCH_FRACTION } from '../src/align/estimate.js';
import { identity } from '../src/align/matrix.js';
import { buildPyramid } from '../src/align/pyramid.js';
import { robustLine } from '../src/align/photometric.js';

/** The bytes of a typed array's own elements (a view's, not its whole buffer's). */
function bytes(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Runs `f` with the TypeScript loops (no registered kernels), then with the WebAssembly ones. */
function bothWays<T>(f: () => T): { reference: T; wasm: T } {
  const [images, align] = [useImageKernels(undefined), useAlignKernels(undefined)];
  try {
    const reference = f();
    useImageKernels(wasmImageKernels);
    useAlignKernels(wasmAlignKernels);
    return { reference, wasm: f() };
  } finally {
    useImageKernels(images);
    useAlignKernels(align);
  }
}

/** A float image with detail at every scale (and a step), like a band-passed luma. */
function texture(width: number, height: number, seed: number): Float32Array {
  const random = createRandom(seed);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = random.uniform(-1, 1) + Math.sin(x / 7) * Math.cos(y / 5) + (x > width / 2 ? 0.5 : 0);
  return out;
}

describe('the WebAssembly blur and luma block means compute what the TypeScript ones do, bit for bit', () => {
  it('blurs exact-kernel and box sigmas on odd, even, tiny and wide sizes', () => {
    const sizes = [[352, 307], [176, 153], [1, 9], [7, 1], [3, 3], [513, 64]];
    const sigmas = [0.3, 0.75, 1.5, 2.9, 3, 4.5, 6, 24];
    for (const [width, height] of sizes) {
      const src = texture(width, height, width * 31 + height);
      for (const sigma of sigmas) {
        const { reference, wasm } = bothWays(() => gaussianBlur(src, width, height, sigma));
        expect(Buffer.from(wasm.buffer).equals(Buffer.from(reference.buffer)), `${width}x${height} sigma ${sigma}`).toBe(true);
      }
    }
  });

  it('blurs in place (dst = src) as the reference does', () => {
    const src = texture(97, 61, 5);
    const { reference, wasm } = bothWays(() => {
      const copy = src.slice();
      return gaussianBlur(copy, 97, 61, 1.2, copy);
    });
    expect(Array.from(wasm)).toEqual(Array.from(reference));
  });

  it('computes the luma of RGBA8 planes (odd pixel counts, several bands of the copy)', () => {
    const random = createRandom(4);
    for (const [width, height] of [[352, 307], [3, 1], [1000, 333]]) {
      const rgba = Uint8Array.from({ length: width * height * 4 }, () => Math.floor(random.uniform(0, 256)));
      const wasm = new Float32Array(width * height);
      expect(wasmImageKernels.luma(rgba, width * height, wasm)).toBe(true);
      expect(Buffer.from(wasm.buffer).equals(Buffer.from(luma(rgba, width, height).buffer)), `${width}x${height}`).toBe(true);
    }
  });

  it('averages luma over blocks of padded RGBA8 planes', () => {
    const random = createRandom(9);
    // The last case is copied into the module in two bands of rows (217 + 133 block rows).
    for (const [width, height, stride, factor] of [[2048, 1536, 2048, 4], [101, 77, 104, 2], [64, 48, 64, 8], [90, 30, 93, 3], [40, 40, 40, 1], [300, 700, 301, 2]]) {
      const rgba = Uint8Array.from({ length: stride * height * 4 }, () => Math.floor(random.uniform(0, 256)));
      const { reference, wasm } = bothWays(() => shrinkLuma(rgba, stride, width, height, factor));
      expect([wasm.width, wasm.height]).toEqual([reference.width, reference.height]);
      expect(Buffer.from(wasm.data.buffer).equals(Buffer.from(reference.data.buffer)), `${width}x${height} / ${factor}`).toBe(true);
    }
  });
});

describe('the WebAssembly band-pass pyramid', () => {
  it('gives buildPyramid\'s levels and texture bit for bit (full size, shrunk camera planes, a band below the least blur)', () => {
    for (const [width, height, maxLevels, scale, bandScale] of [[352, 307, 8, 1, 1], [512, 384, 4, 4, 4], [101, 60, 8, 40, 1], [47, 95, 2, 1, 1]]) {
      const luma = texture(width, height, width + height).map((v) => 0.5 + 0.2 * v);
      const { reference, wasm } = bothWays(() => buildPyramid(luma, width, height, maxLevels, scale, bandScale));
      expect(wasm.levels.map((l) => [l.width, l.height])).toEqual(reference.levels.map((l) => [l.width, l.height]));
      wasm.levels.forEach((l, i) => expect(bytes(l.data).equals(bytes(reference.levels[i].data)), `${width}x${height} level ${i}`).toBe(true));
      expect([wasm.texture, wasm.border, wasm.scale]).toEqual([reference.texture, reference.border, reference.scale]);
    }
  });
});

describe('the estimate with the WebAssembly loops', () => {
  it('gives the TypeScript estimate bit for bit: transforms, standard errors, correlations (similarity and affine)', () => {
    // The smear-size bench case (352 x 307, drift, 2 % breathing, defocus) cut to 7 planes.
    const c = { ...CAMERA_CASES.find((k) => k.name === 'smear-size')!, planes: 7 };
    const { planes } = cameraStack(c, 3);
    const stack = { width: c.width, height: c.height, planes };
    for (const mode of ['similarity', 'affine'] as const) {
      const { reference, wasm } = bothWays(() => planAlignment(stack, { mode, matchBrightness: false }).report!.planes);
      expect(wasm).toEqual(reference);
      expect(reference.filter((p) => p.status === 'estimated')).toHaveLength(6);
    }
  });
});

describe('the WebAssembly coarse shift search', () => {
  it('finds the TypeScript search\'s shift and correlation, at the edges of its range too', () => {
    const [width, height] = [20, 16];
    const a = { data: texture(width, height, 1), width, height };
    const range = Math.max(2, Math.ceil(SEARCH_FRACTION * Math.min(width, height)));
    for (const [dx, dy] of [[0, -range], [range, 0], [0, range], [3, -2], [-range, 1]]) {
      // B shows A moved by (dx, dy), with other texture where A does not reach.
      const noise = texture(width, height, dx * 100 + dy);
      const data = noise.map((v, i) => {
        const [x, y] = [(i % width) - dx, Math.floor(i / width) - dy];
        return x >= 0 && y >= 0 && x < width && y < height ? a.data[y * width + x] : v;
      });
      const b = { data, width, height };
      const { reference, wasm } = bothWays(() => searchShift(a, b, identity()));
      expect(wasm).toEqual(reference);
      expect(reference.shift).toEqual([dx, dy]);
    }
  });
});

describe('the WebAssembly robust line fit (photometric matching)', () => {
  it('fits robustLine\'s gain and offset bit for bit: clean lines, outliers, tied residuals, a few to 4,096 blocks, a singular system', () => {
    const random = createRandom(5);
    const line = (n: number, outliers: number, whole: boolean): [Float64Array, Float64Array] => {
      const x = Float64Array.from({ length: n }, () => (whole ? Math.round(random.uniform(0, 255)) : random.uniform(0, 255)));
      const y = x.map((v) => (random.uniform(0, 1) < outliers ? random.uniform(0, 255) : 1.07 * v - 3.2 + (whole ? 0 : random.uniform(-0.5, 0.5))));
      return [x, y];
    };
    const cases = [line(8, 0, false), line(9, 0.2, false), line(417, 0.1, false), line(418, 0.3, true), line(4096, 0.05, false), line(1000, 0, true)];
    cases.push([new Float64Array(50).fill(120), Float64Array.from({ length: 50 }, () => random.uniform(100, 140))]); // every x equal
    let solved = 0;
    for (const [x, y] of cases) {
      const reference = robustLine(x, y);
      const wasm = wasmAlignKernels.robustLine(x, y);
      expect(wasm, `n ${x.length}`).not.toBeUndefined();
      expect(wasm ?? undefined, `n ${x.length}`).toEqual(reference);
      if (reference) solved++;
    }
    // Both ways solve the lines and refuse the singular system.
    expect(solved).toBe(cases.length - 1);
  });
});
