// smooth.wgsl: confidence-weighted normalised convolution Ds = G[C * D] / G[C] with a separable
// Gaussian (the f32 taps of gaussianKernel in src/core/maths.ts, uploaded; R = ceil(3 sigma));
// where G[C] < weight_floor (MIN_SMOOTH_WEIGHT) the raw depth D is kept. sigma = 0 never runs
// this kernel: the host copies D.
// Layout: `horizontal` reads raw_depth D and confidence C (1 layer each) and writes `sums`
//         (layer 0: row-filtered C * D, layer 1: row-filtered C); `vertical` filters those down
//         the columns and writes `depth` (1 layer). `weights` = 2R + 1 f32 taps.
// Tiling: a workgroup covers 64 pixels along the pass direction x 4 across it.
//   SHARED = true (hardware GPUs): it stages both channels of a (64 + 2R) x 4 strip (halo R at
//   both ends, replicate-border clamped) in workgroup memory. MAX_RADIUS = ceil(3 * MAX_SIGMA)
//   (MAX_SIGMA in src/core/options.ts), mirrored as SMOOTH_MAX_RADIUS in src/gpu/kernels.ts; the
//   strips fill 14 KiB of the 16 KiB every WebGPU device offers.
//   SHARED = false (software adapters, where barriers are very slow): `taps` reads the buffers.
// Dispatch: horizontal (ceil(W/64), ceil(H/4), 1); vertical (ceil(W/4), ceil(H/64), 1).

const ALONG: u32 = 64u;
const ACROSS: u32 = 4u;
const MAX_RADIUS: u32 = 192u;
const SPAN: u32 = ALONG + 2u * MAX_RADIUS;

override SHARED: bool = true;

@group(0) @binding(1) var<storage, read> raw_depth: array<f32>;
@group(0) @binding(2) var<storage, read> confidence: array<f32>;
@group(0) @binding(3) var<storage, read> weights: array<f32>;
@group(0) @binding(4) var<storage, read_write> sums: array<f32>;
@group(0) @binding(5) var<storage, read_write> depth: array<f32>;

var<workgroup> weighted_strip: array<f32, ACROSS * SPAN>;
var<workgroup> weight_strip: array<f32, ACROSS * SPAN>;

// (C * D, C) at pixel i: the horizontal pass's input.
fn weighted(i: u32) -> vec2f {
  let c = confidence[i];
  return vec2f(c * raw_depth[i], c);
}

// (row-filtered C * D, row-filtered C) at (x, y): the vertical pass's input.
fn row_sums(x: u32, y: u32) -> vec2f {
  return vec2f(sums[pixel_index(x, y, 0u)], sums[pixel_index(x, y, 1u)]);
}

// Tap k (0..2R) of pixel p's window along `axis` (0: x, 1: y); `slot` is its strip index.
fn tap(p: vec2u, axis: u32, k: u32, slot: u32) -> vec2f {
  if (SHARED) {
    return vec2f(weighted_strip[slot], weight_strip[slot]);
  }
  let offset = i32(k) - i32(params.smooth_radius);
  if (axis == 0u) {
    return weighted(pixel_index(clamp_x(i32(p.x) + offset), p.y, 0u));
  }
  return row_sums(p.x, clamp_y(i32(p.y) + offset));
}

fn filtered(p: vec2u, axis: u32, strip_start: u32) -> vec2f {
  var sum = vec2f(0.0);
  for (var k = 0u; k <= 2u * params.smooth_radius; k++) {
    sum += weights[k] * tap(p, axis, k, strip_start + k);
  }
  return sum;
}

@compute @workgroup_size(64, 4, 1)
fn horizontal(
  @builtin(workgroup_id) group: vec3u,
  @builtin(local_invocation_id) local: vec3u,
) {
  if (SHARED) {
    let x0 = i32(group.x * ALONG) - i32(params.smooth_radius);
    let y = clamp_y(i32(group.y * ACROSS + local.y));
    for (var i = local.x; i < ALONG + 2u * params.smooth_radius; i += ALONG) {
      let v = weighted(pixel_index(clamp_x(x0 + i32(i)), y, 0u));
      weighted_strip[local.y * SPAN + i] = v.x;
      weight_strip[local.y * SPAN + i] = v.y;
    }
    workgroupBarrier();
  }
  let p = vec2u(group.x * ALONG + local.x, group.y * ACROSS + local.y);
  if (!inside(p)) {
    return;
  }
  let sum = filtered(p, 0u, local.y * SPAN + local.x);
  sums[pixel_index(p.x, p.y, 0u)] = sum.x;
  sums[pixel_index(p.x, p.y, 1u)] = sum.y;
}

@compute @workgroup_size(4, 64, 1)
fn vertical(
  @builtin(workgroup_id) group: vec3u,
  @builtin(local_invocation_id) local: vec3u,
) {
  if (SHARED) {
    let y0 = i32(group.y * ALONG) - i32(params.smooth_radius);
    let x = clamp_x(i32(group.x * ACROSS + local.x));
    for (var i = local.y; i < ALONG + 2u * params.smooth_radius; i += ALONG) {
      let v = row_sums(x, clamp_y(y0 + i32(i)));
      weighted_strip[local.x * SPAN + i] = v.x;
      weight_strip[local.x * SPAN + i] = v.y;
    }
    workgroupBarrier();
  }
  let p = vec2u(group.x * ACROSS + local.x, group.y * ALONG + local.y);
  if (!inside(p)) {
    return;
  }
  let sum = filtered(p, 1u, local.x * SPAN + local.y);
  let i = pixel_index(p.x, p.y, 0u);
  depth[i] = select(sum.x / sum.y, raw_depth[i], sum.y < params.weight_floor);
}
