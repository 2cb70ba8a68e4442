/**
 * What a TIFF's IFDs say about its pages, read from the header alone: which pages are
 * reduced-resolution copies (thumbnails and previews that cameras and some microscopes add, tag 254
 * NewSubfileType bit 0), each page's sample type, and the first ImageDescription (where ImageJ and
 * OME-TIFF record a hyperstack's dimensions). sharp exposes none of these. Only the top-level IFD
 * chain is walked: those IFDs are sharp's pages, and SubIFDs (tag 330, pyramid levels) are never
 * pages. `fuse` and the viewer read a file through the same function (readTiffLayout), so they see
 * the same pages and the same problems.
 */
import { closeSync, constants, openSync, readSync } from 'node:fs';

/** One top-level IFD. */
export interface TiffPage {
  /** NewSubfileType bit 0: a reduced-resolution copy of another page, not a plane. */
  reduced: boolean;
  /** The sample type in sharp's `depth` names ('uchar', 'ushort', 'float', ...), from tags 258 and 339; 'other' for the rest (1-bit, 12-bit, ...). */
  depth: string;
}

export interface TiffLayout {
  pages: TiffPage[];
  /** The first page's ImageDescription (tag 270), if any. */
  description?: string;
}

/** Reads up to `length` bytes at `offset` (fewer at the end of the file). */
export type ByteReader = (offset: number, length: number) => Uint8Array;

const NEW_SUBFILE_TYPE = 254;
const BITS_PER_SAMPLE = 258;
const IMAGE_DESCRIPTION = 270;
const SAMPLE_FORMAT = 339;
/** A bound on the IFD chain: a corrupt file whose chain never ends is not walked forever. */
const MAX_IFDS = 100_000;

/** Sample type (SampleFormat: 1 unsigned, 2 signed, 3 float) and bits, as sharp names them. */
const DEPTHS: Record<string, string> = { '1/8': 'uchar', '2/8': 'char', '1/16': 'ushort', '2/16': 'short', '1/32': 'uint', '2/32': 'int', '3/32': 'float', '3/64': 'double' };

/**
 * A classic TIFF's pages (top-level IFDs) through `read`, or undefined when the bytes are not a
 * classic TIFF (BigTIFF is not read: its pages are all taken, unchecked). A chain cut short by a
 * bad offset ends there.
 * @example parseTiffLayout((offset, length) => bytes.subarray(offset, offset + length)) // => { pages: [{ reduced: false, depth: 'uchar' }, ...], description: 'ImageJ=...' }
 */
export function parseTiffLayout(read: ByteReader): TiffLayout | undefined {
  const header = read(0, 8);
  if (header.length < 8) return undefined;
  const order = String.fromCharCode(header[0], header[1]);
  if (order !== 'II' && order !== 'MM') return undefined;
  const little = order === 'II';
  const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view(header).getUint16(2, little) !== 42) return undefined;
  const layout: TiffLayout = { pages: [] };
  const seen = new Set<number>();
  let ifd = view(header).getUint32(4, little);
  while (ifd !== 0 && !seen.has(ifd) && seen.size < MAX_IFDS) {
    seen.add(ifd);
    const head = read(ifd, 2);
    if (head.length < 2) break;
    const count = view(head).getUint16(0, little);
    const body = read(ifd + 2, count * 12 + 4);
    if (body.length < count * 12 + 4) break;
    const entries = view(body);
    // The first value of a SHORT or LONG entry: in the entry when it fits, else at its offset.
    const first = (at: number): number => {
      const type = entries.getUint16(at + 2, little);
      const size = type === 3 ? 2 : 4;
      const n = entries.getUint32(at + 4, little);
      const bytes = n * size <= 4 ? body.subarray(at + 8, at + 12) : read(entries.getUint32(at + 8, little), size);
      if (bytes.length < size) return 0;
      return size === 2 ? view(bytes).getUint16(0, little) : view(bytes).getUint32(0, little);
    };
    let subfile = 0;
    let bits = 1;
    let format = 1;
    for (let i = 0; i < count; i++) {
      const at = i * 12;
      const tag = entries.getUint16(at, little);
      if (tag === NEW_SUBFILE_TYPE) subfile = first(at);
      else if (tag === BITS_PER_SAMPLE) bits = first(at);
      else if (tag === SAMPLE_FORMAT) format = first(at);
      else if (tag === IMAGE_DESCRIPTION && layout.pages.length === 0 && entries.getUint16(at + 2, little) === 2) {
        const n = entries.getUint32(at + 4, little);
        const text = n <= 4 ? body.subarray(at + 8, at + 8 + n) : read(entries.getUint32(at + 8, little), n);
        if (text.length === n) layout.description = new TextDecoder('latin1').decode(text).replace(/\0+$/, '');
      }
    }
    layout.pages.push({ reduced: (subfile & 1) === 1, depth: DEPTHS[`${format}/${bits}`] ?? 'other' });
    ifd = entries.getUint32(count * 12, little);
  }
  return layout;
}

/**
 * {@link parseTiffLayout} of a file on disk, reading only its IFDs (synchronously: a few small
 * reads, as scanFileOutputTag does), or undefined when it cannot be read or is no classic TIFF.
 * @example readTiffLayout('fiji/cells.tif')?.pages.length // => 11
 */
export function readTiffLayout(path: string): TiffLayout | undefined {
  let fd: number;
  try {
    // Non-blocking: a FIFO named like an image must not hang the process on open.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    return parseTiffLayout((offset, length) => {
      const buffer = Buffer.allocUnsafe(length);
      return buffer.subarray(0, readSync(fd, buffer, 0, length, offset));
    });
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
