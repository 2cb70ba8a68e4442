/**
 * Decodes one JPEG, PNG or TIFF plane with sharp: 8-bit images to RGBA8, 16-bit ones to RGBA16 at
 * full precision. Every input shape (gray/RGB, with or without alpha) comes out as RGBA, so the
 * engines only ever see RGBA.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { describeValue, FocusFuseError } from '../core/errors.js';
import { outputTagOf } from './output-tag.js';
import { refuseEmptyFile } from './empty-file.js';
import { parseTiffLayout } from './tiff-layout.js';

/** Formats the loader accepts: what microscopes and CCCID write. */
export const INPUT_FORMATS = ['jpeg', 'png', 'tiff'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export interface DecodedPlane {
  width: number;
  height: number;
  /** RGBA8 (8-bit sources) or RGBA16 (16-bit sources), row-major, width*height*4 samples. */
  data: Uint8Array | Uint16Array;
  format: InputFormat;
  /** Bits per sample of the source (8 or 16; others are converted as 16). */
  bitDepth: number;
  /** The source is a grey image (one channel, or grey + alpha): R = G = B in `data`. */
  grey: boolean;
  /** Set when the file is a focusfuse output (its metadata tag, see output-tag.ts): the output's kind. */
  outputTag?: string;
  /**
   * Set when the file is a TIFF of several pages (a Fiji/ImageJ Z-stack): how many. The plane is the
   * page decoded (DecodeOptions.page); loadStack takes the pages as the planes (expandTiffPages).
   */
  pages?: number;
}

/** How {@link decodePlane} hands its samples over. */
export interface DecodeOptions {
  /**
   * The samples in an ArrayBuffer of their own, which postMessage can transfer to a worker (the
   * batch does). Default true; false lets an 8-bit plane be a view of the decoder's memory (no copy).
   */
  transferable?: boolean;
  /**
   * Where a transferable 8-bit plane's RGBA samples go: an array of `byteLength` bytes that the
   * decoder overwrites entirely (the batch passes recycled planes, see src/batch/buffer-pool.ts).
   * Default: a fresh array.
   */
  allocate?(byteLength: number): Uint8Array;
  /**
   * Which page of a multi-page TIFF to decode, from 0 (default 0, the only page of other files).
   * A page the file does not have is DECODE naming the file.
   */
  page?: number;
}

/**
 * Reads and decodes one image file.
 * @example const plane = await decodePlane('stack/001_(3059,11012,0).jpg'); // { width: 384, height: 384, data, ... }
 * @throws FocusFuseError NOT_FOUND (missing file) or DECODE (empty, not an image, unsupported format,
 *   truncated or corrupt), naming the file.
 */
export async function decodePlane(path: string, options: DecodeOptions = {}): Promise<DecodedPlane> {
  return decodeImage(await readImageFile(path), path, options);
}

/**
 * An image file's bytes, or the decoder's error naming the file (missing, a folder, unreadable).
 * @example const bytes = await readImageFile('stack.tif'); // then decodeImage(bytes, 'stack.tif page 3', { page: 3 })
 */
export async function readImageFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FocusFuseError('NOT_FOUND', 'no such file', path);
    if (code === 'EISDIR') throw new FocusFuseError('DECODE', 'is a folder, not an image file', path);
    throw new FocusFuseError('DECODE', `cannot read the file (${(error as Error).message})`, path);
  }
}

/**
 * Decodes image bytes already in memory; `name` is used in error messages.
 * @example const plane = await decodeImage(await readFile('z00.png'), 'z00.png');
 */
export async function decodeImage(bytes: Uint8Array | ArrayBuffer, name: string, options: DecodeOptions = {}): Promise<DecodedPlane> {
  if (!(bytes instanceof Uint8Array || bytes instanceof ArrayBuffer)) {
    throw new FocusFuseError('BAD_OPTION', `Expected image bytes (a Uint8Array, Buffer or ArrayBuffer) for decodeImage input but received ${describeValue(bytes)}`, name);
  }
  if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
  const { page } = options;
  if (page !== undefined && !(Number.isInteger(page) && page >= 0)) {
    throw new FocusFuseError('BAD_OPTION', `Expected a page number (an integer from 0) for page but received ${describeValue(page)}`, name);
  }
  refuseEmptyFile(bytes.length, name);
  try {
    return await decodeWith('warning', bytes, name, options);
  } catch (error) {
    if (error instanceof FocusFuseError) throw error;
    const first = (error as Error).message.split('\n')[0].trim();
    if (LOST_DATA.test(first)) throw new FocusFuseError('DECODE', `corrupt image data (${first}): part of the image would be made up`, name);
  }
  // A warning that loses nothing (see LOST_DATA), or an error: decoded again accepting warnings
  // ('truncated' still rejects cut-off files), so a real error gets its usual message.
  try {
    return await decodeWith('truncated', bytes, name, options);
  } catch (error) {
    if (error instanceof FocusFuseError) throw error;
    throw new FocusFuseError('DECODE', describeSharpError((error as Error).message, bytes), name);
  }
}

/**
 * libjpeg's warnings that mean pixels were lost or made up (data missing in a segment, bad Huffman
 * or arithmetic codes, lost restart sync, a broken progression): a plane decoded past one is wrong
 * in places, so it is refused. Other warnings (extraneous bytes before a marker, unusual SOS
 * parameters or JFIF revisions, too many scanlines) are common in cameras' files and lose nothing.
 * libvips may report only "Unknown error" when several decodes run at once; such a file is then
 * decoded again and accepted as before, never refused for a harmless warning.
 */
const LOST_DATA = /premature end of data segment|bad (huffman|arithmetic) code|instead of RST|inconsistent progression/i;

/** decodeImage with sharp's `failOn` level: 'warning' (first try) or 'truncated'. */
async function decodeWith(failOn: 'warning' | 'truncated', bytes: Uint8Array, name: string, options: DecodeOptions): Promise<DecodedPlane> {
  // Only a page asked for is passed to sharp: the default keeps ordinary files' decode exactly as it was.
  const input = options.page ? () => sharp(bytes, { failOn, page: options.page }) : () => sharp(bytes, { failOn });
  const metadata = await input().metadata();
  const { format, depth } = metadata;
  // The page count comes with the header already read: finding multi-page TIFFs costs ordinary files nothing.
  const pages = format === 'tiff' && (metadata.pages ?? 1) > 1 ? { pages: metadata.pages } : {};
  const grey = (metadata.channels ?? 3) <= 2;
  const outputTag = outputTagOf(metadata);
  if (!INPUT_FORMATS.includes(format as InputFormat)) {
    throw new FocusFuseError('DECODE', `unsupported image format '${format}' (expected JPEG, PNG or TIFF)`, name);
  }
  const refused = unsupportedSamples(depth);
  if (refused) throw new FocusFuseError('DECODE', refused, name);
  const wide = depth !== 'uchar' && depth !== 'char';
  // libvips' 8-bit path copies 8-bit samples exactly; 16-bit samples are fetched as they are.
  if (!wide) {
    // 8-bit. An sRGB image without an ICC profile is already what the engines take: converting it to sRGB
    // again changes no sample (checked on 357 JPEG and PNG planes) but took ~1 of ~3 ms of a 384^2 decode.
    const plain = metadata.space === 'srgb' && !metadata.icc && (metadata.channels === 3 || metadata.channels === 4);
    const srgb = plain ? input() : input().toColourspace('srgb');
    if (options.transferable === false) {
      // No transfer needed: libvips adds the alpha on its own threads and the plane stays a view
      // of sharp's memory (no copy, no fresh pages: 88 MB for 7 camera planes).
      const { data, info } = await srgb.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      if (info.channels !== 4) throw new Error(`sharp returned ${info.channels} channels after sRGB conversion`);
      const rgba = new Uint8Array(data.buffer, data.byteOffset, data.length);
      return { width: info.width, height: info.height, data: rgba, format: format as InputFormat, bitDepth: 8, grey, outputTag, ...pages };
    }
    const { data, info } = await srgb.raw().toBuffer({ resolveWithObject: true });
    const rgba = toRgba8(data, info.width * info.height, info.channels, options.allocate);
    return { width: info.width, height: info.height, data: rgba, format: format as InputFormat, bitDepth: 8, grey, outputTag, ...pages };
  }
  const { data, info } = await input().toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  const samples = new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length)); // own buffer, as above
  const rgba = toRgba16(samples, info.width * info.height, info.channels);
  return { width: info.width, height: info.height, data: rgba, format: format as InputFormat, bitDepth: 16, grey, outputTag, ...pages };
}

/**
 * RGB or RGBA 8-bit samples as RGBA8 in an ArrayBuffer of its own (`allocate`'s array): sharp's buffer
 * is external memory that cannot be transferred, and the batch hands planes to its fusion workers by
 * transfer (and recycles them: DecodeOptions.allocate). The alpha is added here, in the copy that
 * is needed anyway: libvips' ensureAlpha cost more (~0.5-1 ms of CPU per 384^2 plane) than this loop.
 */
function toRgba8(samples: Uint8Array, pixels: number, channels: number, allocate: (byteLength: number) => Uint8Array = (byteLength) => new Uint8Array(byteLength)): Uint8Array {
  if (channels !== 3 && channels !== 4) throw new Error(`sharp returned ${channels} channels after sRGB conversion`);
  const out = allocate(pixels * 4);
  if (out.length !== pixels * 4) throw new Error(`Expected ${pixels * 4} bytes for a decoded plane but received ${out.length}`);
  if (channels === 4) {
    out.set(samples);
    return out;
  }
  if (LITTLE_ENDIAN) {
    // One 32-bit store per pixel (R in the lowest byte: the byte order the engines read).
    const words = new Uint32Array(out.buffer, out.byteOffset, pixels);
    for (let p = 0, s = 0; p < pixels; p++, s += 3) words[p] = samples[s] | (samples[s + 1] << 8) | (samples[s + 2] << 16) | 0xff000000;
    return out;
  }
  return rgbIntoRgba(samples, pixels, out, 255);
}

/** RGB samples into RGBA `out` with an opaque alpha (`opaque`: the samples' maximum). */
function rgbIntoRgba<T extends Uint8Array | Uint16Array>(samples: T, pixels: number, out: T, opaque: number): T {
  for (let p = 0, s = 0, o = 0; p < pixels; p++, s += 3, o += 4) {
    out[o] = samples[s];
    out[o + 1] = samples[s + 1];
    out[o + 2] = samples[s + 2];
    out[o + 3] = opaque;
  }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Expands 3- or 4-channel 16-bit samples to RGBA16 (opaque alpha when there is none). */
function toRgba16(samples: Uint16Array, pixels: number, channels: number): Uint16Array {
  if (channels !== 3 && channels !== 4) throw new Error(`sharp returned ${channels} channels after sRGB conversion`);
  if (channels === 4) return samples;
  return rgbIntoRgba(samples, pixels, new Uint16Array(pixels * 4), 65535);
}

/** Sample types the 16-bit path would mangle without a word (0..1 floats all became 0), by sharp's `depth` name. */
const UNSUPPORTED_SAMPLES: Record<string, string> = {
  float: '32-bit floating-point',
  double: '64-bit floating-point',
  int: '32-bit integer',
  uint: '32-bit integer',
  complex: 'complex',
  dpcomplex: 'complex',
};

/**
 * Why an image of this sample type (sharp's `depth`, or TiffLayout's) is refused, or undefined for
 * the 8- and 16-bit integers the engines take. There is no one right way to bring 32-bit samples to
 * 16 bits (a float stack's range may be 0..1, 0..4095 or signed), so the user picks it in Fiji,
 * where the display range shows what is kept.
 * @example unsupportedSamples('float') // => 'holds 32-bit floating-point samples (an ImageJ 32-bit image?), which focusfuse does not read: ...'
 */
export function unsupportedSamples(depth: string | undefined): string | undefined {
  const kind = depth === undefined ? undefined : UNSUPPORTED_SAMPLES[depth];
  if (kind === undefined) return undefined;
  return (
    `holds ${kind} samples${kind.startsWith('32-bit') ? ' (an ImageJ 32-bit image?)' : ''}, which focusfuse does not read: it reads 8- and 16-bit integer samples; ` +
    'convert it to 16-bit first (Fiji: Image > Type > 16-bit, which maps the displayed range to 0..65535 with "Scale when converting" on, so set Image > Adjust > Brightness/Contrast first)'
  );
}

/** Turns libvips messages into something a microscope user can act on, keeping the original. */
function describeSharpError(message: string, bytes: Uint8Array): string {
  const first = message.split('\n')[0].trim();
  if (/unsupported image format/i.test(first)) return 'not a JPEG, PNG or TIFF image (cannot decode it)';
  // libvips rejects some of them itself (64-bit grey: "samples out of range"); the IFD says why.
  const samples = unsupportedSamples(parseTiffLayout((offset, length) => bytes.subarray(offset, offset + length))?.pages[0]?.depth);
  if (samples) return samples;
  const page = /does not contain page (\d+)/i.exec(first);
  if (page) return `the file has no page ${page[1]} (pages count from 0)`;
  // libvips' message is sometimes only "Unknown error" when decodes run on several threads at
  // once, so a JPEG or PNG that lacks its end marker is called truncated whatever the message says.
  // Where the end marker is missing that is the reason given, so the message does not depend on
  // which thread's libvips error text survived (a batch reports the same file the same way every run).
  if (lacksEndMarker(bytes)) return 'the file is truncated or corrupt (it ends before its end-of-image marker)';
  if (/premature end|end of stream|truncat|short read|unexpected end/i.test(message)) return `the file is truncated or corrupt (${first})`;
  return `cannot decode the image (${first})`;
}

/** A JPEG without its EOI marker (FF D9) or a PNG without its IEND chunk near the end of the file. */
function lacksEndMarker(bytes: Uint8Array): boolean {
  const tail = bytes.subarray(Math.max(0, bytes.length - 64));
  const has = (marker: number[]) => tail.some((_, i) => marker.every((m, k) => tail[i + k] === m));
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return !has([0xff, 0xd9]);
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return !has([0x49, 0x45, 0x4e, 0x44]);
  return false;
}
