/**
 * Shared numeric constants and helpers of maths version 1. Both engines import these, so the CPU
 * reference and the WebGPU kernels use bit-identical constants (luma weights, fit epsilon, smoothing
 * weight floor, Gaussian taps). Browser-safe: no Node imports.
 *
 * ## Where the CPU reference uses float64 and where float32, and why
 *
 * Every image a stage hands to the next one is a Float32Array (Y, F, D, C, Ds), because that is what
 * the GPU stores and what the parity tests compare. Inside a stage the CPU works in float64 and rounds
 * once, on the store, so it is the closest practical value of the maths and not one f32 rounding order
 * among many:
 * - Luma: the numerator 299 R + 587 G + 114 B is an exact integer (< 2^24, so also exact in f32);
 *   the CPU divides it by 255000 in f64 and rounds to f32 (correctly rounded). A GPU that divides in
 *   f32 lands within WGSL's 2.5 ULP, i.e. within ~2e-7 relative.
 * - Focus measures: the per-pixel images (Laplacian L, Sobel energy Gx^2+Gy^2, Haar energy E and the
 *   level-1 Haar approximation A1) are computed in f64 from the f32 Y and kept in f64 scratch. The box
 *   means are separable running sums in f64. Their residue (~1e-16 of the row's largest sum) would turn
 *   windows of exact zeros (flat or saturated background, where F must be exactly 0) into tiny
 *   positive F that picks an arbitrary plane, so each pass also keeps an exact count of the window's
 *   non-zero values and writes exactly 0 where it is 0 (src/cpu/box-mean.ts). F is rounded once to f32.
 * - lapv's `Box[L^2] - Box[L]^2` cancels: its absolute error is about (unit roundoff) x (terms summed)
 *   x Box[L^2], so F's relative error is that times Box[L^2] / F. Box[L^2] / F is large only where L is
 *   nearly constant but non-zero over the whole window (a smooth curved ramp). On 8-bit input L always
 *   carries quantisation noise, so the ratio stays moderate and f32 is enough for the GPU. Measured with
 *   an f32 emulation (every operation rounded with Math.fround: L as `(l + r) + (u + d) - 4 c`, separable
 *   direct window sums, F = max(0, m2 - m1 * m1)) against this f64 reference at r = 4, on planes 0, 5, 9
 *   and 14 of the real smear stack (352x307) and on a noise-free 8-bit Gaussian bump (the worst case
 *   for the cancellation): no pixel with F > 1e-6 was off by more than 1e-3 relative; the worst were
 *   lapv 1.1e-4, teng 1.1e-5, wavelet 1.4e-5. f32 running sums were about as good at these widths, but
 *   their error grows with the row length, so the GPU should sum windows directly. Forming L as above
 *   gives exactly 0 on a flat region; the GPU must clamp F to >= 0 as the CPU does (a tiny negative
 *   from rounding would make ln(F + FIT_EPS) wrong). The CPU clamps too: the cancellation itself can
 *   round below 0 (see test/cpu-stages.test.ts).
 * - teng and wavelet are sums of squares: no cancellation; f32 stays within ~1e-5 relative (the
 *   rounding of 81 summed terms), as measured above.
 * - Depth and confidence: argmax, ln, the fit and the confidence in f64; D and C stored as f32.
 *   C is clamped to >= 0 (Fmean may exceed Fmax by one rounding when all planes are equal) and is 0
 *   where Fmax + tau is 0 (tau = 0 on an all-zero pixel would be 0/0).
 * - Smoothing: the taps are the f32 weights from {@link gaussianKernel} (the GPU uploads the same
 *   array), products and sums in f64, Ds stored as f32.
 * - Composite: `(1 - t) a + t b` in f64, then {@link roundHalfUp}.
 *
 * ## Neighbourhood reads
 * Every stage produces a full image and every neighbourhood read of the next stage clamps to the edge
 * of THAT image. E.g. lapv's box mean reads L at clamped coordinates; it does not re-evaluate the
 * Laplacian at out-of-image positions with clamped Y reads (which would give a different value).
 * Same for Haar level 2, which reads the full level-1 approximation image A1 at clamped coordinates.
 */

/** Version of the maths that the CPU and GPU engines implement (see DESIGN / README "The maths"). */
export const MATHS_VERSION = 1;

/** Luma weights (Rec. 601): Y = 0.299 R + 0.587 G + 0.114 B on values scaled to [0, 1]. */
export const LUMA_WEIGHTS: readonly [number, number, number] = [0.299, 0.587, 0.114];
/**
 * The same weights as integers: Y = (299 R + 587 G + 114 B) / 255000 for 8-bit R, G, B. The numerator
 * is an exact integer in f32 and f64 (at most 255000), so only the division rounds. Gray (R = G = B = v)
 * gives exactly v / 255 (up to that one rounding).
 */
export const LUMA_INT_WEIGHTS: readonly [number, number, number] = [299, 587, 114];
export const LUMA_DIVISOR = 255000;

/**
 * Epsilon of the sub-plane fit: l_i = ln(F_i + FIT_EPS). It keeps ln finite where F = 0 and makes the
 * fit insensitive to F values far below the GPU parity floor (1e-6), while changing ln by at most
 * 1e-3 where F >= 1e-6. Absolute, in the units of F (F of all measures lives on Y in [0, 1]).
 */
export const FIT_EPS = 1e-9;

/**
 * Smoothing keeps the unsmoothed D where the Gaussian-weighted confidence G[C] (normalised kernel,
 * so G[C] is a weighted mean of C in [0, 1)) is below this: the neighbourhood holds no evidence.
 */
export const MIN_SMOOTH_WEIGHT = 1e-6;

/** Largest delta of the sub-plane fit, in planes. */
export const MAX_FIT_DELTA = 0.5;

/** Radius of the Gaussian used for depth smoothing: ceil(3 sigma); 0 for sigma 0. */
export function gaussianRadius(sigma: number): number {
  return sigma > 0 ? Math.ceil(3 * sigma) : 0;
}

/**
 * Taps w[-R..R] (index k + R) of the normalised 1-D Gaussian of `sigma`, R = ceil(3 sigma):
 * w_k = exp(-k^2 / (2 sigma^2)) / sum_j exp(-j^2 / (2 sigma^2)), computed in f64 then rounded to f32.
 * Both engines use exactly these f32 values (the GPU uploads the array as is). sigma 0 gives [1].
 * @example gaussianKernel(1).length // 7
 */
export function gaussianKernel(sigma: number): Float32Array {
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new RangeError(`gaussianKernel: sigma must be a finite number >= 0, got ${sigma}`);
  const radius = gaussianRadius(sigma);
  const taps = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) {
    const v = radius === 0 ? 1 : Math.exp(-(k * k) / (2 * sigma * sigma));
    taps[k + radius] = v;
    sum += v;
  }
  const out = new Float32Array(taps.length);
  for (let i = 0; i < taps.length; i++) out[i] = taps[i] / sum;
  return out;
}

/**
 * Rounding used wherever the maths says "round": floor(x + 0.5), i.e. halves go up. Pinned because
 * WGSL's round() is half-to-even and JS Math.round differs from both on negative halves.
 * @example roundHalfUp(2.5) // 3
 */
export function roundHalfUp(x: number): number {
  return Math.floor(x + 0.5);
}
