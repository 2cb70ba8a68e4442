/**
 * What a library caller may hand fuse() and the CPU engine as a stack (src/core/stack.ts), and how a
 * wrong one is told: canvas pixels (Uint8ClampedArray) are RGBA8; a wrong value is described by its
 * type and size, never printed; a wrong length says what width x height x 4 asks for; 16-bit samples
 * above bitDepth are refused instead of clipped.
 */
import { describe, expect, it } from 'vitest';
import { describeValue } from '../src/core/errors.js';
import { resolveOptions } from '../src/core/options.js';
import { validateStack, type StackInput } from '../src/core/stack.js';
import type { AnyZStack, ZStack } from '../src/core/types.js';
import { fuseCpu } from '../src/cpu/backend.js';
import { fuse } from '../src/index.js';
import { errorOf } from './expect-helpers.js';
import { random } from './gpu-stacks.js';

const W = 64;
const H = 48;

function planes8(count: number): Uint8Array[] {
  const next = random(7);
  return Array.from({ length: count }, () => Uint8Array.from({ length: W * H * 4 }, (_, i) => (i % 4 === 3 ? 255 : Math.floor(next() * 256))));
}

describe('canvas pixels (Uint8ClampedArray planes)', () => {
  it('are taken as RGBA8 without a copy, with the same result as Uint8Array planes', async () => {
    const planes = planes8(5);
    // What getImageData hands a page: clamped views, here at an offset into one buffer.
    const shared = new ArrayBuffer(16 + planes.length * W * H * 4);
    const clamped = planes.map((p, z) => {
      const view = new Uint8ClampedArray(shared, 16 + z * p.length, p.length);
      view.set(p);
      return view;
    });
    const checked = validateStack({ width: W, height: H, planes: clamped });
    expect(checked.planes[0]).toBeInstanceOf(Uint8Array);
    expect(checked.planes[2].buffer).toBe(shared); // a view, not a copy
    expect(checked.planes[2].byteOffset).toBe(16 + 2 * W * H * 4);
    const want = await fuse({ width: W, height: H, planes }, { backend: 'cpu' });
    const got = await fuse({ width: W, height: H, planes: clamped }, { backend: 'cpu' });
    expect(got.image).toEqual(want.image);
    expect(got.depth).toEqual(want.depth);
    const reference = fuseCpu({ width: W, height: H, planes: clamped }, resolveOptions({}));
    expect(reference.image).toEqual(fuseCpu({ width: W, height: H, planes }, resolveOptions({})).image);
  });
});

describe('validateStack messages', () => {
  const stack = { width: W, height: H, planes: planes8(3) };
  const message = (given: unknown) => errorOf(() => validateStack(given as StackInput)).message;

  it('describe a wrong plane by its type and length, never by its contents', () => {
    const asNumbers = { ...stack, planes: [Array.from(stack.planes[0])] };
    const text = message(asNumbers);
    expect(text).toBe(`stack: Expected a Uint8Array or Uint8ClampedArray (RGBA8) or a Uint16Array (RGBA16) of 12288 elements (width x height x 4 = 64 x 48 x 4) for plane 0 but received an array of 12288 items`);
    expect(message({ ...stack, planes: [stack.planes[0].buffer] })).toMatch(/received an ArrayBuffer of 12288 bytes$/);
    expect(message({ ...stack, planes: 'abc' })).toBe(`stack: Expected an array of at least one plane for planes but received 'abc' (string)`);
    expect(message(null)).toMatch(/received null$/);
  });

  it('say what width x height x 4 asks for, in elements for 8 and 16 bits alike', () => {
    expect(message({ ...stack, width: W + 1 })).toBe('stack: Expected a Uint8Array or Uint8ClampedArray (RGBA8) of 12480 elements (width x height x 4 = 65 x 48 x 4) for plane 0 but received a Uint8Array of 12288 elements');
    const wide = { width: W, height: H, planes: [new Uint16Array(W * H * 4), new Uint8Array(W * H * 4)] };
    expect(message(wide)).toBe('stack: Expected a Uint16Array (RGBA16, like plane 0) of 12288 elements (width x height x 4 = 64 x 48 x 4) for plane 1 but received a Uint8Array of 12288 elements');
    expect(message({ ...stack, meta: { name: 's', files: ['a.png', 'b.png', 'c.png'] }, planes: [stack.planes[0], stack.planes[1], new Uint8Array(5)] })).toMatch(/^c\.png: Expected a Uint8Array or Uint8ClampedArray \(RGBA8\) of 12288 elements .* for plane 2 but received a Uint8Array of 5 elements$/);
  });

  it('name a canvas plane of the wrong length a Uint8ClampedArray, as given', () => {
    const clamped = { width: 4, height: 4, planes: [new Uint8ClampedArray(60), new Uint8ClampedArray(64)] };
    expect(message(clamped)).toBe('stack: Expected a Uint8Array or Uint8ClampedArray (RGBA8) of 64 elements (width x height x 4 = 4 x 4 x 4) for plane 0 but received a Uint8ClampedArray of 60 elements');
    const second = { width: 4, height: 4, planes: [new Uint8ClampedArray(64), new Uint16Array(64)] };
    expect(message(second)).toBe('stack: Expected a Uint8Array or Uint8ClampedArray (RGBA8, like plane 0) of 64 elements (width x height x 4 = 4 x 4 x 4) for plane 1 but received a Uint16Array of 64 elements');
  });

  it('say what bitDepth the planes allow, once', () => {
    expect(message({ ...stack, bitDepth: 12 })).toBe('stack: Expected 8 for bitDepth (the planes are RGBA8: Uint8Array or Uint8ClampedArray) but received 12 (number)');
    const wide = { width: W, height: H, planes: [new Uint16Array(W * H * 4)], bitDepth: 17 };
    expect(message(wide)).toBe('stack: Expected an integer between 8 and 16 for bitDepth (the planes are RGBA16: Uint16Array) but received 17 (number)');
  });

  it('type canvas pixels as ZStack<Uint8ClampedArray>, which fuse() and validateStack take (checked by tsc)', async () => {
    const image = { data: new Uint8ClampedArray(W * H * 4).fill(128) }; // what getImageData returns
    const canvas: ZStack<Uint8ClampedArray> = { width: W, height: H, planes: [image.data, image.data] };
    const input: StackInput = canvas;
    expect(validateStack(input).planes[0]).toBeInstanceOf(Uint8Array);
    expect((await fuse(canvas, { backend: 'cpu' })).width).toBe(W);
  });

  it('refuse 16-bit samples above bitDepth, naming the plane, the largest sample and the bits', async () => {
    const planes = Array.from({ length: 4 }, () => new Uint16Array(W * H * 4).fill(4000));
    planes[3][101] = 60000; // a G sample
    planes[3][7] = 50000;
    const wide: ZStack<Uint16Array> = { width: W, height: H, planes, bitDepth: 12 };
    const error = errorOf(() => validateStack(wide));
    expect(error.code).toBe('BAD_STACK');
    expect(error.message).toContain('Expected samples up to 4095 for bitDepth 12 but plane 3 holds 60000');
    await expect(fuse(wide, { backend: 'cpu' })).rejects.toThrow(/plane 3 holds 60000/);
    // fuse() checks the shape only and leaves the samples' pass to the engine: one pass per call.
    expect(validateStack(wide, { samples: false })).toBe(wide);
    // Alpha is not fused (loadStack fills it with 65535 whatever the bits), so not checked.
    planes[3][101] = 4095;
    planes[3][7] = 65535;
    expect(() => validateStack(wide)).not.toThrow();
    // 16 bits, or no bitDepth: every sample fits.
    expect(() => validateStack({ ...wide, bitDepth: undefined, planes: [new Uint16Array(W * H * 4).fill(65535)] } as AnyZStack)).not.toThrow();
  });
});

describe('fuse() options', () => {
  it('call an array an array, not an unknown option name', async () => {
    const stack = { width: W, height: H, planes: planes8(2) };
    await expect(fuse(stack, [1, 2, 3] as never)).rejects.toThrow(/^Expected an options object for options but received an array of 3 items$/);
  });
});

describe('describeValue', () => {
  it('gives type and size, not contents', () => {
    const big = new Uint8ClampedArray(432256).fill(179);
    expect(describeValue(big)).toBe('a Uint8ClampedArray of 432256 elements');
    expect(describeValue(Buffer.alloc(13260))).toBe('a Buffer of 13260 bytes');
    expect(describeValue({ width: 1 })).toBe('an object {width}');
    expect(describeValue({ fused: undefined, depth: 'd.tif' })).toBe('an object {fused: undefined, depth}');
    expect(describeValue('x'.repeat(5000)).length).toBeLessThan(120);
    expect(describeValue(3)).toBe('3 (number)');
  });
});
