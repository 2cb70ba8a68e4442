/**
 * Atomic file output: write to a temp file in the same folder, then rename over the target.
 * A crash or kill mid-write leaves either the old file or the new one, never a partial file,
 * which is what lets batch runs resume safely. A set of outputs goes out all or nothing
 * ({@link writeFilesAtomic}), and {@link checkWritable} finds an unwritable folder before any work.
 */
import { mkdir, open, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { FocusFuseError } from '../core/errors.js';

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

/** A file-system failure in words a user can act on (the code stays for searching). */
function reasonOf(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'the file system is read-only',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    ENOENT: 'the folder does not accept new files',
    ENOTDIR: 'a part of the path is a file, not a folder',
    EISDIR: 'it is a folder',
  };
  return code && reasons[code] ? `${reasons[code]} (${code})` : message;
}

/** The uniform write error: `cannot write <path>: <reason>` (exit code 2 on the command line). */
function cannotWrite(path: string, error: unknown): FocusFuseError {
  if (error instanceof FocusFuseError && error.code === 'WRITE') return error;
  return new FocusFuseError('WRITE', `cannot write ${path}: ${reasonOf(error)}`);
}

/**
 * Checks, before any work, that `path` could be written: its nearest existing ancestor folder must be
 * a folder in which a file can be created (tried with a probe file, removed at once: permission
 * bits alone do not tell, e.g. for root or on /proc). Creates nothing that stays.
 * @example await checkWritable('out/fused.png'); // throws WRITE `cannot write out/fused.png: ...`
 * @throws FocusFuseError WRITE naming the path and the reason.
 */
export async function checkWritable(path: string): Promise<void> {
  let folder = dirname(resolve(path));
  for (;;) {
    const info = await stat(folder).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw cannotWrite(path, error);
    });
    if (info?.isDirectory()) break;
    if (info) throw new FocusFuseError('WRITE', `cannot write ${path}: ${folder} is a file, not a folder`);
    const parent = dirname(folder);
    if (parent === folder) throw new FocusFuseError('WRITE', `cannot write ${path}: no existing folder on its path`);
    folder = parent;
  }
  if (resolve(path) !== folder && (await stat(path).catch(() => undefined))?.isDirectory()) {
    throw cannotWrite(path, Object.assign(new Error('is a folder'), { code: 'EISDIR' }));
  }
  const probe = join(folder, `.focusfuse-probe.${process.pid}.${++counter}.tmp`);
  try {
    await (await open(probe, 'wx')).close();
  } catch (error) {
    throw cannotWrite(path, error);
  }
  await rm(probe, { force: true });
}

/**
 * Writes `data` to `path` atomically, creating parent folders.
 * @example await writeFileAtomic('out/fused.png', pngBytes);
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await writeFilesAtomic([[path, data]]);
}

/**
 * Writes several files all or nothing: every one goes to a temp file first, and only when all of
 * them are written are they renamed into place. A failure removes the temps (and folders this call
 * created), leaving the targets as they were.
 * @example await writeFilesAtomic([['out/fused.png', png], ['out/stats.json', json]]);
 * @throws FocusFuseError WRITE `cannot write <path>: <reason>` for the first file that failed.
 */
export async function writeFilesAtomic(files: readonly (readonly [string, Uint8Array | string])[]): Promise<void> {
  const created: string[] = [];
  const temps = files.map(([path]) => tempPathFor(path));
  const undo = async () => {
    await removeTemps(temps);
    // Deepest first; a folder another writer has put files in meanwhile is kept (rmdir fails on it).
    for (const folder of created.sort((a, b) => b.length - a.length)) await rmdir(folder).catch(() => undefined);
  };
  // Settled, not raced: a failure is reported only once no write is left running, so undo sees every temp.
  const written = await Promise.allSettled(
    files.map(async ([path, data], i) => {
      try {
        const first = await mkdir(dirname(path), { recursive: true });
        if (first) created.push(first);
        await writeFile(temps[i], data);
      } catch (error) {
        // A file where a folder is needed: mkdir says EEXIST or ENOTDIR, naming neither it nor the output.
        const file = await fileOnPath(path);
        throw file ? new FocusFuseError('WRITE', `cannot write ${path}: ${file} is a file, not a folder`) : cannotWrite(path, error);
      }
    }),
  );
  const failed = written.find((outcome) => outcome.status === 'rejected');
  if (failed) {
    await undo();
    throw failed.reason;
  }
  // Renames go out together too (a batch writes behind its fusing, one event-loop turn per step).
  const renamed = await Promise.allSettled(files.map(([path], i) => rename(temps[i], path)));
  const index = renamed.findIndex((outcome) => outcome.status === 'rejected');
  if (index >= 0) {
    await removeTemps(temps);
    throw cannotWrite(files[index][0], (renamed[index] as PromiseRejectedResult).reason);
  }
}

/**
 * Removes temp files that may or may not exist. Errors are dropped: a temp under a path through a
 * file (ENOTDIR, which rm's `force` does not cover) was never created, and the caller is already
 * reporting the failure that matters.
 */
async function removeTemps(temps: readonly string[]): Promise<void> {
  await Promise.all(temps.map((temp) => rm(temp, { force: true }).catch(() => undefined)));
}

/**
 * The file that stands where `path` needs a folder, or undefined. Walking up,
 * the first one that stats as a file is it: nothing below a file stats at all.
 */
async function fileOnPath(path: string): Promise<string | undefined> {
  for (let folder = dirname(path); dirname(folder) !== folder; folder = dirname(folder)) {
    if ((await stat(folder).catch(() => undefined))?.isFile()) return folder;
  }
  return undefined;
}
