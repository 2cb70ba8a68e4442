/**
 * The order of the chain: each plane is registered to its neighbour towards the reference, and the
 * transforms compose outwards from the reference, because planes far apart in focus share little
 * detail while neighbours share almost all of it.
 */

/**
 * The planes other than the reference, outwards from it: every plane comes after its neighbour
 * towards the reference.
 * @example outwards(5, 2) // [3, 4, 1, 0]
 */
export function outwards(planes: number, reference: number): number[] {
  return [...Array.from({ length: planes - reference - 1 }, (_, i) => reference + 1 + i), ...Array.from({ length: reference }, (_, i) => reference - 1 - i)];
}

/**
 * The neighbour of plane `z` towards the reference: the plane it is registered to.
 * @example towardsReference(4, 2) // 3
 */
export function towardsReference(z: number, reference: number): number {
  return z > reference ? z - 1 : z + 1;
}
