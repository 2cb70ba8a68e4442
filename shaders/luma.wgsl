// luma.wgsl: Y = 0.299 R + 0.587 G + 0.114 B on channel values scaled to [0, 1], by luma_of
// (luma_of.wgsl, prepended: the exact-integer numerator and the correctly rounded quotient).
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
  luma[i] = luma_of(planes[i]);
}
