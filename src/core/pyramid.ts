/**
 * Constants and geometry of the `pyramid` composite mode, shared by the CPU reference
 * (src/cpu/pyramid-composite.ts) and the WGSL kernels (shaders/pyramid_reduce.wgsl,
 * shaders/pyramid_blend.wgsl mirror them; test/gpu-kernels.test.ts checks that they agree).
 * Browser-safe: no Node imports.
 *
 * The mode is Burt & Adelson's Laplacian-pyramid blending with weights from the smoothed depth Ds:
 * - Weight of plane z at a pixel: w_z = clamp((0.5 - |Dc - z|) / PYRAMID_SOFTNESS + 0.5, 0, 1),
 *   Dc = Ds clamped into [0, Z-1]. Softness 1 is exactly the `interpolate` weights max(0, 1 - |Dc - z|);
 *   smaller values hand each pixel to the nearer plane over a narrower band of Ds, so fine detail comes
 *   from (nearly) one plane instead of an average of a sharp and a blurred one. The weights sum to 1
 *   for any Dc (softness <= 1).
 * - Gaussian pyramid (5-tap binomial [1 4 6 4 1] / 16, separable, decimation by 2, edges replicated)
 *   of each plane's RGBA and of its weights; Laplacian level l = G_l - expand(G_{l+1}).
 * - Output level l = sum_z G_l(w_z) L_l(P_z) (coarsest level: G_L(w_z) G_L(P_z)), collapsed from the
 *   coarsest level: out_l += expand(out_{l+1}). The low frequencies are blended over ~2^L pixels, so a
 *   change of plane leaves no seam, while the finest details switch plane within a few pixels.
 * - Anti-ringing: each channel is clamped into the per-pixel [min, max] of the planes z with
 *   |Dc - z| <= PYRAMID_CLAMP_REACH (at least the two planes `interpolate` would blend), with a
 *   tolerance of PYRAMID_CLAMP_TOLERANCE levels, then rounded half up. Laplacian blending overshoots
 *   next to strong edges (the ringing halo); the clamp removes that, and also the halo that a coarse
 *   level would carry over from a plane far from the pixel's depth.
 */

/** Coarser levels below the full-resolution one (level 0). */
export const PYRAMID_LEVELS = 4;
/** Width in planes of the band of Ds over which the weight passes from one plane to the next (1 = interpolate). */
export const PYRAMID_SOFTNESS = 0.5;
/** Planes within this distance of Ds bound the output (anti-ringing clamp). */
export const PYRAMID_CLAMP_REACH = 1;
/** Levels (0..255 scale) the output may leave the bounding planes' range by. */
export const PYRAMID_CLAMP_TOLERANCE = 0;
/** The reduce taps (binomial, sum 1). */
export const PYRAMID_TAPS: readonly number[] = [1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16];

/** One level of the pyramid: its size and where it starts in a buffer holding levels 0..L back to back. */
export interface PyramidLevel {
  width: number;
  height: number;
  /** Pixel offset of the level's first pixel (level 0 at 0). */
  offset: number;
}

/**
 * Sizes of levels 0..PYRAMID_LEVELS: each level is ceil(size / 2) of the one above (never below 1).
 * @example pyramidLevels(5, 3) // => [{5x3 at 0}, {3x2 at 15}, {2x1 at 21}, {1x1 at 23}, {1x1 at 24}]
 */
export function pyramidLevels(width: number, height: number): PyramidLevel[] {
  const levels: PyramidLevel[] = [];
  let offset = 0;
  let w = width;
  let h = height;
  for (let l = 0; l <= PYRAMID_LEVELS; l++) {
    levels.push({ width: w, height: h, offset });
    offset += w * h;
    w = (w + 1) >> 1;
    h = (h + 1) >> 1;
  }
  return levels;
}

/** Pixels of all levels together. */
export function pyramidPixels(levels: readonly PyramidLevel[]): number {
  const last = levels[levels.length - 1];
  return last.offset + last.width * last.height;
}

/**
 * Weight of plane z at depth Ds (see the module comment), for Z planes.
 * @example pyramidWeight(2.3, 2, 11) // => 0.9 (softness 0.5)
 */
export function pyramidWeight(ds: number, z: number, planes: number): number {
  const dc = clampDepth(ds, planes);
  const w = (0.5 - Math.abs(dc - z)) / PYRAMID_SOFTNESS + 0.5;
  return w <= 0 ? 0 : w >= 1 ? 1 : w;
}

/** Ds clamped into [0, Z-1]; NaN reads as 0 (like `interpolate`). */
export function clampDepth(ds: number, planes: number): number {
  if (!(ds >= 0)) return 0;
  return ds > planes - 1 ? planes - 1 : ds;
}

/**
 * Halo in full-resolution pixels that the pyramid adds around a pixel: what a band of the GPU engine
 * must carry past its kept rows so its pyramid matches the untiled one. Reduce to level L reads
 * +-2 (2^L - 1) pixels, expand back reads about as far again, plus 2^L for the decimation grid.
 */
export const PYRAMID_HALO = 4 * (2 ** PYRAMID_LEVELS - 1) + 2 ** PYRAMID_LEVELS + 4;
