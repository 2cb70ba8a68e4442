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

/** Describes a received value for error messages: `3 (number)`, `'x' (string)`, `nothing` (undefined). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return `'${value}' (string)`;
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return `${String(value)} (${typeof value})`;
}

/**
 * Throws the uniform "Expected X for Y but received Z" error.
 * @example expected('an integer between 0 and 32', 'window', 40)
 */
export function expected(what: string, name: string, received: unknown, file?: string): never {
  throw new FocusFuseError('BAD_OPTION', `Expected ${what} for ${name} but received ${describeValue(received)}`, file);
}
