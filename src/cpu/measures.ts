/** Dispatch from a measure name to its CPU implementation. */
import { expected } from '../core/errors.js';
import { MEASURES } from '../core/options.js';
import type { Measure } from '../core/types.js';
import { laplacianVariance } from './lapv.js';
import { brenner, diagonalLaplacian, grayLevelVariance, sumModifiedLaplacian, tenengradVariance } from './measures-extra/index.js';
import type { CpuScratch } from './scratch.js';
import { tenengrad } from './teng.js';
import { waveletEnergy } from './wavelet.js';

/**
 * Focus measure F of one plane's luma.
 * @example focusMeasure('teng', Y, w, h, 4, F, scratch)
 * @throws FocusFuseError (BAD_OPTION) for an unknown measure.
 */
export function focusMeasure(measure: Measure, Y: Float32Array, width: number, height: number, radius: number, dst?: Float32Array, scratch?: CpuScratch): Float32Array {
  switch (measure) {
    case 'lapv':
      return laplacianVariance(Y, width, height, radius, dst, scratch);
    case 'teng':
      return tenengrad(Y, width, height, radius, dst, scratch);
    case 'wavelet':
      return waveletEnergy(Y, width, height, radius, dst, scratch);
    case 'dlap':
      return diagonalLaplacian(Y, width, height, radius, dst, scratch);
    case 'sml':
      return sumModifiedLaplacian(Y, width, height, radius, dst, scratch);
    case 'glv':
      return grayLevelVariance(Y, width, height, radius, dst, scratch);
    case 'brenner':
      return brenner(Y, width, height, radius, dst, scratch);
    case 'tenv':
      return tenengradVariance(Y, width, height, radius, dst, scratch);
    default:
      return expected(`one of ${MEASURES.map((m) => `'${m}'`).join(', ')}`, 'measure', measure);
  }
}
