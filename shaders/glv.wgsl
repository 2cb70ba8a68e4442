// glv.wgsl: gray-level variance F = Box_r[Y^2] - Box_r[Y]^2 (CPU: src/cpu/measures-extra/glv.ts),
// computed as an exact two-pass variance rather than as that difference: in f32 the two means of raw
// luma (~0.1..0.8) agree to ~1e-5 of themselves on flat background, so their difference would keep
// one or two digits (measured: up to 1e-2 relative off the CPU even with compensated box sums and
// luma centred on 0.8, docs/bench.md). Variance is shift-invariant, so every sum here is over values
// shifted by the window's centre, and no large sum is ever subtracted from another:
//   `horizontal`: per pixel, the 2r+1 values of its row window as differences from the centre value c:
//     row mean m = c + mean(Y - c), row M2 = sum (Y - c - mean(Y - c))^2 (two passes over the row).
//   `vertical`: per pixel, the 2r+1 row statistics of its column window, merged as a parallel
//     variance (Chan et al.) shifted by the centre row's mean: M2 = sum M2_j + (2r+1) sum (m_j - m)^2,
//     F = M2 / (2r+1)^2. Separable, so O(r) reads per pixel instead of O(r^2).
//   A flat window gives exactly 0 (every difference is 0), and so does r = 0, as on the CPU.
// Layout: `luma` = Z layers of f32; `row_stats` = 2 x Z layers (row means, then row M2: the box-mean
//         scratch, which the descriptor's 2 channels size); `energy` = Z layers of F, which depth.wgsl
//         reads as is (params.variance = 0, no box-mean pass).
// Tiling: one invocation per pixel, 16x16 workgroups, dispatch (ceil(W/16), ceil(H/16), Z) for each
//         entry point, `horizontal` before `vertical`. Halo: r pixels along each axis, clamped at the image
//         (band) border; the band plan's halo (3 + r + smoothing rows) covers it.
//         No workgroup tile: the window reaches MAX_WINDOW = 32, and a 16x16 tile with that halo
//         (80x80 f32) exceeds WebGPU's 16 KiB of workgroup memory; the reads of one row or column are
//         contiguous per workgroup and cached.

@group(0) @binding(1) var<storage, read> luma: array<f32>;
@group(0) @binding(2) var<storage, read_write> row_stats: array<f32>;
@group(0) @binding(3) var<storage, read_write> energy: array<f32>;

@compute @workgroup_size(16, 16, 1)
fn horizontal(@builtin(global_invocation_id) id: vec3u) {
  if (!inside(id.xy)) {
    return;
  }
  let r = i32(params.window);
  let x = i32(id.x);
  let c = luma[pixel_index(id.x, id.y, id.z)];
  var sum = 0.0;
  for (var k = -r; k <= r; k++) {
    sum += luma[pixel_index(clamp_x(x + k), id.y, id.z)] - c;
  }
  let n = f32(2 * r + 1);
  let shift = sum / n;
  var m2 = 0.0;
  for (var k = -r; k <= r; k++) {
    let d = (luma[pixel_index(clamp_x(x + k), id.y, id.z)] - c) - shift;
    m2 += d * d;
  }
  row_stats[pixel_index(id.x, id.y, id.z)] = c + shift;
  row_stats[pixel_index(id.x, id.y, params.planes + id.z)] = m2;
}

@compute @workgroup_size(16, 16, 1)
fn vertical(@builtin(global_invocation_id) id: vec3u) {
  if (!inside(id.xy)) {
    return;
  }
  let r = i32(params.window);
  let y = i32(id.y);
  let c = row_stats[pixel_index(id.x, id.y, id.z)];
  var sum = 0.0;
  for (var k = -r; k <= r; k++) {
    sum += row_stats[pixel_index(id.x, clamp_y(y + k), id.z)] - c;
  }
  let n = f32(2 * r + 1);
  let shift = sum / n;
  var within = 0.0;
  var between = 0.0;
  for (var k = -r; k <= r; k++) {
    let row = clamp_y(y + k);
    let d = (row_stats[pixel_index(id.x, row, id.z)] - c) - shift;
    between += d * d;
    within += row_stats[pixel_index(id.x, row, params.planes + id.z)];
  }
  energy[pixel_index(id.x, id.y, id.z)] = (within + n * between) / (n * n);
}
