/**
 * Seeded pseudo-random numbers for the synthetic generator. Everything random in a synthetic stack
 * comes from here, never from Math.random or the clock, so one seed gives the same bytes on every run.
 * Integer-only mixing (Math.imul, shifts) keeps the raw stream identical on every JS engine.
 */

/** A deterministic random source (sfc32 state plus helpers). */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  /** Normal with the given mean and standard deviation (Box-Muller). */
  normal(mean?: number, sd?: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
}

/** splitmix32 finaliser: spreads every input bit over the whole word. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/**
 * Hashes any number of non-negative integers (each up to 2^53) into one 32-bit seed, so derived
 * streams such as "FOV i of seed S" are independent of each other and of how many FOVs exist.
 * @example hashSeed(42, 7) // => the seed of FOV 7 in a run with --seed 42
 */
export function hashSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    const low = part >>> 0;
    const high = Math.floor(part / 0x100000000) >>> 0;
    h = mix32(h ^ low);
    h = mix32((h + 0x6a09e667) ^ high);
  }
  return h;
}

/**
 * Creates a random source from a 32-bit seed (sfc32: small, fast, good statistics).
 * @example const rng = createRandom(hashSeed(1, 0)); rng.uniform(2, 5); rng.normal(0, 1);
 */
export function createRandom(seed: number): Random {
  let a = hashSeed(seed, 1);
  let b = hashSeed(seed, 2);
  let c = hashSeed(seed, 3);
  let d = 1;
  const nextUint = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Discard the first outputs: sfc32 needs a few rounds to decorrelate nearby seeds.
  for (let i = 0; i < 12; i++) nextUint();

  const next = (): number => nextUint() / 0x100000000;
  let spare: number | undefined;
  return {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    normal(mean = 0, sd = 1) {
      if (spare !== undefined) {
        const value = spare;
        spare = undefined;
        return mean + sd * value;
      }
      const u = 1 - next(); // (0, 1]: log stays finite
      const v = next();
      const radius = Math.sqrt(-2 * Math.log(u));
      spare = radius * Math.sin(2 * Math.PI * v);
      return mean + sd * radius * Math.cos(2 * Math.PI * v);
    },
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)],
  };
}
