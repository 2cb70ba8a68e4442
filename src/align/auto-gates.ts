/** The gates by which `auto` decides whether a stack moves (docs/alignment.md, auto). */
import { identity, rmsDifference, type Mat3 } from './matrix.js';

/**
 * `auto` applies a plane's transform only when it moves the frame's pixels by more than this, RMS.
 * Registered scanner stacks estimate at about 0.01 px; 0.5 px is where a misregistration starts to
 * soften edges visibly, and below it resampling would cost more sharpness than it gains.
 */
export const AUTO_THRESHOLD_PX = 0.5;

/**
 * `auto` counts a neighbour registration whose standard error (px RMS over the frame) exceeds this
 * as no motion: it cannot tell a 0.5 px motion from none at 3 standard errors. Tiny, nearly
 * textureless fields (96 px, a few cells near the centre) estimate at 0.2 .. 2 px and pick up
 * spurious scale from defocus there; moved 160 px fixtures and CCCID-size fields estimate at <= 0.08 px.
 */
export const AUTO_MAX_UNCERTAINTY_PX = AUTO_THRESHOLD_PX / 3;

/**
 * `auto` counts a neighbour registration as motion only when its displacement exceeds this many
 * standard errors (and, at full size, the standard error is at most AUTO_MAX_UNCERTAINTY_PX).
 * The quick look (quarter size, 0.15 .. 0.35 px per pair) on registered CCCID-like stacks stays
 * below 1.2 standard errors; without the test half of them looked moved (chained noise above
 * 0.5 px) and paid for a full estimation (~1.2 s) that then found nothing.
 */
export const AUTO_SIGNIFICANCE = 2;

/**
 * How far the fused image's pixels move, RMS: each pixel moves with the plane it is taken from, so
 * plane z's displacement (RMS over the frame) counts with its share of the fused image. A plane far
 * from focus that no pixel is taken from can move by pixels without changing the result: on the
 * ECC-registered smear sweep the defocused planes 0 .. 7 read as 0.7 .. 1.9 px moves, and applying
 * them changed the fused image by 0.04 dB.
 * @param shares per plane, the fraction of pixels it is sharpest at (planeShares); normalised here.
 * @example fusedDisplacement([identity(), moved], [0.9, 0.1], 384, 384) // 0.32 for a 1 px move of plane 1
 */
export function fusedDisplacement(transforms: readonly Mat3[], shares: readonly number[], width: number, height: number): number {
  const total = shares.reduce((sum, s) => sum + s, 0) || 1;
  let sum = 0;
  transforms.forEach((t, z) => {
    if (shares[z] > 0) sum += (shares[z] / total) * rmsDifference(t, identity(), width, height) ** 2;
  });
  return Math.sqrt(sum);
}

/**
 * Whether motion matters for the fused image: with each plane's share known (the CPU engine), the
 * fused image's pixels move by more than AUTO_THRESHOLD_PX RMS (fusedDisplacement); without, any
 * plane moves by more than that.
 */
export function motionMatters(transforms: readonly Mat3[], shares: readonly number[] | undefined, width: number, height: number): boolean {
  if (shares) return fusedDisplacement(transforms, shares, width, height) > AUTO_THRESHOLD_PX;
  return transforms.some((t) => rmsDifference(t, identity(), width, height) > AUTO_THRESHOLD_PX);
}

/**
 * Each plane's share of a stack's focus maps: the pixels at which it is the sharpest, each counted
 * with its focus value there, so that textured pixels decide and flat background (where the
 * sharpest plane is a matter of noise) hardly counts.
 * @example planeShares([focus0, focus1]) // [0.25, 0.75]
 */
export function planeShares(focus: readonly Float32Array[]): number[] {
  const n = focus[0]?.length ?? 0;
  // Every SHARE_STEP-th pixel is plenty for a share, and plane by plane the reads are sequential.
  const m = Math.ceil(n / SHARE_STEP);
  const best = new Float32Array(m).fill(-Infinity);
  const which = new Int32Array(m);
  focus.forEach((f, z) => {
    for (let j = 0, i = 0; j < m; j++, i += SHARE_STEP) {
      if (f[i] > best[j]) {
        best[j] = f[i];
        which[j] = z;
      }
    }
  });
  return sharesOfSharpest(best, which, focus.length);
}

/** Which pixels {@link sharesOfSharpest} reads: every `step`-th of a width x height image (row-major), stored in rows of `stride`. */
export interface ShareSampling {
  width: number;
  height: number;
  stride: number;
  step: number;
}

/**
 * {@link planeShares} from the sharpest plane and its focus value at the sampled pixels (engines
 * that keep a running argmax instead of the focus maps read it in place; the default reads every
 * element).
 * @example sharesOfSharpest(Float32Array.of(1, 3), Int32Array.of(0, 1), 2) // [0.25, 0.75]
 */
export function sharesOfSharpest(best: Float32Array, which: Int32Array, planeCount: number, sampling?: ShareSampling): number[] {
  return sharesFromSums(shareSums(best, which, planeCount, sampling), planeCount);
}

/**
 * The sums behind {@link sharesOfSharpest}: per plane, four partial sums of the sharpest plane's
 * focus value (clamped at 0), sample j into partial j mod 4. The CPU engine's WebAssembly twin
 * (src/cpu/fast/assembly/shares.ts) gives the same bits.
 */
export function shareSums(best: Float32Array, which: Int32Array, planeCount: number, sampling?: ShareSampling): Float64Array {
  const { width, height, stride, step } = sampling ?? { width: best.length, height: 1, stride: best.length, step: 1 };
  const m = Math.ceil((width * height) / step);
  // Four partial sums per plane: consecutive samples, mostly of one plane, then add into different
  // slots instead of waiting on each other (~4x faster). Typed arrays only, one shape for every
  // caller, so the loop stays monomorphic.
  const sums = new Float64Array(4 * planeCount);
  for (let j = 0, x = 0, y = 0; j < m; j++) {
    const o = y * stride + x;
    sums[4 * which[o] + (j & 3)] += Math.max(best[o], 0);
    for (x += step; x >= width; x -= width) y++;
  }
  return sums;
}

/** Each plane's share from {@link shareSums}' partial sums (equal shares when they are all 0). */
export function sharesFromSums(sums: Float64Array, planeCount: number): number[] {
  const perPlane = Array.from({ length: planeCount }, (_, z) => sums[4 * z] + sums[4 * z + 1] + (sums[4 * z + 2] + sums[4 * z + 3]));
  const total = perPlane.reduce((sum, s) => sum + s, 0);
  return perPlane.map((s) => (total > 0 ? s / total : 1 / planeCount));
}

/** planeShares reads every this many pixels. */
export const SHARE_STEP = 3;
