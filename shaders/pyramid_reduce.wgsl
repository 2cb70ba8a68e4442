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
// Composite `select` (Level.selecting = 1): the choice in pyramid_blend.wgsl reads lumas (luma_int),
// which the reduce forms from values it has in registers anyway: `rows` of level 1 writes the planes'
// luma into `plane_luma` (Z layers of the band), `columns` that of G_l for l = 1..SELECTED into
// `level_luma` (same layout as `gauss`).
// Tiling: one invocation per pair of neighbouring outputs (along x in rows, along y in columns),
// looping over the Z planes (the tap positions, and at level 0 -> 1 the seven depths, are the same
// for every plane: read and computed once, not Z times), 16x16 workgroups; rows dispatch
// (ceil(ceil(w_{l+1}/2)/16), ceil(h_l/16), 1), columns (ceil(w_{l+1}/16), ceil(ceil(h_{l+1}/2)/16), 1);
// 7 reads per plane and pair (separable: 5.25 reads per output pixel instead of 25; no shared tile).
// Bands: the host starts a band on a multiple of 2^LEVELS rows, so band level rows sit on the
// image's grid, and adds PYRAMID_HALO rows of halo (src/gpu/plan.ts).

@group(0) @binding(1) var<uniform> pass_level: Level;
@group(0) @binding(2) var<storage, read> planes: array<u32>;
@group(0) @binding(3) var<storage, read> depth: array<f32>;
@group(0) @binding(4) var<storage, read_write> gauss: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> weights: array<f32>;
@group(0) @binding(6) var<storage, read_write> row_colour: array<vec4f>;
@group(0) @binding(7) var<storage, read_write> row_weight: array<f32>;
@group(0) @binding(8) var<storage, read_write> level_luma: array<f32>;
@group(0) @binding(9) var<storage, read_write> plane_luma: array<f32>;

// Each invocation forms two neighbouring outputs, 2m and 2m + 1 (along x in `rows`, along y in
// `columns`): their taps k_i read the seven source positions c - 2 .. c + 4, c = 2 (2m), clamped into
// [0, n - 1] (7 reads for two outputs instead of 10). Written out tap by tap: a dynamically indexed
// array or loop costs SwiftShader a private-memory round trip per tap.
struct Reach {
  x0: u32, x1: u32, x2: u32, x3: u32, x4: u32, x5: u32, x6: u32,
}

fn reach(m: u32, n: u32) -> Reach {
  let c = 4u * m;  // the first output's centre 2 (2m) <= n - 1 for every output pixel
  let hi = n - 1u;
  return Reach(max(c, 2u) - 2u, max(c, 1u) - 1u, c, min(c + 1u, hi), min(c + 2u, hi), min(c + 3u, hi), min(c + 4u, hi));
}

fn taps5(a0: vec4f, a1: vec4f, a2: vec4f, a3: vec4f, a4: vec4f) -> vec4f {
  return 0.0625 * a0 + 0.25 * a1 + 0.375 * a2 + 0.25 * a3 + 0.0625 * a4;
}

fn taps5_scalar(a0: f32, a1: f32, a2: f32, a3: f32, a4: f32) -> f32 {
  return 0.0625 * a0 + 0.25 * a1 + 0.375 * a2 + 0.25 * a3 + 0.0625 * a4;
}

// Shape: (ceil(w_{l+1} / 2), h_l): one invocation per pair of outputs along x.
@compute @workgroup_size(16, 16, 1)
fn rows(@builtin(global_invocation_id) id: vec3u) {
  let l = pass_level.level;  // the level written, >= 1
  let src = level_size(l - 1u);
  let w_out = level_size(l).x;
  let x_out = 2u * id.x;
  if (x_out >= w_out || id.y >= src.y) {
    return;
  }
  let second = x_out + 1u < w_out;
  let r = reach(id.x, src.x);
  let out_layer = src.y * w_out;
  let layer = src.x * src.y;
  var d = id.y * w_out + x_out;
  if (l == 1u) {
    // Level 0 is the source: the seven depths (the weights' inputs) are the same for every plane.
    var row = id.y * src.x;
    let d0 = clamped_depth(row + r.x0);
    let d1 = clamped_depth(row + r.x1);
    let d2 = clamped_depth(row + r.x2);
    let d3 = clamped_depth(row + r.x3);
    let d4 = clamped_depth(row + r.x4);
    let d5 = clamped_depth(row + r.x5);
    let d6 = clamped_depth(row + r.x6);
    // `select`: the luma of level 0 at this pair's own positions 4m..4m+3 (x2..x5; clamped ones are
    // this pair's too), which only this invocation reads unpacked.
    let keep_luma = pass_level.selecting == 1u;
    for (var z = 0u; z < params.planes; z++) {
      let a0 = unpack_rgba(planes[row + r.x0]);
      let a1 = unpack_rgba(planes[row + r.x1]);
      let a2 = unpack_rgba(planes[row + r.x2]);
      let a3 = unpack_rgba(planes[row + r.x3]);
      let a4 = unpack_rgba(planes[row + r.x4]);
      let w2 = plane_weight(d2, z);
      let w3 = plane_weight(d3, z);
      let w4 = plane_weight(d4, z);
      row_colour[d] = taps5(a0, a1, a2, a3, a4);
      row_weight[d] = taps5_scalar(plane_weight(d0, z), plane_weight(d1, z), w2, w3, w4);
      if (keep_luma) {
        plane_luma[row + r.x2] = luma_int(a2);
        plane_luma[row + r.x3] = luma_int(a3);
        plane_luma[row + r.x4] = luma_int(a4);
      }
      if (second) {
        let a5 = unpack_rgba(planes[row + r.x5]);
        row_colour[d + 1u] = taps5(a2, a3, a4, a5, unpack_rgba(planes[row + r.x6]));
        row_weight[d + 1u] = taps5_scalar(w2, w3, w4, plane_weight(d5, z), plane_weight(d6, z));
        if (keep_luma) {
          plane_luma[row + r.x5] = luma_int(a5);
        }
      }
      row += layer;
      d += out_layer;
    }
    return;
  }
  var row = params.planes * level_offset(l - 1u) + id.y * src.x;
  for (var z = 0u; z < params.planes; z++) {
    let a2 = gauss[row + r.x2];
    let a3 = gauss[row + r.x3];
    let a4 = gauss[row + r.x4];
    let w2 = weights[row + r.x2];
    let w3 = weights[row + r.x3];
    let w4 = weights[row + r.x4];
    row_colour[d] = taps5(gauss[row + r.x0], gauss[row + r.x1], a2, a3, a4);
    row_weight[d] = taps5_scalar(weights[row + r.x0], weights[row + r.x1], w2, w3, w4);
    if (second) {
      row_colour[d + 1u] = taps5(a2, a3, a4, gauss[row + r.x5], gauss[row + r.x6]);
      row_weight[d + 1u] = taps5_scalar(w2, w3, w4, weights[row + r.x5], weights[row + r.x6]);
    }
    row += layer;
    d += out_layer;
  }
}

// Shape: (w_{l+1}, ceil(h_{l+1} / 2)): one invocation per pair of outputs along y.
@compute @workgroup_size(16, 16, 1)
fn columns(@builtin(global_invocation_id) id: vec3u) {
  let l = pass_level.level;
  let size = level_size(l);
  let h_src = level_size(l - 1u).y;
  let y_out = 2u * id.y;
  if (id.x >= size.x || y_out >= size.y) {
    return;
  }
  let second = y_out + 1u < size.y;
  let r = reach(id.y, h_src);
  let w = size.x;
  // `select` chooses its planes from the luma of levels 1..SELECTED (same layout as `gauss`).
  let keep_luma = pass_level.selecting == 1u && l <= SELECTED;
  var column = id.x;
  var d = params.planes * level_offset(l) + y_out * w + id.x;
  for (var z = 0u; z < params.planes; z++) {
    let a2 = row_colour[column + r.x2 * w];
    let a3 = row_colour[column + r.x3 * w];
    let a4 = row_colour[column + r.x4 * w];
    let w2 = row_weight[column + r.x2 * w];
    let w3 = row_weight[column + r.x3 * w];
    let w4 = row_weight[column + r.x4 * w];
    let g0 = taps5(row_colour[column + r.x0 * w], row_colour[column + r.x1 * w], a2, a3, a4);
    gauss[d] = g0;
    weights[d] = taps5_scalar(row_weight[column + r.x0 * w], row_weight[column + r.x1 * w], w2, w3, w4);
    if (keep_luma) {
      level_luma[d] = luma_int(g0);
    }
    if (second) {
      let g1 = taps5(a2, a3, a4, row_colour[column + r.x5 * w], row_colour[column + r.x6 * w]);
      gauss[d + w] = g1;
      weights[d + w] = taps5_scalar(w2, w3, w4, row_weight[column + r.x5 * w], row_weight[column + r.x6 * w]);
      if (keep_luma) {
        level_luma[d + w] = luma_int(g1);
      }
    }
    column += h_src * w;
    d += size.x * size.y;
  }
}
