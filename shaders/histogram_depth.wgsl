// histogram_depth.wgsl: depth mode `histogram` (src/cpu/histogram-depth.ts, docs/fusion-v2.md):
//   H_z = G_s[C hat(D - z)], hat(t) = max(0, 1 - |t|), for the bins z = 0..Z-1, s = 8/3 sigma
//   (HISTOGRAM_SIGMA_FACTOR); k = argmax_z H_z (ties: lowest z);
//   Ds = sum_{|z-k| <= 1} z H_z / sum_{|z-k| <= 1} H_z, and Ds = D where sum_z H_z (= G_s[C]) < weight_floor.
// G is the separable Gaussian of the f32 taps gaussianKernel(s) (uploaded as `weights`,
// R = smooth_radius = ceil(3 s)), clamp-to-edge reads, as in the CPU reference; sums in f32.
// Layout: `votes` and `rows` hold four bins per vec4f (bins 4g..4g+3 in layer g, G = ceil(Z / 4)
// layers of W x H; bins past Z - 1 are padding, never read as bins): `votes` the votes C hat(D - z),
// `rows` their row-filtered sums; `depth` is one layer.
// Tiling: 16x16 workgroups, one invocation per pixel.
//   votes: dispatch (ceil(W/16), ceil(H/16), G): each pixel's four votes per layer, formed once
//     (not once per tap of every neighbour).
//   horizontal: dispatch (ceil(W/16), ceil(H/16), G): 2R + 1 taps along the row, one vec4f per tap.
//   vertical: dispatch (ceil(W/16), ceil(H/16), 1); each invocation filters its column in every
//     group's layer (one vec4f read per tap for four bins), then walks the four bins in order keeping
//     the best bin so far, its neighbours' H and the total in registers: the CPU's running best (same
//     comparisons in the same order).
// Halo: a band needs R rows above and below its kept rows for this filter (src/gpu/plan.ts haloRows).
// No workgroup memory: R reaches ceil(8 MAX_SIGMA) = 512 px, more than a strip in 16 KiB can hold,
// and software adapters (the target of the 2x cost bar) read storage as fast.

@group(0) @binding(1) var<storage, read> raw_depth: array<f32>;
@group(0) @binding(2) var<storage, read> confidence: array<f32>;
@group(0) @binding(3) var<storage, read> weights: array<f32>;
@group(0) @binding(4) var<storage, read_write> rows: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> depth: array<f32>;
@group(0) @binding(6) var<storage, read_write> votes: array<vec4f>;

@compute @workgroup_size(16, 16, 1)
fn vote(@builtin(global_invocation_id) id: vec3u) {
  if (!inside(id.xy)) {
    return;
  }
  let z0 = f32(4u * id.z);
  let bins = vec4f(z0, z0 + 1.0, z0 + 2.0, z0 + 3.0);
  let i = pixel_index(id.x, id.y, 0u);
  // The CPU's vote C t where t = 1 - |D - z| > 0, else 0 (C >= 0, so max(t, 0) gives the same).
  votes[pixel_index(id.x, id.y, id.z)] = confidence[i] * max(1.0 - abs(raw_depth[i] - bins), vec4f(0.0));
}

@compute @workgroup_size(16, 16, 1)
fn horizontal(@builtin(global_invocation_id) id: vec3u) {
  if (!inside(id.xy)) {
    return;
  }
  let row = pixel_index(0u, id.y, id.z);
  let r = i32(params.smooth_radius);
  var sum = vec4f(0.0);
  for (var k = -r; k <= r; k++) {
    sum += weights[u32(k + r)] * votes[row + clamp_x(i32(id.x) + k)];
  }
  rows[row + id.x] = sum;
}

// The running best over the bins seen so far (the CPU's per-pixel state, in registers).
struct Mode {
  best: f32,      // H of the best bin (starts below any H >= 0)
  bin: u32,       // the best bin k
  below: f32,     // H_{k-1} (0 for k = 0)
  above: f32,     // H_{k+1}
  total: f32,     // sum of H so far (G_s[C] at the end)
  previous: f32,  // H_{z-1}
}

// Bin z, in order, with its H = h.
fn next_bin(m: Mode, h: f32, z: u32) -> Mode {
  var n = m;
  n.total += h;
  if (z == m.bin + 1u) {
    n.above = h;
  }
  if (h > m.best) {
    n.best = h;
    n.bin = z;
    n.below = select(0.0, m.previous, z > 0u);
    n.above = 0.0;
  }
  n.previous = h;
  return n;
}

@compute @workgroup_size(16, 16, 1)
fn vertical(@builtin(global_invocation_id) id: vec3u) {
  if (!inside(id.xy)) {
    return;
  }
  let r = i32(params.smooth_radius);
  var m = Mode(-1.0, 0u, 0.0, 0.0, 0.0, 0.0);
  for (var g = 0u; 4u * g < params.planes; g++) {
    var h = vec4f(0.0);
    for (var k = -r; k <= r; k++) {
      h += weights[u32(k + r)] * rows[pixel_index(id.x, clamp_y(i32(id.y) + k), g)];
    }
    // Bins 4g + 1.. may lie past Z - 1 (padding): only real bins enter the running best.
    let z = 4u * g;
    m = next_bin(m, h.x, z);
    if (z + 1u < params.planes) {
      m = next_bin(m, h.y, z + 1u);
    }
    if (z + 2u < params.planes) {
      m = next_bin(m, h.z, z + 2u);
    }
    if (z + 3u < params.planes) {
      m = next_bin(m, h.w, z + 3u);
    }
  }
  let i = pixel_index(id.x, id.y, 0u);
  let k = f32(m.bin);
  let centroid = ((k - 1.0) * m.below + k * m.best + (k + 1.0) * m.above) / (m.below + m.best + m.above);
  depth[i] = select(centroid, raw_depth[i], m.total < params.weight_floor);
}
