// pyramid_reduce.wgsl: one level of the Gaussian pyramids of the `pyramid` composite (maths in
// src/core/pyramid.ts). Level l + 1 of every plane's RGBA and of its weight w_z from level l, with the
// separable binomial k = [1 4 6 4 1] / 16 centred on 2x (reads clamped to level l, edges replicated,
// like the CPU, which sums in the same order):
//   rows:    R(x, y)       = sum_i k_i G_l(clamp(2x + i - 2), y)       (w_{l+1} x h_l)
//   columns: G_{l+1}(x, y) = sum_j k_j R(x, clamp(2y + j - 2))          (w_{l+1} x h_{l+1})
// Level 0 is read from the source itself: the packed RGBA8 planes and
// w_z = clamp((0.5 - |Dc - z|) / SOFTNESS + 0.5, 0, 1) of the depth Ds.
// Layout: `gauss` (vec4f) and `weights` (f32) hold levels 1..L of all planes: level l starts at
// Z * (pixels of levels 1..l-1), then Z layers of w_l x h_l, w_l = ceil(w_{l-1} / 2) (pyramid_levels.wgsl).
// `row_colour` / `row_weight` hold the rows pass of one level: Z layers of w_{l+1} x h_l.
// Tiling: one invocation per output pixel and plane, 16x16 workgroups; rows dispatch
// (ceil(w_{l+1}/16), ceil(h_l/16), Z), columns (ceil(w_{l+1}/16), ceil(h_{l+1}/16), Z); 5 reads each
// (separable: 7.5 reads per output pixel instead of 25; no shared tile, reads overlap only 2.5x).
// Bands: the host starts a band on a multiple of 2^LEVELS rows, so band level rows sit on the
// image's grid, and adds PYRAMID_HALO rows of halo (src/gpu/plan.ts).

@group(0) @binding(1) var<uniform> pass_level: Level;
@group(0) @binding(2) var<storage, read> planes: array<u32>;
@group(0) @binding(3) var<storage, read> depth: array<f32>;
@group(0) @binding(4) var<storage, read_write> gauss: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> weights: array<f32>;
@group(0) @binding(6) var<storage, read_write> row_colour: array<vec4f>;
@group(0) @binding(7) var<storage, read_write> row_weight: array<f32>;

const TAPS = array<f32, 5>(0.0625, 0.25, 0.375, 0.25, 0.0625);

@compute @workgroup_size(16, 16, 1)
fn rows(@builtin(global_invocation_id) id: vec3u) {
  let l = pass_level.level;  // the level written, >= 1
  let src = level_size(l - 1u);
  let w_out = level_size(l).x;
  let z = id.z;
  if (id.x >= w_out || id.y >= src.y || z >= params.planes) {
    return;
  }
  var colour = vec4f(0.0);
  var weight = 0.0;
  let base = params.planes * level_offset(l - 1u) + (z * src.y + id.y) * src.x;  // level >= 1 only
  for (var i = 0u; i < 5u; i++) {
    let sx = u32(clamp(i32(2u * id.x + i) - 2, 0, i32(src.x) - 1));
    if (l == 1u) {
      colour += TAPS[i] * unpack_rgba(planes[pixel_index(sx, id.y, z)]);
      weight += TAPS[i] * plane_weight(clamped_depth(pixel_index(sx, id.y, 0u)), z);
    } else {
      colour += TAPS[i] * gauss[base + sx];
      weight += TAPS[i] * weights[base + sx];
    }
  }
  let d = (z * src.y + id.y) * w_out + id.x;
  row_colour[d] = colour;
  row_weight[d] = weight;
}

@compute @workgroup_size(16, 16, 1)
fn columns(@builtin(global_invocation_id) id: vec3u) {
  let l = pass_level.level;
  let size = level_size(l);
  let h_src = level_size(l - 1u).y;
  let z = id.z;
  if (id.x >= size.x || id.y >= size.y || z >= params.planes) {
    return;
  }
  var colour = vec4f(0.0);
  var weight = 0.0;
  for (var j = 0u; j < 5u; j++) {
    let sy = u32(clamp(i32(2u * id.y + j) - 2, 0, i32(h_src) - 1));
    let s = (z * h_src + sy) * size.x + id.x;
    colour += TAPS[j] * row_colour[s];
    weight += TAPS[j] * row_weight[s];
  }
  let d = params.planes * level_offset(l) + (z * size.y + id.y) * size.x + id.x;
  gauss[d] = colour;
  weights[d] = weight;
}
