// brenner.wgsl: Brenner's squared two-pixel difference, centred: max(Dx^2, Dy^2) with
// Dx = Y(x+1) - Y(x-1), Dy = Y(y+1) - Y(y-1) (CPU: src/cpu/measures-extra/brenner.ts). Appended to
// measure_tile.wgsl; box_mean.wgsl then gives F = Box[...]. Layout: energy = Z layers of f32.
// Halo: 1 pixel each side.

fn write_energy(site: Site) {
  let dx = at(site, 1, 0) - at(site, -1, 0);
  let dy = at(site, 0, 1) - at(site, 0, -1);
  energy[pixel_index(site.pixel.x, site.pixel.y, site.layer)] = max(dx * dx, dy * dy);
}
