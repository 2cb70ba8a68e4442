// warp.wgsl: resamples each plane into the reference frame through its 3x3 transform with a
// Lanczos-3 kernel; the GPU twin of warpPlane() in src/image/warp.ts, computed the same way: source
// point m * (x, y, 1) clamped to the plane's valid pixels, 6x6 taps at -2 .. 3 clamped to them too
// (clamp to edge: replicated edges carry no texture, so the focus measure ignores them), weights in
// lanczos3Weights' form (sin and cos by the same Taylor polynomials, not WGSL's sin/cos, whose
// accuracy varies by GPU), each row along x then the rows along y, clamp to 0..255 and
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

const TAPS: i32 = 6; // mirrors WARP_TAPS in src/image/warp.ts
const ROOT3_2: f32 = 0.8660254037844386;
const PI_3: f32 = 1.0471975511965976;

// sin and cos of x in [0, pi/3]: the Taylor polynomials of warp.ts's sinCos.
fn sin_cos_third(x: f32) -> vec2f {
  let x2 = x * x;
  let s = x * (1.0 + x2 * (-1.0 / 6.0 + x2 * (1.0 / 120.0 + x2 * (-1.0 / 5040.0 + x2 * (1.0 / 362880.0)))));
  let c = 1.0 + x2 * (-1.0 / 2.0 + x2 * (1.0 / 24.0 + x2 * (-1.0 / 720.0 + x2 * (1.0 / 40320.0 + x2 * (-1.0 / 3628800.0)))));
  return vec2f(s, c);
}

// Lanczos-3 weights of the taps at -2 .. 3 for a fraction t in [0, 1), normalised to sum 1; the
// common factor sin(pi t) cancels (see lanczos3Weights).
fn lanczos3_weights(t: f32) -> array<f32, 6> {
  if (t < 1e-6) {
    return array<f32, 6>(0.0, 0.0, 1.0, 0.0, 0.0, 0.0);
  }
  let sc = sin_cos_third(PI_3 * t);
  let ha = 0.5 * sc.x;
  let hb = ROOT3_2 * sc.y;
  var w = array<f32, 6>(
    (hb - ha) / ((t + 2.0) * (t + 2.0)),
    -(ha + hb) / ((t + 1.0) * (t + 1.0)),
    sc.x / (t * t),
    -(ha - hb) / ((t - 1.0) * (t - 1.0)),
    -(ha + hb) / ((t - 2.0) * (t - 2.0)),
    sc.x / ((t - 3.0) * (t - 3.0)),
  );
  let sum = w[0] + w[1] + w[2] + w[3] + w[4] + w[5];
  for (var k = 0; k < TAPS; k++) {
    w[k] = w[k] / sum;
  }
  return w;
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
  let wx = lanczos3_weights(f.x);
  let wy = lanczos3_weights(f.y);
  var sum = vec4f(0.0);
  for (var j = 0; j < TAPS; j++) {
    let y = u32(clamp(p0.y - 2 + j, 0, last.y));
    var row = vec4f(0.0);
    for (var k = 0; k < TAPS; k++) {
      row += wx[k] * texel(w, id.z, vec2u(u32(clamp(p0.x - 2 + k, 0, last.x)), y));
    }
    sum += wy[j] * row;
  }
  let v = vec4u(floor(clamp(sum, vec4f(0.0), vec4f(255.0)) + 0.5));
  warped[pixel_index(id.x, id.y, id.z)] = v.x | (v.y << 8u) | (v.z << 16u) | (v.w << 24u);
}
