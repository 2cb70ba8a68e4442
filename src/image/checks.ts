/**
 * Argument checks shared by every image operation (src/image and the CPU stages): sizes, array
 * lengths and optional output arrays, with the project's uniform messages.
 */
import { FocusFuseError, expected } from '../core/errors.js';

/** Throws unless width and height are positive integers. */
export function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || width < 1) expected('a positive integer', 'width', width);
  if (!Number.isInteger(height) || height < 1) expected('a positive integer', 'height', height);
}

/** Throws unless `array` holds exactly `length` elements. */
export function checkLength(array: ArrayLike<number>, length: number, name: string): void {
  if (array.length !== length) {
    throw new FocusFuseError('SIZE_MISMATCH', `Expected ${name} to hold ${length} values but received ${array.length}`);
  }
}

/** `dst` after checking its length, or a new Float32Array of `length`. */
export function useDst(dst: Float32Array | undefined, length: number, name = 'dst'): Float32Array {
  if (dst === undefined) return new Float32Array(length);
  checkLength(dst, length, name);
  return dst;
}
