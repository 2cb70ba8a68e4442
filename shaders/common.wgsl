// common.wgsl: prepended to every kernel (see src/gpu/kernels.ts), so all kernels share one
// uniform block and one definition of the replicate-border (clamped) indexing.
//
// Layout: images are row-major, `width` x `height` pixels, one f32 (or one packed RGBA8 u32)
// per pixel; several images ("layers": plane z, or channel * planes + z) lie back to back.
// `height` is the height of the band being processed: the whole image, or one horizontal band
// of it (with its halo rows) when the image is too large for one storage binding.
// The field order is mirrored by PARAMS_FIELDS in src/gpu/params.ts.

struct Params {
  width: u32,
  height: u32,
  planes: u32,          // Z
  window: u32,          // box radius r of the focus measure
  smooth_radius: u32,   // radius of the depth filter's Gaussian: ceil(3 sigma), histogram ceil(3 * 8/3 sigma); 0 = off
  kept_start: u32,      // first band row that belongs to the output (rows above are halo)
  kept_end: u32,        // one past the last such row
  variance: u32,        // 1: the box means are [mean L (Z layers), mean L^2 (Z layers)] (lapv)
  nearest: u32,         // composite: 1 = nearest plane, 0 = interpolate between planes
  tau: f32,             // confidence noise floor
  log_eps: f32,         // eps of ln(F + eps) in the sub-plane fit
  weight_floor: f32,    // below this smoothed confidence the raw depth is kept
}

@group(0) @binding(0) var<uniform> params: Params;

fn clamp_x(x: i32) -> u32 {
  return u32(clamp(x, 0, i32(params.width) - 1));
}

fn clamp_y(y: i32) -> u32 {
  return u32(clamp(y, 0, i32(params.height) - 1));
}

fn pixel_index(x: u32, y: u32, layer: u32) -> u32 {
  return (layer * params.height + y) * params.width + x;
}

fn inside(p: vec2u) -> bool {
  return p.x < params.width && p.y < params.height;
}
