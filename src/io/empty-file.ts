/**
 * The one message for an empty plane file (a copy that failed, a placeholder), so the CLI and
 * library (decodeImage) and the viewer page (decodeImageBlob) say the same thing about it, instead
 * of the page's generic "could not be decoded". Browser-safe.
 */
import { FocusFuseError } from '../core/errors.js';

/**
 * Throws FocusFuseError DECODE "the file is empty", naming the file, when it has no bytes.
 * @example refuseEmptyFile(bytes.length, 'z03.jpg'); // throws "z03.jpg: the file is empty" when bytes.length is 0
 */
export function refuseEmptyFile(byteLength: number, name: string): void {
  if (byteLength === 0) throw new FocusFuseError('DECODE', 'the file is empty', name);
}
