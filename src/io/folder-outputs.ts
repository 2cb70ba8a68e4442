/**
 * Which images of one folder are focusfuse outputs, by the tag in their metadata (README "Which
 * files are planes"): the one rule `fuse` (loadStack) and `focusfuse view` (its folder scan) share,
 * so a fused image saved under a plain name (`bd.png`) is never offered as a plane by either. Node only.
 */
import { parseCccidName } from './cccid.js';
import { readOutputTag } from './output-tag.js';

/** Reads a file's output tag (readOutputTag, or a cached one: createOutputTagReader). */
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
 * folder of a thousand planes costs no reads; elsewhere every image (the header only, ~0.5 ms).
 * @example await findFolderOutputs(['a/z1.png', 'a/z2.png', 'a/bd.png']) // => { outputs: ['a/bd.png'], strays: [] }
 * @example await findFolderOutputs(['a/001_(1,2,0).jpg', 'a/thumb.png'], { cccidByName: true }) // => { outputs: [], strays: ['a/thumb.png'] }
 */
export async function findFolderOutputs(
  files: readonly string[],
  options: { cccidByName?: boolean; readTag?: OutputTagReader } = {},
): Promise<FolderOutputs> {
  const readTag = options.readTag ?? readOutputTag;
  const byName = (options.cccidByName ?? true) && files.some((f) => parseCccidName(f));
  const suspects = byName ? files.filter((f) => !parseCccidName(f)) : files;
  const tags = await Promise.all(suspects.map(readTag));
  return {
    outputs: suspects.filter((_, i) => tags[i] !== undefined),
    strays: byName ? suspects.filter((_, i) => tags[i] === undefined) : [],
  };
}

/**
 * readOutputTag with a memory: each file's header is read once however often it is asked for (a
 * scan that sorts out planes and then lists results asks twice). For one scan: a file rewritten
 * later is not read again.
 * @example const readTag = createOutputTagReader(); await readTag('out/a.fused.png'); // 'fused'
 */
export function createOutputTagReader(): OutputTagReader {
  const known = new Map<string, Promise<string | undefined>>();
  return (path) => {
    let tag = known.get(path);
    if (!tag) known.set(path, (tag = readOutputTag(path)));
    return tag;
  };
}
