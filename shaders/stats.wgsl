// stats.wgsl: the focus curve (mean F_z per plane) as partial sums; the host adds the partials in
// f64 and divides. Only F needs a GPU reduction: Ds and C are read back anyway, so the host takes
// their mean, standard deviation and histogram from the read-back maps, in f64 exactly as the CPU.
// Each invocation adds a grid-strided share of the kept pixels of one plane (rows kept_start..
// kept_end of the band, so tiled bands never count their halo rows twice) and writes one partial:
//   partials[z * G * 64 + invocation]   with G = number of workgroups in x.
// No workgroup memory or barriers: the partials are few (at most 1024 per plane), and software
// adapters run barrier-free kernels much faster.
// Layout: `focus` = Z layers. Dispatch (G, Z, 1), G = ceil(min(kept pixels, 1024) / 64).

const GROUP: u32 = 64u;

@group(0) @binding(1) var<storage, read> focus: array<f32>;
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;

@compute @workgroup_size(64, 1, 1)
fn main(
  @builtin(global_invocation_id) id: vec3u,
  @builtin(num_workgroups) groups: vec3u,
) {
  let z = id.y;
  let lanes = groups.x * GROUP;
  let layer = z * params.width * params.height;
  var sum = 0.0;
  for (var i = params.kept_start * params.width + id.x; i < params.kept_end * params.width; i += lanes) {
    sum += focus[layer + i];
  }
  partials[z * lanes + id.x] = sum;
}
