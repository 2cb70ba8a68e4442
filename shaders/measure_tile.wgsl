// measure_tile.wgsl: the shared half of the three focus-measure kernels (lapv.wgsl, teng.wgsl,
// wavelet.wgsl are appended to it). It loads a luma tile into workgroup memory and calls the
// measure's `write_energy` once per pixel.
// Layout: `luma` = Z layers of f32; `energy` = CHANNELS x Z layers of f32 (channel-major).
// Tiling: 16x16 pixels per workgroup, dispatch (ceil(W/16), ceil(H/16), Z). The tile spans
//         1 pixel of halo before and 3 after the 16x16 block (3x3 stencils need 1 on each
//         side, the two undecimated Haar levels need offsets 0..3), read once per workgroup with
//         replicate-border clamping, so each luma value is fetched once instead of 9-16 times.

const TILE: u32 = 16u;
const HALO_BEFORE: u32 = 1u;
const HALO_AFTER: u32 = 3u;
const SPAN: u32 = TILE + HALO_BEFORE + HALO_AFTER;

@group(0) @binding(1) var<storage, read> luma: array<f32>;
@group(0) @binding(2) var<storage, read_write> energy: array<f32>;

var<workgroup> tile: array<f32, SPAN * SPAN>;

// Luma at offset (dx, dy) from the pixel at `local` in the block, clamped at the image border.
fn at(local: vec2u, dx: i32, dy: i32) -> f32 {
  let tx = i32(local.x + HALO_BEFORE) + dx;
  let ty = i32(local.y + HALO_BEFORE) + dy;
  return tile[u32(ty) * SPAN + u32(tx)];
}

@compute @workgroup_size(16, 16, 1)
fn main(
  @builtin(workgroup_id) group: vec3u,
  @builtin(local_invocation_id) local: vec3u,
  @builtin(local_invocation_index) flat: u32,
) {
  let origin = vec2i(group.xy * TILE) - vec2i(i32(HALO_BEFORE));
  for (var i = flat; i < SPAN * SPAN; i += TILE * TILE) {
    let x = clamp_x(origin.x + i32(i % SPAN));
    let y = clamp_y(origin.y + i32(i / SPAN));
    tile[i] = luma[pixel_index(x, y, group.z)];
  }
  workgroupBarrier();
  let p = group.xy * TILE + local.xy;
  if (!inside(p)) {
    return;
  }
  write_energy(p, group.z, local.xy);
}
