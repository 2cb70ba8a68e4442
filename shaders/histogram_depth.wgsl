// histogram_depth.wgsl: depth mode `histogram` (src/cpu/histogram-depth.ts, docs/fusion-v2.md), its
// bins filtered on a grid DECIMATION (d) times coarser than the band:
//   votes v_z = C hat(D - z), hat(t) = max(0, 1 - |t|), for the bins z = 0..Z-1;
//   V_z = mean of v_z over each d x d block (clamp-to-edge reads), on a grid of ceil(W/d) x ceil(H/d);
//   Hc_z = G_{s/d}[V_z], s = 8/3 sigma (HISTOGRAM_SIGMA_FACTOR); H_z = Hc_z interpolated bilinearly
//   at the pixel (cell c's centre at image coordinate d c + (d - 1) / 2, cells clamped to the grid);
//   k = argmax_z H_z (ties: lowest z); Ds = sum_{|z-k| <= 1} z H_z / sum_{|z-k| <= 1} H_z, and
//   Ds = D where sum_z H_z (~ G_s[C]) < weight_floor.
// G is the separable Gaussian of the f32 taps gaussianKernel(s / d) (uploaded as `weights`,
// R = smooth_radius = ceil(3 s / d), in cells), clamp-to-edge reads, as in the CPU reference; sums in f32.
// Layout: `votes` and `rows` hold four bins per vec4f (bins 4g..4g+3 in layer g, G = ceil(Z / 4)
// layers of the coarse grid; bins past Z - 1 are padding, never read as bins): `votes` first the
// block means V, then (after `horizontal` has read them) the filtered Hc; `rows` the row-filtered V.
// Tiling: 16x16 workgroups, one invocation per cell (vote, horizontal, vertical: dispatch
// (ceil(cw/16), ceil(ch/16), G)) or per pixel (resolve: (ceil(W/16), ceil(H/16), 1)).
//   vote: each cell's d x d pixels' votes, four bins per vec4f, averaged.
//   horizontal / vertical: 2R + 1 taps along the coarse row / column, one vec4f per tap.
//   resolve: per group four vec4f reads (the 2x2 cells around the pixel), mixed bilinearly, then the
//     four bins in order through the CPU's running best (same comparisons in the same order).
// Halo: a band needs d (R + 2) - 1 rows above and below its kept rows for this filter
// (histogramReach, src/gpu/plan.ts haloRows), and starts on a multiple of d so its cells are the image's.
// No workgroup memory: R reaches ceil(8 MAX_SIGMA / d) cells, more than a strip in 16 KiB can hold,
// and software adapters (the target of the 2x cost bar) read storage as fast.

@group(0) @binding(1) var<storage, read> raw_depth: array<f32>;
@group(0) @binding(2) var<storage, read> confidence: array<f32>;
@group(0) @binding(3) var<storage, read> weights: array<f32>;
@group(0) @binding(4) var<storage, read_write> rows: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> depth: array<f32>;
@group(0) @binding(6) var<storage, read_write> votes: array<vec4f>;

// Mirrors HISTOGRAM_DECIMATION (src/core/histogram.ts).
const DECIMATION: u32 = 2u;

fn coarse_size() -> vec2u {
  return (vec2u(params.width, params.height) + vec2u(DECIMATION - 1u)) / DECIMATION;
}

fn cell_index(x: u32, y: u32, layer: u32) -> u32 {
  let size = coarse_size();
  return (layer * size.y + y) * size.x + x;
}

@compute @workgroup_size(16, 16, 1)
fn vote(@builtin(global_invocation_id) id: vec3u) {
  if (any(id.xy >= coarse_size())) {
    return;
  }
  let z0 = f32(4u * id.z);
  let bins = vec4f(z0, z0 + 1.0, z0 + 2.0, z0 + 3.0);
  var sum = vec4f(0.0);
  for (var j = 0u; j < DECIMATION; j++) {
    let y = min(DECIMATION * id.y + j, params.height - 1u);
    for (var i = 0u; i < DECIMATION; i++) {
      let p = pixel_index(min(DECIMATION * id.x + i, params.width - 1u), y, 0u);
      // The CPU's vote C t where t = 1 - |D - z| > 0, else 0 (C >= 0, so max(t, 0) gives the same).
      sum += confidence[p] * max(1.0 - abs(raw_depth[p] - bins), vec4f(0.0));
    }
  }
  votes[cell_index(id.x, id.y, id.z)] = sum / f32(DECIMATION * DECIMATION);
}

@compute @workgroup_size(16, 16, 1)
fn horizontal(@builtin(global_invocation_id) id: vec3u) {
  let size = coarse_size();
  if (any(id.xy >= size)) {
    return;
  }
  let row = cell_index(0u, id.y, id.z);
  let r = i32(params.smooth_radius);
  var sum = vec4f(0.0);
  for (var k = -r; k <= r; k++) {
    sum += weights[u32(k + r)] * votes[row + u32(clamp(i32(id.x) + k, 0, i32(size.x) - 1))];
  }
  rows[row + id.x] = sum;
}

@compute @workgroup_size(16, 16, 1)
fn vertical(@builtin(global_invocation_id) id: vec3u) {
  let size = coarse_size();
  if (any(id.xy >= size)) {
    return;
  }
  let r = i32(params.smooth_radius);
  var sum = vec4f(0.0);
  for (var k = -r; k <= r; k++) {
    sum += weights[u32(k + r)] * rows[cell_index(id.x, u32(clamp(i32(id.y) + k, 0, i32(size.y) - 1)), id.z)];
  }
  votes[cell_index(id.x, id.y, id.z)] = sum;
}

// The running best over the bins seen so far (the CPU's per-pixel state, in registers).
struct Mode {
  best: f32,      // H of the best bin (starts below any H >= 0)
  bin: u32,       // the best bin k
  below: f32,     // H_{k-1} (0 for k = 0)
  above: f32,     // H_{k+1}
  total: f32,     // sum of H so far (~ G_s[C] at the end)
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

// The two cells along a side of `cells` that pixel p reads (clamped) and the weight of the second
// (the CPU's bilinearTaps): p sits at u = (p + 0.5) / d - 0.5 cells.
struct Taps {
  lo: u32,
  hi: u32,
  f: f32,
}

fn bilinear_taps(p: u32, cells: u32) -> Taps {
  let u = (f32(p) + 0.5) / f32(DECIMATION) - 0.5;
  let c = floor(u);
  let last = i32(cells) - 1;
  return Taps(u32(clamp(i32(c), 0, last)), u32(min(i32(c) + 1, last)), u - c);
}

@compute @workgroup_size(16, 16, 1)
fn resolve(@builtin(global_invocation_id) id: vec3u) {
  if (!inside(id.xy)) {
    return;
  }
  let size = coarse_size();
  let tx = bilinear_taps(id.x, size.x);
  let ty = bilinear_taps(id.y, size.y);
  var m = Mode(-1.0, 0u, 0.0, 0.0, 0.0, 0.0);
  for (var g = 0u; 4u * g < params.planes; g++) {
    let upper = mix(votes[cell_index(tx.lo, ty.lo, g)], votes[cell_index(tx.hi, ty.lo, g)], tx.f);
    let lower = mix(votes[cell_index(tx.lo, ty.hi, g)], votes[cell_index(tx.hi, ty.hi, g)], tx.f);
    let h = mix(upper, lower, ty.f);
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
