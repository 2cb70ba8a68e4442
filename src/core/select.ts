/**
 * Constants of the `select` composite mode (src/cpu/select-composite.ts; select_block of
 * shaders/pyramid_blend.wgsl mirrors them, test/gpu-kernels.test.ts checks that they agree).
 * Browser-safe.
 *
 * `select` is the `pyramid` composite (src/core/pyramid.ts: Laplacian pyramid, weights from Ds) in
 * which the finest SELECT_LEVELS levels take their detail from the one plane that is sharpest there
 * (Burt & Adelson's choose-max rule, enfuse's hard masks blended per level), where that choice is clear:
 * - Energy of plane z at a pixel of level l: E_z = sum over the (2 SELECT_ENERGY_RADIUS + 1)^2 square
 *   (clamped) of the squared luma of the Laplacian coefficients (LUMA_INT_WEIGHTS on R, G, B).
 * - k = argmax_z E_z (ties: lowest z) over every plane, not only those near Ds: on translucent,
 *   overlapping cells both layers are sharp in different planes, and Ds can name only one.
 * - Clarity ratio q = E_k / mean_{z != k} E_z (the best plane against the others, so that a stack of
 *   few planes can reach full say); gate a = clamp((q - SELECT_GATE_LOW) / (SELECT_GATE_HIGH -
 *   SELECT_GATE_LOW), 0, 1); a = 0 where E_k = 0 or Z = 1, a = 1 where only plane k has energy.
 *   Noise alone gives every plane about the same energy (q near 1), so flat and empty areas keep the
 *   pyramid's Ds-weighted blend (no noise picked up, no patchwork); a crisp detail in one plane has
 *   q well above 2.
 * - Level l coefficient: a L_l(P_k) + (1 - a) sum_z G_l(w_z) L_l(P_z). Coarser levels: `pyramid`'s.
 * - Collapse, then each channel clamped into the per-pixel [min, max] over ALL planes (the chosen
 *   detail may come from a plane far from Ds), tolerance 0, rounded half up.
 * Measured on the synthetic scenes (docs/fusion-v2.md): fine detail from one plane instead of a blend
 * of a sharp and a blurred one raises sharpness and PSNR inside cells; the gate keeps noisy stacks
 * from gaining noise.
 */

import { PYRAMID_HALO } from './pyramid.js';

/** Finest levels whose detail comes from the selected plane (level 0 is full resolution). */
export const SELECT_LEVELS = 2;
/** Radius of the square over which a coefficient's energy is summed. */
export const SELECT_ENERGY_RADIUS = 1;
/**
 * Halo in full-resolution pixels of the `select` composite on the GPU's bands: the pyramid's, plus
 * the energy's square at the coarsest selected level (r pixels of level SELECT_LEVELS - 1).
 */
export const SELECT_HALO = PYRAMID_HALO + SELECT_ENERGY_RADIUS * 2 ** (SELECT_LEVELS - 1);

/** Clarity ratio at and below which the selection has no say. */
export const SELECT_GATE_LOW = 2;
/** Clarity ratio at and above which the selected plane's detail is taken alone. */
export const SELECT_GATE_HIGH = 4;

/**
 * Weight of the selected plane's detail for clarity ratio q = E_max / E_mean.
 * @example selectGate(3) // => 0.5
 */
export function selectGate(q: number): number {
  const a = (q - SELECT_GATE_LOW) / (SELECT_GATE_HIGH - SELECT_GATE_LOW);
  return a > 0 ? (a < 1 ? a : 1) : 0;
}
