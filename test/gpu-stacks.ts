/**
 * Procedural test stacks for the GPU suites, with no dependencies, so child-process entries
 * (test/gpu-dawn-child.ts) can bundle them.
 */
import type { ZStack } from '../src/core/types.js';

/**
 * Width, height and Z of the awkward shapes every fast-path suite runs: one pixel, one row, one
 * column, odd sizes that leave SIMD tails, Z = 1, 2, 3, 11 and 21.
 */
export const ODD_SHAPES: readonly [number, number, number][] = [
  [1, 1, 1],
  [1, 17, 3],
  [23, 1, 2],
  [37, 23, 11],
  [5, 3, 21],
];

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TestStackOptions {
  seed?: number;
  /** Sensor noise amplitude in 8-bit levels. Default 2. */
  noise?: number;
  /** Leave a flat, noise-free rectangle (ties across planes, F = 0). Default false. */
  flatPatch?: boolean;
  /** Vary alpha between planes (the composite blends alpha too). Default false. */
  alpha?: boolean;
}

/**
 * A procedural Z-stack: texture whose contrast peaks at a smoothly varying focal plane, plus noise,
 * 8-bit quantised like real data, with an optional flat patch. Not a physical blur model (src/synth
 * is); it only has to make every stage of both engines work on realistic-looking numbers.
 */
export function testStack(width: number, height: number, planes: number, options: TestStackOptions = {}): ZStack {
  const rng = random(options.seed ?? 1);
  const noise = options.noise ?? 2;
  const texture = Float32Array.from({ length: width * height }, () => rng() - 0.5);
  const flat = options.flatPatch ?? false;
  const stack: ZStack = { width, height, planes: [], meta: { name: `test ${width}x${height}x${planes}` } };
  for (let z = 0; z < planes; z++) {
    const plane = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        const focal = (planes - 1) * (0.5 + 0.45 * Math.sin(x * 0.045 + 1.3) * Math.cos(y * 0.037));
        const sharp = Math.exp(-((z - focal) ** 2) / 4.5);
        const inPatch = flat && x >= width * 0.6 && x < width * 0.8 && y >= height * 0.6 && y < height * 0.8;
        const v = inPatch ? 180 : 120 + 40 * Math.sin(x * 0.02) + 110 * sharp * texture[i] + noise * (rng() - 0.5) * 2;
        const q = (u: number): number => Math.max(0, Math.min(255, Math.round(u)));
        plane[4 * i] = q(v);
        plane[4 * i + 1] = q(0.8 * v + 30);
        plane[4 * i + 2] = q(255 - 0.6 * v);
        plane[4 * i + 3] = options.alpha ? q(255 - 20 * z - (inPatch ? 0 : 30 * sharp)) : 255;
      }
    }
    stack.planes.push(plane);
  }
  return stack;
}

/** Whether pixel (x, y) lies in testStack's flat patch shrunk by `margin` pixels on every side. */
export function inFlatPatch(width: number, height: number, x: number, y: number, margin: number): boolean {
  return x >= width * 0.6 + margin && x < width * 0.8 - margin && y >= height * 0.6 + margin && y < height * 0.8 - margin;
}

/** A seeded noisy stack whose sharpness peaks at a different plane in each half (every size works). */
export function noisyStack(width: number, height: number, planes: number, seed = 1): ZStack {
  const rand = random(seed);
  const base = Array.from({ length: width * height * 3 }, () => rand());
  const out: Uint8Array[] = [];
  for (let z = 0; z < planes; z++) {
    const p = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) {
      const x = i % width;
      const sharpAt = x < width / 2 ? 0 : planes - 1;
      const gain = 1 / (1 + Math.abs(z - sharpAt));
      for (let c = 0; c < 3; c++) p[i * 4 + c] = Math.round(128 + 120 * gain * (base[i * 3 + c] - 0.5) + 4 * (rand() - 0.5));
      p[i * 4 + 3] = 255;
    }
    out.push(p);
  }
  return { width, height, planes: out };
}

/**
 * A flat grey plane, then two black and white checkerboards of `cell`-px squares in opposite
 * phases, `side` px square: the largest focus values a measure's window sums can meet (1-px cells
 * for the Laplacian; 2-px cells for the Sobel, which a 1-px checkerboard cancels).
 */
export function checkerboardStack(side: number, cell: number): ZStack {
  const board = (phase: number) => {
    const p = new Uint8Array(side * side * 4);
    for (let i = 0; i < side * side; i++) {
      const on = (Math.floor((i % side) / cell) + Math.floor(Math.floor(i / side) / cell) + phase) % 2;
      p.fill(on ? 255 : 0, i * 4, i * 4 + 3).fill(255, i * 4 + 3, i * 4 + 4);
    }
    return p;
  };
  return { width: side, height: side, planes: [new Uint8Array(side * side * 4).fill(128), board(0), board(1)] };
}
