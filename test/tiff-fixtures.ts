/** TIFFs built byte by byte, for what sharp cannot write: pages of different sizes, an ImageDescription, thumbnails, wide samples. */

/** One page of {@link handMadeTiff}: its size and the one value all its pixels hold. */
export interface HandMadePage {
  width: number;
  height: number;
  value: number;
  /** NewSubfileType bit 0 (tag 254): a reduced-resolution image, as cameras write a thumbnail. */
  reduced?: boolean;
  /** The sample type: 8-bit unsigned (default), or 32-bit float, integer, unsigned, 64-bit float (tags 258 and 339). */
  sample?: 'float32' | 'int32' | 'uint32' | 'float64';
}

const SAMPLES = { float32: [4, 3], int32: [4, 2], uint32: [4, 1], float64: [8, 3] } as const;

/**
 * An uncompressed grey TIFF with one page per entry, each of its own size (libvips writes
 * pages of one size only), sample type and NewSubfileType, and an ImageDescription on the first
 * page when given (sharp writes none), stored at the end of the file: baseline TIFF tags,
 * little-endian, or big-endian (`little` false) as ImageJ writes.
 */
export function handMadeTiff(pages: HandMadePage[], description?: string, little = true): Uint8Array {
  const text = description === undefined ? undefined : new TextEncoder().encode(`${description}\0`);
  const bytesOf = (page: HandMadePage) => (page.sample ? SAMPLES[page.sample][0] : 1);
  const entries = (page: HandMadePage, first: boolean) => 9 + (first && text ? 1 : 0) + (page.reduced ? 1 : 0) + (page.sample ? 1 : 0);
  const ifdBytes = (page: HandMadePage, first: boolean) => 2 + entries(page, first) * 12 + 4;
  const size = 8 + (text?.length ?? 0) + pages.reduce((sum, p, i) => sum + p.width * p.height * bytesOf(p) + ifdBytes(p, i === 0), 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(little ? [0x49, 0x49] : [0x4d, 0x4d]);
  view.setUint16(2, 42, little);
  let offset = 8;
  let link = 4; // where the offset of the next IFD goes
  // The description goes last, after every page, as ImageJ writes it after the first IFD and the
  // image data: a reader that looks only at the start of a large file misses it.
  const textAt = size - (text?.length ?? 0);
  if (text) out.set(text, textAt);
  for (const [index, page] of pages.entries()) {
    const pixels = page.width * page.height;
    const bytes = bytesOf(page);
    const data = offset;
    for (let p = 0, at = data; p < pixels; p++, at += bytes) {
      if (!page.sample) out[at] = page.value;
      else if (page.sample === 'float32') view.setFloat32(at, page.value, little);
      else if (page.sample === 'float64') view.setFloat64(at, page.value, little);
      else if (page.sample === 'int32') view.setInt32(at, page.value, little);
      else view.setUint32(at, page.value, little);
    }
    const ifd = data + pixels * bytes;
    view.setUint32(link, ifd, little);
    const tags: [number, number, number, number?][] = [];
    if (page.reduced) tags.push([254, 4, 1]);
    tags.push([256, 4, page.width], [257, 4, page.height], [258, 3, bytes * 8], [259, 3, 1], [262, 3, 1]);
    if (index === 0 && text) tags.push([270, 2, textAt, text.length]);
    tags.push([273, 4, data], [277, 3, 1], [278, 4, page.height], [279, 4, pixels * bytes]);
    if (page.sample) tags.push([339, 3, SAMPLES[page.sample][1]]);
    view.setUint16(ifd, tags.length, little);
    tags.forEach(([tag, type, value, count = 1], i) => {
      const at = ifd + 2 + i * 12;
      view.setUint16(at, tag, little);
      view.setUint16(at + 2, type, little);
      view.setUint32(at + 4, count, little);
      if (type === 3) view.setUint16(at + 8, value, little);
      else view.setUint32(at + 8, value, little);
    });
    link = ifd + 2 + tags.length * 12;
    offset = link + 4;
  }
  return out;
}
