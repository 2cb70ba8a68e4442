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
// Tiling: one invocation per pixel of the level, 16x16 workgroups, dispatch (ceil(w_l/16), ceil(h_l/16), 1);
// each invocation forms the 3x3 expand taps once, then loops over the Z planes and reads 3x3 coarse
// pixels per plane with weight. collapse visits only z0 = floor(Dc) and z0 + 1: w_z > 0 needs
// |Dc - z| < 0.5 + SOFTNESS / 2 = 0.75; the clamp's planes (|Dc - z| <= 1) are the same two, plus
// z0 - 1 where Dc is a whole plane, so each plane is read once.

const REACH: f32 = 1.0;
const TOLERANCE: f32 = 0.0;

@group(0) @binding(1) var<uniform> pass_level: Level;
@group(0) @binding(2) var<storage, read> planes: array<u32>;
@group(0) @binding(3) var<storage, read> depth: array<f32>;
@group(0) @binding(4) var<storage, read> gauss: array<vec4f>;
@group(0) @binding(5) var<storage, read> weights: array<f32>;
@group(0) @binding(6) var<storage, read_write> blended: array<vec4f>;
@group(0) @binding(7) var<storage, read_write> image: array<u32>;

// The expand's three taps along one axis (indices clamped to the coarse level, weights), as scalars:
// a dynamically indexed vector or loop costs SwiftShader a private-memory round trip per tap.
struct Taps {
  i0: u32, i1: u32, i2: u32,
  w0: f32, w1: f32, w2: f32,
}

fn expand_taps(x: u32, n: u32) -> Taps {
  let m = x / 2u;
  let hi = n - 1u;
  if ((x & 1u) == 0u) {
    return Taps(max(m, 1u) - 1u, min(m, hi), min(m + 1u, hi), 0.125, 0.75, 0.125);
  }
  return Taps(min(m, hi), min(m + 1u, hi), min(m + 1u, hi), 0.5, 0.5, 0.0);
}

// The expand of one coarse layer at one fine pixel: its 3x3 taps, computed once per invocation and
// applied to every plane's layer and to the blended layer.
struct Expand {
  x: Taps,
  r0: u32, r1: u32, r2: u32,  // the three coarse rows' offsets in the layer
  y: Taps,
}

fn expand_of(coarse: u32, p: vec2u) -> Expand {
  let s = level_size(coarse);
  let ty = expand_taps(p.y, s.y);
  return Expand(expand_taps(p.x, s.x), ty.i0 * s.x, ty.i1 * s.x, ty.i2 * s.x, ty);
}

fn gauss_row(row: u32, t: Taps) -> vec4f {
  return t.w0 * gauss[row + t.i0] + t.w1 * gauss[row + t.i1] + t.w2 * gauss[row + t.i2];
}

fn blended_row(row: u32, t: Taps) -> vec4f {
  return t.w0 * blended[row + t.i0] + t.w1 * blended[row + t.i1] + t.w2 * blended[row + t.i2];
}

// The expand at `e` of the layer starting at `base`, in `blended` or in `gauss`.
fn expand_at(e: Expand, base: u32, from_blended: bool) -> vec4f {
  if (from_blended) {
    return e.y.w0 * blended_row(base + e.r0, e.x) + e.y.w1 * blended_row(base + e.r1, e.x) + e.y.w2 * blended_row(base + e.r2, e.x);
  }
  return e.y.w0 * gauss_row(base + e.r0, e.x) + e.y.w1 * gauss_row(base + e.r1, e.x) + e.y.w2 * gauss_row(base + e.r2, e.x);
}

@compute @workgroup_size(16, 16, 1)
fn blend(@builtin(global_invocation_id) id: vec3u) {
  let l = pass_level.level;  // 1..LEVELS
  let size = level_size(l);
  if (id.x >= size.x || id.y >= size.y) {
    return;
  }
  let layer = size.x * size.y;
  var i = params.planes * level_offset(l) + id.y * size.x + id.x;
  var sum = vec4f(0.0);
  if (l == LEVELS) {
    for (var z = 0u; z < params.planes; z++) {
      let w = weights[i];
      if (w != 0.0) {
        sum += w * gauss[i];
      }
      i += layer;
    }
  } else {
    let e = expand_of(l + 1u, id.xy);
    let coarse = level_size(l + 1u);
    var base = params.planes * level_offset(l + 1u);
    for (var z = 0u; z < params.planes; z++) {
      let w = weights[i];
      if (w != 0.0) {
        sum += w * (gauss[i] - expand_at(e, base, false));
      }
      i += layer;
      base += coarse.x * coarse.y;
    }
    sum += expand_at(e, level_offset(l + 1u), true);
  }
  blended[level_offset(l) + id.y * size.x + id.x] = sum;
}

@compute @workgroup_size(16, 16, 1)
fn collapse(@builtin(global_invocation_id) id: vec3u) {
  let p = id.xy;
  if (!inside(p)) {
    return;
  }
  let i = pixel_index(p.x, p.y, 0u);
  let dc = clamped_depth(i);
  // w_z > 0 only for |Dc - z| < 0.5 + SOFTNESS / 2 = 0.75: planes z0 = floor(Dc) and z0 + 1 at most.
  let z0 = u32(dc);
  let z1 = min(z0 + 1u, params.planes - 1u);
  let w0 = plane_weight(dc, z0);
  let w1 = select(0.0, plane_weight(dc, z1), z1 != z0);
  let p0 = unpack_rgba(planes[pixel_index(p.x, p.y, z0)]);
  let p1 = unpack_rgba(planes[pixel_index(p.x, p.y, z1)]);
  let e = expand_of(1u, p);
  let layer = level_size(1u).x * level_size(1u).y;
  let base = params.planes * level_offset(1u);
  var sum = vec4f(0.0);
  if (w0 != 0.0) {
    sum += w0 * (p0 - expand_at(e, base + z0 * layer, false));
  }
  if (w1 != 0.0) {
    sum += w1 * (p1 - expand_at(e, base + z1 * layer, false));
  }
  sum += expand_at(e, level_offset(1u), true);
  // The clamp's planes, |Dc - z| <= REACH = 1: z0 and z0 + 1, and z0 - 1 when Dc is a whole plane.
  var lo = min(p0, p1);
  var hi = max(p0, p1);
  if (dc == f32(z0) && z0 > 0u) {
    let below = unpack_rgba(planes[pixel_index(p.x, p.y, z0 - 1u)]);
    lo = min(lo, below);
    hi = max(hi, below);
  }
  let color = vec4u(clamp(floor(clamp(sum, lo - TOLERANCE, hi + TOLERANCE) + 0.5), vec4f(0.0), vec4f(255.0)));
  image[i] = color.x | (color.y << 8u) | (color.z << 16u) | (color.w << 24u);
}
