/**
 * Checks that a ZStack is well formed before any backend touches it, so every backend can trust
 * its input and errors name the stack.
 */
import { FocusFuseError } from './errors.js';
import { MAX_PLANES } from './options.js';
import type { AnyZStack, ZStack } from './types.js';

/** Validates a stack's shape: positive integer size, 1..256 planes, each exactly width*height*4 bytes. */
export function validateStack(stack: AnyZStack): void {
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
  const samples = width * height * 4;
  const Type = planes[0] instanceof Uint16Array ? Uint16Array : Uint8Array;
  const what = Type === Uint16Array ? `a Uint16Array of ${samples} samples (RGBA16` : `a Uint8Array of ${samples} bytes (RGBA8`;
  (planes as unknown[]).forEach((plane, z) => {
    if (!(plane instanceof Type) || plane.length !== samples) {
      const got = plane instanceof Uint8Array || plane instanceof Uint16Array ? `a ${plane.constructor.name} of ${plane.length}` : String(plane);
      throw new FocusFuseError('SIZE_MISMATCH', `Expected plane ${z} to be ${what} ${width}x${height}, like plane 0) but received ${got}`, stack.meta?.files?.[z] ?? name);
    }
  });
  const covered = stack.covered;
  if (covered !== undefined && !(covered instanceof Int32Array && covered.length === 2 * height && covered.every((x, i) => x >= 0 && x <= width && (i % 2 === 0 || x >= covered[i - 1])))) {
    const got = covered instanceof Int32Array ? `an Int32Array of ${covered.length} not within 0..${width} in order` : String(covered);
    throw new FocusFuseError('BAD_STACK', `Expected an Int32Array of ${2 * height} span ends (start <= end, within 0..${width}) for covered but received ${got}`, name);
  }
  const bits = stack.bitDepth;
  if (bits !== undefined && (Type === Uint8Array ? bits !== 8 : !Number.isInteger(bits) || bits < 8 || bits > 16)) {
    throw new FocusFuseError('BAD_STACK', `Expected ${Type === Uint8Array ? '8 for Uint8Array planes' : 'an integer between 8 and 16 for Uint16Array planes'} for bitDepth but received ${bits}`, name);
  }
}

/**
 * Whether a stack holds 16-bit planes.
 * @example isWideStack(await loadStack('16-bit-tiffs/')) // => true
 */
export function isWideStack(stack: AnyZStack): stack is ZStack<Uint16Array> {
  return stack.planes[0] instanceof Uint16Array;
}

/**
 * The largest sample value of a stack's planes: 255 for RGBA8, 2^bitDepth - 1 for RGBA16.
 * @example sampleMax({ width: 1, height: 1, planes: [new Uint16Array(4)], bitDepth: 12 }) // => 4095
 */
export function sampleMax(stack: Pick<AnyZStack, 'planes' | 'bitDepth'>): number {
  if (!(stack.planes[0] instanceof Uint16Array)) return 255;
  return 2 ** (stack.bitDepth ?? 16) - 1;
}

// Per sample max, every u16 value's 8-bit sample: a table read is several times cheaper than the
// rounding per sample (a 384^2 fused image16: ~1 against ~6 ms), the same values.
const scaleTables = new Map<number, Uint8Array>();

/** min(255, round(v 255 / max)) for every v of a u16. */
function scaleTable(max: number): Uint8Array {
  let table = scaleTables.get(max);
  if (!table) {
    const scale = 255 / max;
    table = new Uint8Array(65536);
    for (let v = 0; v < 65536; v++) table[v] = Math.min(255, Math.round(v * scale));
    scaleTables.set(max, table);
  }
  return table;
}

/**
 * The stack with RGBA8 planes: itself when they already are, else each sample scaled from
 * `bitDepth` bits to 8 (round(v * 255 / (2^bitDepth - 1))), for engines that only take 8 bits.
 * @example toRgba8Stack(stack16).planes[0] instanceof Uint8Array // => true
 */
export function toRgba8Stack(stack: AnyZStack): ZStack {
  if (!isWideStack(stack)) return stack;
  const table = scaleTable(sampleMax(stack));
  const planes = stack.planes.map((plane) => {
    const out = new Uint8Array(plane.length);
    for (let i = 0; i < plane.length; i++) out[i] = table[plane[i]];
    return out;
  });
  const { bitDepth: _, ...rest } = stack;
  return { ...rest, planes };
}
