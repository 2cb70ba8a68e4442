// tenv.wgsl: Tenengrad variance, first half: the Sobel gradient magnitude G (same operator and
// summation order as teng.wgsl) and G^2; box_mean.wgsl averages both and depth.wgsl forms
// F = Box[G^2] - Box[G]^2 (CPU: src/cpu/measures-extra/tenv.ts).
// Layout: energy channel 0 (layers 0..Z-1) = G, channel 1 (layers Z..2Z-1) = G^2. Halo: 1 pixel.

fn write_energy(site: Site) {
  let gx = (at(site, 1, -1) - at(site, -1, -1)) + 2.0 * (at(site, 1, 0) - at(site, -1, 0))
         + (at(site, 1, 1) - at(site, -1, 1));
  let gy = (at(site, -1, 1) - at(site, -1, -1)) + 2.0 * (at(site, 0, 1) - at(site, 0, -1))
         + (at(site, 1, 1) - at(site, 1, -1));
  let g2 = gx * gx + gy * gy;
  energy[pixel_index(site.pixel.x, site.pixel.y, site.layer)] = sqrt(g2);
  energy[pixel_index(site.pixel.x, site.pixel.y, params.planes + site.layer)] = g2;
}
