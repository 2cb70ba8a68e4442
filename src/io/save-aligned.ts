/**
 * `--save-aligned DIR`: writes the planes as the focus measures saw them (registered into the
 * reference frame and brightness-matched), one PNG per plane, so that users can inspect or reuse
 * them (like focus-stack's --align-only). Each file is written atomically (temp + rename).
 */
import { basename, extname, join } from 'node:path';
import type { ZStack } from '../core/types.js';
import { writeFileAtomic } from './atomic.js';
import { encodeRgba } from './encode.js';

/**
 * The file name of plane z: its source file's base name as PNG (`z07.jpg` -> `z07.png`), for a page
 * of a multi-page TIFF the file's name and the page (`cells.tif` page 7 -> `cells.page07.png`), or
 * `z07.png` without a source. Base names only, so no path leaves `dir`.
 * @example alignedPlaneName({ files: ['a/x.jpg'] }, 0) // 'x.png'
 */
export function alignedPlaneName(meta: ZStack['meta'], z: number): string {
  const number = String(z).padStart(2, '0');
  const stemOf = (file: string) => basename(file, extname(file));
  const file = meta?.files?.[z];
  const stem = meta?.multiPageTiff !== undefined ? `${stemOf(meta.multiPageTiff)}.page${number}` : file ? stemOf(file) : `z${number}`;
  return `${stem}.png`;
}

/**
 * Writes every plane of `stack` as PNG into `dir` (created when missing), grey when the stack is
 * (meta.grey); returns the paths written.
 * @example await saveAlignedPlanes(result.aligned!, 'aligned/'); // ['aligned/z00.png', ...]
 */
export async function saveAlignedPlanes(stack: ZStack, dir: string): Promise<string[]> {
  const paths: string[] = [];
  for (const [z, rgba] of stack.planes.entries()) {
    const path = join(dir, alignedPlaneName(stack.meta, z));
    // A grey stack's planes stay grey (R = G = B after resampling and brightness matching): RGB
    // files would triple their size and read back as colour.
    await writeFileAtomic(path, await encodeRgba(rgba.subarray(0, stack.width * stack.height * 4), stack.width, stack.height, 'png', null, stack.meta?.grey === true));
    paths.push(path);
  }
  return paths;
}
