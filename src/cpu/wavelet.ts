/** Focus measure `wavelet`: box mean of the undecimated 2-level Haar detail energy. */
import type { CpuScratch, FloatImage } from './scratch.js';
import { windowedMeasure } from './windowed.js';

/** Levels of the undecimated Haar transform in maths version 1 (steps 1 and 2). */
export const WAVELET_LEVELS = 2;

/**
 * One undecimated Haar level with step s on approximation A (clamped reads):
 * a = A(x,y), b = A(x+s,y), c = A(x,y+s), d = A(x+s,y+s);
 * LH = (a+b-c-d)/2, HL = (a-b+c-d)/2, HH = (a-b-c+d)/2. Adds LH^2+HL^2+HH^2 to `energy` (or sets it
 * when `first`), and writes the next approximation (a+b+c+d)/4 to `next` unless it is null.
 * @internal
 */
export function haarLevel(A: FloatImage, width: number, height: number, step: number, energy: Float64Array, first: boolean, next: Float64Array | null): void {
  const lastX = width - 1;
  const lastY = height - 1;
  for (let y = 0; y < height; y++) {
    const o = y * width;
    const yb = y + step;
    const ob = (yb > lastY ? lastY : yb) * width;
    for (let x = 0; x < width; x++) {
      const xb0 = x + step;
      const xb = xb0 > lastX ? lastX : xb0;
      const a = A[o + x];
      const b = A[o + xb];
      const c = A[ob + x];
      const d = A[ob + xb];
      const lh = (a + b - c - d) / 2;
      const hl = (a - b + c - d) / 2;
      const hh = (a - b - c + d) / 2;
      const e = lh * lh + hl * hl + hh * hh;
      energy[o + x] = first ? e : energy[o + x] + e;
      if (next !== null) next[o + x] = (a + b + c + d) / 4;
    }
  }
}

/**
 * E = sum over levels (s = 1, 2) of LH^2 + HL^2 + HH^2, A0 = Y, into `energy`; `approx` receives A1.
 * @internal
 */
export function waveletEnergyImage(Y: Float32Array, width: number, height: number, energy: Float64Array, approx: Float64Array): void {
  haarLevel(Y, width, height, 1, energy, true, approx);
  haarLevel(approx, width, height, 2, energy, false, null);
}

const waveletEnergyMeasure = windowedMeasure((Y, width, height, out, scratch) => waveletEnergyImage(Y, width, height, out, scratch.b), 'mean');

/**
 * F = Box_r[E], E the 2-level undecimated Haar detail energy.
 * @param Y luma, width * height.
 * @param radius window radius r >= 0.
 * @param dst optional output (width * height).
 * @param scratch optional working memory from createCpuScratch.
 * @example waveletEnergy(Y, 384, 384, 4, F, scratch)
 */
export function waveletEnergy(Y: Float32Array, width: number, height: number, radius: number, dst?: Float32Array, scratch?: CpuScratch): Float32Array {
  return waveletEnergyMeasure(Y, width, height, radius, dst, scratch);
}
