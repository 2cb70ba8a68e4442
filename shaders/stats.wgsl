// stats.wgsl: per-stack statistics as partial sums; the host adds the partials in f64.
// Each workgroup reduces a grid-strided share of the kept pixels (rows kept_start..kept_end of
// the band, so tiled bands never count their halo rows twice):
//   row z < Z of the dispatch: sum of F_z                      -> partials[(z * G + g) * 3]
//   row Z:                     sums of Ds, Ds^2, C             -> partials[(Z * G + g) * 3 + 0..2]
//                              and the histogram of round(Ds)  -> histogram[0..Z-1] (atomic)
// Layout: `focus` = Z layers; `depth`, `confidence` = 1 layer; G = number of workgroups in x.
// Tiling: 256 invocations per workgroup, tree reduction in workgroup memory; dispatch (G, Z + 1, 1).
//         The histogram is first counted in workgroup memory so the global atomics are Z per
//         workgroup, not one per pixel. MAX_PLANES mirrors MAX_PLANES in src/core/options.ts.

const GROUP: u32 = 256u;
const MAX_PLANES: u32 = 256u;

@group(0) @binding(1) var<storage, read> focus: array<f32>;
@group(0) @binding(2) var<storage, read> depth: array<f32>;
@group(0) @binding(3) var<storage, read> confidence: array<f32>;
@group(0) @binding(4) var<storage, read_write> partials: array<f32>;
@group(0) @binding(5) var<storage, read_write> histogram: array<atomic<u32>>;

var<workgroup> reduction: array<vec3f, GROUP>;
var<workgroup> local_histogram: array<atomic<u32>, MAX_PLANES>;

@compute @workgroup_size(256, 1, 1)
fn main(
  @builtin(workgroup_id) group: vec3u,
  @builtin(num_workgroups) groups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  let planes = params.planes;
  let row = group.y;
  let first = params.kept_start * params.width;
  let end = params.kept_end * params.width;
  let stride = groups.x * GROUP;
  for (var z = lane; z < planes; z += GROUP) {
    atomicStore(&local_histogram[z], 0u);
  }
  workgroupBarrier();
  var sum = vec3f(0.0);
  for (var i = first + group.x * GROUP + lane; i < end; i += stride) {
    if (row < planes) {
      sum.x += focus[row * params.width * params.height + i];
    } else {
      let ds = depth[i];
      sum += vec3f(ds, ds * ds, confidence[i]);
      let bin = min(u32(floor(clamp(ds, 0.0, f32(planes - 1u)) + 0.5)), planes - 1u);
      atomicAdd(&local_histogram[bin], 1u);
    }
  }
  reduction[lane] = sum;
  workgroupBarrier();
  for (var half = GROUP / 2u; half > 0u; half /= 2u) {
    if (lane < half) {
      reduction[lane] += reduction[lane + half];
    }
    workgroupBarrier();
  }
  if (lane == 0u) {
    let out = (row * groups.x + group.x) * 3u;
    partials[out] = reduction[0].x;
    partials[out + 1u] = reduction[0].y;
    partials[out + 2u] = reduction[0].z;
  }
  if (row == planes) {
    for (var z = lane; z < planes; z += GROUP) {
      let count = atomicLoad(&local_histogram[z]);
      if (count > 0u) {
        atomicAdd(&histogram[z], count);
      }
    }
  }
}
