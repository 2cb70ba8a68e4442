// pyramid_blend.wgsl: blend and collapse of the `pyramid` composite (maths in src/core/pyramid.ts),
// from the coarsest level to the finest, one dispatch per level:
//   out_l = sum_z G_l(w_z) (G_l(P_z) - expand(G_{l+1}(P_z))) + expand(out_{l+1})   (l < L)
//   out_L = sum_z G_L(w_z) G_L(P_z)
// `blend` writes out_l (l >= 1) into `blended`; `collapse` forms out_0 from the planes and the depth
// (level 0 is never stored), clamps each channel into [min - TOLERANCE, max + TOLERANCE] of the planes
// z with |Dc - z| <= REACH (anti-ringing), rounds half up and packs RGBA8 into `image`.
// expand: along each axis, fine x = 2m reads coarse m-1, m, m+1 with 1/8, 3/4, 1/8; x = 2m + 1 reads
// m, m+1 with 1/2, 1/2; reads clamped to the coarse level. Planes with w = 0 at the pixel are skipped.
// Layout: `gauss` / `weights` as in pyramid_reduce.wgsl; `blended` holds levels 1..L of one layer
// (level l at level_offset(l)); `image` is one layer of packed RGBA8.
// Tiling: 16x16 workgroups. The coarsest level: one invocation per pixel, looping over the Z planes.
// Every finer level l (and the collapse, l = 0): one invocation per 2x2 block of level-l pixels
// (2m + dx, 2n + dy), dispatch (ceil(w_{l+1}/16), ceil(h_{l+1}/16), 1): the expand of all four reads
// the same 3x3 coarse pixels m-1..m+1 x n-1..n+1 (clamped), so a plane's nine values are read once
// for four pixels (not 4 x 9 reads) and only for planes with weight at one of them. collapse visits,
// per block, the planes from the least floor(Dc) to the largest floor(Dc) + 1 of its pixels: w_z > 0
// needs |Dc - z| < 0.5 + SOFTNESS / 2 = 0.75. The clamp's planes (|Dc - z| <= 1) are floor(Dc) and
// floor(Dc) + 1, plus floor(Dc) - 1 where Dc is a whole plane.
//
// Composite `select` (src/core/select.ts; Level.selecting = 1): the same passes, and before `blend`
// of level 1 and before `collapse`, for that level l < SELECTED:
//   detail_energy: e_z = (luma of L_l(P_z))^2, luma = (WR, WG, WB) . RGB, formed as
//     luma(G_l(P_z)) - expand(luma(G_{l+1}(P_z))) (luma is linear; the CPU forms the coefficient
//     first, the same value up to f32 rounding), for every plane, into `detail` (Z layers of level l);
//     2x2 blocks like `blend` (dispatch: level l + 1).
//   choose: E_z = sum of e_z over the (2 ENERGY_RADIUS + 1)^2 square (reads clamped to level l);
//     k = argmax_z E_z (ties: lowest z, by the CPU's running best in plane order); clarity
//     q = E_k (Z - 1) / (sum_z E_z - E_k), gate a = clamp((q - GATE_LOW) / (GATE_HIGH - GATE_LOW), 0, 1)
//     (0 for Z = 1 or E_k = 0; 1 where the other planes have no energy); writes (a, k) into `choice`
//     (one vec2f per level-l pixel). One invocation per pixel (dispatch: level l), the nine clamped
//     offsets computed once and read for every plane (written out for ENERGY_RADIUS = 1).
//   blend / collapse then take a L_l(P_k) + (1 - a) sum_z G_l(w_z) L_l(P_z) at level l, and collapse
//   clamps each channel into [min, max] over ALL planes (tolerance 0) instead of the planes near Dc.
// `detail` and `choice` are scratch the host reuses (the measure's energy and the smoothing rows).
const REACH: f32 = 1.0;
const TOLERANCE: f32 = 0.0;
const SELECTED: u32 = 2u;        // SELECT_LEVELS
const ENERGY_RADIUS: i32 = 1;    // SELECT_ENERGY_RADIUS
const GATE_LOW: f32 = 2.0;       // SELECT_GATE_LOW
const GATE_HIGH: f32 = 4.0;      // SELECT_GATE_HIGH
const LUMA_INT: vec3f = vec3f(299.0, 587.0, 114.0);  // LUMA_INT_WEIGHTS

@group(0) @binding(1) var<uniform> pass_level: Level;
@group(0) @binding(2) var<storage, read> planes: array<u32>;
@group(0) @binding(3) var<storage, read> depth: array<f32>;
@group(0) @binding(4) var<storage, read> gauss: array<vec4f>;
@group(0) @binding(5) var<storage, read> weights: array<f32>;
@group(0) @binding(6) var<storage, read_write> blended: array<vec4f>;
@group(0) @binding(7) var<storage, read_write> image: array<u32>;
@group(0) @binding(8) var<storage, read_write> detail: array<f32>;
@group(0) @binding(9) var<storage, read_write> choice: array<vec2f>;

// The 3x3 coarse pixels of a block at coarse pixel b: columns, and rows as offsets into a layer.
// Written out as scalars (and the nine values as fields, not an array): a dynamically indexed array
// costs SwiftShader a private-memory round trip per element.
struct Block {
  c0: u32, c1: u32, c2: u32,
  r0: u32, r1: u32, r2: u32,
}

fn block_of(coarse: u32, b: vec2u) -> Block {
  let s = level_size(coarse);
  return Block(max(b.x, 1u) - 1u, b.x, min(b.x + 1u, s.x - 1u), (max(b.y, 1u) - 1u) * s.x, b.y * s.x, min(b.y + 1u, s.y - 1u) * s.x);
}

struct Nine {
  a00: vec4f, a01: vec4f, a02: vec4f,
  a10: vec4f, a11: vec4f, a12: vec4f,
  a20: vec4f, a21: vec4f, a22: vec4f,
}

// One reader per buffer: WGSL cannot pass a storage buffer to a function portably.
fn gauss_nine(k: Block, base: u32) -> Nine {
  return Nine(
    gauss[base + k.r0 + k.c0], gauss[base + k.r0 + k.c1], gauss[base + k.r0 + k.c2],
    gauss[base + k.r1 + k.c0], gauss[base + k.r1 + k.c1], gauss[base + k.r1 + k.c2],
    gauss[base + k.r2 + k.c0], gauss[base + k.r2 + k.c1], gauss[base + k.r2 + k.c2]);
}

fn blended_nine(k: Block, base: u32) -> Nine {
  return Nine(
    blended[base + k.r0 + k.c0], blended[base + k.r0 + k.c1], blended[base + k.r0 + k.c2],
    blended[base + k.r1 + k.c0], blended[base + k.r1 + k.c1], blended[base + k.r1 + k.c2],
    blended[base + k.r2 + k.c0], blended[base + k.r2 + k.c1], blended[base + k.r2 + k.c2]);
}

// Expand taps on (m-1, m, m+1) of the fine pixel 2m + d: even (1/8, 3/4, 1/8), odd (0, 1/2, 1/2).
fn expand_weights(d: u32) -> vec3f {
  return select(vec3f(0.125, 0.75, 0.125), vec3f(0.0, 0.5, 0.5), d == 1u);
}

// The expand at the block's fine pixel (dx, dy).
fn expand_in(v: Nine, dx: u32, dy: u32) -> vec4f {
  let tx = expand_weights(dx);
  let ty = expand_weights(dy);
  return ty.x * (tx.x * v.a00 + tx.y * v.a01 + tx.z * v.a02)
       + ty.y * (tx.x * v.a10 + tx.y * v.a11 + tx.z * v.a12)
       + ty.z * (tx.x * v.a20 + tx.y * v.a21 + tx.z * v.a22);
}

// Composite `select` at a selected level: whether level l takes the chosen plane's detail.
fn selects(l: u32) -> bool {
  return pass_level.selecting == 1u && l < SELECTED;
}

// a L_l(P_k) + (1 - a) s at pixel p of a level-l layer (l >= 1) with the choice (a, k) there; `blk`
// is the block's 3x3 coarse pixels and d the pixel's place in its block.
fn selected_coarse(l: u32, blk: Block, p: u32, d: vec2u, s: vec4f) -> vec4f {
  let c = choice[p];
  if (c.x == 0.0) {
    return s;
  }
  let z = u32(c.y);
  let size = level_size(l);
  let coarse = level_size(l + 1u);
  let g = gauss_nine(blk, params.planes * level_offset(l + 1u) + z * coarse.x * coarse.y);
  let lap = gauss[params.planes * level_offset(l) + z * size.x * size.y + p] - expand_in(g, d.x, d.y);
  return c.x * lap + (1.0 - c.x) * s;
}

// Luma (LUMA_INT_WEIGHTS units) of a block's nine coarse values: the selection energy needs only the
// luma of the Laplacian coefficients, and luma is linear, so luma(G_l - expand(G_{l+1})) =
// luma(G_l) - expand(luma(G_{l+1})): nine dot products per plane instead of four vec4 expands.
struct NineY {
  a00: f32, a01: f32, a02: f32,
  a10: f32, a11: f32, a12: f32,
  a20: f32, a21: f32, a22: f32,
}

fn luma_int(v: vec4f) -> f32 {
  return dot(LUMA_INT, v.xyz);
}

fn luma_nine(v: Nine) -> NineY {
  return NineY(
    luma_int(v.a00), luma_int(v.a01), luma_int(v.a02),
    luma_int(v.a10), luma_int(v.a11), luma_int(v.a12),
    luma_int(v.a20), luma_int(v.a21), luma_int(v.a22));
}

// expand_in for luma values.
fn expand_luma(v: NineY, dx: u32, dy: u32) -> f32 {
  let tx = expand_weights(dx);
  let ty = expand_weights(dy);
  return ty.x * (tx.x * v.a00 + tx.y * v.a01 + tx.z * v.a02)
       + ty.y * (tx.x * v.a10 + tx.y * v.a11 + tx.z * v.a12)
       + ty.z * (tx.x * v.a20 + tx.y * v.a21 + tx.z * v.a22);
}

// e = (luma of the Laplacian coefficient at a level-l pixel of luma y, expand of the block's luma at d)^2.
fn energy_at(y: f32, g: NineY, dx: u32, dy: u32) -> f32 {
  let lap = y - expand_luma(g, dx, dy);
  return lap * lap;
}

// A level-l value of plane z at pixel p of its layer (level 0: the planes themselves).
fn level_value(l: u32, z: u32, p: u32) -> vec4f {
  let size = level_size(l);
  if (l == 0u) {
    return unpack_rgba(planes[z * size.x * size.y + p]);
  }
  return gauss[params.planes * level_offset(l) + z * size.x * size.y + p];
}

// The 2x2 block of level-l pixels under level-(l+1) pixel `at`, as indices in a level-l layer of
// `size`; a pixel past the level's edge (odd sizes) is left out: has_x1 / has_y1 say whether the
// right column / bottom row exist.
struct Quad {
  p00: u32,
  p10: u32,
  p01: u32,
  p11: u32,
  has_x1: bool,
  has_y1: bool,
}

fn quad_of(size: vec2u, at: vec2u) -> Quad {
  let p00 = 2u * at.y * size.x + 2u * at.x;
  return Quad(p00, p00 + 1u, p00 + size.x, p00 + size.x + 1u, 2u * at.x + 1u < size.x, 2u * at.y + 1u < size.y);
}

// `select`, level l = pass_level.level < SELECTED: e_z of every plane. Shape: level l + 1 (2x2 blocks).
@compute @workgroup_size(16, 16, 1)
fn detail_energy(@builtin(global_invocation_id) id: vec3u) {
  let l = pass_level.level;
  let coarse = level_size(l + 1u);
  if (id.x >= coarse.x || id.y >= coarse.y) {
    return;
  }
  let size = level_size(l);
  let layer = size.x * size.y;
  let k = block_of(l + 1u, id.xy);
  let q = quad_of(size, id.xy);
  var base = params.planes * level_offset(l + 1u);
  var out = 0u;
  for (var z = 0u; z < params.planes; z++) {
    let g = luma_nine(gauss_nine(k, base));
    detail[out + q.p00] = energy_at(luma_int(level_value(l, z, q.p00)), g, 0u, 0u);
    if (q.has_x1) {
      detail[out + q.p10] = energy_at(luma_int(level_value(l, z, q.p10)), g, 1u, 0u);
    }
    if (q.has_y1) {
      detail[out + q.p01] = energy_at(luma_int(level_value(l, z, q.p01)), g, 0u, 1u);
      if (q.has_x1) {
        detail[out + q.p11] = energy_at(luma_int(level_value(l, z, q.p11)), g, 1u, 1u);
      }
    }
    base += coarse.x * coarse.y;
    out += layer;
  }
}

// `select`, level l = pass_level.level < SELECTED: the choice (a, k) per pixel. Shape: level l.
@compute @workgroup_size(16, 16, 1)
fn choose(@builtin(global_invocation_id) id: vec3u) {
  let l = pass_level.level;
  let size = level_size(l);
  if (id.x >= size.x || id.y >= size.y) {
    return;
  }
  let layer = size.x * size.y;
  // The square's clamped rows (as offsets) and columns, once for every plane (written out for
  // ENERGY_RADIUS = 1: no clamps inside the plane loop).
  let r0 = u32(max(i32(id.y) - ENERGY_RADIUS, 0)) * size.x;
  let r1 = id.y * size.x;
  let r2 = min(id.y + u32(ENERGY_RADIUS), size.y - 1u) * size.x;
  let c0 = u32(max(i32(id.x) - ENERGY_RADIUS, 0));
  let c1 = id.x;
  let c2 = min(id.x + u32(ENERGY_RADIUS), size.x - 1u);
  var best = -1.0;
  var best_plane = 0u;
  var total = 0.0;
  var base = 0u;
  for (var z = 0u; z < params.planes; z++) {
    let e = detail[base + r0 + c0] + detail[base + r0 + c1] + detail[base + r0 + c2]
          + detail[base + r1 + c0] + detail[base + r1 + c1] + detail[base + r1 + c2]
          + detail[base + r2 + c0] + detail[base + r2 + c1] + detail[base + r2 + c2];
    total += e;
    if (e > best) {
      best = e;
      best_plane = z;
    }
    base += layer;
  }
  // Clarity: the best energy over the mean of the other planes' (Z = 1: nothing to select from).
  let others = total - best;
  var a = 0.0;
  if (params.planes > 1u && best > 0.0) {
    a = select(1.0, clamp((best * f32(params.planes - 1u) / others - GATE_LOW) / (GATE_HIGH - GATE_LOW), 0.0, 1.0), others > 0.0);
  }
  choice[id.y * size.x + id.x] = vec2f(a, f32(best_plane));
}

// Levels L..1. Shape: level L itself for l = L, else level l + 1 (one invocation per 2x2 block).
@compute @workgroup_size(16, 16, 1)
fn blend(@builtin(global_invocation_id) id: vec3u) {
  let l = pass_level.level;  // 1..LEVELS
  let size = level_size(l);
  let layer = size.x * size.y;
  if (l == LEVELS) {
    if (id.x >= size.x || id.y >= size.y) {
      return;
    }
    var i = params.planes * level_offset(l) + id.y * size.x + id.x;
    var sum = vec4f(0.0);
    for (var z = 0u; z < params.planes; z++) {
      let w = weights[i];
      if (w != 0.0) {
        sum += w * gauss[i];
      }
      i += layer;
    }
    blended[level_offset(l) + id.y * size.x + id.x] = sum;
    return;
  }
  let coarse = level_size(l + 1u);
  if (id.x >= coarse.x || id.y >= coarse.y) {
    return;
  }
  let k = block_of(l + 1u, id.xy);
  let q = quad_of(size, id.xy);
  var s00 = vec4f(0.0);
  var s10 = vec4f(0.0);
  var s01 = vec4f(0.0);
  var s11 = vec4f(0.0);
  var i = params.planes * level_offset(l);
  var base = params.planes * level_offset(l + 1u);
  for (var z = 0u; z < params.planes; z++) {
    let w00 = weights[i + q.p00];
    var w10 = 0.0;
    var w01 = 0.0;
    var w11 = 0.0;
    if (q.has_x1) {
      w10 = weights[i + q.p10];
    }
    if (q.has_y1) {
      w01 = weights[i + q.p01];
      if (q.has_x1) {
        w11 = weights[i + q.p11];
      }
    }
    if (w00 != 0.0 || w10 != 0.0 || w01 != 0.0 || w11 != 0.0) {
      let g = gauss_nine(k, base);
      if (w00 != 0.0) {
        s00 += w00 * (gauss[i + q.p00] - expand_in(g, 0u, 0u));
      }
      if (w10 != 0.0) {
        s10 += w10 * (gauss[i + q.p10] - expand_in(g, 1u, 0u));
      }
      if (w01 != 0.0) {
        s01 += w01 * (gauss[i + q.p01] - expand_in(g, 0u, 1u));
      }
      if (w11 != 0.0) {
        s11 += w11 * (gauss[i + q.p11] - expand_in(g, 1u, 1u));
      }
    }
    i += layer;
    base += coarse.x * coarse.y;
  }
  if (selects(l)) {
    s00 = selected_coarse(l, k, q.p00, vec2u(0u, 0u), s00);
    if (q.has_x1) {
      s10 = selected_coarse(l, k, q.p10, vec2u(1u, 0u), s10);
    }
    if (q.has_y1) {
      s01 = selected_coarse(l, k, q.p01, vec2u(0u, 1u), s01);
      if (q.has_x1) {
        s11 = selected_coarse(l, k, q.p11, vec2u(1u, 1u), s11);
      }
    }
  }
  let out = level_offset(l);
  let b = blended_nine(k, level_offset(l + 1u));
  blended[out + q.p00] = s00 + expand_in(b, 0u, 0u);
  if (q.has_x1) {
    blended[out + q.p10] = s10 + expand_in(b, 1u, 0u);
  }
  if (q.has_y1) {
    blended[out + q.p01] = s01 + expand_in(b, 0u, 1u);
    if (q.has_x1) {
      blended[out + q.p11] = s11 + expand_in(b, 1u, 1u);
    }
  }
}

// One full-resolution pixel of a collapse block: where it is, its clamped depth, and whether it is in the image.
struct Fine {
  p: vec2u,
  dc: f32,
  valid: bool,
}

fn fine_pixel(p: vec2u, fallback: f32) -> Fine {
  if (!inside(p)) {
    return Fine(p, fallback, false);
  }
  return Fine(p, clamped_depth(pixel_index(p.x, p.y, 0u)), true);
}

fn fine_weight(f: Fine, z: u32) -> f32 {
  return select(0.0, plane_weight(f.dc, z), f.valid);
}

fn plane_at(f: Fine, z: u32) -> vec4f {
  return unpack_rgba(planes[pixel_index(f.p.x, f.p.y, z)]);
}

// Clamp into the range of the planes within REACH of Dc, round half up, pack RGBA8.
fn finish(f: Fine, sum: vec4f) {
  if (!f.valid) {
    return;
  }
  var lo = vec4f(255.0);
  var hi = vec4f(0.0);
  if (pass_level.selecting == 1u) {
    // `select`: the chosen detail may come from a plane far from Dc, so the range is every plane's.
    for (var z = 0u; z < params.planes; z++) {
      let v = plane_at(f, z);
      lo = min(lo, v);
      hi = max(hi, v);
    }
  } else {
    let z0 = u32(f.dc);
    let a = plane_at(f, z0);
    let b = plane_at(f, min(z0 + 1u, params.planes - 1u));
    lo = min(a, b);
    hi = max(a, b);
    if (f.dc == f32(z0) && z0 > 0u) {
      let below = plane_at(f, z0 - 1u);
      lo = min(lo, below);
      hi = max(hi, below);
    }
  }
  let color = vec4u(clamp(floor(clamp(sum, lo - TOLERANCE, hi + TOLERANCE) + 0.5), vec4f(0.0), vec4f(255.0)));
  image[pixel_index(f.p.x, f.p.y, 0u)] = color.x | (color.y << 8u) | (color.z << 16u) | (color.w << 24u);
}

// a L_0(P_k) + (1 - a) s at full-resolution pixel f with the choice (a, k) there.
fn selected_fine(blk: Block, f: Fine, d: vec2u, s: vec4f) -> vec4f {
  if (!f.valid) {
    return s;
  }
  let c = choice[pixel_index(f.p.x, f.p.y, 0u)];
  if (c.x == 0.0) {
    return s;
  }
  let z = u32(c.y);
  let coarse = level_size(1u);
  let lap = plane_at(f, z) - expand_in(gauss_nine(blk, z * coarse.x * coarse.y), d.x, d.y);
  return c.x * lap + (1.0 - c.x) * s;
}

// Level 0, never stored. Shape: level 1 (one invocation per 2x2 block).
@compute @workgroup_size(16, 16, 1)
fn collapse(@builtin(global_invocation_id) id: vec3u) {
  let coarse = level_size(1u);
  if (id.x >= coarse.x || id.y >= coarse.y) {
    return;
  }
  let k = block_of(1u, id.xy);
  let f00 = fine_pixel(2u * id.xy, 0.0);
  let f10 = fine_pixel(2u * id.xy + vec2u(1u, 0u), f00.dc);
  let f01 = fine_pixel(2u * id.xy + vec2u(0u, 1u), f00.dc);
  let f11 = fine_pixel(2u * id.xy + vec2u(1u, 1u), f00.dc);
  let d_lo = min(min(f00.dc, f10.dc), min(f01.dc, f11.dc));
  let d_hi = max(max(f00.dc, f10.dc), max(f01.dc, f11.dc));
  let z_hi = min(u32(d_hi) + 1u, params.planes - 1u);
  let layer = coarse.x * coarse.y;
  var s00 = vec4f(0.0);
  var s10 = vec4f(0.0);
  var s01 = vec4f(0.0);
  var s11 = vec4f(0.0);
  for (var z = u32(d_lo); z <= z_hi; z++) {
    let w00 = fine_weight(f00, z);
    let w10 = fine_weight(f10, z);
    let w01 = fine_weight(f01, z);
    let w11 = fine_weight(f11, z);
    if (w00 == 0.0 && w10 == 0.0 && w01 == 0.0 && w11 == 0.0) {
      continue;
    }
    let g = gauss_nine(k, params.planes * level_offset(1u) + z * layer);
    if (w00 != 0.0) {
      s00 += w00 * (plane_at(f00, z) - expand_in(g, 0u, 0u));
    }
    if (w10 != 0.0) {
      s10 += w10 * (plane_at(f10, z) - expand_in(g, 1u, 0u));
    }
    if (w01 != 0.0) {
      s01 += w01 * (plane_at(f01, z) - expand_in(g, 0u, 1u));
    }
    if (w11 != 0.0) {
      s11 += w11 * (plane_at(f11, z) - expand_in(g, 1u, 1u));
    }
  }
  if (selects(0u)) {
    s00 = selected_fine(k, f00, vec2u(0u, 0u), s00);
    s10 = selected_fine(k, f10, vec2u(1u, 0u), s10);
    s01 = selected_fine(k, f01, vec2u(0u, 1u), s01);
    s11 = selected_fine(k, f11, vec2u(1u, 1u), s11);
  }
  let b = blended_nine(k, level_offset(1u));
  finish(f00, s00 + expand_in(b, 0u, 0u));
  finish(f10, s10 + expand_in(b, 1u, 0u));
  finish(f01, s01 + expand_in(b, 0u, 1u));
  finish(f11, s11 + expand_in(b, 1u, 1u));
}
