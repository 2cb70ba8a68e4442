/** TIFFs built byte by byte, for what sharp cannot write: pages of different sizes, an ImageDescription. */

/**
 * An uncompressed 8-bit grey TIFF with one page per entry, each of its own size (libvips writes
 * pages of one size only), and an ImageDescription on the first page when given (sharp writes
 * none): baseline TIFF tags, little-endian, or big-endian (`little` false) as ImageJ writes.
 */
export function handMadeTiff(pages: { width: number; height: number; value: number }[], description?: string, little = true): Uint8Array {
  const text = description === undefined ? undefined : new TextEncoder().encode(`${description}\0`);
  const ENTRIES = 9;
  const ifdBytes = (first: boolean) => 2 + (ENTRIES + (first && text ? 1 : 0)) * 12 + 4;
  const size = 8 + (text?.length ?? 0) + pages.reduce((sum, p, i) => sum + p.width * p.height + ifdBytes(i === 0), 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(little ? [0x49, 0x49] : [0x4d, 0x4d]);
  view.setUint16(2, 42, little);
  let offset = 8;
  let link = 4; // where the offset of the next IFD goes
  if (text) {
    out.set(text, offset);
    offset += text.length;
  }
  for (const [index, page] of pages.entries()) {
    const pixels = page.width * page.height;
    const data = offset;
    out.fill(page.value, data, data + pixels);
    const ifd = data + pixels;
    view.setUint32(link, ifd, little);
    const tags: [number, number, number, number?][] = [[256, 4, page.width], [257, 4, page.height], [258, 3, 8], [259, 3, 1], [262, 3, 1]];
    if (index === 0 && text) tags.push([270, 2, 8, text.length]);
    tags.push([273, 4, data], [277, 3, 1], [278, 4, page.height], [279, 4, pixels]);
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
