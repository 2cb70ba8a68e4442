// wavelet.wgsl: undecimated Haar detail energy over 2 levels. Appended to measure_tile.wgsl.
// Level 1 (step 1) works on A0 = Y, level 2 (step 2) on the level-1 approximation A1, so the
// energy of a pixel reads luma at offsets 0..3 right and down (the tile's 3-pixel trailing halo).
// Clamping composes: A1 at the clamped x+2 reads Y at clamp(clamp(x+2)+1) = clamp(x+3), which is
// what the clamped tile holds, so no separate A1 image is needed.
// Layout: energy = Z layers of f32. F = Box[E] follows in box_mean.wgsl.

struct Haar {
  energy: f32,
  approx: f32,
}

// LH = (a+b-c-d)/2, HL = (a-b+c-d)/2, HH = (a-b-c+d)/2, grouped as differences of neighbours
// (exact in f32 when they are close) so small details keep their relative precision.
fn haar(a: f32, b: f32, c: f32, d: f32) -> Haar {
  let lh = ((a - c) + (b - d)) / 2.0;
  let hl = ((a - b) + (c - d)) / 2.0;
  let hh = ((a - b) - (c - d)) / 2.0;
  return Haar(lh * lh + hl * hl + hh * hh, (a + b + c + d) / 4.0);
}

// Level-1 Haar at offset (dx, dy): its approximation is A1 there.
fn level1(site: Site, dx: i32, dy: i32) -> Haar {
  return haar(at(site, dx, dy), at(site, dx + 1, dy), at(site, dx, dy + 1), at(site, dx + 1, dy + 1));
}

fn write_energy(site: Site) {
  let here = level1(site, 0, 0);
  let level2 = haar(here.approx, level1(site, 2, 0).approx, level1(site, 0, 2).approx, level1(site, 2, 2).approx);
  energy[pixel_index(site.pixel.x, site.pixel.y, site.layer)] = here.energy + level2.energy;
}
