/**
 * What a multi-page TIFF's first ImageDescription says about its pages. ImageJ and OME-TIFF record
 * a hyperstack's dimensions there; when its pages interleave channels or time points with the Z
 * slices (c0z0, c1z0, c0z1, ...), page order is not focal order, and fusing them as planes would
 * be nonsense without a word. sharp does not expose the tag: tiff-layout.ts reads it.
 */

/**
 * The error for a multi-page TIFF whose pages are not one Z-stack in page order (see
 * {@link hyperstackProblem}), after the file's name; undefined when nothing in its first
 * ImageDescription (TiffLayout.description) says so. tiffStackPages gives it to `fuse` and the viewer.
 * @example pageOrderProblem(readTiffLayout('hyper.tif')?.description, 22) // => 'is an ImageJ hyperstack of 2 channels x 11 slices, ...'
 */
export function pageOrderProblem(description: string | undefined, pages: number): string | undefined {
  const problem = hyperstackProblem(description, pages);
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
