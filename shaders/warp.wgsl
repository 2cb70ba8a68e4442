// warp.wgsl: resamples each plane into the reference frame through its 3x3 transform, bicubic
// (Keys a = -0.5, Catmull-Rom); the GPU twin of warpPlane() in src/align/warp.ts, computed the same
// way: source point m * (x, y, 1) clamped to the plane's valid pixels, 4x4 taps clamped to them too
// (clamp to edge: replicated edges carry no texture, so the focus measure ignores them), weights in
// keysWeights' Horner form, each row along x then the rows along y, clamp to 0..255 and
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

// Keys' cubic convolution weights of the taps at -1, 0, 1, 2 for a fraction t in [0, 1).
fn keys_weights(t: f32) -> vec4f {
  return vec4f(((-0.5 * t + 1.0) * t - 0.5) * t, (1.5 * t - 2.5) * t * t + 1.0, ((-1.5 * t + 2.0) * t + 0.5) * t, (0.5 * t - 0.5) * t * t);
}

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(global_invocation_id) id: vec3u) {
  if (!inside(id.xy) || id.z >= params.planes) {
    return;
  }
  let w = warps[id.z];
  let last = vec2i(w.size) - vec2i(1);
  let c = clamp((w.m * vec3f(f32(id.x), f32(id.y), 1.0)).xy, vec2f(0.0), vec2f(last));
  let p0 = vec2i(floor(c));
  let f = c - vec2f(p0);
  let wx = keys_weights(f.x);
  let wy = keys_weights(f.y);
  let x = clamp(vec4i(p0.x - 1, p0.x, p0.x + 1, p0.x + 2), vec4i(0), vec4i(last.x));
  var sum = vec4f(0.0);
  for (var j = 0; j < 4; j++) {
    let y = u32(clamp(p0.y - 1 + j, 0, last.y));
    let row = wx[0] * texel(w, id.z, vec2u(u32(x[0]), y)) + wx[1] * texel(w, id.z, vec2u(u32(x[1]), y))
      + wx[2] * texel(w, id.z, vec2u(u32(x[2]), y)) + wx[3] * texel(w, id.z, vec2u(u32(x[3]), y));
    sum += wy[j] * row;
  }
  let v = vec4u(floor(clamp(sum, vec4f(0.0), vec4f(255.0)) + 0.5));
  warped[pixel_index(id.x, id.y, id.z)] = v.x | (v.y << 8u) | (v.z << 16u) | (v.w << 24u);
}
