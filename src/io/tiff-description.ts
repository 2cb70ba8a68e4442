/**
 * What a multi-page TIFF's first ImageDescription says about its pages. ImageJ and OME-TIFF record
 * a hyperstack's dimensions there; when its pages interleave channels or time points with the Z
 * slices (c0z0, c1z0, c0z1, ...), page order is not focal order, and fusing them as planes would
 * be nonsense without a word. sharp does not expose the tag, so the first IFD is read here: only
 * for TIFFs of several pages, whose bytes loadStack holds anyway.
 */

/** TIFF tag 270, ImageDescription (ASCII). */
const IMAGE_DESCRIPTION = 270;

/**
 * The ImageDescription of a classic TIFF's first IFD, or undefined when there is none or the bytes
 * are not a classic TIFF (BigTIFF is not read: its stacks are left unchecked).
 * @example tiffDescription(await readFile('fiji.tif')) // => 'ImageJ=1.54f\nimages=11\nslices=11\n...'
 */
export function tiffDescription(bytes: Uint8Array): string | undefined {
  if (bytes.length < 8) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const order = String.fromCharCode(bytes[0], bytes[1]);
  if (order !== 'II' && order !== 'MM') return undefined;
  const little = order === 'II';
  if (view.getUint16(2, little) !== 42) return undefined;
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > bytes.length) return undefined;
  const entries = view.getUint16(ifd, little);
  for (let i = 0; i < entries; i++) {
    const at = ifd + 2 + i * 12;
    if (at + 12 > bytes.length) return undefined;
    if (view.getUint16(at, little) !== IMAGE_DESCRIPTION || view.getUint16(at + 2, little) !== 2) continue;
    const count = view.getUint32(at + 4, little);
    const start = count <= 4 ? at + 8 : view.getUint32(at + 8, little);
    if (start + count > bytes.length) return undefined;
    return new TextDecoder('latin1').decode(bytes.subarray(start, start + count)).replace(/\0+$/, '');
  }
  return undefined;
}

/**
 * The error for a multi-page TIFF whose pages are not one Z-stack in page order (see
 * {@link hyperstackProblem}), after the file's name; undefined when nothing in its first
 * ImageDescription says so. `loadStack` and the viewer's catalog share it.
 * @example pageOrderProblem(await readFile('hyper.tif'), 22) // => 'is an ImageJ hyperstack of 2 channels x 11 slices, ...'
 */
export function pageOrderProblem(bytes: Uint8Array, pages: number): string | undefined {
  const problem = hyperstackProblem(tiffDescription(bytes), pages);
  return problem && `is ${problem}, not one Z-stack in page order; save one channel and time point as a stack of its own (Fiji: Image > Hyperstacks > Reduce Dimensionality)`;
}

/**
 * Why a multi-page TIFF's pages are not one Z-stack in page order, from its description, or
 * undefined when nothing says so: an ImageJ hyperstack with more than one of channels, slices and
 * frames (its pages interleave them), or an OME-TIFF whose pages are more than its SizeZ planes.
 * A stack of one dimension (slices, or frames only: many Z-stacks are saved as frames) is taken.
 * @example hyperstackProblem('ImageJ=1.54f\nimages=22\nchannels=2\nslices=11\nhyperstack=true\n', 22)
 * // => 'an ImageJ hyperstack of 2 channels x 11 slices, its 22 pages interleaved'
 */
export function hyperstackProblem(description: string | undefined, pages: number): string | undefined {
  if (description === undefined) return undefined;
  if (description.startsWith('ImageJ=')) {
    const count = (key: string) => Number(new RegExp(`^${key}=(\\d+)$`, 'm').exec(description)?.[1] ?? 1);
    const dimensions = (['channels', 'slices', 'frames'] as const).map((key) => [count(key), key] as const).filter(([n]) => n > 1);
    if (dimensions.length < 2) return undefined;
    return `an ImageJ hyperstack of ${dimensions.map(([n, key]) => `${n} ${key}`).join(' x ')}, its ${pages} pages interleaved`;
  }
  if (/<OME[\s>]/.test(description)) {
    const size = (axis: string) => Number(new RegExp(`\\bSize${axis}="(\\d+)"`).exec(description)?.[1] ?? 1);
    const z = size('Z');
    if (z <= 1 || pages === z) return undefined;
    return `an OME-TIFF of ${z} Z planes in ${pages} pages (SizeC ${size('C')}, SizeT ${size('T')})`;
  }
  return undefined;
}
