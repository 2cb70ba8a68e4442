/**
 * The `histogram` depth's one-plane test: a stack in which every focus peak off one plane lies beside
 * stronger focus on that plane shows that plane, whole (docs/fusion-v2.md, "Halos of one plane").
 *
 * Why: where the sample lies in one plane (a planar target, a monolayer of unstained cells), the other
 * planes' evidence is that plane's own structure seen out of focus: a blurred edge spilling into a
 * flat gap, or the bright and dark rings that defocus draws around unstained cells (phase-like
 * contrast). Per-pixel selection then stitches those halos in, and no per-pixel rule can tell a
 * halo from weak real texture at another depth. But a halo cannot be stronger than what casts it:
 * blurring spreads a structure's gradient energy, it does not add any, so a defocused plane's F at a
 * pixel stays below the in-focus plane's F somewhere within the blur's reach. Real structure at
 * another depth is not so bounded: it is sharp in its own plane and has no stronger twin nearby.
 *
 * The test, on the focus planes F_z (the engines run it on the same F as their depth stage):
 * 1. k = argmax_z F_z (ties: lowest z), Fmax = F_k; evident pixels have Fmax > tau; of an aligned
 *    stack only the pixels every plane covers count (ZStack.covered: a moved plane's edge, filled in
 *    by the warp, is no evidence);
 * 2. P = the most common k of the evident pixels (ties: lowest); unless P holds more than half of
 *    them (2 x count > evident, integers), the per-pixel fusion stays;
 * 3. M = max of F_P over the (2 haloRadius(r) + 1)^2 square (clamped, as maxFilter's);
 * 4. an evident pixel with k != P is unexplained when Fmax > f32(EXPLAINED_RATIO x M);
 * 5. UNEXPLAINED_DIVISOR x unexplained < evident (integers): the stack shows plane P; Ds = P
 *    everywhere and the fused image is plane P itself (its own samples: no seams, no halos).
 * Measured (docs/fusion-v2.md): unexplained per mille of the evident pixels, sephace 0-0.2, tools 0,
 * smear_registered 1.3, the synthetic chart 2.2-36, synthetic cytology, thick nuclei and overlapping
 * cells 56-320; so sephace and tools show their in-focus plane and every other stack benched fuses
 * per pixel as before.
 * Browser-safe: both engines (and the GPU's host side) import it.
 */
import { haloRadius } from './edge-aware.js';
import { maxRow, maxRowScratch } from './max-filter.js';
import type { DepthFallback, ResolvedOptions } from './types.js';

/** A peak off plane P counts as P's halo while Fmax <= EXPLAINED_RATIO x the nearby max of F_P. */
export const EXPLAINED_RATIO = 1.5;

/** One plane is shown when fewer than 1 / UNEXPLAINED_DIVISOR of the evident pixels are unexplained. */
export const UNEXPLAINED_DIVISOR = 1000;

/**
 * Whether the options run the one-plane test: `onePlane: 'auto'` with the `histogram` depth mode and
 * smoothing on (sigma 0 asks for the raw depth, test included, off).
 * @example runsHalosTest(resolveOptions({})) // => true (the v2 default)
 */
export function runsHalosTest(options: Pick<ResolvedOptions, 'depthMode' | 'sigma' | 'onePlane'>): boolean {
  return options.onePlane === 'auto' && options.depthMode === 'histogram' && options.sigma > 0;
}

/**
 * The one-plane test (see the module comment) on Z focus planes of width x height; undefined when
 * the stack has evidence that no single plane explains (or none at all, or one plane).
 * @param window the measure's window radius r (the search reaches haloRadius(r) pixels).
 * @example halosFallback(result.focus, result.width, result.height, 0.01, 4) // => { reason: 'halos', plane: 1 } on sephace
 */
export function halosFallback(focus: Float32Array[], width: number, height: number, tau: number, window: number, covered?: Int32Array): DepthFallback | undefined {
  const Z = focus.length;
  const n = width * height;
  if (Z < 2) return undefined;
  const best = new Uint8Array(n); // at most 256 planes (validateStack)
  const fmax = new Float32Array(n);
  // Plane by plane (sequential reads of one array at a time); strict > gives ties to the lowest z.
  fmax.set(focus[0]);
  for (let z = 1; z < Z; z++) {
    const f = focus[z];
    for (let i = 0; i < n; i++) {
      if (f[i] > fmax[i]) {
        fmax[i] = f[i];
        best[i] = z;
      }
    }
  }
  return halosDecision({ best, fmax, planes: Z, width, height, tau, window, covered }, (plane) => focus[plane]);
}

/**
 * argmax_z counts[z], ties to the lowest z: the test's P (step 2), and what halo_peaks.wgsl's
 * `majority` computes on the GPU (src/gpu/stack-state.ts checks the two agree).
 * @example mostCommonPlane([3, 9, 9]) // => 1
 */
export function mostCommonPlane(counts: ArrayLike<number>): number {
  let plane = 0;
  for (let z = 1; z < counts.length; z++) if (counts[z] > counts[plane]) plane = z;
  return plane;
}

/** Per pixel of an image: the argmax k of the focus curve (ties: lowest) and its Fmax. */
export interface FocusPeaks {
  best: ArrayLike<number>;
  fmax: Float32Array;
  planes: number;
  width: number;
  height: number;
  tau: number;
  window: number;
  /** Only these pixels count (ZStack.covered: row y's span [covered[2y], covered[2y + 1])); absent: all. */
  covered?: Int32Array;
}

/**
 * Steps 2 to 5 of the test from each pixel's peak (engines that track the argmax while they measure
 * pass theirs); `focusOf(P)` gives F_P, asked for once and only when some pixel has evidence.
 * The nearby max of F_P is read only at the evident pixels off P (a row pass, then 2R + 1 reads down
 * the column, stopping at the first value that explains the peak), and the count stops once the
 * answer is known, so a multi-depth stack costs little more than the row pass. `focusOf` may
 * return undefined where the engine cannot give that plane's F: the per-pixel fusion then stays.
 * @example halosDecision({ best, fmax, planes: 3, width, height, tau: 0.01, window: 4 }, (p) => focus[p])
 */
export function halosDecision(peaks: FocusPeaks, focusOf: (plane: number) => Float32Array | undefined): DepthFallback | undefined {
  const { best, fmax, planes: Z, width, height, tau, covered } = peaks;
  const n = width * height;
  // Row y's pixels that count: filled-in edges of moved planes are no evidence (src/align/coverage.ts).
  const first = (y: number) => (covered ? covered[2 * y] : 0);
  const last = (y: number) => (covered ? covered[2 * y + 1] : width);
  const counts = new Float64Array(Z);
  let evident = 0;
  for (let y = 0; y < height; y++) {
    for (let i = y * width + first(y), end = y * width + last(y); i < end; i++) {
      if (fmax[i] > tau) {
        counts[best[i]]++;
        evident++;
      }
    }
  }
  if (Z < 2 || evident === 0) return undefined;
  const plane = mostCommonPlane(counts);
  // Most of the evidence must be P's: where peaks scatter over the planes (noise, or texture at every
  // depth that the planes barely tell apart), a nearby max of F_P explains them only by chance.
  if (2 * counts[plane] <= evident) return undefined;
  const R = haloRadius(peaks.window);
  const focusP = focusOf(plane);
  if (!focusP) return undefined; // the engine cannot give F_P (see src/gpu/stack-state.ts)
  // Row maxima of F_P, made on first use: the count often stops within the first rows.
  const rows = new Float32Array(n);
  const made = new Uint8Array(height);
  const scratch = maxRowScratch(width);
  // Integer comparisons: UNEXPLAINED_DIVISOR x unexplained >= evident keeps the per-pixel fusion.
  const known = (unexplained: number) => UNEXPLAINED_DIVISOR * unexplained >= evident;
  let unexplained = 0;
  for (let y = 0; y < height && !known(unexplained); y++) {
    const [top, bottom] = [Math.max(0, y - R), Math.min(height - 1, y + R)];
    for (let x = first(y), i = y * width + x; x < last(y); x++, i++) {
      const f = fmax[i];
      if (!(f > tau) || best[i] === plane) continue;
      let explained = false;
      for (let yy = top; yy <= bottom && !explained; yy++) {
        if (!made[yy]) {
          maxRow(focusP, yy * width, width, R, rows, scratch);
          made[yy] = 1;
        }
        explained = f <= Math.fround(EXPLAINED_RATIO * rows[yy * width + x]);
      }
      if (!explained && known(++unexplained)) break;
    }
  }
  return known(unexplained) ? undefined : { reason: 'halos', plane };
}
