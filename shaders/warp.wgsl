// warp.wgsl: resamples each plane into the reference frame through its 3x3 transform, bilinearly;
// the GPU twin of warpPlane() in src/align/warp.ts, computed the same way: source point
// m * (x, y, 1), clamped to the plane's valid pixels (clamp to edge: replicated edges carry no
// texture, so the focus measure ignores them), a + f (b - a) interpolation along x then y, and
// floor(v + 0.5) rounding (Math.round, not WGSL's round-half-to-even).
// Layout: `source` = Z layers of packed RGBA8 (u32), each `rows` rows of `stride` pixels of which
//         the top-left size.x x size.y are valid (planes of different sizes are padded);
//         `warped` = Z layers of params.width x params.height packed RGBA8; `warps` = one PlaneWarp
//         per plane (64 bytes: the matrix's three padded columns, then size, stride, rows).
// Tiling: one invocation per output pixel, 16x16 workgroups, dispatch (ceil(W/16), ceil(H/16), Z).
//         Gathers anywhere in its source plane: no halo, no shared memory.

struct PlaneWarp {
  m: mat3x3f,    // aligned-frame pixel -> source pixel, pixel centres at integers
  size: vec2u,   // valid width and height of the source plane
  stride: u32,   // pixels per source row
  rows: u32,     // rows per source layer
}

@group(0) @binding(1) var<storage, read> warps: array<PlaneWarp>;
@group(0) @binding(2) var<storage, read> source: array<u32>;
@group(0) @binding(3) var<storage, read_write> warped: array<u32>;

fn texel(w: PlaneWarp, layer: u32, p: vec2u) -> vec4f {
  let rgba = source[(layer * w.rows + p.y) * w.stride + p.x];
  return vec4f(f32(rgba & 0xffu), f32((rgba >> 8u) & 0xffu), f32((rgba >> 16u) & 0xffu), f32(rgba >> 24u));
}

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(global_invocation_id) id: vec3u) {
  if (!inside(id.xy) || id.z >= params.planes) {
    return;
  }
  let w = warps[id.z];
  let last = vec2f(w.size - vec2u(1u));
  let c = clamp((w.m * vec3f(f32(id.x), f32(id.y), 1.0)).xy, vec2f(0.0), last);
  let p0 = vec2u(floor(c));
  let p1 = min(p0 + vec2u(1u), w.size - vec2u(1u));
  let f = c - vec2f(p0);
  let a = texel(w, id.z, p0);
  let b = texel(w, id.z, vec2u(p1.x, p0.y));
  let d = texel(w, id.z, vec2u(p0.x, p1.y));
  let e = texel(w, id.z, p1);
  let top = a + f.x * (b - a);
  let bottom = d + f.x * (e - d);
  let v = vec4u(floor(top + f.y * (bottom - top) + 0.5));
  warped[pixel_index(id.x, id.y, id.z)] = v.x | (v.y << 8u) | (v.z << 16u) | (v.w << 24u);
}
