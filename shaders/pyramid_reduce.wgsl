// pyramid_reduce.wgsl: one level of the Gaussian pyramids of the `pyramid` composite (maths in
// src/core/pyramid.ts). Level l + 1 of every plane's RGBA and of its weight w_z from level l:
//   G_{l+1}(x, y) = sum_{i,j in 0..4} k_i k_j G_l(clamp(2x + i - 2), clamp(2y + j - 2)),  k = [1 4 6 4 1] / 16,
// reads clamped to level l (replicated edges, like the CPU). Level 0 is read from the source itself:
// the packed RGBA8 planes and w_z = clamp((0.5 - |Dc - z|) / SOFTNESS + 0.5, 0, 1) of the depth Ds.
// Layout: `gauss` (vec4f) and `weights` (f32) hold levels 1..L of all planes: level l starts at
// Z * (pixels of levels 1..l-1), then Z layers of w_l x h_l, w_l = ceil(w_{l-1} / 2) (see level_*()).
// Tiling: one invocation per output pixel and plane, 16x16 workgroups, dispatch
// (ceil(w_{l+1}/16), ceil(h_{l+1}/16), Z); each invocation reads 25 source pixels (no shared tile:
// the source is a quarter of the work of the level above it, and reads overlap only 2x per axis).
// Bands: the host starts a band on a multiple of 2^LEVELS rows, so band level rows sit on the
// image's grid, and adds PYRAMID_HALO rows of halo (src/gpu/plan.ts).


@group(0) @binding(1) var<uniform> pass_level: Level;
@group(0) @binding(2) var<storage, read> planes: array<u32>;
@group(0) @binding(3) var<storage, read> depth: array<f32>;
@group(0) @binding(4) var<storage, read_write> gauss: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> weights: array<f32>;

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let l = pass_level.level;  // >= 1
  let size = level_size(l);
  let z = id.z;
  if (id.x >= size.x || id.y >= size.y || z >= params.planes) {
    return;
  }
  let src = level_size(l - 1u);
  let k = array<f32, 5>(0.0625, 0.25, 0.375, 0.25, 0.0625);
  var colour = vec4f(0.0);
  var weight = 0.0;
  for (var j = 0u; j < 5u; j++) {
    let sy = u32(clamp(i32(2u * id.y + j) - 2, 0, i32(src.y) - 1));
    for (var i = 0u; i < 5u; i++) {
      let sx = u32(clamp(i32(2u * id.x + i) - 2, 0, i32(src.x) - 1));
      let kk = k[j] * k[i];
      if (l == 1u) {
        colour += kk * unpack_rgba(planes[pixel_index(sx, sy, z)]);
        weight += kk * plane_weight(clamped_depth(pixel_index(sx, sy, 0u)), z);
      } else {
        let s = pyramid_index(l - 1u, z, vec2u(sx, sy));
        colour += kk * gauss[s];
        weight += kk * weights[s];
      }
    }
  }
  let d = pyramid_index(l, z, id.xy);
  gauss[d] = colour;
  weights[d] = weight;
}
