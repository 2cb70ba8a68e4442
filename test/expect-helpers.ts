/** Assertions several suites share. */
import { expect } from 'vitest';
import { FocusFuseError } from '../src/core/errors.js';
import { clampDepth, PYRAMID_CLAMP_REACH } from '../src/core/pyramid.js';
import type { FuseResult } from '../src/core/types.js';

/** Every map and statistic of two results equal, value for value (what a lossless transport must keep). */
export function expectSameMaps(got: FuseResult, want: FuseResult): void {
  expect(got.image).toEqual(want.image);
  expect(got.depth).toEqual(want.depth);
  expect(got.rawDepth).toEqual(want.rawDepth);
  expect(got.confidence).toEqual(want.confidence);
  expect(got.focus).toEqual(want.focus);
  expect(got.stats).toEqual(want.stats);
}

/** The FocusFuseError that `fn` throws; fails the test when it throws nothing or something else. */
export function errorOf(fn: () => unknown): FocusFuseError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FocusFuseError);
    return error as FocusFuseError;
  }
  throw new Error('expected an error');
}

/**
 * How many samples of a composite's `image` lie outside the range of the planes its clamp takes
 * (select: every plane; pyramid: the planes within PYRAMID_CLAMP_REACH of Dc), at any sample width.
 */
export function samplesOutsideClamp(planes: readonly (Uint8Array | Uint16Array)[], depth: Float32Array, image: Uint8Array | Uint16Array, mode: 'pyramid' | 'select'): number {
  const Z = planes.length;
  let outside = 0;
  for (let i = 0; i < depth.length; i++) {
    const dc = clampDepth(depth[i], Z);
    const [z0, z1] = mode === 'select' ? [0, Z - 1] : [Math.max(0, Math.ceil(dc - PYRAMID_CLAMP_REACH)), Math.min(Z - 1, Math.floor(dc + PYRAMID_CLAMP_REACH))];
    for (let j = 4 * i; j < 4 * i + 4; j++) {
      let [lo, hi] = [Infinity, -Infinity];
      for (let z = z0; z <= z1; z++) [lo, hi] = [Math.min(lo, planes[z][j]), Math.max(hi, planes[z][j])];
      if (image[j] < lo || image[j] > hi) outside++;
    }
  }
  return outside;
}
