/**
 * Small wording helpers shared by messages, so counts read right ("1 plane", "2 planes").
 */

/**
 * A count with its noun in the right number.
 * @example countOf(1, 'plane') // => '1 plane'
 * @example countOf(3, 'field of view', 'fields of view') // => '3 fields of view'
 */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/**
 * Names in a message: all of them up to `max`, else the first `max` and how many more.
 * @example listOf(['a.png', 'b.png']) // => 'a.png, b.png'
 * @example listOf(['a', 'b', 'c', 'd', 'e', 'f', 'g'], 3) // => 'a, b, c, and 4 more'
 */
export function listOf(names: readonly string[], max = 5): string {
  return names.slice(0, max).join(', ') + (names.length > max ? `, and ${names.length - max} more` : '');
}

/**
 * One argument as a POSIX shell reads it back unchanged, for commands a message asks the user to
 * paste: bare when it holds only safe characters, else in single quotes (a quote inside becomes
 * `'\''`), so `001_(13080,33214)` and folder names with spaces survive the paste.
 * @example shellQuote('001_(13080,33214)') // => "'001_(13080,33214)'"
 * @example shellQuote("it's") // => "'it'\\''s'"
 */
export function shellQuote(arg: string): string {
  return /^[\w./,=:@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
