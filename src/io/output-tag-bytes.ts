/**
 * The output tag read from an image's own bytes, where its XMP packet is, without a decoder: ~15 µs
 * a file against sharp's metadata() ~200 µs, which made listing a batch output folder slow
 * (bench/output-tags.ts). Only the place sharp (libvips) reads XMP from counts, so a file that merely
 * holds the tag's text elsewhere (a comment, pixel data) is never taken for an output:
 * - PNG: a text chunk (tEXt, iTXt) keyed `XML:com.adobe.xmp` before the first IDAT (libvips reads
 *   none after it), every chunk up to there with a valid CRC (libvips drops a bad one);
 * - JPEG: an APP1 segment of the XMP namespace before the scan (SOS);
 * - TIFF: tag 700 of the first directory (libvips' TIFFs keep it after the pixels: read where it is).
 * The packet counts as sharp's `xmpAsString` does: only valid UTF-8 without NUL bytes.
 * Where the bytes cannot settle it the same way (compressed or repeated XMP, another container, a
 * header longer than {@link TAG_HEAD_BYTES}) the answer is `undecided`, and the caller asks sharp.
 * test/output-tag-bytes.test.ts checks both agree on every output focusfuse writes and on foreign files.
 * Browser-safe.
 */
import { outputTagOf } from './output-tag-text.js';

/** Bytes read first: a header up to the pixels fits (ours: ~0.5 KB), and 4 KB read several times faster than 64 KB. */
export const TAG_FIRST_BYTES = 4 * 1024;
/** Bytes read where the first ones end inside the header (an ICC profile, an EXIF thumbnail). */
export const TAG_HEAD_BYTES = 64 * 1024;

/** Reads up to `length` bytes at `offset` (fewer at the end of the file). */
export type ByteReader = (offset: number, length: number) => Promise<Uint8Array>;

/** What the bytes say: the kind the tag names (undefined: no tag), or that only sharp can tell. */
export type TagScan = { tag: string | undefined } | 'undecided';

const UNDECIDED = 'undecided';

/** An XMP packet's bytes found in their place, or `opaque`: there, but compressed or malformed (sharp's to read). */
type XmpText = Uint8Array | 'opaque';

/**
 * The output tag of an image by its bytes, as sharp's metadata would give it, or `undecided`.
 * @example await scanOutputTag((offset, length) => readBytes('out/a.fused.png', offset, length)) // => { tag: 'fused' }
 */
export async function scanOutputTag(read: ByteReader): Promise<TagScan> {
  const first = await read(0, TAG_FIRST_BYTES);
  const scan = await scanHead(first, read);
  return scan === UNDECIDED && first.length === TAG_FIRST_BYTES ? scanHead(await read(0, TAG_HEAD_BYTES), read) : scan;
}

/** scanOutputTag on the head read so far. */
async function scanHead(head: Uint8Array, read: ByteReader): Promise<TagScan> {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return decide(pngXmp(head));
  if (startsWith(head, [0xff, 0xd8])) return decide(jpegXmp(head));
  if (startsWith(head, [0x49, 0x49, 42, 0]) || startsWith(head, [0x4d, 0x4d, 0, 42])) return decide(await tiffXmp(head, read));
  return UNDECIDED;
}

/** No XMP packet: no tag; one plain one: its tag; anything else (or `undefined`: undecided) is sharp's call. */
function decide(packets: XmpText[] | undefined): TagScan {
  if (packets === undefined || packets.length > 1) return UNDECIDED;
  if (packets.length === 0) return { tag: undefined };
  return packets[0] === 'opaque' ? UNDECIDED : { tag: outputTagOf({ xmpAsString: xmpAsString(packets[0]) }) };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The packet as sharp's `xmpAsString`: only valid UTF-8 without NUL bytes (GLib's g_utf8_validate) is given as text. */
function xmpAsString(packet: Uint8Array): string | undefined {
  if (packet.includes(0)) return undefined;
  try {
    return utf8.decode(packet);
  } catch {
    return undefined;
  }
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

const latin1 = new TextDecoder('latin1');
const text = (bytes: Uint8Array): string => latin1.decode(bytes);

const PNG_XMP_KEYWORD = 'XML:com.adobe.xmp';

/** The XMP packets of a PNG's chunks before its first IDAT; undefined where the head cannot show them all. */
function pngXmp(bytes: Uint8Array): XmpText[] | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const packets: XmpText[] = [];
  for (let at = 8; at + 8 <= bytes.length; ) {
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (at === 8 && type !== 'IHDR') return undefined;
    // The pixels: every chunk libvips reads metadata from is behind us.
    if (type === 'IDAT') return packets;
    const end = at + 12 + view.getUint32(at);
    if (end > bytes.length || crc32(bytes.subarray(at + 4, end - 4)) !== view.getUint32(end - 4)) return undefined;
    if (type === 'tEXt' || type === 'zTXt' || type === 'iTXt') {
      const packet = pngTextXmp(type, bytes.subarray(at + 8, end - 4));
      if (packet !== undefined) packets.push(packet);
    }
    at = end;
  }
  return undefined;
}

/** A PNG text chunk's text when its keyword is XMP's; undefined for other keywords. */
function pngTextXmp(type: string, data: Uint8Array): XmpText | undefined {
  const nul = data.indexOf(0);
  if (nul < 0 || text(data.subarray(0, nul)) !== PNG_XMP_KEYWORD) return undefined;
  if (type === 'tEXt') return data.subarray(nul + 1);
  if (type === 'zTXt' || data[nul + 1] !== 0) return 'opaque';
  // iTXt: keyword, compression flag and method, language tag, translated keyword, then the text.
  const language = data.indexOf(0, nul + 3);
  const translated = language < 0 ? -1 : data.indexOf(0, language + 1);
  return translated < 0 ? 'opaque' : data.subarray(translated + 1);
}

let crcTable: Uint32Array | undefined;

/**
 * CRC-32 of PNG chunks (ISO 3309), over the chunk's type and data.
 * @example crc32(new TextEncoder().encode('IEND')) // => 0xae426082
 */
export function crc32(bytes: Uint8Array): number {
  crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** libvips takes an APP1 segment starting `http` as XMP (the namespace, NUL, the packet). */
const JPEG_XMP_NAMESPACE = 'http://ns.adobe.com/xap/1.0/\0';

/** The XMP packets of a JPEG's segments before its scan; undefined where the head cannot show them all. */
function jpegXmp(bytes: Uint8Array): XmpText[] | undefined {
  const packets: XmpText[] = [];
  for (let at = 2; at + 4 <= bytes.length; ) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1];
    // Fill bytes before a marker; markers without a length (TEM, RSTn, SOI, EOI) do not belong in a header.
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    if (marker === 0xda) return packets;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9)) return undefined;
    const end = at + 2 + ((bytes[at + 2] << 8) | bytes[at + 3]);
    if (end > bytes.length) return undefined;
    const data = bytes.subarray(at + 4, end);
    if (marker === 0xe1 && text(data.subarray(0, 4)) === 'http') {
      // Another namespace (extended XMP) also counts for libvips: leave that to sharp.
      if (text(data.subarray(0, JPEG_XMP_NAMESPACE.length)) !== JPEG_XMP_NAMESPACE) return undefined;
      packets.push(data.subarray(JPEG_XMP_NAMESPACE.length));
    }
    at = end;
  }
  return undefined;
}

const TIFF_XMP_TAG = 700;
/** A longer packet (a foreign file's, with a thumbnail inside) is left to sharp rather than read whole. */
const TIFF_XMP_MAX_BYTES = 4 * 2 ** 20;

/** The XMP packet (tag 700) of a TIFF's first directory, read where it is; undefined where it is not plain. */
async function tiffXmp(head: Uint8Array, read: ByteReader): Promise<XmpText[] | undefined> {
  if (head.length < 8) return undefined;
  const little = head[0] === 0x49;
  const at = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ifd = at(head).getUint32(4, little);
  const counted = ifd < 8 ? undefined : await bytesAt(head, read, ifd, 2);
  const entries = counted ? at(counted).getUint16(0, little) : 0;
  const table = entries === 0 ? undefined : await bytesAt(head, read, ifd + 2, entries * 12);
  if (!table) return undefined;
  const packets: XmpText[] = [];
  for (let e = 0; e < entries; e++) {
    const entry = at(table.subarray(e * 12, e * 12 + 12));
    if (entry.getUint16(0, little) !== TIFF_XMP_TAG) continue;
    const type = entry.getUint16(2, little);
    const count = entry.getUint32(4, little);
    // BYTE or UNDEFINED, as libtiff reads the packet; other types are for libtiff to judge.
    if ((type !== 1 && type !== 7) || count > TIFF_XMP_MAX_BYTES) return undefined;
    const packet = count <= 4 ? table.subarray(e * 12 + 8, e * 12 + 8 + count) : await bytesAt(head, read, entry.getUint32(8, little), count);
    if (!packet) return undefined;
    packets.push(packet);
  }
  return packets;
}

/** `length` bytes at `offset`, from the head when they lie in it, else read; undefined past the file's end. */
async function bytesAt(head: Uint8Array, read: ByteReader, offset: number, length: number): Promise<Uint8Array | undefined> {
  const bytes = offset + length <= head.length ? head.subarray(offset, offset + length) : await read(offset, length);
  return bytes.length === length ? bytes : undefined;
}
