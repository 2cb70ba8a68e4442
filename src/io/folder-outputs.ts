/**
 * Which images of one folder are focusfuse outputs, by the tag in their metadata (README "Which
 * files are planes"): the one rule `fuse` (loadStack) and `focusfuse view` (its folder scan) share,
 * so a fused image saved under a plain name (`bd.png`) is never offered as a plane by either; the
 * page applies it to files opened there too. Browser-safe: the caller passes the tag reader.
 */
import { parseCccidName } from './cccid.js';

/**
 * Reads a file's output tag: in Node readOutputTag (or createOutputTagReader's cached one), in the
 * viewer page readFileOutputTag (the bytes of a file opened there).
 */
export type OutputTagReader = (path: string) => Promise<string | undefined>;

/** One folder's images sorted out by {@link findFolderOutputs}. */
export interface FolderOutputs {
  /** Images tagged as focusfuse outputs: never planes. */
  outputs: string[];
  /** With `cccidByName`, the untagged images without a CCCID name beside CCCID-named planes (the caller decides: warn or refuse). */
  strays: string[];
}

/**
 * Sorts out one folder's images (paths): which are focusfuse outputs, and, when CCCID names decide
 * (`cccidByName`, the `auto`/`cccid` plane order) and the folder holds CCCID-named planes, which
 * other images are strays. Only the files whose names leave it open are read: in a folder of
 * CCCID planes only the few other names (a CCCID-named file is a plane by its name), so a subtype
 * folder of a thousand planes costs no reads; elsewhere every image (its first 4 KB, ~15 µs: readOutputTag).
 * @example await findFolderOutputs(['a/z1.png', 'a/z2.png', 'a/bd.png'], { readTag: readOutputTag }) // => { outputs: ['a/bd.png'], strays: [] }
 * @example await findFolderOutputs(['a/001_(1,2,0).jpg', 'a/thumb.png'], { readTag: readOutputTag }) // => { outputs: [], strays: ['a/thumb.png'] }
 */
export async function findFolderOutputs(
  files: readonly string[],
  options: { cccidByName?: boolean; readTag: OutputTagReader },
): Promise<FolderOutputs> {
  const { readTag } = options;
  const byName = (options.cccidByName ?? true) && files.some((f) => parseCccidName(f));
  const suspects = byName ? files.filter((f) => !parseCccidName(f)) : files;
  const tags = await Promise.all(suspects.map(readTag));
  return {
    outputs: suspects.filter((_, i) => tags[i] !== undefined),
    strays: byName ? suspects.filter((_, i) => tags[i] === undefined) : [],
  };
}
