/**
 * Which pixels of the aligned frame every plane covers. A moved plane leaves part of the reference
 * frame outside its own image; the warp fills that part from the plane's edge (replicated), which
 * carries texture no focus measure should count as evidence. The `histogram` depth's one-plane test
 * judges a stack on the covered pixels only (src/core/halos.ts).
 * Browser-safe.
 */
import { apply, type Mat3 } from './matrix.js';

/**
 * Per row y of the width x height aligned frame, the span [spans[2y], spans[2y + 1]) of pixels that
 * every plane's transform maps inside that plane (the same test as the crop's: within half a pixel of
 * the plane's pixel centres); an empty row has start = end. Undefined where every pixel is covered.
 * Exact per pixel at O(Z x height) cost: the covered pixels of a row are one interval per plane (the
 * transforms are affine), found from the four bounds and checked at its ends.
 * @param transforms per plane: aligned-frame pixel -> source pixel.
 * @example coveredSpans(plan.transforms, plan.sizes, plan.width, plan.height) // Int32Array [0, 352, 0, 352, ...]
 */
export function coveredSpans(transforms: Mat3[], sizes: { width: number; height: number }[], width: number, height: number): Int32Array | undefined {
  const spans = new Int32Array(2 * height);
  const pt: [number, number] = [0, 0];
  let whole = true;
  for (let y = 0; y < height; y++) {
    let start = 0;
    let end = width;
    transforms.forEach((t, z) => {
      const { width: w, height: h } = sizes[z];
      const inside = (x: number) => {
        apply(t, x, y, pt);
        return pt[0] >= -0.5 && pt[1] >= -0.5 && pt[0] <= w - 0.5 && pt[1] <= h - 0.5;
      };
      // x' = t[0] x + t[4] y + t[8] within [-0.5, w - 0.5], y' = t[1] x + t[5] y + t[9] within [-0.5, h - 0.5].
      let lo = start;
      let hi = end;
      for (const [slope, offset, max] of [
        [t[0], t[4] * y + t[8], w - 0.5],
        [t[1], t[5] * y + t[9], h - 0.5],
      ]) {
        if (slope === 0) {
          if (offset < -0.5 || offset > max) hi = lo;
          continue;
        }
        const a = (-0.5 - offset) / slope;
        const b = (max - offset) / slope;
        lo = Math.max(lo, Math.ceil(Math.min(a, b)) - 1);
        hi = Math.min(hi, Math.floor(Math.max(a, b)) + 2);
      }
      // The bounds' rounding may be a pixel off either way: settle both ends on the per-pixel test.
      lo = Math.min(Math.max(lo, start), end);
      hi = Math.max(lo, Math.min(hi, end));
      while (lo < hi && !inside(lo)) lo++;
      while (hi > lo && !inside(hi - 1)) hi--;
      [start, end] = [lo, hi];
    });
    spans[2 * y] = start;
    spans[2 * y + 1] = end;
    if (start !== 0 || end !== width) whole = false;
  }
  return whole ? undefined : spans;
}
