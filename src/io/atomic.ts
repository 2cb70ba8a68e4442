/**
 * Atomic file output: write to a temp file in the same folder, then rename over the target.
 * A crash or kill mid-write leaves either the old file or the new one, never a partial file,
 * which is what lets batch runs resume safely.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let counter = 0;

/** Temp name next to the target so the rename stays on one filesystem (and is atomic there). */
function tempPathFor(path: string): string {
  counter += 1;
  return join(dirname(path), `.${basename(path)}.${process.pid}.${counter}.tmp`);
}

/**
 * Whether a file name is one of our temp files (what a kill in the middle of a write leaves behind),
 * so a resumed run can clean them up without touching anything else.
 * @example isAtomicTempName('.fused.png.4242.7.tmp') // => true
 */
export function isAtomicTempName(name: string): boolean {
  return /^\..+\.\d+\.\d+\.tmp$/.test(name);
}

/**
 * Writes `data` to `path` atomically, creating parent folders.
 * @example await writeFileAtomic('out/fused.png', pngBytes);
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempPathFor(path);
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
