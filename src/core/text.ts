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
