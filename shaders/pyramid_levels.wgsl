// pyramid_levels.wgsl: shared by pyramid_reduce.wgsl and pyramid_blend.wgsl (prepended to each, after
// common.wgsl): the constants of src/core/pyramid.ts, the per-dispatch level uniform and level geometry.
// Level l is ceil(size / 2^l) (each level ceil(previous / 2)), l = 0..LEVELS.

const LEVELS: u32 = 4u;     // PYRAMID_LEVELS
const SOFTNESS: f32 = 0.5;  // PYRAMID_SOFTNESS
// Composite `select` (pyramid_blend.wgsl): levels 0..SELECTED-1 take the chosen plane's detail; the
// reduce keeps the luma of levels 1..SELECTED for the choice.
const SELECTED: u32 = 2u;   // SELECT_LEVELS
const LUMA_INT: vec3f = vec3f(299.0, 587.0, 114.0);  // LUMA_INT_WEIGHTS

// Written by the host (src/gpu/band-job.ts) once per level: the level a dispatch writes and the
// geometry of every level, so no kernel loops to find sizes and offsets.
struct Level {
  level: u32,                         // the level this dispatch writes
  selecting: u32,                     // 1: composite `select` (pyramid_blend.wgsl), 0: `pyramid`
  geometry: array<vec4u, 5>,          // per level 0..LEVELS: (width, height, offset, 0); offset = pixels of levels 1..l-1
}

fn level_size(l: u32) -> vec2u {
  return pass_level.geometry[l].xy;
}

// Pixels of levels 1..l-1 of one plane (level l's offset in a single-layer pyramid buffer).
fn level_offset(l: u32) -> u32 {
  return pass_level.geometry[l].z;
}

// Luma in LUMA_INT_WEIGHTS units (linear, so the luma of a Laplacian coefficient is the difference of lumas).
fn luma_int(v: vec4f) -> f32 {
  return dot(LUMA_INT, v.xyz);
}

fn unpack_rgba(v: u32) -> vec4f {
  return vec4f(f32(v & 0xffu), f32((v >> 8u) & 0xffu), f32((v >> 16u) & 0xffu), f32(v >> 24u));
}

fn clamped_depth(i: u32) -> f32 {
  return clamp(depth[i], 0.0, f32(params.planes - 1u));
}

fn plane_weight(dc: f32, z: u32) -> f32 {
  return clamp((0.5 - abs(dc - f32(z))) / SOFTNESS + 0.5, 0.0, 1.0);
}

// Index in `gauss` / `weights` of pixel p of plane z at level l >= 1.
fn pyramid_index(l: u32, z: u32, p: vec2u) -> u32 {
  let s = level_size(l);
  return params.planes * level_offset(l) + (z * s.y + p.y) * s.x + p.x;
}
