/**
 * Which FOVs a run takes: `--only` globs on `<CLASS>/<subtype>/<serial>_(<cx>,<cy>)` and `--shard i/n`.
 * Pure and deterministic, so n workers given the same tree split it the same way.
 */
import { FocusFuseError } from '../core/errors.js';

/** Shard `index` of `count`, 0-based (a Kubernetes Indexed Job's JOB_COMPLETION_INDEX). */
export interface Shard {
  index: number;
  count: number;
}

/**
 * Parses `--shard i/n` (0 <= i < n).
 * @example parseShard('2/8') // => { index: 2, count: 8 }
 * @throws FocusFuseError BAD_OPTION with the uniform message.
 */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || index >= count) {
    throw new FocusFuseError('BAD_OPTION', `Expected i/n with 0 <= i < n (e.g. 0/4) for --shard but received '${text}' (string)`);
  }
  return { index, count };
}

/**
 * A glob as a RegExp over whole ids: `*` and `?` stay inside one path part, `**` crosses parts,
 * `{a,b}` is either; everything else is literal (brackets and dots in CCCID names included).
 * @example globToRegExp('HSIL/*\/001_*').test('HSIL/1. Moderate Dysplasia/001_(1,2)') // => true
 */
export function globToRegExp(glob: string, flag = '--only'): RegExp {
  let source = '';
  let inBraces = false;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      source += '.*';
      i += 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '{' && !inBraces) {
      source += '(?:';
      inBraces = true;
    } else if (c === '}' && inBraces) {
      source += ')';
      inBraces = false;
    } else if (c === ',' && inBraces) source += '|';
    else source += c.replace(/[.+^$()|[\]\\{}]/g, '\\$&');
  }
  if (inBraces) throw new FocusFuseError('BAD_OPTION', `Expected a glob with matching braces for ${flag} but received '${glob}' (string)`);
  return new RegExp(`^${source}$`);
}

/**
 * Whether an id matches any of the globs. A glob with fewer parts than the id also matches the
 * leading parts, so `--only HSIL` takes the whole class and `--only 'NILM/2. *'` a subtype.
 * @example matchesOnly('NILM/1. A/001_(1,2)', ['NILM']) // => true
 */
export function matchesOnly(id: string, globs: readonly RegExp[]): boolean {
  if (globs.length === 0) return true;
  const parts = id.split('/');
  return globs.some((glob) => parts.some((_, i) => glob.test(parts.slice(0, i + 1).join('/'))));
}

/**
 * Whether `--exclude` globs leave out a path of the tree (relative to the root, forward slashes).
 * A glob without a slash matches a name at any level (`notes.txt`, `*.thumb.jpg`, `_truth`); one
 * with a slash matches from the root, and its leading parts take whole folders (`NILM/3. *`).
 * @example excludes('HSIL/1. A/thumbs/x.jpg', [globToRegExp('thumbs', '--exclude')]) // => true
 */
export function excludes(path: string, globs: readonly { glob: string; regexp: RegExp }[]): boolean {
  const parts = path.split('/');
  return globs.some(({ glob, regexp }) =>
    glob.includes('/') ? parts.some((_, i) => regexp.test(parts.slice(0, i + 1).join('/'))) : parts.some((part) => regexp.test(part)),
  );
}

/**
 * Compiles `--exclude` globs for `excludes`.
 * @example excludeGlobs(['_truth', '*.txt'])
 */
export function excludeGlobs(globs: readonly string[] = []): { glob: string; regexp: RegExp }[] {
  return globs.map((glob) => ({ glob, regexp: globToRegExp(glob.replace(/\/+$/, ''), '--exclude') }));
}

/**
 * Keeps shard `index` of `count` of a list in its stable order: item j goes to shard j mod count,
 * so shards differ in size by at most one and their union is exactly the list.
 * @example takeShard(['a', 'b', 'c', 'd', 'e'], { index: 1, count: 2 }) // => ['b', 'd']
 */
export function takeShard<T>(items: readonly T[], shard: Shard | undefined): T[] {
  if (!shard) return [...items];
  return items.filter((_, j) => j % shard.count === shard.index);
}
