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
// Composite `select` (src/core/select.ts; Level.selecting = 1): the same passes; the blend of level 1
// and the collapse (level 0), the levels l < SELECTED, first choose per 2x2 block (`select_block`)
// and then take a L_l(P_k) + (1 - a) sum_z G_l(w_z) L_l(P_z) at level l; the collapse clamps each
// channel into [min, max] over ALL planes (tolerance 0) instead of the planes near Dc.
//   Energy: e_z = (luma of L_l(P_z))^2, luma = (WR, WG, WB) . RGB, formed as luma(G_l(P_z)) -
//     expand(luma(G_{l+1}(P_z))) (luma is linear; the CPU forms the coefficient first, the same value
//     up to f32 rounding); E_z = sum of e_z over the (2 ENERGY_RADIUS + 1)^2 square (reads clamped to
//     level l). k = argmax_z E_z (ties: lowest z, by the CPU's running best in plane order); clarity
//     q = E_k (Z - 1) / (sum_z E_z - E_k), gate a = clamp((q - GATE_LOW) / (GATE_HIGH - GATE_LOW), 0, 1)
//     (0 for Z = 1 or E_k = 0; 1 where the other planes have no energy).
//   Tiling of the choice (written out for ENERGY_RADIUS = 1; `select_block`, called by the blend of
//   level 1 and by the collapse for their own blocks: no pass, energy or choice buffer of its own):
//   the 3x3 squares of a block's four pixels (2m + dx, 2n + dy) cover the 4x4 level-l pixels
//   2m-1..2m+2 x 2n-1..2n+2 (clamped to the level), whose expands read the 4x4 coarse pixels
//   m-1..m+2 x n-1..n+2 (clamped). Per plane: 16 coarse and 16 level-l lumas, kept by
//   pyramid_reduce.wgsl from values it has in registers (`level_luma`: levels 1..SELECTED, laid out as
//   `gauss`; `plane_luma`: level 0, Z layers of the band): one f32 read instead of a vec4f (or a
//   packed RGBA8) and a dot product; then the four E_z in registers. At level 0 the block's own four
//   plane values also widen the clamp's range over all planes.
//   Neighbouring blocks form the same border energies again (4x4 per 2x2): ALU instead of a pass that
//   writes Z energy layers and one that reads each of them nine times. The expand is taken
//   separably (coarse rows along x, then along y) with expand_in's taps in its order, and the 3x3
//   sums in the per-pixel order, so every E_z is the value of the per-pixel form. The mix reads the
//   chosen plane's nine coarse values once per block where the block's pixels chose the same plane.
const REACH: f32 = 1.0;
const TOLERANCE: f32 = 0.0;
const ENERGY_RADIUS: i32 = 1;    // SELECT_ENERGY_RADIUS
const GATE_LOW: f32 = 2.0;       // SELECT_GATE_LOW
const GATE_HIGH: f32 = 4.0;      // SELECT_GATE_HIGH

@group(0) @binding(1) var<uniform> pass_level: Level;
@group(0) @binding(2) var<storage, read> planes: array<u32>;
@group(0) @binding(3) var<storage, read> depth: array<f32>;
@group(0) @binding(4) var<storage, read> gauss: array<vec4f>;
@group(0) @binding(5) var<storage, read> weights: array<f32>;
@group(0) @binding(6) var<storage, read_write> blended: array<vec4f>;
@group(0) @binding(7) var<storage, read_write> image: array<u32>;
@group(0) @binding(8) var<storage, read> level_luma: array<f32>;
@group(0) @binding(9) var<storage, read> plane_luma: array<f32>;

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

// Level-l sums of a block's four pixels 00, 10, 01, 11.
struct Sums {
  s00: vec4f, s10: vec4f, s01: vec4f, s11: vec4f,
}

// a L_l(P_k) + (1 - a) s at pixel p of a level-l layer (d: its place in the block) from plane k's
// nine coarse values g around the block.
fn mixed(l: u32, g: Nine, p: u32, d: vec2u, a: f32, k: u32, s: vec4f) -> vec4f {
  let lap = level_value(l, k, p) - expand_in(g, d.x, d.y);
  return a * lap + (1.0 - a) * s;
}

// Plane k's nine coarse values around the block: `read` when k is the plane they were read for.
fn nine_of(blk: Block, base: u32, layer: u32, read: Nine, first: u32, k: u32) -> Nine {
  if (k == first) {
    return read;
  }
  return gauss_nine(blk, base + k * layer);
}

// a L_l(P_k) + (1 - a) s at the block's pixels that exist (q) and have a > 0, with the choice c.
// Neighbours mostly choose the same plane: the first such pixel's plane's nine coarse values are
// read once for all four (not four times), another plane's where a pixel chose one.
fn selected_block(l: u32, blk: Block, q: Quad, c: Selection, s: Sums) -> Sums {
  let on = (c.a != vec4f(0.0)) & vec4<bool>(true, q.has_x1, q.has_y1, q.has_x1 && q.has_y1);
  if (!any(on)) {
    return s;
  }
  let coarse = level_size(l + 1u);
  let base = params.planes * level_offset(l + 1u);
  let layer = coarse.x * coarse.y;
  let first = select(select(select(c.k.w, c.k.z, on.z), c.k.y, on.y), c.k.x, on.x);
  let g = gauss_nine(blk, base + first * layer);
  var out = s;
  if (on.x) {
    out.s00 = mixed(l, g, q.p00, vec2u(0u, 0u), c.a.x, c.k.x, s.s00);
  }
  if (on.y) {
    out.s10 = mixed(l, nine_of(blk, base, layer, g, first, c.k.y), q.p10, vec2u(1u, 0u), c.a.y, c.k.y, s.s10);
  }
  if (on.z) {
    out.s01 = mixed(l, nine_of(blk, base, layer, g, first, c.k.z), q.p01, vec2u(0u, 1u), c.a.z, c.k.z, s.s01);
  }
  if (on.w) {
    out.s11 = mixed(l, nine_of(blk, base, layer, g, first, c.k.w), q.p11, vec2u(1u, 1u), c.a.w, c.k.w, s.s11);
  }
  return out;
}

// Positions 2m-1..2m+2 along an axis, clamped to level l's `size`.
fn fine_four(m: u32, size: u32) -> vec4u {
  return vec4u(max(2u * m, 1u) - 1u, 2u * m, min(2u * m + 1u, size - 1u), min(2u * m + 2u, size - 1u));
}

// Positions m-1..m+2 along an axis, clamped to the coarse level's `size`.
fn coarse_four(m: u32, size: u32) -> vec4u {
  return vec4u(max(m, 1u) - 1u, m, min(m + 1u, size - 1u), min(m + 2u, size - 1u));
}

// Which of the positions 2m-1..2m+2 along an axis of level l are clamped onto another: 2m-1 < 0 is
// 2m; past the level's end, 2m+1 is 2m and 2m+2 is the last of 2m, 2m+1.
struct Edges {
  first_out: bool,
  has1: bool,
  has2: bool,
}

fn edges_of(m: u32, size: u32) -> Edges {
  return Edges(m == 0u, 2u * m + 1u < size, 2u * m + 2u < size);
}

// The expand along one axis at positions 2m-1..2m+2 from the coarse values v at m-1..m+2, with
// expand_in's taps in its order (its zero tap of an odd position adds +0): 2m-1 (odd) on m-1, m; 2m
// (even) on m-1, m, m+1; 2m+1 (odd) on m, m+1; 2m+2 (even) on m, m+1, m+2. A clamped position takes
// the value of the one it was clamped onto.
fn expand_four(v: vec4f, e: Edges) -> vec4f {
  let even1 = 0.125 * v.x + 0.75 * v.y + 0.125 * v.z;
  let odd2 = select(even1, 0.5 * v.y + 0.5 * v.z, e.has1);
  let even3 = select(odd2, 0.125 * v.y + 0.75 * v.z + 0.125 * v.w, e.has2);
  return vec4f(select(0.5 * v.x + 0.5 * v.y, even1, e.first_out), even1, odd2, even3);
}

// Luma of the level-l pixels at columns x of the row starting at index `row` of level l's layers
// (`plane_luma` for level 0, `level_luma` for levels 1..SELECTED).
fn luma_row(l: u32, row: u32, x: vec4u) -> vec4f {
  if (l == 0u) {
    return vec4f(plane_luma[row + x.x], plane_luma[row + x.y], plane_luma[row + x.z], plane_luma[row + x.w]);
  }
  return vec4f(level_luma[row + x.x], level_luma[row + x.y], level_luma[row + x.z], level_luma[row + x.w]);
}

// e_z at the four positions of a level-l row: (luma - expand)^2.
fn energy_row(y: vec4f, expanded: vec4f) -> vec4f {
  let lap = y - expanded;
  return lap * lap;
}

// Per-channel range of a pixel's planes.
struct Range {
  lo: vec4f,
  hi: vec4f,
}

fn widened(r: Range, v: vec4f) -> Range {
  return Range(min(r.lo, v), max(r.hi, v));
}

// The choice at the four pixels of a block (x, y, z, w: pixels 00, 10, 01, 11) and each pixel's
// range over all planes (meaningful at level 0, where the clamp needs it).
struct Selection {
  a: vec4f,
  k: vec4u,
  r00: Range, r10: Range, r01: Range, r11: Range,
}

// `select`, level l < SELECTED: the choice (a, k) at the 2x2 block of level l under level-(l+1)
// pixel `at` (see the header: 4x4 coarse and level-l reads per plane).
fn select_block(l: u32, at: vec2u) -> Selection {
  let size = level_size(l);
  let coarse = level_size(l + 1u);
  let cx = coarse_four(at.x, coarse.x);
  let cy = coarse_four(at.y, coarse.y) * coarse.x;
  let fx = fine_four(at.x, size.x);
  let fy = fine_four(at.y, size.y) * size.x;
  // Along x a coarse row's four values v give transpose(tx) * v; along y the four rows h_r give
  // (h_0, .., h_3) * ty[j] for row j: both sum over the coarse positions in order.
  let ex = edges_of(at.x, size.x);
  let ey = edges_of(at.y, size.y);
  var coarse_base = params.planes * level_offset(l + 1u);
  var base = select(params.planes * level_offset(l), 0u, l == 0u);
  let empty = Range(vec4f(255.0), vec4f(0.0));
  var sel = Selection(vec4f(0.0), vec4u(0u), empty, empty, empty, empty);
  var best = vec4f(-1.0);
  var total = vec4f(0.0);
  for (var z = 0u; z < params.planes; z++) {
    // Along x per coarse row, then (transposed: column i holds position i of the four rows) along y.
    let h = transpose(mat4x4f(
      expand_four(luma_row(l + 1u, coarse_base + cy.x, cx), ex),
      expand_four(luma_row(l + 1u, coarse_base + cy.y, cx), ex),
      expand_four(luma_row(l + 1u, coarse_base + cy.z, cx), ex),
      expand_four(luma_row(l + 1u, coarse_base + cy.w, cx), ex)));
    let x = transpose(mat4x4f(expand_four(h[0], ey), expand_four(h[1], ey), expand_four(h[2], ey), expand_four(h[3], ey)));
    let e0 = energy_row(luma_row(l, base + fy.x, fx), x[0]);
    let e1 = energy_row(luma_row(l, base + fy.y, fx), x[1]);
    let e2 = energy_row(luma_row(l, base + fy.z, fx), x[2]);
    let e3 = energy_row(luma_row(l, base + fy.w, fx), x[3]);
    if (l == 0u) {
      // Level 0: the clamp's range over all planes, at the block's own pixels.
      sel.r00 = widened(sel.r00, unpack_rgba(planes[base + fy.y + fx.y]));
      sel.r10 = widened(sel.r10, unpack_rgba(planes[base + fy.y + fx.z]));
      sel.r01 = widened(sel.r01, unpack_rgba(planes[base + fy.z + fx.y]));
      sel.r11 = widened(sel.r11, unpack_rgba(planes[base + fy.z + fx.z]));
    }
    // The 3x3 sums in the order of the per-pixel form (row by row, left to right).
    let e = vec4f(
      e0.x + e0.y + e0.z + e1.x + e1.y + e1.z + e2.x + e2.y + e2.z,
      e0.y + e0.z + e0.w + e1.y + e1.z + e1.w + e2.y + e2.z + e2.w,
      e1.x + e1.y + e1.z + e2.x + e2.y + e2.z + e3.x + e3.y + e3.z,
      e1.y + e1.z + e1.w + e2.y + e2.z + e2.w + e3.y + e3.z + e3.w);
    total += e;
    let better = e > best;
    best = select(best, e, better);
    sel.k = select(sel.k, vec4u(z), better);
    coarse_base += coarse.x * coarse.y;
    base += size.x * size.y;
  }
  // Clarity: the best energy over the mean of the other planes' (Z = 1: nothing to select from).
  let others = total - best;
  if (params.planes > 1u) {
    let gate = clamp((best * f32(params.planes - 1u) / others - GATE_LOW) / (GATE_HIGH - GATE_LOW), vec4f(0.0), vec4f(1.0));
    sel.a = select(vec4f(0.0), select(vec4f(1.0), gate, others > vec4f(0.0)), best > vec4f(0.0));
  }
  return sel;
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
    // Level 1 (the only level >= 1 that SELECTED = 2 selects) as a literal: SwiftShader then leaves
    // out select_block's level-0 reads, which a uniform it cannot see through keeps (the level-1
    // blend ~30 % faster, per-pass timestamps).
    var t: Sums;
    if (l == 1u) {
      t = selected_block(1u, k, q, select_block(1u, id.xy), Sums(s00, s10, s01, s11));
    } else {
      t = selected_block(l, k, q, select_block(l, id.xy), Sums(s00, s10, s01, s11));
    }
    s00 = t.s00;
    s10 = t.s10;
    s01 = t.s01;
    s11 = t.s11;
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

// The range of the planes within REACH of Dc.
fn near_range(f: Fine) -> Range {
  let z0 = u32(f.dc);
  let a = plane_at(f, z0);
  let b = plane_at(f, min(z0 + 1u, params.planes - 1u));
  var r = Range(min(a, b), max(a, b));
  if (f.dc == f32(z0) && z0 > 0u) {
    r = widened(r, plane_at(f, z0 - 1u));
  }
  return r;
}

// Clamp into `range` (`select`: every plane's, gathered by select_block: the chosen detail may come
// from a plane far from Dc) or, for `pyramid`, the range of the planes near Dc; round half up, pack RGBA8.
fn finish(f: Fine, sum: vec4f, range: Range) {
  if (!f.valid) {
    return;
  }
  var r = range;
  if (pass_level.selecting == 0u) {
    r = near_range(f);
  }
  let color = vec4u(clamp(floor(clamp(sum, r.lo - TOLERANCE, r.hi + TOLERANCE) + 0.5), vec4f(0.0), vec4f(255.0)));
  image[pixel_index(f.p.x, f.p.y, 0u)] = color.x | (color.y << 8u) | (color.z << 16u) | (color.w << 24u);
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
  // `pyramid` (selecting = 0): finish takes the range near Dc instead.
  let none = Range(vec4f(0.0), vec4f(0.0));
  var c = Selection(vec4f(0.0), vec4u(0u), none, none, none, none);
  if (selects(0u)) {
    c = select_block(0u, id.xy);
    let t = selected_block(0u, k, quad_of(level_size(0u), id.xy), c, Sums(s00, s10, s01, s11));
    s00 = t.s00;
    s10 = t.s10;
    s01 = t.s01;
    s11 = t.s11;
  }
  let b = blended_nine(k, level_offset(1u));
  finish(f00, s00 + expand_in(b, 0u, 0u), c.r00);
  finish(f10, s10 + expand_in(b, 1u, 0u), c.r10);
  finish(f01, s01 + expand_in(b, 0u, 1u), c.r01);
  finish(f11, s11 + expand_in(b, 1u, 1u), c.r11);
}
