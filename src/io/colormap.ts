/**
 * Depth to colour through viridis, a perceptually uniform colormap: equal steps in depth look like
 * equal steps in colour, and it stays readable in grayscale and for colour-blind viewers.
 * Browser-safe (d3-scale-chromatic is plain ESM).
 */
import { interpolateViridis } from 'd3-scale-chromatic';

/** Entries in the lookup table: one per 8-bit step, enough for any display. */
export const COLORMAP_SIZE = 256;

let viridis: Uint8Array | undefined;

/**
 * The viridis lookup table, RGBA8, 256 entries (built once on first use).
 * @example const lut = viridisLut(); [lut[0], lut[1], lut[2]] // => [68, 1, 84] (dark purple)
 */
export function viridisLut(): Uint8Array {
  if (viridis) return viridis;
  const lut = new Uint8Array(COLORMAP_SIZE * 4);
  for (let i = 0; i < COLORMAP_SIZE; i++) {
    const hex = interpolateViridis(i / (COLORMAP_SIZE - 1)); // '#rrggbb'
    lut[i * 4] = parseInt(hex.slice(1, 3), 16);
    lut[i * 4 + 1] = parseInt(hex.slice(3, 5), 16);
    lut[i * 4 + 2] = parseInt(hex.slice(5, 7), 16);
    lut[i * 4 + 3] = 255;
  }
  viridis = lut;
  return lut;
}

/**
 * Colours a depth map with viridis over the fixed range 0..planeCount-1: plane 0 (the first plane)
 * is dark purple, the last plane yellow. The range is fixed, not stretched to the data, so colours
 * mean the same plane in every image of a batch. With one plane everything is plane 0.
 * @example const rgba = depthToColor(result.depth, result.planeCount); // Uint8Array, width*height*4
 * @param dst Optional output of depth.length*4 bytes, reused to avoid allocating.
 */
export function depthToColor(depth: ArrayLike<number>, planeCount: number, dst?: Uint8Array): Uint8Array {
  const out = dst ?? new Uint8Array(depth.length * 4);
  if (out.length !== depth.length * 4) {
    throw new RangeError(`Expected dst of ${depth.length * 4} bytes for depthToColor but received ${out.length}`);
  }
  const lut = viridisLut();
  const scale = planeCount > 1 ? (COLORMAP_SIZE - 1) / (planeCount - 1) : 0;
  for (let i = 0; i < depth.length; i++) {
    const d = depth[i];
    // NaN compares false both ways, so it lands on entry 0 instead of reading outside the table.
    const index = d > 0 ? Math.min(COLORMAP_SIZE - 1, Math.round(d * scale)) : 0;
    const o = i * 4;
    const l = index * 4;
    out[o] = lut[l];
    out[o + 1] = lut[l + 1];
    out[o + 2] = lut[l + 2];
    out[o + 3] = 255;
  }
  return out;
}
