/**
 * Checks that a ZStack is well formed before any backend touches it, so every backend can trust
 * its input and errors name the stack.
 */
import { describeValue, FocusFuseError } from './errors.js';
import { MAX_PLANES } from './options.js';
import type { AnyZStack, ZStack } from './types.js';

/**
 * What a caller may hand {@link validateStack} (and so fuse() and the CPU engine): a ZStack whose
 * RGBA8 planes may also be canvas pixels, `ImageData.data` (Uint8ClampedArray): a
 * `ZStack<Uint8ClampedArray>` is one.
 */
export type StackInput = AnyZStack | ZStack<Uint8Array | Uint8ClampedArray>;

/**
 * Validates a stack's shape: positive integer size, 1..256 planes, each exactly width*height*4
 * samples, and 16-bit samples within `bitDepth` (R, G and B: alpha is not fused). Returns the stack
 * the engines take: the same object, or, where planes are Uint8ClampedArray (canvas pixels), a copy
 * whose planes are Uint8Array views of the same bytes (nothing copied). The samples' pass (~3 ms per
 * 11 x 384² 12-bit stack, a tenth of its fuse on the fast path) is left out with `samples: false`,
 * where an engine that checks them comes next (fuse()).
 * @example const checked = validateStack({ width, height, planes: images.map((i) => i.data) });
 * @throws FocusFuseError "Expected X for Y but received Z", naming the stack (or the plane's file).
 */
export function validateStack(given: StackInput, { samples: checkSamples = true }: { samples?: boolean } = {}): AnyZStack {
  if (typeof given !== 'object' || given === null) {
    throw new FocusFuseError('BAD_STACK', `Expected a ZStack object {width, height, planes} for stack but received ${describeValue(given)}`);
  }
  const name = given.meta?.name ?? 'stack';
  const { width, height } = given;
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
    throw new FocusFuseError('BAD_STACK', `Expected positive integers for width and height but received ${describeValue(width)} and ${describeValue(height)}`, name);
  }
  if (!Array.isArray(given.planes) || given.planes.length === 0) {
    throw new FocusFuseError('NO_IMAGES', `Expected an array of at least one plane for planes but received ${describeValue(given.planes)}`, name);
  }
  if (given.planes.length > MAX_PLANES) {
    throw new FocusFuseError('TOO_MANY_PLANES', `Expected at most ${MAX_PLANES} planes but received ${given.planes.length}`, name);
  }
  const stack = viewCanvasPlanes(given);
  const planes: unknown[] = stack.planes;
  const samples = width * height * 4;
  const Type = planes[0] instanceof Uint16Array ? Uint16Array : Uint8Array;
  const size = `${samples} elements (width x height x 4 = ${width} x ${height} x 4)`;
  // The planes' kind as the caller knows it: canvas pixels are Uint8ClampedArray, viewed as Uint8Array here.
  const [types, format] = Type === Uint16Array ? ['Uint16Array', 'RGBA16'] : ['Uint8Array or Uint8ClampedArray', 'RGBA8'];
  planes.forEach((plane, z) => {
    const file = stack.meta?.files?.[z] ?? name;
    // Described as given (a Uint8ClampedArray stays one in the message), not as viewed.
    const received = describeValue(given.planes[z]);
    if (z === 0 && !(plane instanceof Type)) {
      throw new FocusFuseError('BAD_STACK', `Expected a Uint8Array or Uint8ClampedArray (RGBA8) or a Uint16Array (RGBA16) of ${size} for plane 0 but received ${received}`, file);
    }
    if (!(plane instanceof Type)) {
      throw new FocusFuseError('BAD_STACK', `Expected a ${types} (${format}, like plane 0) of ${size} for plane ${z} but received ${received}`, file);
    }
    if (plane.length !== samples) {
      throw new FocusFuseError('SIZE_MISMATCH', `Expected a ${types} (${format}) of ${size} for plane ${z} but received ${received}`, file);
    }
  });
  const covered = stack.covered;
  if (covered !== undefined && !(covered instanceof Int32Array && covered.length === 2 * height && covered.every((x, i) => x >= 0 && x <= width && (i % 2 === 0 || x >= covered[i - 1])))) {
    const got = covered instanceof Int32Array && covered.length === 2 * height ? `one not within 0..${width} in order` : describeValue(covered);
    throw new FocusFuseError('BAD_STACK', `Expected an Int32Array of ${2 * height} span ends (start <= end, within 0..${width}) for covered but received ${got}`, name);
  }
  const bits = stack.bitDepth;
  if (bits !== undefined && (Type === Uint8Array ? bits !== 8 : !Number.isInteger(bits) || bits < 8 || bits > 16)) {
    const what = Type === Uint8Array ? '8' : 'an integer between 8 and 16';
    throw new FocusFuseError('BAD_STACK', `Expected ${what} for bitDepth (the planes are ${format}: ${types}) but received ${describeValue(bits)}`, name);
  }
  if (checkSamples && Type === Uint16Array && bits !== undefined && bits < 16) checkSampleRange(stack as ZStack<Uint16Array>, bits, name);
  return stack;
}

/** The stack with its Uint8ClampedArray planes seen as Uint8Array (same bytes); itself when it has none. */
function viewCanvasPlanes(stack: StackInput): AnyZStack {
  const planes: unknown[] = stack.planes;
  if (!planes.some((p) => p instanceof Uint8ClampedArray)) return stack as AnyZStack;
  const viewed = planes.map((p) => (p instanceof Uint8ClampedArray ? new Uint8Array(p.buffer, p.byteOffset, p.length) : p));
  return { ...stack, planes: viewed } as AnyZStack;
}

/**
 * Refuses R, G, B samples above 2^bits - 1: they would be clipped silently (a 16-bit camera
 * declared as 12-bit). One pass per plane, OR-ing the samples (a sample above the limit sets a bit
 * above it: no branch per sample); only then is the plane's largest sample looked for, for the message.
 */
function checkSampleRange(stack: ZStack<Uint16Array>, bits: number, name: string): void {
  const limit = 2 ** bits - 1;
  stack.planes.forEach((plane, z) => {
    let bitsSet = 0;
    for (let i = 0; i < plane.length; i += 4) bitsSet |= plane[i] | plane[i + 1] | plane[i + 2];
    if (bitsSet <= limit) return;
    let largest = 0;
    for (let j = 0; j < plane.length; j++) if (j % 4 !== 3 && plane[j] > largest) largest = plane[j];
    throw new FocusFuseError('BAD_STACK', `Expected samples up to ${limit} for bitDepth ${bits} but plane ${z} holds ${largest} (give the camera's bitDepth, or leave it out for 16)`, stack.meta?.files?.[z] ?? name);
  });
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
