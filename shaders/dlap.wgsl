// dlap.wgsl: diagonal Laplacian |Lx| + |Ly| + (|Ld1| + |Ld2|) / sqrt(2) (Thelen et al. 2009; CPU:
// src/cpu/measures-extra/dlap.ts). Appended to measure_tile.wgsl; box_mean.wgsl then gives
// F = Box[...]. Layout: energy = Z layers of f32. Halo: 1 pixel each side.
// Second differences as differences to the centre (exact in f32 when neighbours are close).

const DIAGONAL_WEIGHT: f32 = 0.70710678118654752;

fn second_difference(site: Site, c: f32, dx: i32, dy: i32) -> f32 {
  return abs((c - at(site, -dx, -dy)) + (c - at(site, dx, dy)));
}

fn write_energy(site: Site) {
  let c = at(site, 0, 0);
  let axes = second_difference(site, c, 1, 0) + second_difference(site, c, 0, 1);
  let diagonals = second_difference(site, c, 1, 1) + second_difference(site, c, 1, -1);
  energy[pixel_index(site.pixel.x, site.pixel.y, site.layer)] = axes + DIAGONAL_WEIGHT * diagonals;
}
