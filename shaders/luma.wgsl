// luma.wgsl: Y = 0.299 R + 0.587 G + 0.114 B on channel values scaled to [0, 1], computed as
// (299 R + 587 G + 114 B) / 255000 like the CPU (LUMA_INT_WEIGHTS, LUMA_DIVISOR in
// src/core/maths.ts): the numerator is an exact integer, and one fma residual step makes the
// f32 quotient correctly rounded (WGSL's `/` may be 2.5 ULP off), so Y matches the CPU bit for bit
// nearly everywhere. That matters because lapv's L is a small difference of Y values.
// Layout: `planes` = Z layers of packed RGBA8 (u32, R in the low byte, as a Uint8Array RGBA
//         image reads on a little-endian host); `luma` = Z layers of f32.
// Tiling: one invocation per pixel, 16x16 workgroups, dispatch (ceil(W/16), ceil(H/16), Z).
//         Pointwise: no halo, no shared memory.

@group(0) @binding(1) var<storage, read> planes: array<u32>;
@group(0) @binding(2) var<storage, read_write> luma: array<f32>;

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(global_invocation_id) id: vec3u) {
  if (!inside(id.xy)) {
    return;
  }
  let i = pixel_index(id.x, id.y, id.z);
  let rgba = planes[i];
  let numerator = f32(299u * (rgba & 0xffu) + 587u * ((rgba >> 8u) & 0xffu) + 114u * ((rgba >> 16u) & 0xffu));
  let quotient = numerator / 255000.0;
  luma[i] = quotient + fma(-quotient, 255000.0, numerator) / 255000.0;
}
