/**
 * The `pyramid` composite on the CPU reference: it gives a plane back where the depth says so, never
 * leaves the range of the planes around the depth (no ringing), hides the seam where the depth
 * changes plane, keeps more fine detail than `interpolate` between planes, and skips planes nobody uses.
 */
import { describe, expect, it } from 'vitest';
import { composite } from '../src/cpu/index.js';
import { PYRAMID_CLAMP_REACH, pyramidLevels, pyramidWeight } from '../src/core/pyramid.js';
import { random } from './gpu-stacks.js';

/** Z planes of w x h: plane z is a random texture of its own with contrast `contrast`, alpha 255. */
function texturedPlanes(w: number, h: number, Z: number, seed: number, contrast = 100): Uint8Array[] {
  const rng = random(seed);
  return Array.from({ length: Z }, (_, z) => {
    const p = new Uint8Array(w * h * 4);
    for (let i = 0; i < w * h; i++) {
      for (let c = 0; c < 3; c++) p[4 * i + c] = Math.min(255, Math.round(40 + 10 * z + contrast * rng()));
      p[4 * i + 3] = 255;
    }
    return p;
  });
}

/** Mean squared horizontal + vertical difference of channel 0: a plain sharpness figure. */
function gradientEnergy(img: Uint8Array, w: number, h: number): number {
  let sum = 0;
  for (let y = 0; y < h - 1; y++) {
    for (let x = 0; x < w - 1; x++) {
      const i = 4 * (y * w + x);
      sum += (img[i + 4] - img[i]) ** 2 + (img[i + 4 * w] - img[i]) ** 2;
    }
  }
  return sum / ((w - 1) * (h - 1));
}

describe('pyramid composite (CPU)', () => {
  it('level sizes halve, rounding up, down to 1 px', () => {
    expect(pyramidLevels(5, 3).map((l) => [l.width, l.height, l.offset])).toEqual([[5, 3, 0], [3, 2, 15], [2, 1, 21], [1, 1, 23], [1, 1, 24]]);
    expect(pyramidLevels(1, 1).every((l) => l.width === 1 && l.height === 1)).toBe(true);
  });

  it('weights sum to 1 and reach 1 on the nearest plane', () => {
    for (const ds of [0, 0.1, 0.24, 0.25, 0.5, 0.7, 2.99, 3, 4, -1, NaN]) {
      const sum = [0, 1, 2, 3, 4].reduce((a, z) => a + pyramidWeight(ds, z, 5), 0);
      expect(sum).toBeCloseTo(1, 12);
    }
    expect(pyramidWeight(2.2, 2, 11)).toBe(1);
    expect(pyramidWeight(2.5, 2, 11)).toBeCloseTo(0.5, 12);
  });

  it('gives plane z back exactly where Ds = z everywhere, on odd sizes and Z = 1..4', () => {
    for (const [w, h, Z] of [[1, 1, 1], [7, 5, 2], [33, 17, 3], [1, 40, 4], [61, 2, 3]]) {
      const planes = texturedPlanes(w, h, Z, w + h + Z);
      for (let z = 0; z < Z; z++) {
        const out = composite(planes, new Float32Array(w * h).fill(z), w, h, 'pyramid');
        expect(Array.from(out), `${w}x${h}x${Z} plane ${z}`).toEqual(Array.from(planes[z]));
      }
    }
  });

  it('stays inside the range of the planes near Ds (no ringing), with a depth step and ramps', () => {
    const [w, h, Z] = [64, 48, 5];
    const planes = texturedPlanes(w, h, Z, 3, 200);
    const depth = Float32Array.from({ length: w * h }, (_, i) => ((i % w) < 30 ? 0.3 : 3.6) + ((i / w) | 0) / 40);
    const out = composite(planes, depth, w, h, 'pyramid');
    for (let i = 0; i < w * h; i++) {
      const dc = Math.min(Z - 1, depth[i]); // Ds past the last plane reads as the last plane
      const lo = Math.max(0, Math.ceil(dc - PYRAMID_CLAMP_REACH));
      const hi = Math.min(Z - 1, Math.floor(dc + PYRAMID_CLAMP_REACH));
      for (let c = 0; c < 4; c++) {
        const values = planes.slice(lo, hi + 1).map((p) => p[4 * i + c]);
        expect(out[4 * i + c]).toBeGreaterThanOrEqual(Math.min(...values));
        expect(out[4 * i + c]).toBeLessThanOrEqual(Math.max(...values));
      }
    }
  });

  it('keeps more fine detail than interpolate where Ds lies between planes', () => {
    // Plane 1 sharp (texture), plane 0 and 2 flat: Ds = 1.2 should show mostly plane 1's texture.
    const [w, h] = [48, 48];
    const texture = texturedPlanes(w, h, 1, 8, 120)[0];
    const flat = new Uint8Array(w * h * 4).fill(120);
    const planes = [flat, texture, flat];
    const depth = new Float32Array(w * h).fill(1.35);
    const pyramid = gradientEnergy(composite(planes, depth, w, h, 'pyramid'), w, h);
    const interpolate = gradientEnergy(composite(planes, depth, w, h, 'interpolate'), w, h);
    expect(pyramid).toBeGreaterThan(1.5 * interpolate);
  });

  it('hides the seam of a hard depth step that nearest shows', () => {
    // Two flat planes of different brightness; depth jumps from plane 0 to plane 1 at x = 32:
    // nearest has one jump of 100 levels, the pyramid spreads it over several pixels.
    const [w, h] = [64, 8];
    const dark = new Uint8Array(w * h * 4).fill(80);
    const bright = new Uint8Array(w * h * 4).fill(180);
    const depth = Float32Array.from({ length: w * h }, (_, i) => ((i % w) < 32 ? 0 : 1));
    const largestStep = (img: Uint8Array) => Math.max(...Array.from({ length: w - 1 }, (_, x) => Math.abs(img[4 * (x + 1)] - img[4 * x])));
    expect(largestStep(composite([dark, bright], depth, w, h, 'nearest'))).toBe(100);
    // Clamped to the range of the planes within reach of Ds: at Ds = 0 or 1 with Z = 2, that is both planes.
    expect(largestStep(composite([dark, bright], depth, w, h, 'pyramid'))).toBeLessThan(40);
  });

  it('gives the same image whether unused planes are present or not', () => {
    const [w, h] = [40, 30];
    const planes = texturedPlanes(w, h, 6, 12);
    const depth = Float32Array.from({ length: w * h }, (_, i) => 2 + ((i % w) / w) * 0.9);
    const all = composite(planes, depth, w, h, 'pyramid');
    const shifted = composite(planes.slice(1, 4), Float32Array.from(depth, (d) => d - 1), w, h, 'pyramid');
    expect(Array.from(all)).toEqual(Array.from(shifted));
  });
});
