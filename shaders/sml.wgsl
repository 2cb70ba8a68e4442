// sml.wgsl: modified Laplacian ML = |2Y - Y(x-1) - Y(x+1)| + |2Y - Y(y-1) - Y(y+1)| (Nayar's
// sum-modified Laplacian; CPU: src/cpu/measures-extra/sml.ts). Appended to measure_tile.wgsl;
// box_mean.wgsl then gives F = Box[ML]. Layout: energy = Z layers of f32. Halo: 1 pixel each side.
// Second differences as differences to the centre (exact in f32 when neighbours are close).

fn write_energy(site: Site) {
  let c = at(site, 0, 0);
  let lx = (c - at(site, -1, 0)) + (c - at(site, 1, 0));
  let ly = (c - at(site, 0, -1)) + (c - at(site, 0, 1));
  energy[pixel_index(site.pixel.x, site.pixel.y, site.layer)] = abs(lx) + abs(ly);
}
