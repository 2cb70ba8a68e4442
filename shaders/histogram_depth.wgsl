// histogram_depth.wgsl: depth mode `histogram` (src/cpu/histogram-depth.ts, docs/fusion-v2.md):
//   H_z = G_s[C hat(D - z)], hat(t) = max(0, 1 - |t|), for the bins z = 0..Z-1, s = 8/3 sigma
//   (HISTOGRAM_SIGMA_FACTOR); k = argmax_z H_z (ties: lowest z);
//   Ds = sum_{|z-k| <= 1} z H_z / sum_{|z-k| <= 1} H_z, and Ds = D where sum_z H_z (= G_s[C]) < weight_floor.
// G is the separable Gaussian of the f32 taps gaussianKernel(s) (uploaded as `weights`,
// R = smooth_radius = ceil(3 s)), clamp-to-edge reads, as in the CPU reference; sums in f32.
// Layout: `rows` holds the row-filtered votes of every bin, Z layers of W x H (the box-mean scratch,
// free once the depth pass has run); `depth` is one layer.
// Tiling: 16x16 workgroups, one invocation per pixel.
//   horizontal: dispatch (ceil(W/16), ceil(H/16), Z), one layer per bin; 2R + 1 taps along the row,
//     each vote C hat(D - z) formed from D and C on the fly (no vote image).
//   vertical: dispatch (ceil(W/16), ceil(H/16), 1); each invocation filters its column in every bin's
//     layer, in bin order, and keeps the best bin so far, its neighbours' H and the total in
//     registers: the CPU's running best (same comparisons in the same order), so nothing grows with Z
//     but the `rows` scratch the measure already needed.
// Halo: a band needs R rows above and below its kept rows for this filter (src/gpu/plan.ts haloRows).
// No workgroup memory: R reaches ceil(8 MAX_SIGMA) = 512 px, more than a strip in 16 KiB can hold,
// and software adapters (the target of the 2x cost bar) read storage as fast.

@group(0) @binding(1) var<storage, read> raw_depth: array<f32>;
@group(0) @binding(2) var<storage, read> confidence: array<f32>;
@group(0) @binding(3) var<storage, read> weights: array<f32>;
@group(0) @binding(4) var<storage, read_write> rows: array<f32>;
@group(0) @binding(5) var<storage, read_write> depth: array<f32>;

@compute @workgroup_size(16, 16, 1)
fn horizontal(@builtin(global_invocation_id) id: vec3u) {
  if (!inside(id.xy)) {
    return;
  }
  let bin = f32(id.z);
  let row = id.y * params.width;
  let r = i32(params.smooth_radius);
  var sum = 0.0;
  for (var k = -r; k <= r; k++) {
    let i = row + clamp_x(i32(id.x) + k);
    let t = 1.0 - abs(raw_depth[i] - bin);
    if (t > 0.0) {
      sum += weights[u32(k + r)] * (confidence[i] * t);
    }
  }
  rows[pixel_index(id.x, id.y, id.z)] = sum;
}

@compute @workgroup_size(16, 16, 1)
fn vertical(@builtin(global_invocation_id) id: vec3u) {
  if (!inside(id.xy)) {
    return;
  }
  let r = i32(params.smooth_radius);
  var best = -1.0;
  var best_bin = 0u;
  var below = 0.0;  // H_{k-1} of the best bin k (0 for k = 0)
  var above = 0.0;  // H_{k+1}
  var total = 0.0;
  var previous = 0.0;  // H_{z-1}
  for (var z = 0u; z < params.planes; z++) {
    var h = 0.0;
    for (var k = -r; k <= r; k++) {
      h += weights[u32(k + r)] * rows[pixel_index(id.x, clamp_y(i32(id.y) + k), z)];
    }
    total += h;
    if (z == best_bin + 1u) {
      above = h;
    }
    if (h > best) {
      best = h;
      best_bin = z;
      below = select(0.0, previous, z > 0u);
      above = 0.0;
    }
    previous = h;
  }
  let i = pixel_index(id.x, id.y, 0u);
  let k = f32(best_bin);
  let centroid = ((k - 1.0) * below + k * best + (k + 1.0) * above) / (below + best + above);
  depth[i] = select(centroid, raw_depth[i], total < params.weight_floor);
}
