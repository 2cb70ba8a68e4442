/**
 * The `select` composite: the `pyramid` composite whose finest levels take their detail from the
 * plane that is clearly sharpest there (src/core/select.ts has the maths and constants).
 */
import { LUMA_INT_WEIGHTS } from '../core/maths.js';
import { pyramidWeight } from '../core/pyramid.js';
import type { PyramidLevel } from '../core/pyramid.js';
import { SELECT_ENERGY_RADIUS, SELECT_LEVELS, selectGate } from '../core/select.js';
import { boxSumCols, boxSumRows } from './box-mean.js';
import { clampAndRound, collapse, createPyramidScratch, expandAt, gaussianLevels } from './pyramid-composite.js';

const [WR, WG, WB] = LUMA_INT_WEIGHTS;

/**
 * `select` composite (see src/core/select.ts). Every plane is decomposed (the selection looks at all
 * of them); the selected levels keep, per pixel, the running best energy and its coefficients, so
 * memory does not grow with Z. Arguments are checked by {@link composite}, which calls this.
 * @example selectComposite(stack.planes, Ds, w, h, new Uint8Array(w * h * 4))
 */
export function selectComposite<P extends Uint8Array | Uint16Array>(planes: P[], depth: Float32Array, width: number, height: number, out: P): P {
  const { levels, colour, weight, sum, expanded, rows } = createPyramidScratch(width, height);
  const Z = planes.length;
  const n = width * height;
  const L = levels.length - 1;
  const S = Math.min(SELECT_LEVELS, L);
  const selected = levels.slice(0, S);
  const pixels = S > 0 ? levels[S].offset : 0; // levels 0..S-1 lie back to back from offset 0
  const best = new Float32Array(4 * pixels); // coefficients of the best plane so far
  const bestEnergy = new Float64Array(pixels).fill(-1);
  const energySum = new Float64Array(pixels);
  const lap = new Float32Array(4 * n); // one level's coefficients of the current plane
  const squared = new Float64Array(n);
  const energy = new Float64Array(n);
  // Box sums of the energy: boxSumRows / boxSumCols' working memory (a level's rows, then one row each).
  const box = { rows: new Float64Array(n), acc: new Float64Array(width), counts: new Float64Array(width) };
  sum.fill(0);
  for (let z = 0; z < Z; z++) {
    for (let i = 0; i < n; i++) weight[i] = pyramidWeight(depth[i], z, Z);
    gaussianLevels(planes[z], n, colour, weight, levels, rows);
    for (let l = 0; l <= L; l++) {
      const level = levels[l];
      for (let y = 0, i = 0; y < level.height; y++) {
        for (let x = 0; x < level.width; x++, i++) {
          const p = (level.offset + i) * 4;
          if (l < L) expandAt(colour, levels[l + 1], x, y, expanded);
          else expanded.fill(0, 0, 4);
          const w = weight[level.offset + i];
          for (let c = 0; c < 4; c++) {
            const v = colour[p + c] - expanded[c];
            lap[4 * i + c] = v;
            if (w !== 0) sum[p + c] += w * v;
          }
        }
      }
      if (l < S) keepSharpest(level, lap, squared, energy, box, best, bestEnergy, energySum);
    }
  }
  for (const level of selected) {
    for (let i = level.offset; i < level.offset + level.width * level.height; i++) {
      // Clarity: the best energy over the mean of the other planes' (Z = 1: nothing to select from).
      const others = energySum[i] - bestEnergy[i];
      const a = Z < 2 || !(bestEnergy[i] > 0) ? 0 : others > 0 ? selectGate((bestEnergy[i] * (Z - 1)) / others) : 1;
      for (let c = 0; c < 4; c++) sum[4 * i + c] = a * best[4 * i + c] + (1 - a) * sum[4 * i + c];
    }
  }
  collapse(sum, levels, expanded);
  clampAndRound(planes, depth, sum, n, out, Infinity);
  return out;
}

/** The energy of one plane's level-l coefficients `lap`; where it beats the best so far, its coefficients become the best. */
function keepSharpest(level: PyramidLevel, lap: Float32Array, squared: Float64Array, energy: Float64Array, box: { rows: Float64Array; acc: Float64Array; counts: Float64Array }, best: Float32Array, bestEnergy: Float64Array, energySum: Float64Array): void {
  const m = level.width * level.height;
  for (let i = 0; i < m; i++) {
    const y = WR * lap[4 * i] + WG * lap[4 * i + 1] + WB * lap[4 * i + 2];
    squared[i] = y * y;
  }
  // The energy is a sum over the (2r + 1)^2 square (clamped reads): the box mean's passes with area 1.
  boxSumRows(squared, level.width, level.height, SELECT_ENERGY_RADIUS, box.rows);
  boxSumCols(box.rows, level.width, level.height, SELECT_ENERGY_RADIUS, box.acc, box.counts, energy, 1);
  for (let i = 0; i < m; i++) {
    const j = level.offset + i;
    energySum[j] += energy[i];
    if (energy[i] > bestEnergy[j]) {
      bestEnergy[j] = energy[i];
      for (let c = 0; c < 4; c++) best[4 * j + c] = lap[4 * i + c];
    }
  }
}
