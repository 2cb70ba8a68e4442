/** Assertions several suites share. */
import { expect } from 'vitest';
import { FocusFuseError } from '../src/core/errors.js';
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
