// lapv.wgsl: variance of the Laplacian, first half. Appended to measure_tile.wgsl (tiling, halo).
// Writes L and L^2 for each pixel; box_mean.wgsl averages both and depth.wgsl forms
// F = Box[L^2] - Box[L]^2.
// Layout: energy channel 0 (layers 0..Z-1) = L, channel 1 (layers Z..2Z-1) = L^2.
// Halo: 1 pixel on each side (4-neighbour stencil).

fn write_energy(site: Site) {
  let c = at(site, 0, 0);
  // Differences to the centre first: neighbouring luma values are close, so each difference is
  // exact in f32 and L keeps its relative precision where it is small (flat regions), which is
  // where Box[L^2] - Box[L]^2 cancels.
  let l = ((at(site, -1, 0) - c) + (at(site, 1, 0) - c)) + ((at(site, 0, -1) - c) + (at(site, 0, 1) - c));
  energy[pixel_index(site.pixel.x, site.pixel.y, site.layer)] = l;
  energy[pixel_index(site.pixel.x, site.pixel.y, params.planes + site.layer)] = l * l;
}
