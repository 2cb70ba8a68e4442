/** Dispatch from a measure name to its CPU implementation. */
import { expected } from '../core/errors.js';
import { MEASURES } from '../core/options.js';
import type { Measure } from '../core/types.js';
import { laplacianVariance } from './lapv.js';
import { brenner, diagonalLaplacian, grayLevelVariance, sumModifiedLaplacian, tenengradVariance } from './measures-extra/index.js';
import type { CpuScratch } from './scratch.js';
import type { CpuMeasure } from './windowed.js';
import { tenengrad } from './teng.js';
import { waveletEnergy } from './wavelet.js';

/** Every measure's CPU implementation, by name (a Record, so a new Measure must be added here to compile). */
export const CPU_MEASURES: Readonly<Record<Measure, CpuMeasure>> = {
  lapv: laplacianVariance,
  teng: tenengrad,
  wavelet: waveletEnergy,
  dlap: diagonalLaplacian,
  sml: sumModifiedLaplacian,
  glv: grayLevelVariance,
  brenner,
  tenv: tenengradVariance,
};

/**
 * Focus measure F of one plane's luma.
 * @example focusMeasure('teng', Y, w, h, 4, F, scratch)
 * @throws FocusFuseError (BAD_OPTION) for an unknown measure.
 */
export function focusMeasure(measure: Measure, Y: Float32Array, width: number, height: number, radius: number, dst?: Float32Array, scratch?: CpuScratch): Float32Array {
  const run = Object.hasOwn(CPU_MEASURES, measure) ? CPU_MEASURES[measure] : undefined;
  if (!run) return expected(`one of ${MEASURES.map((m) => `'${m}'`).join(', ')}`, 'measure', measure);
  return run(Y, width, height, radius, dst, scratch);
}
