/**
 * The pixels every aligned plane covers (src/align/coverage.ts), against the per-pixel test it must
 * equal, and what they change: the `histogram` depth's one-plane test judges an aligned stack on them
 * only, so the moved planes' filled-in edges no longer decide it (the raw smear sweep, registered with
 * align auto, is shown as its best plane 9 with or without a crop; it fused per pixel before).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coveredSpans } from '../src/align/coverage.js';
import { affine, apply, identity, type Mat3 } from '../src/align/matrix.js';
import { halosFallback } from '../src/core/halos.js';
import { resolveOptions } from '../src/core/options.js';
import { validateStack } from '../src/core/stack.js';
import { fuseCpu } from '../src/cpu/index.js';
import { fuseCpuFast } from '../src/cpu/fast/index.js';
import { loadStack } from '../src/io/load-stack.js';

/** The crop's test, pixel by pixel: inside every plane within half a pixel of its pixel centres. */
function coveredMask(transforms: Mat3[], sizes: { width: number; height: number }[], width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height).fill(1);
  const pt: [number, number] = [0, 0];
  transforms.forEach((t, z) => {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        apply(t, x, y, pt);
        if (!(pt[0] >= -0.5 && pt[1] >= -0.5 && pt[0] <= sizes[z].width - 0.5 && pt[1] <= sizes[z].height - 0.5)) mask[y * width + x] = 0;
      }
    }
  });
  return mask;
}

/** A similarity about the frame's centre: scale s, rotation deg, then a shift. */
function similarity(s: number, deg: number, dx: number, dy: number, width: number, height: number): Mat3 {
  const [c, r] = [s * Math.cos((deg * Math.PI) / 180), s * Math.sin((deg * Math.PI) / 180)];
  const [cx, cy] = [(width - 1) / 2, (height - 1) / 2];
  return affine(c, -r, cx - c * cx + r * cy + dx, r, c, cy - r * cx - c * cy + dy);
}

describe('coveredSpans', () => {
  it('equals the per-pixel test row by row, for moves, zooms, rotations and smaller planes', () => {
    const [W, H] = [61, 47];
    const cases: [string, Mat3[], { width: number; height: number }[]][] = [
      ['shifts', [identity(), similarity(1, 0, 3.5, -2.25, W, H), similarity(1, 0, -0.5, 0.5, W, H)], [{ width: W, height: H }, { width: W, height: H }, { width: W, height: H }]],
      ['zoom in and out', [identity(), similarity(1.05, 0, 0, 0, W, H), similarity(0.95, 0, 0, 0, W, H)], Array(3).fill({ width: W, height: H })],
      ['rotations', [similarity(1, 3, 1, 0, W, H), similarity(0.98, -7, 0, 2, W, H)], Array(2).fill({ width: W, height: H })],
      ['smaller planes, unmoved', [identity(), identity()], [{ width: W, height: H }, { width: W - 5, height: H - 3 }]],
      ['a plane that covers nothing', [identity(), similarity(1, 0, 2 * W, 0, W, H)], Array(2).fill({ width: W, height: H })],
      ['nor does this one', [identity(), similarity(1, 0, -2 * W, 3, W, H)], Array(2).fill({ width: W, height: H })],
    ];
    for (const [name, transforms, sizes] of cases) {
      const spans = coveredSpans(transforms, sizes, W, H);
      const mask = coveredMask(transforms, sizes, W, H);
      expect(spans, name).toBeDefined();
      for (let y = 0; y < H; y++) {
        const [start, end] = [spans![2 * y], spans![2 * y + 1]];
        expect(0 <= start && start <= end && end <= W, `${name}, row ${y}: ${start}..${end}`).toBe(true);
        for (let x = 0; x < W; x++) expect(x >= start && x < end ? 1 : 0, `${name}, (${x}, ${y})`).toBe(mask[y * W + x]);
      }
    }
  });

  it('is undefined where every pixel is covered', () => {
    expect(coveredSpans([identity(), similarity(1, 0, 0.4, -0.4, 20, 10)], Array(2).fill({ width: 20, height: 10 }), 20, 10)).toBeUndefined();
  });

  it('is checked when a stack brings its own', () => {
    const stack = { width: 4, height: 2, planes: [new Uint8Array(32), new Uint8Array(32)] };
    expect(() => validateStack({ ...stack, covered: new Int32Array([0, 4, 1, 3]) })).not.toThrow();
    expect(() => validateStack({ ...stack, covered: new Int32Array([0, 4]) })).toThrow(/Expected an Int32Array of 4 span ends .* for covered but received an Int32Array of 2/);
    expect(() => validateStack({ ...stack, covered: new Int32Array([3, 1, 0, 4]) })).toThrow(/for covered/);
    expect(() => validateStack({ ...stack, covered: new Int32Array([0, 5, 0, 4]) })).toThrow(/for covered/);
  });
});

const SMEAR = join(import.meta.dirname, 'fixtures/real/smear');
const SMEAR_REGISTERED = join(import.meta.dirname, '../examples/samples/smear-registered');

describe('the one-plane test on the pixels every plane covers', () => {
  it('leaves out the filled-in rows that kept the registered smear per pixel', async () => {
    // smear_registered's only unexplained peaks are on its three bottom rows, which the registration
    // that made it filled in on plane 11 (docs/fusion-v2.md).
    const stack = await loadStack(SMEAR_REGISTERED);
    const { focus, width, height, options } = fuseCpuFast(stack, resolveOptions({ keepFocus: true, onePlane: 'off' }));
    expect(halosFallback(focus!, width, height, options.tau, options.window)).toBeUndefined();
    const covered = new Int32Array(2 * height);
    for (let y = 0; y < height - 3; y++) covered[2 * y + 1] = width;
    expect(halosFallback(focus!, width, height, options.tau, options.window, covered)).toEqual({ reason: 'halos', plane: 9 });
  });

  it('shows the raw smear sweep, aligned by auto, as its best plane 9 on both CPU engines, with or without a crop', async () => {
    const stack = await loadStack(SMEAR, { allowMixedSizes: true });
    for (const [engine, fuse] of [
      ['reference', fuseCpu],
      ['fast path', fuseCpuFast],
    ] as const) {
      for (const alignCrop of [false, true]) {
        const label = `${engine}, crop ${alignCrop}`;
        const result = fuse(stack, resolveOptions({ align: 'auto', alignCrop }));
        const aligned = result.aligned!;
        expect(aligned.covered === undefined, label).toBe(alignCrop);
        expect(result.depthFallback, label).toEqual({ reason: 'halos', plane: 9 });
        expect(Buffer.compare(Buffer.from(result.image), Buffer.from(aligned.planes[9])), `${label}: the image is aligned plane 9`).toBe(0);
        expect(result.depth.every((d) => d === 9), label).toBe(true);
      }
      // Per pixel on request, as before.
      expect(fuse(stack, resolveOptions({ align: 'auto', onePlane: 'off' })).depthFallback, engine).toBeUndefined();
    }
  });
});
