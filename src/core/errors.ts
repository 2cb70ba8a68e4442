/**
 * One error type for everything a user can get wrong, so callers can tell input problems
 * (exit code 2, nothing written) from bugs.
 */

export type ErrorCode =
  | 'BAD_OPTION'
  | 'BAD_STACK'
  | 'NO_IMAGES'
  | 'DECODE'
  | 'SIZE_MISMATCH'
  | 'Z_ORDER'
  | 'TOO_MANY_PLANES'
  | 'AMBIGUOUS_INPUT'
  | 'NOT_FOUND'
  | 'WRITE'
  | 'BACKEND';

export class FocusFuseError extends Error {
  readonly code: ErrorCode;
  /** The file or stack the problem is about, when there is one. */
  readonly file?: string;

  constructor(code: ErrorCode, message: string, file?: string) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'FocusFuseError';
    this.code = code;
    this.file = file;
  }
}

/**
 * Describes a received value for error messages by its type and size, never by its contents (a
 * plane printed with String() is megabytes): `3 (number)`, `'x' (string)`, `nothing` (undefined),
 * `a Uint8ClampedArray of 432256 elements`, `a Buffer of 13260 bytes`, `an object {width, height}`,
 * `an object {fused: undefined}` (a key set to undefined).
 * @example describeValue(new Float32Array(8)) // => 'a Float32Array of 8 elements'
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return value.length > 80 ? `'${value.slice(0, 60)}...' (string of ${value.length} characters)` : `'${value}' (string)`;
  if (Array.isArray(value)) return `an array of ${value.length} items`;
  if (value instanceof ArrayBuffer) return `an ArrayBuffer of ${value.byteLength} bytes`;
  if (ArrayBuffer.isView(value)) {
    const type = value.constructor.name;
    // Node's Buffer is a Uint8Array by another name: "bytes" is what its users count.
    if (type === 'Buffer' || value instanceof DataView) return `${article(type)} ${type} of ${value.byteLength} bytes`;
    return `${article(type)} ${type} of ${(value as unknown as ArrayLike<number>).length} elements`;
  }
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') {
    const type = value.constructor?.name;
    if (type && type !== 'Object') return `${article(type)} ${type}`;
    const keys = Object.keys(value);
    // A key set to undefined is shown so: `{fused}` alone would read as if fused had been given.
    const shown = keys.slice(0, 6).map((key) => ((value as Record<string, unknown>)[key] === undefined ? `${key}: undefined` : key));
    return keys.length === 0 ? 'an empty object' : `an object {${shown.join(', ')}${keys.length > 6 ? ', ...' : ''}}`;
  }
  return `${String(value)} (${typeof value})`;
}

/** "an Int32Array", "a Uint8Array" (said "you"). */
function article(type: string): string {
  return /^[AEIO]/.test(type) ? 'an' : 'a';
}

/**
 * Throws the uniform "Expected X for Y but received Z" error.
 * @example expected('an integer between 0 and 32', 'window', 40)
 */
export function expected(what: string, name: string, received: unknown, file?: string): never {
  throw new FocusFuseError('BAD_OPTION', `Expected ${what} for ${name} but received ${describeValue(received)}`, file);
}
