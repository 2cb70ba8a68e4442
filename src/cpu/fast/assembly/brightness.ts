// Photometric matching's robust line fit (src/align/photometric.ts robustLine): y = gain x + offset
// by least squares with Huber weights at 2 MADs, refitted ROUNDS times. The same f64 operations in
// the same order as the TypeScript (its 2 x 2 solve as src/align/linear.ts eliminates; the median
// by the same selection), so the fit has the same bits; a fresh process interprets the TypeScript
// for its first few dozen fits, which this runs compiled from the first.

const ROUNDS = 4;

/**
 * x, y: n f64 each; w, residuals, sorted: n f64 of scratch each; gain and offset into out (2 f64).
 * Returns 0 where a round's 2 x 2 system is singular (out untouched), 1 otherwise.
 */
export function robustLine(x: usize, y: usize, n: i32, w: usize, residuals: usize, sorted: usize, out: usize): i32 {
  for (let i = 0; i < n; i++) store<f64>(w + (<usize>i << 3), 1);
  let gain: f64 = 1;
  let offset: f64 = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let sxx: f64 = 0, sx: f64 = 0, sw: f64 = 0, sxy: f64 = 0, sy: f64 = 0;
    for (let i = 0; i < n; i++) {
      const at = <usize>i << 3;
      const wi = load<f64>(w + at);
      const xi = load<f64>(x + at);
      const yi = load<f64>(y + at);
      sxx += wi * xi * xi;
      sx += wi * xi;
      sw += wi;
      sxy += wi * xi * yi;
      sy += wi * yi;
    }
    // linear.ts solve for h = [sxx sx; sx sw], g = [sxy; sy], step by step.
    let a00 = sxx, a01 = sx, a10 = sx, a11 = sw, v0 = sxy, v1 = sy;
    let scale: f64 = 0;
    scale = max<f64>(scale, abs<f64>(a00));
    scale = max<f64>(scale, abs<f64>(a11));
    if (abs<f64>(a10) > abs<f64>(a00)) {
      if (abs<f64>(a10) <= 1e-12 * scale || scale == 0) return 0;
      let t = a00; a00 = a10; a10 = t;
      t = a01; a01 = a11; a11 = t;
      t = v0; v0 = v1; v1 = t;
    } else if (abs<f64>(a00) <= 1e-12 * scale || scale == 0) return 0;
    const f = a10 / a00;
    a10 -= f * a00;
    a11 -= f * a01;
    v1 -= f * v0;
    if (abs<f64>(a11) <= 1e-12 * scale || scale == 0) return 0;
    const p1 = v1 / a11;
    let s = v0;
    s -= a01 * p1;
    gain = s / a00;
    offset = p1;
    for (let i = 0; i < n; i++) {
      const at = <usize>i << 3;
      const r = abs<f64>(load<f64>(y + at) - gain * load<f64>(x + at) - offset);
      store<f64>(residuals + at, r);
      store<f64>(sorted + at, r);
    }
    const limit = 2 * (kthSmallest(sorted, n, n >> 1) * 1.4826 + 1e-6);
    for (let i = 0; i < n; i++) {
      const at = <usize>i << 3;
      const r = load<f64>(residuals + at);
      store<f64>(w + at, r <= limit ? 1 : limit / r);
    }
  }
  store<f64>(out, gain);
  store<f64>(out, offset, 8);
  return 1;
}

/** photometric.ts kthSmallest: the k-th smallest of n f64 at `values` (reordered), by Hoare's selection. */
function kthSmallest(values: usize, n: i32, k: i32): f64 {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = load<f64>(values + (<usize>((lo + hi) >> 1) << 3));
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (load<f64>(values + (<usize>i << 3)) < pivot) i++;
      while (load<f64>(values + (<usize>j << 3)) > pivot) j--;
      if (i <= j) {
        const a = values + (<usize>i << 3);
        const b = values + (<usize>j << 3);
        const t = load<f64>(a);
        store<f64>(a, load<f64>(b));
        store<f64>(b, t);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return load<f64>(values + (<usize>k << 3));
  }
  return load<f64>(values + (<usize>k << 3));
}

/**
 * photometric.ts applyBrightness in place: n RGBA8 pixels at `rgba` through the tables at `lut`
 * (brightnessTables: 256 bytes each for R, G and B; alpha kept).
 */
export function mapChannels(rgba: usize, n: i32, lut: usize): void {
  for (let i = 0; i < n; i++) {
    const p = rgba + (<usize>i << 2);
    store<u8>(p, load<u8>(lut + <usize>load<u8>(p)));
    store<u8>(p, load<u8>(lut + 256 + <usize>load<u8>(p, 1)), 1);
    store<u8>(p, load<u8>(lut + 512 + <usize>load<u8>(p, 2)), 2);
  }
}
