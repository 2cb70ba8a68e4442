// box_mean.wgsl: window mean Box_r[f] = mean of f over the (2r+1)^2 window, as two separable
// passes: `horizontal` writes row sums, `vertical` sums those down the columns and divides.
// Layout: `src` and `dst` = any number of f32 layers (the measure's CHANNELS x Z); dispatch
//         (ceil(W/16), ceil(H/16), layers) for both passes.
// Tiling: 16x16 pixels per workgroup. Each pass stages a 16 x (16 + 2r) strip (its halo is r
//         pixels on both ends along the pass direction) in workgroup memory, read once with
//         replicate-border clamping, so each input value is fetched ~1.5 times instead of 2r+1.
//         MAX_RADIUS mirrors MAX_WINDOW in src/core/options.ts (and BOX_MAX_RADIUS in
//         src/gpu/kernels.ts); the strip is sized for it.

const TILE: u32 = 16u;
const MAX_RADIUS: u32 = 32u;
const SPAN: u32 = TILE + 2u * MAX_RADIUS;

@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

// strip[across * SPAN + along]: `across` is the row (horizontal) or column (vertical) in the block.
var<workgroup> strip: array<f32, TILE * SPAN>;

fn window_sum(across: u32, along: u32) -> f32 {
  var sum = 0.0;
  for (var k = 0u; k <= 2u * params.window; k++) {
    sum += strip[across * SPAN + along + k];
  }
  return sum;
}

@compute @workgroup_size(16, 16, 1)
fn horizontal(
  @builtin(workgroup_id) group: vec3u,
  @builtin(local_invocation_id) local: vec3u,
) {
  let r = params.window;
  let x0 = i32(group.x * TILE) - i32(r);
  let y = clamp_y(i32(group.y * TILE + local.y));
  for (var i = local.x; i < TILE + 2u * r; i += TILE) {
    strip[local.y * SPAN + i] = src[pixel_index(clamp_x(x0 + i32(i)), y, group.z)];
  }
  workgroupBarrier();
  let p = group.xy * TILE + local.xy;
  if (!inside(p)) {
    return;
  }
  dst[pixel_index(p.x, p.y, group.z)] = window_sum(local.y, local.x);
}

@compute @workgroup_size(16, 16, 1)
fn vertical(
  @builtin(workgroup_id) group: vec3u,
  @builtin(local_invocation_id) local: vec3u,
) {
  let r = params.window;
  let y0 = i32(group.y * TILE) - i32(r);
  let x = clamp_x(i32(group.x * TILE + local.x));
  for (var i = local.y; i < TILE + 2u * r; i += TILE) {
    strip[local.x * SPAN + i] = src[pixel_index(x, clamp_y(y0 + i32(i)), group.z)];
  }
  workgroupBarrier();
  let p = group.xy * TILE + local.xy;
  if (!inside(p)) {
    return;
  }
  let side = f32(2u * r + 1u);
  dst[pixel_index(p.x, p.y, group.z)] = window_sum(local.x, local.y) / (side * side);
}
