/**
 * The van Herk / Gil-Werman max filters (src/core/max-filter.ts) against the direct definition: the
 * max over the square (or row segment) cut at the image's edges. Max does not round, so they must
 * agree exactly, at every size against the block of 2R + 1 (one block, a block and a bit, exact
 * multiples) and every radius, including windows wider than the image.
 */
import { describe, expect, it } from 'vitest';
import { maxFilter, maxRows } from '../src/core/max-filter.js';
import { random } from './gpu-stacks.js';

/** max of src over |dx| <= rx, |dy| <= ry inside the image, by definition. */
function direct(src: Float32Array, width: number, height: number, rx: number, ry: number): Float32Array {
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let m = -Infinity;
      for (let v = Math.max(0, y - ry); v <= Math.min(height - 1, y + ry); v++) {
        for (let u = Math.max(0, x - rx); u <= Math.min(width - 1, x + rx); u++) m = Math.max(m, src[v * width + u]);
      }
      out[y * width + x] = m;
    }
  }
  return out;
}

function randomImage(width: number, height: number, seed: number): Float32Array {
  const rnd = random(seed);
  // Negative values and exact ties too: the filters may not assume F >= 0 or distinct values.
  return Float32Array.from({ length: width * height }, () => Math.round((rnd() - 0.3) * 40) / 4 + 0); // + 0: no -0
}

describe('max filters', () => {
  const sizes: [number, number][] = [[1, 1], [1, 9], [9, 1], [5, 5], [7, 13], [25, 25], [26, 24], [51, 50], [64, 33]];
  for (const radius of [0, 1, 2, 3, 12, 30]) {
    it.each(sizes)(`radius ${radius}: %i x %i`, (width, height) => {
      const src = randomImage(width, height, width * 131 + height * 7 + radius);
      expect(Array.from(maxRows(src, width, height, radius))).toEqual(Array.from(direct(src, width, height, radius, 0)));
      expect(Array.from(maxFilter(src, width, height, radius))).toEqual(Array.from(direct(src, width, height, radius, radius)));
    });
  }

  it('writes into dst and checks its arguments', () => {
    const src = randomImage(10, 4, 3);
    const dst = new Float32Array(40);
    expect(maxFilter(src, 10, 4, 2, dst)).toBe(dst);
    expect(() => maxFilter(src, 10, 4, 2, new Float32Array(39))).toThrow('Expected dst to hold 40 values but received 39');
    expect(() => maxRows(src, 10, 4, -1)).toThrow('Expected a non-negative integer for radius but received -1');
    expect(() => maxFilter(src, 9, 4, 1)).toThrow('Expected src to hold 36 values but received 40');
  });
});
