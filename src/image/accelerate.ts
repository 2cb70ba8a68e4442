/**
 * Faster twins of src/image's inner loops (and of alignment's, see AlignKernels in src/align),
 * computing the same values bit for bit. The CPU engine's fast path registers its WebAssembly ones
 * (src/cpu/fast/align.ts) where WebAssembly SIMD exists; elsewhere, and until then, the TypeScript
 * loops run. Registered rather than imported, because src/image sits below the engines.
 */

import { registered } from '../core/registered.js';

/** What a faster implementation provides; each returns false (or undefined) where it cannot run, and the caller falls back. */
export interface ImageKernels {
  /**
   * gaussianBlur's passes of `src` into `dst` (both width * height): the sampled kernel along rows
   * then columns when `kernel` is given, else one box pass pair per radius in `boxRadii`.
   */
  blur(src: Float32Array, width: number, height: number, kernel: Float32Array | undefined, boxRadii: readonly number[], dst: Float32Array): boolean;
  /** luma's values of n RGBA8 pixels (no block sums) into dst: alignment's full-size luma (the CPU engine's luma stage keeps luma()). */
  luma(rgba: Uint8Array, n: number, dst: Float32Array): boolean;
  /** shrinkLuma's block means (w x h of factor x factor blocks of an RGBA8 plane with `stride` pixels per row) into dst. */
  shrinkLuma(rgba: Uint8Array, stride: number, w: number, h: number, factor: number, norm: number, dst: Float32Array): boolean;
}

const slot = registered<ImageKernels>();

/**
 * Registers (or, with undefined, removes) the faster kernels; returns the ones registered before.
 * @example const before = useImageKernels(undefined); try { reference() } finally { useImageKernels(before) }
 */
export const useImageKernels = slot.use;

/** The registered kernels, if any. */
export const imageKernels = slot.get;
