/** Concurrent decodes (sharp's thread pool) reported in plane order. */
import { FocusFuseError } from '../core/errors.js';
import type { DecodedPlane } from './decode.js';

/**
 * Waits for every decode (so none still runs when the caller moves on), then returns the planes in
 * order, or throws the first failure in plane order, counting the others (`unit`: what failed).
 * @example const planes = await settleInOrder(files.map((f) => decodePlane(f)));
 */
export async function settleInOrder(decodes: readonly Promise<DecodedPlane>[], unit: 'file' | 'page' = 'file'): Promise<DecodedPlane[]> {
  const settled = await Promise.allSettled(decodes);
  const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
  if (failures.length > 0) {
    const first = failures[0];
    if (failures.length > 1 && first instanceof FocusFuseError) {
      const detail = first.file ? first.message.slice(first.file.length + 2) : first.message;
      const others = failures.length - 1;
      throw new FocusFuseError(first.code, `${detail} (and ${others} more ${unit}${others > 1 ? 's' : ''} failed)`, first.file);
    }
    throw first;
  }
  return settled.map((s) => (s as PromiseFulfilledResult<DecodedPlane>).value);
}
