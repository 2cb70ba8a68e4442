// composite.wgsl: the all-in-focus image from the smoothed depth Ds, on all four channels.
//   interpolate: z0 = floor(Ds), t = Ds - z0, z1 = min(z0 + 1, Z - 1), P = (1 - t) P_z0 + t P_z1;
//   nearest: P = P_z with z = floor(Ds + 0.5).
// Ds is clamped into [0, Z-1] first, which is the CPU's clamping of z0, t and z: at either end
// both give the end plane. Channels round half up, floor(x + 0.5), like the CPU (WGSL round()
// is half-to-even).
// Layout: `planes` = Z layers of packed RGBA8 u32; `depth` = 1 layer f32; `image` = 1 layer u32.
// Tiling: one invocation per pixel, 16x16 workgroups, dispatch (ceil(W/16), ceil(H/16), 1).

@group(0) @binding(1) var<storage, read> planes: array<u32>;
@group(0) @binding(2) var<storage, read> depth: array<f32>;
@group(0) @binding(3) var<storage, read_write> image: array<u32>;

fn rgba(p: vec2u, z: u32) -> vec4f {
  let v = planes[pixel_index(p.x, p.y, z)];
  return vec4f(f32(v & 0xffu), f32((v >> 8u) & 0xffu), f32((v >> 16u) & 0xffu), f32(v >> 24u));
}

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let p = id.xy;
  if (!inside(p)) {
    return;
  }
  let i = pixel_index(p.x, p.y, 0u);
  let last = params.planes - 1u;
  let ds = clamp(depth[i], 0.0, f32(last));
  if (params.nearest == 1u) {
    image[i] = planes[pixel_index(p.x, p.y, min(u32(floor(ds + 0.5)), last))];
    return;
  }
  let z0 = u32(floor(ds));
  let t = ds - f32(z0);
  let color = vec4u(clamp(floor((1.0 - t) * rgba(p, z0) + t * rgba(p, min(z0 + 1u, last)) + 0.5), vec4f(0.0), vec4f(255.0)));
  image[i] = color.x | (color.y << 8u) | (color.z << 16u) | (color.w << 24u);
}
