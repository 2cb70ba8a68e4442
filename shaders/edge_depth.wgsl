// edge_depth.wgsl: the `edge-aware` depth mode (maths in docs/fusion-v2.md; the CPU reference is
// src/cpu/edge-depth.ts, its constants src/core/edge-aware.ts). Entry points, run in this order:
//   summary  per pixel: Fmax = max_z F_z (guide layer 2); the guide's luma steps
//            gH = max_z |Y_z(x, y) - Y_z(x - 1, y)| (layer 0, 0 at x = 0) and gV to the row above
//            (layer 1, 0 at y = 0); the stack's safety counts (atomics; countsLength's layout:
//            [evident, dips[Z], argmax of evident pixels[Z], argmax of all pixels[Z]]).
//   row_max  per pixel: max of Fmax over [x - R, x + R] (clamped), R = edge.halo_radius, into
//            `depth` (scratch until resolve).
//   weigh    per pixel: M = max of row_max over [y - R, y + R];
//            W = C min(1, Fmax / (HALO_SHARE M))^2 (0 where M = 0);
//            sums = (W D, W).
//   rows     one invocation per row: the causal then anti-causal recursive pass on both sums
//            layers, J[k] += w_k (J[k-1] - J[k]), w_k = exp(log_feedback (1 + ratio gH_k)); run
//            once per iteration with that iteration's `edge` block (the host binds slot i).
//   columns  one invocation per column, the same with gV.
//   decide   one invocation: the stack's fallback plane (fallbackPlane, -1 for none) and prior plane
//            P (priorPlane, the dominant argmax plane) from the counts, into the two slots after
//            them (once, not ~35 atomic loads per pixel in resolve).
//   resolve  per pixel: the fallback plane when there is one, else raw D when smoothing is off
//            (smooth_radius = 0), else (sums[0] + prior_weight P) / (sums[1] + prior_weight).
// Layout: `planes` = Z packed RGBA8 layers; `focus` = Z f32 layers (written by depth.wgsl);
//         `guide` = 3 layers; `sums` = 2 layers; `depth` = 1 layer; `counts` = 1 + 3 Z u32 (read
//         back), then the 2 planes `decide` writes (i32 bits).
// Tiling: 16x16 workgroups everywhere. Per-pixel entries: dispatch (ceil(W/16), ceil(H/16), 1).
//   Line entries: invocation (group.x * 256 + local index) owns one line, dispatch
//   (ceil(lines / 256), 1, 1): the recursion is sequential along a line, lines are independent.
//   The max filter reads storage directly (2R + 1 taps per pass, R = 3 r: 25 at the default r = 4).
//   No halo: a band is filtered as an image of its own (see src/gpu/plan.ts for the band halo).

const DIP_RATIO: f32 = 0.5;
const PEAK_RATIO: f32 = 0.5;
const HALO_SHARE: f32 = 0.1;
const MIN_EVIDENT_DIVISOR: u32 = 100u;
const LINES_PER_GROUP: u32 = 256u;

// One 256-byte slot per iteration of the recursive filter (the host writes them all at once).
struct Edge {
  log_feedback: f32, // ln a_i = -sqrt(2) / sigma_i
  ratio: f32,        // sigma_s / sigma_r
  halo_radius: u32,  // R of the max filter
  prior_weight: f32, // PRIOR_WEIGHT
}

@group(0) @binding(1) var<storage, read> planes: array<u32>;
@group(0) @binding(2) var<storage, read> focus: array<f32>;
@group(0) @binding(3) var<storage, read> raw_depth: array<f32>;
@group(0) @binding(4) var<storage, read> confidence: array<f32>;
@group(0) @binding(5) var<storage, read_write> guide: array<f32>;
@group(0) @binding(6) var<storage, read_write> sums: array<f32>;
@group(0) @binding(7) var<storage, read_write> depth: array<f32>;
@group(0) @binding(8) var<storage, read_write> counts: array<atomic<u32>>;
@group(0) @binding(9) var<uniform> edge: Edge;

fn luma_at(x: u32, y: u32, z: u32) -> f32 {
  return luma_of(planes[pixel_index(x, y, z)]);
}

// Visits a dip candidate j: keeps the deepest valley (ties: the caller's visiting order decides).
fn dip_test(f: f32, side: f32, best: f32, deepest: ptr<function, f32>, dip: ptr<function, i32>, j: u32) {
  if (side >= PEAK_RATIO * best && f < DIP_RATIO * side && f / side <= *deepest) {
    *deepest = f / side;
    *dip = i32(j);
  }
}

@compute @workgroup_size(16, 16, 1)
fn summary(@builtin(global_invocation_id) id: vec3u) {
  let p = id.xy;
  if (!inside(p)) {
    return;
  }
  let Z = params.planes;
  var k = 0u;
  var best = focus[pixel_index(p.x, p.y, 0u)];
  var gh = 0.0;
  var gv = 0.0;
  for (var z = 0u; z < Z; z++) {
    let f = focus[pixel_index(p.x, p.y, z)];
    if (f > best) {
      best = f;
      k = z;
    }
    let y0 = luma_at(p.x, p.y, z);
    if (p.x > 0u) {
      gh = max(gh, abs(y0 - luma_at(p.x - 1u, p.y, z)));
    }
    if (p.y > 0u) {
      gv = max(gv, abs(y0 - luma_at(p.x, p.y - 1u, z)));
    }
  }
  guide[pixel_index(p.x, p.y, 0u)] = gh;
  guide[pixel_index(p.x, p.y, 1u)] = gv;
  guide[pixel_index(p.x, p.y, 2u)] = best;
  atomicAdd(&counts[1u + 2u * Z + k], 1u);
  if (!(best > params.tau)) {
    return;
  }
  atomicAdd(&counts[0], 1u);
  atomicAdd(&counts[1u + Z + k], 1u);
  // The deepest dip: with k the argmax, min(max before j, max after j) is the running max from the
  // far end on each side. j > k downwards, then j < k upwards, with <= : ties go to the lowest j.
  var dip = -1;
  var deepest = DIP_RATIO;
  if (Z >= 3u) {
    var side = focus[pixel_index(p.x, p.y, Z - 1u)];
    for (var j = Z - 2u; j > k; j--) {
      let f = focus[pixel_index(p.x, p.y, j)];
      dip_test(f, side, best, &deepest, &dip, j);
      side = max(side, f);
    }
    side = focus[pixel_index(p.x, p.y, 0u)];
    for (var j = 1u; j < k; j++) {
      let f = focus[pixel_index(p.x, p.y, j)];
      dip_test(f, side, best, &deepest, &dip, j);
      side = max(side, f);
    }
  }
  if (dip >= 0) {
    atomicAdd(&counts[1u + u32(dip)], 1u);
  }
}

@compute @workgroup_size(16, 16, 1)
fn row_max(@builtin(global_invocation_id) id: vec3u) {
  let p = id.xy;
  if (!inside(p)) {
    return;
  }
  let r = i32(edge.halo_radius);
  var m = 0.0;
  for (var k = -r; k <= r; k++) {
    m = max(m, guide[pixel_index(clamp_x(i32(p.x) + k), p.y, 2u)]);
  }
  depth[pixel_index(p.x, p.y, 0u)] = m;
}

@compute @workgroup_size(16, 16, 1)
fn weigh(@builtin(global_invocation_id) id: vec3u) {
  let p = id.xy;
  if (!inside(p)) {
    return;
  }
  let r = i32(edge.halo_radius);
  var m = 0.0;
  for (var k = -r; k <= r; k++) {
    m = max(m, depth[pixel_index(p.x, clamp_y(i32(p.y) + k), 0u)]);
  }
  let i = pixel_index(p.x, p.y, 0u);
  let share = select(0.0, min(1.0, guide[pixel_index(p.x, p.y, 2u)] / (HALO_SHARE * m)), m > 0.0);
  let w = confidence[i] * share * share;
  sums[i] = w * raw_depth[i];
  sums[pixel_index(p.x, p.y, 1u)] = w;
}

// Causal then anti-causal pass along one line: pixel `start + k * stride`, k = 0..length-1; the step
// from pixel k-1 to k is guide layer `layer` at pixel k.
fn filter_line(start: u32, stride: u32, length: u32, layer: u32) {
  let second = params.width * params.height;
  let steps = layer * second;
  for (var k = 1u; k < length; k++) {
    let i = start + k * stride;
    let w = exp(edge.log_feedback * (1.0 + edge.ratio * guide[steps + i]));
    sums[i] += w * (sums[i - stride] - sums[i]);
    sums[second + i] += w * (sums[second + i - stride] - sums[second + i]);
  }
  for (var k = length - 1u; k > 0u; k--) {
    let i = start + (k - 1u) * stride;
    let w = exp(edge.log_feedback * (1.0 + edge.ratio * guide[steps + i + stride]));
    sums[i] += w * (sums[i + stride] - sums[i]);
    sums[second + i] += w * (sums[second + i + stride] - sums[second + i]);
  }
}

@compute @workgroup_size(16, 16, 1)
fn rows(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) local: u32) {
  let y = group.x * LINES_PER_GROUP + local;
  if (y >= params.height) {
    return;
  }
  filter_line(pixel_index(0u, y, 0u), 1u, params.width, 0u);
}

@compute @workgroup_size(16, 16, 1)
fn columns(@builtin(workgroup_id) group: vec3u, @builtin(local_invocation_index) local: u32) {
  let x = group.x * LINES_PER_GROUP + local;
  if (x >= params.width) {
    return;
  }
  filter_line(x, params.width, params.height, 1u);
}

// Most common value of counts[start .. start + Z) (ties: the lowest).
fn mode(start: u32) -> i32 {
  var best = 0u;
  for (var z = 1u; z < params.planes; z++) {
    if (atomicLoad(&counts[start + z]) > atomicLoad(&counts[start + best])) {
      best = z;
    }
  }
  return i32(best);
}

// priorPlane of src/core/edge-aware.ts: the most common argmax of the evident pixels (of all
// pixels when none is evident).
fn prior_plane() -> i32 {
  return select(mode(1u + 2u * params.planes), mode(1u + params.planes), atomicLoad(&counts[0]) > 0u);
}

// fallbackPlane of src/core/edge-aware.ts, in the same integer comparisons.
fn fallback_plane() -> i32 {
  let Z = params.planes;
  let evident = atomicLoad(&counts[0]);
  var dipped = 0u;
  for (var z = 0u; z < Z; z++) {
    dipped += atomicLoad(&counts[1u + z]);
  }
  if (evident > 0u && 2u * dipped > evident) {
    return mode(1u);
  }
  if (MIN_EVIDENT_DIVISOR * evident < params.width * params.height) {
    return prior_plane();
  }
  return -1;
}

// Index of the first of the two slots `decide` writes: countsLength(Z).
fn decided_at() -> u32 {
  return 1u + 3u * params.planes;
}

@compute @workgroup_size(16, 16, 1)
fn decide(@builtin(global_invocation_id) id: vec3u) {
  if (id.x == 0u && id.y == 0u) {
    atomicStore(&counts[decided_at()], bitcast<u32>(fallback_plane()));
    atomicStore(&counts[decided_at() + 1u], bitcast<u32>(prior_plane()));
  }
}

@compute @workgroup_size(16, 16, 1)
fn resolve(@builtin(global_invocation_id) id: vec3u) {
  let p = id.xy;
  if (!inside(p)) {
    return;
  }
  let i = pixel_index(p.x, p.y, 0u);
  let plane = bitcast<i32>(atomicLoad(&counts[decided_at()]));
  if (plane >= 0) {
    depth[i] = f32(plane);
  } else if (params.smooth_radius == 0u) {
    depth[i] = raw_depth[i];
  } else {
    let prior = edge.prior_weight;
    let prior_plane = bitcast<i32>(atomicLoad(&counts[decided_at() + 1u]));
    depth[i] = (sums[i] + prior * f32(prior_plane)) / (sums[pixel_index(p.x, p.y, 1u)] + prior);
  }
}
