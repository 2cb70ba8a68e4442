// box_mean.wgsl: window mean Box_r[f] = mean of f over the (2r+1)^2 window, as two separable
// passes: `horizontal` writes row sums, `vertical` sums those down the columns and divides.
// Layout: `src` and `dst` = any number of f32 layers (the measure's CHANNELS x Z).
// Tiling: 16x16 invocations per workgroup; each invocation produces a run of RUN consecutive
//   outputs along the pass direction, so a workgroup covers (16 * RUN) x 16 pixels (horizontal) or
//   16 x (16 * RUN) (vertical). Dispatch: horizontal (ceil(W / (16 RUN)), ceil(H / 16), layers),
//   vertical (ceil(W / 16), ceil(H / (16 RUN)), layers).
//   The first window of a run is summed, the next RUN - 1 slide (add the entering value, subtract
//   the leaving one), which needs ~1/4 of the loads of summing every window. A plain f32 running
//   sum would keep the rounding error of the largest sum it held: after a strong edge leaves the
//   window, a small remaining sum could be off by 1e-3 of itself (measured 2e-4 on synthetic
//   cells). So the sums are compensated (Neumaier), which keeps each window sum within a few ULP of
//   its own value, as the CPU's f64 sums are (see src/core/maths.ts on lapv's cancellation).
//   SHARED = true (hardware GPUs): the workgroup first stages its 16 lines of (16 RUN + 2r) values
//   (halo r at both ends, replicate-border clamped) in workgroup memory. MAX_RADIUS mirrors
//   MAX_WINDOW in src/core/options.ts (BOX_MAX_RADIUS in src/gpu/kernels.ts); the strip is sized
//   for it (12 KiB). SHARED = false (software adapters, where barriers cost 10-50x): the values
//   are read from the storage buffer.

const TILE: u32 = 16u;
const RUN: u32 = 8u;
const MAX_RADIUS: u32 = 32u;
const SPAN: u32 = TILE * RUN + 2u * MAX_RADIUS;

override SHARED: bool = true;

@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

// strip[line * SPAN + i] holds the value at offset i - r from the start of the workgroup's run
// block on line `line` (a row for the horizontal pass, a column for the vertical one).
var<workgroup> strip: array<f32, TILE * SPAN>;

// One line of the pass: pixel `origin` plus `along` steps along `axis` (0: x, 1: y).
struct Line {
  origin: vec2u,
  axis: u32,
  layer: u32,
  lane: u32,   // which of the workgroup's TILE lines
  block: u32,  // offset of this invocation's run inside the workgroup's block
}

fn length_along(axis: u32) -> u32 {
  return select(params.height, params.width, axis == 0u);
}

fn pixel(line: Line, along: i32) -> vec2u {
  let step = select(vec2i(0, along), vec2i(along, 0), line.axis == 0u);
  return vec2u(vec2i(line.origin) + step);
}

// The value at `along` (may be outside the image: clamped) on the line.
fn value(line: Line, along: i32) -> f32 {
  if (SHARED) {
    return strip[line.lane * SPAN + u32(i32(line.block + params.window) + along)];
  }
  let p = vec2i(line.origin) + select(vec2i(0, along), vec2i(along, 0), line.axis == 0u);
  return src[pixel_index(clamp_x(p.x), clamp_y(p.y), line.layer)];
}

// Stages the workgroup's lines in workgroup memory. `first` is the first pixel of line 0's block.
fn stage(first: vec2u, axis: u32, lane: u32, position: u32, layer: u32) {
  let r = params.window;
  let across = select(vec2i(1, 0), vec2i(0, 1), axis == 0u) * i32(lane);
  for (var i = position; i < TILE * RUN + 2u * r; i += TILE) {
    let along = i32(i) - i32(r);
    let p = vec2i(first) + across + select(vec2i(0, along), vec2i(along, 0), axis == 0u);
    strip[lane * SPAN + i] = src[pixel_index(clamp_x(p.x), clamp_y(p.y), layer)];
  }
}

// A running sum with its rounding error carried separately (Neumaier's compensated summation).
struct Sum {
  value: f32,
  error: f32,
}

fn add(s: Sum, x: f32) -> Sum {
  let t = s.value + x;
  let lost = select((x - t) + s.value, (s.value - t) + x, abs(s.value) >= abs(x));
  return Sum(t, s.error + lost);
}

// Writes the run of window sums starting at the line's origin, divided by `scale`.
fn run_sums(line: Line, scale: f32) {
  let r = i32(params.window);
  let start = line.origin[line.axis];
  let count = min(RUN, length_along(line.axis) - start);
  var sum = Sum(0.0, 0.0);
  for (var k = -r; k <= r; k++) {
    sum = add(sum, value(line, k));
  }
  var p = line.origin;
  dst[pixel_index(p.x, p.y, line.layer)] = (sum.value + sum.error) / scale;
  for (var i = 1; i < i32(count); i++) {
    sum = add(add(sum, value(line, i + r)), -value(line, i - r - 1));
    p = pixel(line, i);
    dst[pixel_index(p.x, p.y, line.layer)] = (sum.value + sum.error) / scale;
  }
}

@compute @workgroup_size(16, 16, 1)
fn horizontal(
  @builtin(workgroup_id) group: vec3u,
  @builtin(local_invocation_id) local: vec3u,
) {
  let first = vec2u(group.x * TILE * RUN, group.y * TILE);
  if (SHARED) {
    stage(first, 0u, local.y, local.x, group.z);
    workgroupBarrier();
  }
  let origin = first + vec2u(local.x * RUN, local.y);
  if (!inside(origin)) {
    return;
  }
  run_sums(Line(origin, 0u, group.z, local.y, local.x * RUN), 1.0);
}

@compute @workgroup_size(16, 16, 1)
fn vertical(
  @builtin(workgroup_id) group: vec3u,
  @builtin(local_invocation_id) local: vec3u,
) {
  let first = vec2u(group.x * TILE, group.y * TILE * RUN);
  if (SHARED) {
    stage(first, 1u, local.x, local.y, group.z);
    workgroupBarrier();
  }
  let origin = first + vec2u(local.x, local.y * RUN);
  if (!inside(origin)) {
    return;
  }
  let side = f32(2u * params.window + 1u);
  run_sums(Line(origin, 1u, group.z, local.x, local.y * RUN), side * side);
}
