// depth.wgsl: focus measure F per plane, depth from focus with the sub-plane Gaussian fit, and
// confidence, in one pass over the planes of each pixel.
//   F_z = mean_z (teng, wavelet, dlap, sml, brenner; glv, whose kernel forms its variance itself) or
//   Box[v^2]_z - Box[v]_z^2 (lapv, tenv: params.variance = 1);
//   k = argmax_z F_z (ties: lowest z); l_i = ln(F_i + eps); den = l_{k-1} - 2 l_k + l_{k+1};
//   D = k + clamp((l_{k-1} - l_{k+1}) / (2 den), -0.5, 0.5) when 0 < k < Z-1 and den < 0, else k;
//   C = max(0, (F_max - F_mean) / (F_max + tau)), and 0 where F_max + tau = 0 (as the CPU).
// lapv's F is clamped to >= 0 (the cancellation can leave a tiny negative), and is exactly 0 for
// r = 0 (a one-pixel window has no variance; an fma-contracted L^2 - L*L might not give 0).
// Layout: `means` = (1 or 2) x Z layers from box_mean.wgsl; `focus` = Z layers (kept for the
//         statistics and keepFocus); `raw_depth`, `confidence` = 1 layer each.
// Tiling: one invocation per pixel, 16x16 workgroups, dispatch (ceil(W/16), ceil(H/16), 1).
//         Pointwise across the image, so no halo; the loop runs down the Z layers.

@group(0) @binding(1) var<storage, read> means: array<f32>;
@group(0) @binding(2) var<storage, read_write> focus: array<f32>;
@group(0) @binding(3) var<storage, read_write> raw_depth: array<f32>;
@group(0) @binding(4) var<storage, read_write> confidence: array<f32>;

fn measure(p: vec2u, z: u32) -> f32 {
  let mean = means[pixel_index(p.x, p.y, z)];
  if (params.variance == 0u) {
    return mean;
  }
  if (params.window == 0u) {
    return 0.0;
  }
  return max(means[pixel_index(p.x, p.y, params.planes + z)] - mean * mean, 0.0);
}

fn log_focus(p: vec2u, z: u32) -> f32 {
  return log(focus[pixel_index(p.x, p.y, z)] + params.log_eps);
}

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let p = id.xy;
  if (!inside(p)) {
    return;
  }
  let planes = params.planes;
  var best = measure(p, 0u);
  var k = 0u;
  var sum = best;
  focus[pixel_index(p.x, p.y, 0u)] = best;
  for (var z = 1u; z < planes; z++) {
    let f = measure(p, z);
    focus[pixel_index(p.x, p.y, z)] = f;
    sum += f;
    if (f > best) {
      best = f;
      k = z;
    }
  }
  var delta = 0.0;
  if (k > 0u && k + 1u < planes) {
    let before = log_focus(p, k - 1u);
    let after = log_focus(p, k + 1u);
    let den = before - 2.0 * log_focus(p, k) + after;
    if (den < 0.0) {
      delta = clamp((before - after) / (2.0 * den), -0.5, 0.5);
    }
  }
  let i = pixel_index(p.x, p.y, 0u);
  raw_depth[i] = f32(k) + delta;
  let scale = best + params.tau;
  confidence[i] = select(0.0, max((best - sum / f32(planes)) / scale, 0.0), scale > 0.0);
}
