/**
 * Depth to colour through viridis, a perceptually uniform colormap: equal steps in depth look like
 * equal steps in colour, and it stays readable in grayscale and for colour-blind viewers.
 * Browser-safe, no dependency.
 */

// Viridis (van der Walt & Smith, matplotlib; CC0) as 256 colours, 'rrggbb' each: the values of
// d3-scale-chromatic's interpolateViridis(i / 255), which earlier builds called at run time (a test
// checks they agree). Inlined, a page's bundle no longer carries d3 (~47 kB) for one table.
const VIRIDIS_HEX =
  '44015444025645045745055946075a46085c460a5d460b5e470d60470e6147106347116447136548146748166848176948186a481a6c481b6d481c6e481d6f481f70482071482173482374482475482576482677482878482979472a7a472c7a' +
  '472d7b472e7c472f7d46307e46327e46337f463480453581453781453882443983443a83443b84433d84433e85423f854240864241864142874144874045884046883f47883f48893e49893e4a893e4c8a3d4d8a3d4e8a3c4f8a3c508b3b518b' +
  '3b528b3a538b3a548c39558c39568c38588c38598c375a8c375b8d365c8d365d8d355e8d355f8d34608d34618d33628d33638d32648e32658e31668e31678e31688e30698e306a8e2f6b8e2f6c8e2e6d8e2e6e8e2e6f8e2d708e2d718e2c718e' +
  '2c728e2c738e2b748e2b758e2a768e2a778e2a788e29798e297a8e297b8e287c8e287d8e277e8e277f8e27808e26818e26828e26828e25838e25848e25858e24868e24878e23888e23898e238a8d228b8d228c8d228d8d218e8d218f8d21908d' +
  '21918c20928c20928c20938c1f948c1f958b1f968b1f978b1f988b1f998a1f9a8a1e9b8a1e9c891e9d891f9e891f9f881fa0881fa1881fa1871fa28720a38620a48621a58521a68522a78522a88423a98324aa8325ab8225ac8226ad8127ad81' +
  '28ae8029af7f2ab07f2cb17e2db27d2eb37c2fb47c31b57b32b67a34b67935b77937b87838b9773aba763bbb753dbc743fbc7340bd7242be7144bf7046c06f48c16e4ac16d4cc26c4ec36b50c46a52c56954c56856c66758c7655ac8645cc863' +
  '5ec96260ca6063cb5f65cb5e67cc5c69cd5b6ccd5a6ece5870cf5773d05675d05477d1537ad1517cd2507fd34e81d34d84d44b86d54989d5488bd6468ed64590d74393d74195d84098d83e9bd93c9dd93ba0da39a2da37a5db36a8db34aadc32' +
  'addc30b0dd2fb2dd2db5de2bb8de29bade28bddf26c0df25c2df23c5e021c8e020cae11fcde11dd0e11cd2e21bd5e21ad8e219dae319dde318dfe318e2e418e5e419e7e419eae51aece51befe51cf1e51df4e61ef6e620f8e621fbe723fde725';

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
    for (let c = 0; c < 3; c++) lut[i * 4 + c] = parseInt(VIRIDIS_HEX.slice(6 * i + 2 * c, 6 * i + 2 * c + 2), 16);
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
