/**
 * A 32-bit float, single-band TIFF writer (uncompressed, one strip, little-endian): the depth map as
 * the ImageJ EDF plugin writes it, readable by ImageJ/Fiji, libvips and tifffile. libvips (through
 * sharp 0.34) casts single-band float images to 8 bits on TIFF output, so the few bytes are
 * written here.
 */

/** TIFF tag ids and field types used below (TIFF 6.0). */
const TAG = { width: 256, height: 257, bitsPerSample: 258, compression: 259, photometric: 262, description: 270, stripOffsets: 273, samplesPerPixel: 277, rowsPerStrip: 278, stripByteCounts: 279, planarConfig: 284, sampleFormat: 339, xmp: 700 } as const;
const SHORT = 3;
const LONG = 4;
const ASCII = 2;
const UNDEFINED = 7;

/**
 * Encodes `values` (width x height, row-major) as a float32 grayscale TIFF.
 * @param description stored as ImageDescription (e.g. what the values mean).
 * @param xmp an XMP packet (tag 700), e.g. the focusfuse output tag.
 * @example const tif = encodeFloatTiff(result.depth, result.width, result.height, 'depth in planes');
 */
export function encodeFloatTiff(values: Float32Array, width: number, height: number, description = '', xmp = ''): Uint8Array {
  // Values of 4 bytes or fewer would sit inside the entry instead of at an offset: pad past that.
  const text = new TextEncoder().encode(`${description.padEnd(4)}\0`);
  const packet = new TextEncoder().encode(xmp.padEnd(5));
  const entries: [number, number, number, number][] = [
    [TAG.width, LONG, 1, width],
    [TAG.height, LONG, 1, height],
    [TAG.bitsPerSample, SHORT, 1, 32],
    [TAG.compression, SHORT, 1, 1],
    [TAG.photometric, SHORT, 1, 1], // BlackIsZero
    [TAG.description, ASCII, text.length, 0], // offset patched below
    [TAG.stripOffsets, LONG, 1, 0], // patched below
    [TAG.samplesPerPixel, SHORT, 1, 1],
    [TAG.rowsPerStrip, LONG, 1, height],
    [TAG.stripByteCounts, LONG, 1, values.length * 4],
    [TAG.planarConfig, SHORT, 1, 1],
    [TAG.sampleFormat, SHORT, 1, 3], // IEEE float
    [TAG.xmp, UNDEFINED, packet.length, 0], // offset patched below
  ];
  const ifdBytes = 2 + entries.length * 12 + 4;
  const textAt = 8 + ifdBytes;
  const xmpAt = textAt + text.length;
  const dataAt = (xmpAt + packet.length + 3) & ~3;
  entries[5][3] = textAt;
  entries[6][3] = dataAt;
  entries[12][3] = xmpAt;
  const out = new Uint8Array(dataAt + values.length * 4);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]); // "II", 42: little-endian TIFF
  view.setUint32(4, 8, true);
  view.setUint16(8, entries.length, true);
  entries.forEach(([tag, type, count, value], i) => {
    const at = 10 + i * 12;
    view.setUint16(at, tag, true);
    view.setUint16(at + 2, type, true);
    view.setUint32(at + 4, count, true);
    if (type === SHORT && count === 1) view.setUint16(at + 8, value, true);
    else view.setUint32(at + 8, value, true);
  });
  view.setUint32(10 + entries.length * 12, 0, true); // no next IFD
  out.set(text, textAt);
  out.set(packet, xmpAt);
  for (let i = 0; i < values.length; i++) view.setFloat32(dataAt + 4 * i, values[i], true);
  return out;
}
