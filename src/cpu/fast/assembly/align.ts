// Alignment's image loops in WebAssembly: the Gaussian blur of src/image/blur.ts (exact kernel and
// three box passes) and the luma block sums of src/image/luma.ts (shrinkLuma). They run on their
// own instance of this module (src/cpu/fast/align.ts), so they never touch the fusion's layout.
//
// Bit for bit: every value goes through the same f64 operations in the same order as in the
// TypeScript reference (f32 samples promoted to f64, summed in f64, rounded to f32 where the
// reference stores into a Float32Array); SIMD runs two neighbouring values side by side in f64x2,
// which changes no operation. test/align-kernels.test.ts holds them to the reference.
//
// Memory (laid out by src/cpu/fast/align.ts from the heap base, nothing allocated here): f32
// images of width x height, row-major, 16 spare bytes after each buffer.

/** Two f32 at p as f64x2. */
@inline
function load2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/** Two f64 rounded to f32, stored at p. */
@inline
function store2(p: usize, v: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
}

/** Row y of src into padded, with `radius` copies of its first and last value on either side (blur.ts padRow). */
function padRow(src: usize, width: i32, y: i32, radius: i32, padded: usize): void {
  const row = src + ((<usize>y * <usize>width) << 2);
  const first = load<f32>(row);
  const last = load<f32>(row + (<usize>(width - 1) << 2));
  for (let i = 0; i < radius; i++) store<f32>(padded + (<usize>i << 2), first);
  memory.copy(padded + (<usize>radius << 2), row, <usize>width << 2);
  const after = padded + (<usize>(radius + width) << 2);
  for (let i = 0; i < radius; i++) store<f32>(after + (<usize>i << 2), last);
}

/** blur.ts convolveRows: the symmetric kernel (2 radius + 1 f32 at `kernel`) along each row, src -> dst. */
export function blurRowsExact(src: usize, dst: usize, width: i32, height: i32, kernel: usize, radius: i32, padded: usize): void {
  const w0 = <f64>load<f32>(kernel + (<usize>radius << 2));
  const centreWeight = f64x2.splat(w0);
  for (let y = 0; y < height; y++) {
    padRow(src, width, y, radius, padded);
    const out = dst + ((<usize>y * <usize>width) << 2);
    let x = 0;
    for (; x + 1 < width; x += 2) {
      const c = padded + (<usize>(x + radius) << 2);
      let s = f64x2.mul(centreWeight, load2(c));
      for (let k = 1; k <= radius; k++) {
        const w = f64x2.splat(<f64>load<f32>(kernel + (<usize>(radius + k) << 2)));
        s = f64x2.add(s, f64x2.mul(w, f64x2.add(load2(c - (<usize>k << 2)), load2(c + (<usize>k << 2)))));
      }
      store2(out + (<usize>x << 2), s);
    }
    for (; x < width; x++) {
      const c = padded + (<usize>(x + radius) << 2);
      let s = w0 * <f64>load<f32>(c);
      for (let k = 1; k <= radius; k++) {
        s += <f64>load<f32>(kernel + (<usize>(radius + k) << 2)) * (<f64>load<f32>(c - (<usize>k << 2)) + <f64>load<f32>(c + (<usize>k << 2)));
      }
      store<f32>(out + (<usize>x << 2), <f32>s);
    }
  }
}

/**
 * blur.ts convolveColumns: the kernel down each column, src -> dst, rounding the running value to
 * f32 after every tap as the reference does (it adds into its Float32Array output tap by tap).
 */
export function blurColumnsExact(src: usize, dst: usize, width: i32, height: i32, kernel: usize, radius: i32): void {
  const w0 = <f64>load<f32>(kernel + (<usize>radius << 2));
  const rowBytes = <usize>width << 2;
  for (let y = 0; y < height; y++) {
    const out = <usize>y * rowBytes;
    let x = 0;
    // Four columns per step, as two independent f64x2 chains (more in flight; the same operations per value).
    for (; x + 3 < width; x += 4) {
      const col = <usize>x << 2;
      let lo = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.splat(w0), load2(src + out + col)));
      let hi = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.splat(w0), load2(src + out + col + 8)));
      for (let k = 1; k <= radius; k++) {
        const above = src + <usize>max(0, y - k) * rowBytes + col;
        const below = src + <usize>min(height - 1, y + k) * rowBytes + col;
        const w = f64x2.splat(<f64>load<f32>(kernel + (<usize>(radius + k) << 2)));
        lo = f32x4.demote_f64x2_zero(f64x2.add(f64x2.promote_low_f32x4(lo), f64x2.mul(w, f64x2.add(load2(above), load2(below)))));
        hi = f32x4.demote_f64x2_zero(f64x2.add(f64x2.promote_low_f32x4(hi), f64x2.mul(w, f64x2.add(load2(above + 8), load2(below + 8)))));
      }
      v128.store64_lane(dst + out + col, lo, 0);
      v128.store64_lane(dst + out + col + 8, hi, 0);
    }
    for (; x < width; x++) {
      const col = <usize>x << 2;
      let acc = <f32>(w0 * <f64>load<f32>(src + out + col));
      for (let k = 1; k <= radius; k++) {
        const above = <usize>max(0, y - k) * rowBytes + col;
        const below = <usize>min(height - 1, y + k) * rowBytes + col;
        const w = <f64>load<f32>(kernel + (<usize>(radius + k) << 2));
        acc = <f32>(<f64>acc + w * (<f64>load<f32>(src + above) + <f64>load<f32>(src + below)));
      }
      store<f32>(dst + out + col, acc);
    }
  }
}

/** blur.ts boxRows: a running sum of 2 radius + 1 values along each row (f64), src -> dst. */
export function blurRowsBox(src: usize, dst: usize, width: i32, height: i32, radius: i32, padded: usize): void {
  const scale: f64 = 1 / <f64>(2 * radius + 1);
  for (let y = 0; y < height; y++) {
    padRow(src, width, y, radius, padded);
    let sum: f64 = 0;
    for (let k = 0; k < 2 * radius + 1; k++) sum += <f64>load<f32>(padded + (<usize>k << 2));
    const out = dst + ((<usize>y * <usize>width) << 2);
    for (let x = 0; x < width; x++) {
      store<f32>(out + (<usize>x << 2), <f32>(sum * scale));
      if (x + 1 < width) sum += <f64>load<f32>(padded + (<usize>(x + 2 * radius + 1) << 2)) - <f64>load<f32>(padded + (<usize>x << 2));
    }
  }
}

/**
 * blur.ts boxColumns: a running sum down each column, src -> dst; the sums live in `sum` (width
 * f32, rounded after every step as the reference's Float32Array is).
 */
export function blurColumnsBox(src: usize, dst: usize, width: i32, height: i32, radius: i32, sum: usize): void {
  const scale: f64 = 1 / <f64>(2 * radius + 1);
  const scales = f64x2.splat(scale);
  const rowBytes = <usize>width << 2;
  memory.fill(sum, 0, rowBytes);
  const pairs = width & ~1;
  for (let k = -radius; k <= radius; k++) {
    const row = src + <usize>min(height - 1, max(0, k)) * rowBytes;
    let x = 0;
    for (; x < pairs; x += 2) store2(sum + (<usize>x << 2), f64x2.add(load2(sum + (<usize>x << 2)), load2(row + (<usize>x << 2))));
    for (; x < width; x++) store<f32>(sum + (<usize>x << 2), <f32>(<f64>load<f32>(sum + (<usize>x << 2)) + <f64>load<f32>(row + (<usize>x << 2))));
  }
  for (let y = 0; y < height; y++) {
    const out = dst + <usize>y * rowBytes;
    const add = src + <usize>min(height - 1, max(0, y + radius + 1)) * rowBytes;
    const drop = src + <usize>min(height - 1, max(0, y - radius)) * rowBytes;
    let x = 0;
    for (; x < pairs; x += 2) {
      const at = <usize>x << 2;
      const s = load2(sum + at);
      store2(out + at, f64x2.mul(s, scales));
      store2(sum + at, f64x2.add(s, f64x2.sub(load2(add + at), load2(drop + at))));
    }
    for (; x < width; x++) {
      const at = <usize>x << 2;
      const s = <f64>load<f32>(sum + at);
      store<f32>(out + at, <f32>(s * scale));
      store<f32>(sum + at, <f32>(s + (<f64>load<f32>(add + at) - <f64>load<f32>(drop + at))));
    }
  }
}

/**
 * luma.ts shrinkLuma: the luma numerators 299 R + 587 G + 114 B of an RGBA8 plane (rows of
 * `stride` pixels at `rgba`) summed over factor x factor blocks (exact integers), then each sum times
 * `norm` rounded to f32 (blockMeans), w x h values at dst.
 */
export function shrinkLumaBlocks(rgba: usize, stride: i32, w: i32, h: i32, factor: i32, norm: f64, dst: usize): void {
  const rowBytes = <usize>stride << 2;
  // Two RGBA pixels widened to i16: the luma weights (LUMA_INT_WEIGHTS) against R, G, B, 0 against A.
  const twoPixels = i16x8(299, 587, 114, 0, 299, 587, 114, 0);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Four pixels per step: R, G, B weighted and summed in i32 lanes (exact: < 2^31 per block
      // while factor <= 64; the caller checks).
      let acc = i32x4.splat(0);
      let tail: i64 = 0;
      for (let dy = 0; dy < factor; dy++) {
        const p = rgba + (<usize>(y * factor + dy)) * rowBytes + (<usize>(x * factor) << 2);
        let dx = 0;
        for (; dx + 4 <= factor; dx += 4) {
          const px = v128.load(p + (<usize>dx << 2));
          acc = i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(px), twoPixels));
          acc = i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(px), twoPixels));
        }
        for (; dx < factor; dx++) {
          const q = p + (<usize>dx << 2);
          tail += <i64>(299 * <i32>load<u8>(q) + 587 * <i32>load<u8>(q, 1) + 114 * <i32>load<u8>(q, 2));
        }
      }
      const sum = <i64>i32x4.extract_lane(acc, 0) + <i64>i32x4.extract_lane(acc, 1) + <i64>i32x4.extract_lane(acc, 2) + <i64>i32x4.extract_lane(acc, 3) + tail;
      store<f32>(dst + ((<usize>(y * w + x)) << 2), <f32>(<f64>sum * norm));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Gauss-Newton's sums over the pixels of one level (src/align/estimate.ts, gaussNewtonSweep): the
// pixels' fixed data (positions, A's values, steepest-descent rows, tiles, Laplacian), B's level and
// the accumulators, laid out by src/cpu/fast/align.ts; every f64 operation as in the reference.

let gnCount: i32 = 0;
let gnK: i32 = 0;
let gnTiles: i32 = 0;
let gnPx: usize = 0; // f64 x count
let gnPy: usize = 0; // f64 x count
let gnValues: usize = 0; // f64 x count
let gnRows: usize = 0; // f64 x count x k
let gnTileOf: usize = 0; // i32 x count
let gnLaps: usize = 0; // f64 x count
let gnB: usize = 0; // f32, B's level
let gnBw: i32 = 0;
let gnH: usize = 0; // f64 k x k (upper triangle used)
let gnG: usize = 0; // f64 k
let gnTt: usize = 0; // f64 tiles
let gnTg: usize = 0; // f64 tiles
let gnTp: usize = 0; // f64 tiles x k
let gnBlur: usize = 0; // f64 tiles (at least 1)
let gnHAll: usize = 0; // the weight-1 sums of h, tt, tp over every pixel
let gnTtAll: usize = 0;
let gnTpAll: usize = 0;
let gnSums: usize = 0; // f64 x 7: used, sa, sb, saa, sab, see, ridge
let gnRidgeFactor: f64 = 0; // estimate.ts BLUR_RIDGE

/** Stores the layout of one level's Gauss-Newton (see src/cpu/fast/align.ts). */
export function gnConfigure(
  count: i32, k: i32, tiles: i32, px: usize, py: usize, values: usize, rows: usize, tileOf: usize, laps: usize,
  b: usize, bw: i32, h: usize, g: usize, tt: usize, tg: usize, tp: usize, blur: usize, hAll: usize, ttAll: usize, tpAll: usize, sums: usize, ridgeFactor: f64,
): void {
  gnCount = count; gnK = k; gnTiles = tiles; gnPx = px; gnPy = py; gnValues = values; gnRows = rows; gnTileOf = tileOf; gnLaps = laps;
  gnB = b; gnBw = bw; gnH = h; gnG = g; gnTt = tt; gnTg = tg; gnTp = tp; gnBlur = blur; gnHAll = hAll; gnTtAll = ttAll; gnTpAll = tpAll; gnSums = sums;
  gnRidgeFactor = ridgeFactor;
}

/**
 * estimate.ts gaussNewtonPixels into the configured arrays: for each of the `count` pixel indices
 * at `pixels` of level A (width x height f32 at `a`), its position, value, steepest-descent row (k
 * = 2 translation, 4 similarity, 6 affine) and, with tiles, its tile and Laplacian (rounded to f32).
 */
export function gnPixels(a: usize, width: i32, height: i32, pixels: usize, tilesX: i32, tilesY: i32): void {
  const k = gnK;
  const cx = (<f64>width - 1) / 2;
  const cy = (<f64>height - 1) / 2;
  const row = <usize>width << 2;
  for (let n = 0; n < gnCount; n++) {
    const i = load<i32>(pixels + (<usize>n << 2));
    const yi = i / width;
    const x = <f64>(i - yi * width);
    const y = <f64>yi;
    store<f64>(gnPx + (<usize>n << 3), x);
    store<f64>(gnPy + (<usize>n << 3), y);
    const p = a + (<usize>i << 2);
    const centre = <f64>load<f32>(p);
    store<f64>(gnValues + (<usize>n << 3), centre);
    const left = <f64>load<f32>(p - 4);
    const right = <f64>load<f32>(p, 4);
    const up = <f64>load<f32>(p - row);
    const down = <f64>load<f32>(p + row);
    const gx = 0.5 * (right - left);
    const gy = 0.5 * (down - up);
    const xc = x - cx;
    const yc = y - cy;
    const out = gnRows + ((<usize>n * <usize>k) << 3);
    if (k == 2) {
      store<f64>(out, gx);
      store<f64>(out, gy, 8);
    } else if (k == 4) {
      store<f64>(out, gx * xc + gy * yc);
      store<f64>(out, -gx * yc + gy * xc, 8);
      store<f64>(out, gx, 16);
      store<f64>(out, gy, 24);
    } else {
      store<f64>(out, gx * xc);
      store<f64>(out, gy * xc, 8);
      store<f64>(out, gx * yc, 16);
      store<f64>(out, gy * yc, 24);
      store<f64>(out, gx, 32);
      store<f64>(out, gy, 40);
    }
    if (gnTiles > 0) {
      const ty = min(<f64>(tilesY - 1), Math.floor((y * <f64>tilesY) / <f64>height));
      const tx = min(<f64>(tilesX - 1), Math.floor((x * <f64>tilesX) / <f64>width));
      store<i32>(gnTileOf + (<usize>n << 2), <i32>(ty * <f64>tilesX + tx));
      store<f64>(gnLaps + (<usize>n << 3), <f64><f32>(left + right + up + down - 4 * centre));
    } else {
      store<i32>(gnTileOf + (<usize>n << 2), 0);
      store<f64>(gnLaps + (<usize>n << 3), 0);
    }
  }
}

/** estimate.ts addPixelTerms: `weight` times pixel n's residual-free terms added to h, tt, tp. */
@inline
function addTerms(n: i32, weight: f64, h: usize, tt: usize, tp: usize): void {
  const k = gnK;
  const row = gnRows + ((<usize>n * <usize>k) << 3);
  for (let r = 0; r < k; r++) {
    const wr = weight * load<f64>(row + (<usize>r << 3));
    for (let c = r; c < k; c++) {
      const at = h + (<usize>(r * k + c) << 3);
      store<f64>(at, load<f64>(at) + wr * load<f64>(row + (<usize>c << 3)));
    }
  }
  if (gnTiles > 0) {
    const t = load<i32>(gnTileOf + (<usize>n << 2));
    const l = load<f64>(gnLaps + (<usize>n << 3));
    const tAt = tt + (<usize>t << 3);
    store<f64>(tAt, load<f64>(tAt) + weight * l * l);
    for (let r = 0; r < k; r++) {
      const at = tp + (<usize>(t * k + r) << 3);
      store<f64>(at, load<f64>(at) + weight * l * load<f64>(row + (<usize>r << 3)));
    }
  }
}

/** The weight-1 sums of every pixel's terms (refine's hAll, ttAll, tpAll), from zero. */
export function gnSumAll(): void {
  memory.fill(gnHAll, 0, <usize>(gnK * gnK) << 3);
  memory.fill(gnTtAll, 0, <usize>gnTiles << 3);
  memory.fill(gnTpAll, 0, <usize>(gnTiles * gnK) << 3);
  for (let n = 0; n < gnCount; n++) addTerms(n, 1, gnHAll, gnTtAll, gnTpAll);
}

/**
 * One iteration's sums (estimate.ts gaussNewtonSweep) under B pixel = (m0 x + m4 y + m8, m1 x + m5 y + m9):
 * h, tt, tp start from the weight-1 sums, g and tg from zero; the overlap sums go to `sums`.
 */
export function gnSweep(m0: f64, m1: f64, m4: f64, m5: f64, m8: f64, m9: f64, margin: f64, bx1: f64, by1: f64, gain: f64, offset: f64, huber: f64): void {
  const k = gnK;
  memory.copy(gnH, gnHAll, <usize>(k * k) << 3);
  memory.fill(gnG, 0, <usize>k << 3);
  memory.copy(gnTt, gnTtAll, <usize>gnTiles << 3);
  memory.fill(gnTg, 0, <usize>gnTiles << 3);
  memory.copy(gnTp, gnTpAll, <usize>(gnTiles * k) << 3);
  const bd = gnB;
  const bw = <usize>gnBw;
  let used: f64 = 0, sa: f64 = 0, sb: f64 = 0, saa: f64 = 0, sab: f64 = 0, see: f64 = 0;
  for (let n = 0; n < gnCount; n++) {
    const x = load<f64>(gnPx + (<usize>n << 3));
    const y = load<f64>(gnPy + (<usize>n << 3));
    const u = m0 * x + m4 * y + m8;
    const v = m1 * x + m5 * y + m9;
    if (!(u >= margin && v >= margin && u <= bx1 && v <= by1)) {
      addTerms(n, -1, gnH, gnTt, gnTp);
      continue;
    }
    const x0 = Math.floor(u);
    const y0 = Math.floor(v);
    const fx = u - x0;
    const fy = v - y0;
    const j = bd + ((<usize>(<i32>y0) * bw + <usize>(<i32>x0)) << 2);
    const b00 = <f64>load<f32>(j);
    const b01 = <f64>load<f32>(j, 4);
    const b10 = <f64>load<f32>(j + (bw << 2));
    const b11 = <f64>load<f32>(j + (bw << 2), 4);
    const top = b00 + fx * (b01 - b00);
    const vb = top + fy * (b10 + fx * (b11 - b10) - top);
    const va = load<f64>(gnValues + (<usize>n << 3));
    sa += va; sb += vb; saa += va * va; sab += va * vb;
    const t = load<i32>(gnTileOf + (<usize>n << 2));
    const l = load<f64>(gnLaps + (<usize>n << 3));
    const e = (vb - offset) / gain - va - load<f64>(gnBlur + (<usize>t << 3)) * l;
    see += e * e;
    const w = Math.abs(e) <= huber ? 1 : huber / Math.abs(e);
    const row = gnRows + ((<usize>n * <usize>k) << 3);
    for (let r = 0; r < k; r++) {
      const at = gnG + (<usize>r << 3);
      store<f64>(at, load<f64>(at) + w * load<f64>(row + (<usize>r << 3)) * e);
    }
    if (w < 1) addTerms(n, w - 1, gnH, gnTt, gnTp);
    if (gnTiles > 0) {
      const at = gnTg + (<usize>t << 3);
      store<f64>(at, load<f64>(at) + w * l * e);
    }
    used++;
  }
  store<f64>(gnSums, used);
  store<f64>(gnSums, sa, 8);
  store<f64>(gnSums, sb, 16);
  store<f64>(gnSums, saa, 24);
  store<f64>(gnSums, sab, 32);
  store<f64>(gnSums, see, 40);
  store<f64>(gnSums, profileTiles(), 48);
}

/**
 * estimate.ts profileTiles on the sweep's system: h made symmetric, the tile terms profiled out of
 * h and g (Schur complement); returns the ridge. The same f64 operations in the same order.
 */
function profileTiles(): f64 {
  const k = gnK;
  const tiles = gnTiles;
  for (let r = 0; r < k; r++) for (let c = 0; c < r; c++) store<f64>(gnH + (<usize>(r * k + c) << 3), load<f64>(gnH + (<usize>(c * k + r) << 3)));
  let ridge: f64 = 0;
  for (let t = 0; t < tiles; t++) ridge += load<f64>(gnTt + (<usize>t << 3));
  ridge = (gnRidgeFactor * ridge) / <f64>max(tiles, 1) + 1e-12;
  for (let t = 0; t < tiles; t++) {
    const d = load<f64>(gnTt + (<usize>t << 3)) + ridge;
    const tgt = load<f64>(gnTg + (<usize>t << 3));
    const row = gnTp + (<usize>(t * k) << 3);
    for (let r = 0; r < k; r++) {
      const tpr = load<f64>(row + (<usize>r << 3));
      const gAt = gnG + (<usize>r << 3);
      store<f64>(gAt, load<f64>(gAt) - (tpr * tgt) / d);
      for (let c = 0; c < k; c++) {
        const hAt = gnH + (<usize>(r * k + c) << 3);
        store<f64>(hAt, load<f64>(hAt) - (tpr * load<f64>(row + (<usize>c << 3))) / d);
      }
    }
  }
  return ridge;
}

/**
 * estimate.ts texturedPixels: per block x block square (bw x bh of them, from `edge` on, cut at
 * `edge` from the far borders) of the f32 level at `data`, the pixel whose central-difference
 * gradient has the largest energy (the first of equals), as i32 indices at `out`; returns how many.
 */
export function texturedPixels(data: usize, width: i32, height: i32, edge: i32, block: i32, bw: i32, bh: i32, out: usize): i32 {
  let n = 0;
  const row = <usize>width << 2;
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      let best = -1;
      let bestEnergy: f64 = -1;
      const yEnd = min(edge + (by + 1) * block, height - edge);
      const xEnd = min(edge + (bx + 1) * block, width - edge);
      for (let y = edge + by * block; y < yEnd; y++) {
        for (let x = edge + bx * block; x < xEnd; x++) {
          const i = y * width + x;
          const p = data + (<usize>i << 2);
          const gx = <f64>load<f32>(p, 4) - <f64>load<f32>(p - 4);
          const gy = <f64>load<f32>(p + row) - <f64>load<f32>(p - row);
          const energy = gx * gx + gy * gy;
          if (energy > bestEnergy) {
            best = i;
            bestEnergy = energy;
          }
        }
      }
      if (best >= 0) {
        store<i32>(out + (<usize>n << 2), best);
        n++;
      }
    }
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// The blur match's images (estimate.ts matchBlur): B resampled into A's frame once, then each
// candidate blur scored by the correlation over the pixels inside B.

/** src/image/pyramid.ts sampleBilinear at (x, y) inside the level (the caller checks), as f64. */
@inline
function bilinear(b: usize, bw: i32, bh: i32, x: f64, y: f64): f64 {
  const x0 = min(Math.floor(x), bw - 2 < 0 ? 0 : <f64>(bw - 2));
  const y0 = min(Math.floor(y), bh - 2 < 0 ? 0 : <f64>(bh - 2));
  const fx = x - x0;
  const fy = y - y0;
  const i = b + ((<usize>(<i32>y0 * bw + <i32>x0)) << 2);
  const x1: usize = bw > 1 ? 4 : 0;
  const y1: usize = bh > 1 ? <usize>bw << 2 : 0;
  const d = <f64>load<f32>(i);
  const top = d + fx * (<f64>load<f32>(i + x1) - d);
  const e = <f64>load<f32>(i + y1);
  const bottom = e + fx * (<f64>load<f32>(i + y1 + x1) - e);
  return top + fy * (bottom - top);
}

/**
 * estimate.ts warpInto: B (bw x bh f32 at b) sampled bilinearly at (m0 x + m4 y + m8, m1 x + m5 y + m9)
 * for every pixel of a width x height frame, f32 at out; outside B its nearest edge point is
 * sampled and inside (u8) is 0 there, 1 elsewhere.
 */
export function warpBilinear(b: usize, bw: i32, bh: i32, width: i32, height: i32, m0: f64, m1: f64, m4: f64, m5: f64, m8: f64, m9: f64, out: usize, inside: usize): void {
  const maxX = <f64>(bw - 1);
  const maxY = <f64>(bh - 1);
  let i: usize = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = m0 * <f64>x + m4 * <f64>y + m8;
      const v = m1 * <f64>x + m5 * <f64>y + m9;
      const within = u >= 0 && v >= 0 && u <= maxX && v <= maxY;
      store<u8>(inside + i, within ? 1 : 0);
      const value = within ? bilinear(b, bw, bh, u, v) : bilinear(b, bw, bh, min(max(u, 0), maxX), min(max(v, 0), maxY));
      store<f32>(out + (i << 2), <f32>value);
      i++;
    }
  }
}

/** estimate.ts correlationWhere: the correlation of n f32 values at a and b where inside (u8) is set; -1 under 16 such. */
export function correlationWhere(a: usize, b: usize, inside: usize, n: i32): f64 {
  let count: f64 = 0, sa: f64 = 0, sb: f64 = 0, saa: f64 = 0, sbb: f64 = 0, sab: f64 = 0;
  for (let i = 0; i < n; i++) {
    if (!load<u8>(inside + <usize>i)) continue;
    const va = <f64>load<f32>(a + (<usize>i << 2));
    const vb = <f64>load<f32>(b + (<usize>i << 2));
    count++; sa += va; sb += vb; saa += va * va; sbb += vb * vb; sab += va * vb;
  }
  if (count < 16) return -1;
  return (sab - (sa * sb) / count) / Math.sqrt(max(saa - (sa * sa) / count, 1e-12) * max(sbb - (sb * sb) / count, 1e-12));
}

/**
 * estimate.ts searchShift's exhaustive search: for every integer shift (ox + sx, oy + sy), |sx|, |sy|
 * <= range, whose overlap of A (aw x ah f32) and B (bw x bh f32) covers at least half of A, the
 * correlation over the overlap (sums row by row, as the reference); the first best shift and its
 * correlation go to out (f64 dx, dy, correlation; correlation -2 when no shift qualifies).
 */
export function searchShift(a: usize, aw: i32, ah: i32, b: usize, bw: i32, bh: i32, ox: i32, oy: i32, range: i32, out: usize): void {
  const minOverlap: f64 = 0.5 * <f64>aw * <f64>ah;
  let bestDx = 0, bestDy = 0;
  let best: f64 = -2;
  for (let sy = -range; sy <= range; sy++) {
    for (let sx = -range; sx <= range; sx++) {
      const dx = ox + sx;
      const dy = oy + sy;
      const x0 = max(0, -dx);
      const x1 = min(aw, bw - dx);
      const y0 = max(0, -dy);
      const y1 = min(ah, bh - dy);
      const count = <f64>(x1 - x0) * <f64>(y1 - y0);
      if (x1 <= x0 || y1 <= y0 || count < minOverlap) continue;
      let sa: f64 = 0, sb: f64 = 0, saa: f64 = 0, sbb: f64 = 0, sab: f64 = 0;
      for (let y = y0; y < y1; y++) {
        const ra = a + (<usize>(y * aw) << 2);
        const rb = b + (<usize>((y + dy) * bw + dx) << 2);
        for (let x = x0; x < x1; x++) {
          const va = <f64>load<f32>(ra + (<usize>x << 2));
          const vb = <f64>load<f32>(rb + (<usize>x << 2));
          sa += va; sb += vb; saa += va * va; sbb += vb * vb; sab += va * vb;
        }
      }
      const cov = sab - (sa * sb) / count;
      const den = Math.sqrt(max(saa - (sa * sa) / count, 1e-12) * max(sbb - (sb * sb) / count, 1e-12));
      const c = cov / den;
      if (c > best) {
        best = c;
        bestDx = dx;
        bestDy = dy;
      }
    }
  }
  store<f64>(out, <f64>bestDx);
  store<f64>(out, <f64>bestDy, 8);
  store<f64>(out, best, 16);
}

// ---------------------------------------------------------------------------------------------
// src/align/pyramid.ts buildPyramid after its two blurs: the band-pass, its normalisation and the
// 2x2 halving, on images in this memory.

/** fine := fine - coarse (f32, n values), normalised by its RMS (1 / max(RMS, 1e-9)); returns the sum of squares before normalising. */
export function bandPass(fine: usize, coarse: usize, n: i32): f64 {
  let energy: f64 = 0;
  for (let i = 0; i < n; i++) {
    const at = fine + (<usize>i << 2);
    const v = <f32>(<f64>load<f32>(at) - <f64>load<f32>(coarse + (<usize>i << 2)));
    store<f32>(at, v);
    energy += <f64>v * <f64>v;
  }
  const gain = 1 / max(Math.sqrt(energy / <f64>n), 1e-9);
  for (let i = 0; i < n; i++) {
    const at = fine + (<usize>i << 2);
    store<f32>(at, <f32>(<f64>load<f32>(at) * gain));
  }
  return energy;
}

/** src/image/pyramid.ts halve: the 2x2 means of a width x height f32 image into (width >> 1) x (height >> 1) at dst. */
export function halveLevel(src: usize, width: i32, height: i32, dst: usize): void {
  const w = width >> 1;
  const h = height >> 1;
  for (let y = 0; y < h; y++) {
    const r0 = src + (<usize>(2 * y * width) << 2);
    const r1 = r0 + (<usize>width << 2);
    for (let x = 0; x < w; x++) {
      const i = <usize>(2 * x) << 2;
      const sum = <f64>load<f32>(r0 + i) + <f64>load<f32>(r0 + i, 4) + <f64>load<f32>(r1 + i) + <f64>load<f32>(r1 + i, 4);
      store<f32>(dst + (<usize>(y * w + x) << 2), <f32>(0.25 * sum));
    }
  }
}

/**
 * luma.ts luma of an RGBA8 plane (n pixels at rgba): (299 R + 587 G + 114 B) / 255000, the exact
 * integer numerator divided in f64 and rounded to f32, n values at dst.
 */
export function lumaPlane(rgba: usize, n: i32, dst: usize): void {
  const twoPixels = i16x8(299, 587, 114, 0, 299, 587, 114, 0);
  const divisor = f64x2.splat(255000);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const px = v128.load(rgba + (<usize>i << 2));
    // Per pixel pair: lanes (R wr + G wg, B wb) each; their sums are the numerators.
    const lo = i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(px), twoPixels);
    const hi = i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(px), twoPixels);
    const sums = i32x4.add(i32x4.shuffle(lo, hi, 0, 2, 4, 6), i32x4.shuffle(lo, hi, 1, 3, 5, 7));
    const first = f64x2.div(f64x2.convert_low_i32x4_s(sums), divisor);
    const second = f64x2.div(f64x2.convert_low_i32x4_s(i32x4.shuffle(sums, sums, 2, 3, 0, 1)), divisor);
    v128.store64_lane(dst + (<usize>i << 2), f32x4.demote_f64x2_zero(first), 0);
    v128.store64_lane(dst + (<usize>i << 2), f32x4.demote_f64x2_zero(second), 0, 8);
  }
  for (; i < n; i++) {
    const p = rgba + (<usize>i << 2);
    const numerator = 299 * <i32>load<u8>(p) + 587 * <i32>load<u8>(p, 1) + 114 * <i32>load<u8>(p, 2);
    store<f32>(dst + (<usize>i << 2), <f32>(<f64>numerator / 255000));
  }
}
