/**
 * Checks that a ZStack is well formed before any backend touches it, so every backend can trust
 * its input and errors name the stack.
 */
import { FocusFuseError } from './errors.js';
import { MAX_PLANES } from './options.js';
import type { ZStack } from './types.js';

/** Validates a stack's shape: positive integer size, 1..256 planes, each exactly width*height*4 bytes. */
export function validateStack(stack: ZStack): void {
  const name = stack?.meta?.name ?? 'stack';
  if (typeof stack !== 'object' || stack === null) {
    throw new FocusFuseError('BAD_STACK', `Expected a ZStack object but received ${String(stack)}`);
  }
  const { width, height, planes } = stack;
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
    throw new FocusFuseError('BAD_STACK', `Expected positive integer width and height but received ${width}x${height}`, name);
  }
  if (!Array.isArray(planes) || planes.length === 0) {
    throw new FocusFuseError('NO_IMAGES', 'Expected at least one plane but received none', name);
  }
  if (planes.length > MAX_PLANES) {
    throw new FocusFuseError('TOO_MANY_PLANES', `Expected at most ${MAX_PLANES} planes but received ${planes.length}`, name);
  }
  const bytes = width * height * 4;
  planes.forEach((plane, z) => {
    if (!(plane instanceof Uint8Array) || plane.length !== bytes) {
      const got = plane instanceof Uint8Array ? `${plane.length} bytes` : String(plane);
      throw new FocusFuseError(
        'SIZE_MISMATCH',
        `Expected plane ${z} to be a Uint8Array of ${bytes} bytes (RGBA8 ${width}x${height}) but received ${got}`,
        stack.meta?.files?.[z] ?? name,
      );
    }
  });
}
