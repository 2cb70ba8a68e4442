// measure_tile.wgsl: the shared half of the three focus-measure kernels (lapv.wgsl, teng.wgsl,
// wavelet.wgsl are appended to it). It calls the measure's `write_energy` once per pixel and gives
// it `at(site, dx, dy)`: luma at an offset, clamped at the image border.
// Layout: `luma` = Z layers of f32; `energy` = CHANNELS x Z layers of f32 (channel-major).
// Tiling: 16x16 pixels per workgroup, dispatch (ceil(W/16), ceil(H/16), Z).
//   SHARED = true (hardware GPUs): the workgroup first stages its block plus 1 pixel of halo before
//   and 3 after (3x3 stencils need 1 on each side, the two Haar levels offsets 0..3) in workgroup
//   memory, clamped once, so each luma value is fetched once instead of 9-16 times.
//   SHARED = false (software adapters): `at` reads the storage buffer directly. SwiftShader runs
//   workgroups that contain a barrier 10-50x slower (measured, see docs/webgpu.md), and its caches
//   make the re-reads cheap anyway. The host picks the value per adapter (pipeline constant).

const TILE: u32 = 16u;
const HALO_BEFORE: u32 = 1u;
const HALO_AFTER: u32 = 3u;
const SPAN: u32 = TILE + HALO_BEFORE + HALO_AFTER;

override SHARED: bool = true;

@group(0) @binding(1) var<storage, read> luma: array<f32>;
@group(0) @binding(2) var<storage, read_write> energy: array<f32>;

var<workgroup> tile: array<f32, SPAN * SPAN>;

// Where an invocation works: its pixel, its place in the block, its plane.
struct Site {
  pixel: vec2u,
  local: vec2u,
  layer: u32,
}

// Luma at offset (dx, dy) from the site's pixel, clamped at the image border.
fn at(site: Site, dx: i32, dy: i32) -> f32 {
  if (SHARED) {
    let tx = u32(i32(site.local.x + HALO_BEFORE) + dx);
    let ty = u32(i32(site.local.y + HALO_BEFORE) + dy);
    return tile[ty * SPAN + tx];
  }
  return luma[pixel_index(clamp_x(i32(site.pixel.x) + dx), clamp_y(i32(site.pixel.y) + dy), site.layer)];
}

@compute @workgroup_size(16, 16, 1)
fn main(
  @builtin(workgroup_id) group: vec3u,
  @builtin(local_invocation_id) local: vec3u,
  @builtin(local_invocation_index) flat: u32,
) {
  if (SHARED) {
    let origin = vec2i(group.xy * TILE) - vec2i(i32(HALO_BEFORE));
    for (var i = flat; i < SPAN * SPAN; i += TILE * TILE) {
      let x = clamp_x(origin.x + i32(i % SPAN));
      let y = clamp_y(origin.y + i32(i / SPAN));
      tile[i] = luma[pixel_index(x, y, group.z)];
    }
    workgroupBarrier();
  }
  let site = Site(group.xy * TILE + local.xy, local.xy, group.z);
  if (!inside(site.pixel)) {
    return;
  }
  write_energy(site);
}
