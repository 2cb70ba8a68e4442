// halo_peaks.wgsl: what the `histogram` depth's one-plane test (src/core/halos.ts) needs from an
// untiled stack, so that the host reads back three values per pixel and Z counts instead of every
// plane's F (11 x 4 bytes per pixel on an 11-plane stack):
//   peaks:   k = argmax_z F_z (ties: lowest z, depth.wgsl's comparisons) and F_max = F_k, as two
//            layers (k as an f32: exact, Z <= 256);
//   counts:  counts[z] = pixels of the kept rows with F_max > tau and k = z (atomic adds of integers,
//            so the totals do not depend on the order);
//   focus_p: F_P, P = argmax_z counts[z] (ties: lowest z): the plane the test measures the peaks
//            against (its step 2; the host recounts and checks it names the same P).
// Entry points, in this order and in separate dispatches (every count is in before `majority` reads
// them): `find_peaks`, then `majority`; both one invocation per pixel, 16x16 workgroups, dispatch
// (ceil(W/16), ceil(H/16), 1). Pointwise: no halo, no workgroup memory.
// Untiled stacks without covered pixels only: a band's most common plane is the stack's only when
// the band is the whole stack, and these counts take every pixel, so tiled and aligned stacks read
// back every F instead (src/gpu/stack-state.ts, halosReadback).
// Layout: `focus` = Z layers (depth.wgsl's output); `peaks` = 2 layers; `counts` = Z u32;
// `focus_p` = 1 layer. `counts` must be zeroed before `peaks` runs (the host writes zeros).

@group(0) @binding(1) var<storage, read> focus: array<f32>;
@group(0) @binding(2) var<storage, read_write> peaks: array<f32>;
@group(0) @binding(3) var<storage, read_write> counts: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read_write> focus_p: array<f32>;

@compute @workgroup_size(16, 16, 1)
fn find_peaks(@builtin(global_invocation_id) id: vec3u) {
  let p = id.xy;
  if (!inside(p)) {
    return;
  }
  var best = focus[pixel_index(p.x, p.y, 0u)];
  var k = 0u;
  for (var z = 1u; z < params.planes; z++) {
    let f = focus[pixel_index(p.x, p.y, z)];
    if (f > best) {
      best = f;
      k = z;
    }
  }
  peaks[pixel_index(p.x, p.y, 0u)] = f32(k);
  peaks[pixel_index(p.x, p.y, 1u)] = best;
  if (best > params.tau && p.y >= params.kept_start && p.y < params.kept_end) {
    atomicAdd(&counts[k], 1u);
  }
}

@compute @workgroup_size(16, 16, 1)
fn majority(@builtin(global_invocation_id) id: vec3u) {
  let p = id.xy;
  if (!inside(p)) {
    return;
  }
  var plane = 0u;
  var most = atomicLoad(&counts[0]);
  for (var z = 1u; z < params.planes; z++) {
    let c = atomicLoad(&counts[z]);
    if (c > most) {
      most = c;
      plane = z;
    }
  }
  focus_p[pixel_index(p.x, p.y, 0u)] = focus[pixel_index(p.x, p.y, plane)];
}
