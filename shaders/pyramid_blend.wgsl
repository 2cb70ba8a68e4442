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
// each invocation loops over the Z planes and reads 3x3 coarse pixels per plane with weight.

const REACH: f32 = 1.0;
const TOLERANCE: f32 = 0.0;

@group(0) @binding(1) var<uniform> pass_level: Level;
@group(0) @binding(2) var<storage, read> planes: array<u32>;
@group(0) @binding(3) var<storage, read> depth: array<f32>;
@group(0) @binding(4) var<storage, read> gauss: array<vec4f>;
@group(0) @binding(5) var<storage, read> weights: array<f32>;
@group(0) @binding(6) var<storage, read_write> blended: array<vec4f>;
@group(0) @binding(7) var<storage, read_write> image: array<u32>;

struct Taps {
  index: vec3u,
  weight: vec3f,
}

fn expand_taps(x: u32, n: u32) -> Taps {
  let m = x / 2u;
  let hi = n - 1u;
  if ((x & 1u) == 0u) {
    return Taps(vec3u(select(m - 1u, 0u, m == 0u), min(m, hi), min(m + 1u, hi)), vec3f(0.125, 0.75, 0.125));
  }
  return Taps(vec3u(min(m, hi), min(m + 1u, hi), min(m + 1u, hi)), vec3f(0.5, 0.5, 0.0));
}

// expand of level `coarse` (>= 1) at fine pixel p, from `gauss` (plane z) or from `blended`.
fn expand_at(coarse: u32, z: u32, p: vec2u, from_blended: bool) -> vec4f {
  let s = level_size(coarse);
  let base = select(params.planes * level_offset(coarse) + z * s.x * s.y, level_offset(coarse), from_blended);
  let tx = expand_taps(p.x, s.x);
  let ty = expand_taps(p.y, s.y);
  var sum = vec4f(0.0);
  for (var j = 0u; j < 3u; j++) {
    let row = base + ty.index[j] * s.x;
    for (var i = 0u; i < 3u; i++) {
      let w = ty.weight[j] * tx.weight[i];
      if (from_blended) {
        sum += w * blended[row + tx.index[i]];
      } else {
        sum += w * gauss[row + tx.index[i]];
      }
    }
  }
  return sum;
}

@compute @workgroup_size(16, 16, 1)
fn blend(@builtin(global_invocation_id) id: vec3u) {
  let l = pass_level.level;  // 1..LEVELS
  let size = level_size(l);
  if (id.x >= size.x || id.y >= size.y) {
    return;
  }
  var sum = vec4f(0.0);
  for (var z = 0u; z < params.planes; z++) {
    let i = pyramid_index(l, z, id.xy);
    let w = weights[i];
    if (w == 0.0) {
      continue;
    }
    var detail = gauss[i];
    if (l < LEVELS) {
      detail -= expand_at(l + 1u, z, id.xy, false);
    }
    sum += w * detail;
  }
  if (l < LEVELS) {
    sum += expand_at(l + 1u, 0u, id.xy, true);
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
  var sum = vec4f(0.0);
  // w_z > 0 only for |Dc - z| < 0.5 + SOFTNESS / 2: at most two planes.
  let reach = 0.5 + 0.5 * SOFTNESS;
  let first = u32(max(0.0, floor(dc - reach)));
  let last = u32(min(f32(params.planes - 1u), ceil(dc + reach)));
  for (var z = first; z <= last; z++) {
    let w = plane_weight(dc, z);
    if (w == 0.0) {
      continue;
    }
    sum += w * (unpack_rgba(planes[pixel_index(p.x, p.y, z)]) - expand_at(1u, z, p, false));
  }
  sum += expand_at(1u, 0u, p, true);
  let z_lo = u32(max(0.0, ceil(dc - REACH)));
  let z_hi = u32(min(f32(params.planes - 1u), floor(dc + REACH)));
  var lo = vec4f(255.0);
  var hi = vec4f(0.0);
  for (var z = z_lo; z <= z_hi; z++) {
    let v = unpack_rgba(planes[pixel_index(p.x, p.y, z)]);
    lo = min(lo, v);
    hi = max(hi, v);
  }
  let color = vec4u(clamp(floor(clamp(sum, lo - TOLERANCE, hi + TOLERANCE) + 0.5), vec4f(0.0), vec4f(255.0)));
  image[i] = color.x | (color.y << 8u) | (color.z << 16u) | (color.w << 24u);
}
