// teng.wgsl: Tenengrad energy Gx^2 + Gy^2 with the standard 3x3 Sobel operators.
// Appended to measure_tile.wgsl (tiling, halo); box_mean.wgsl then gives F = Box[Gx^2 + Gy^2].
// Layout: energy = Z layers of f32. Halo: 1 pixel on each side.
// Gx = [Y(x+1,y-1) + 2 Y(x+1,y) + Y(x+1,y+1)] - [Y(x-1,y-1) + 2 Y(x-1,y) + Y(x-1,y+1)] is summed
// as differences of neighbours (exact in f32 when they are close), so a weak gradient keeps its
// relative precision instead of losing it to the two large partial sums.

fn write_energy(site: Site) {
  let gx = (at(site, 1, -1) - at(site, -1, -1)) + 2.0 * (at(site, 1, 0) - at(site, -1, 0))
         + (at(site, 1, 1) - at(site, -1, 1));
  let gy = (at(site, -1, 1) - at(site, -1, -1)) + 2.0 * (at(site, 0, 1) - at(site, 0, -1))
         + (at(site, 1, 1) - at(site, 1, -1));
  energy[pixel_index(site.pixel.x, site.pixel.y, site.layer)] = gx * gx + gy * gy;
}
