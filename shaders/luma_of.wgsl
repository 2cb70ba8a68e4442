// luma_of.wgsl: Y of one packed RGBA8 pixel, prepended to the kernels that read the planes' luma
// (luma.wgsl, edge_depth.wgsl). Y = (299 R + 587 G + 114 B) / 255000 like the CPU
// (LUMA_INT_WEIGHTS, LUMA_DIVISOR in src/core/maths.ts): the numerator is an exact integer, and one
// fma residual step makes the f32 quotient correctly rounded (WGSL's `/` may be 2.5 ULP off), so Y
// matches the CPU bit for bit nearly everywhere. That matters because lapv's L is a small
// difference of Y values. R is the low byte (a Uint8Array RGBA image read on a little-endian host).

fn luma_of(rgba: u32) -> f32 {
  let numerator = f32(299u * (rgba & 0xffu) + 587u * ((rgba >> 8u) & 0xffu) + 114u * ((rgba >> 16u) & 0xffu));
  let quotient = numerator / 255000.0;
  return quotient + fma(-quotient, 255000.0, numerator) / 255000.0;
}
