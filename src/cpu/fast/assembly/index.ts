// The fast CPU path's kernels (AssemblyScript, compiled to WebAssembly with SIMD by `npm run
// build:wasm`). Maths version 1 for lapv or teng + gaussian depth + interpolate/nearest composite;
// the readable reference is src/cpu/*.ts, and test/cpu-fast.test.ts (test/cpu-fast-teng.test.ts)
// holds these to it.
//
// Memory: no allocator. The TypeScript side (src/cpu/fast/kernels.ts, warp.ts) lays the buffers out in linear
// memory, grows it, and passes every pointer to configure(). Per-pixel working images use a row
// stride S = width rounded up to 4, so every SIMD lane group stays inside its row; lanes past the
// width hold values nobody reads.
//
// Exactness (see docs/cpu-fast-path.md): the luma numerator N = 299 R + 587 G + 114 B is an exact
// integer; the Laplacian of N is an exact i32 (|L| <= 1.02e6), L^2 an exact i64, and every window
// sum of L and L^2 is an exact integer, so the sums run in any order with no rounding residue.
// F = (area S2 - S1^2) / (area^2 255000^2) has an exact integer numerator; only the last
// conversion rounds. A flat window gives exactly F = 0 without the reference's zero counting.
// RGBA16 (configureSamples) scales the bounds by max / 255: L stays an i32, the wider sums run as
// wideSums (below), so F is exact there too.
//
// teng (Tenengrad, configureMeasure(MEASURE_TENG)) runs the same sweep with the Sobel energy
// E = Gx^2 + Gy^2 of N in place of L: |Gx|, |Gy| <= 4 x 255000, so E <= 2.08e12 is an exact i64,
// and a window sum S of E stays below area x 2.08e12 < 2^53 for every r <= 32: F = S / (area
// 255000^2), the exact mean rounded once. The window machinery is the lapv one with S1 = 0 (the
// variance's numerator area S2 - S1^2 becomes S2, and the scale 1 / area instead of 1 / area^2),
// so every r takes the four-row path. The reference rounds Y = N / 255000 to f32 before its f64
// Sobel, so the two differ by that rounding only, amplified where a gradient is small against Y
// (F within ~1e-5 relative on synthetic cytology; inside the parity bar: docs/cpu-fast-path.md).

import { storePixel, widenPixel } from './samples';

// Layout, set by configure().
let width: i32 = 0;
let height: i32 = 0;
let stride: i32 = 0; // S: width rounded up to 4
let radius: i32 = 0;
let planeCount: i32 = 0;
let planesPtr: usize = 0; // Z RGBA8 (or RGBA16) planes, width * height * 4 samples each
let sampleBytes: i32 = 1; // bytes per sample of the planes and the image: 1 (RGBA8) or 2 (RGBA16), configureSamples
let lumaDivisor: f64 = 255000; // 1000 x the largest sample value: Y = N / lumaDivisor (src/image/luma.ts)
let nPtr: usize = 0; // luma numerators N, i32, rows of S + 8 (padded by 4 on each side)
let lPtr: usize = 0; // Laplacian L, i32, height rows of S (teng: Sobel energy E, i64, height rows of S)
let measureKind: i32 = 0; // MEASURE_LAPV or MEASURE_TENG (configureMeasure)
let colSum1Ptr: usize = 0; // column sums of L, i32 (wideSums: i64), S + 2 r + 4 (offset r); four copies (see colSums1)
let colSum2Ptr: usize = 0; // column sums of (lScale L)^2, i64, S + 2 r + 4 (offset r); four copies
let fRowPtr: usize = 0; // four rows of F, f32, 4 rows of S
let colsT1Ptr: usize = 0; // four rows' column sums of L side by side, i32x4 (wideSums: 2 x f64x2) per x, S + 2 r + 4 (offset r)
let colsT2Ptr: usize = 0; // four rows' column sums of (lScale L)^2 side by side, 2 x i64x2 (wideSums: area x their low words, 2 x f64x2) per x, S + 2 r + 4
let fColsPtr: usize = 0; // four rows of F column by column (f32x4 per x), S
let colsTHPtr: usize = 0; // wideSums: four rows' area 2^32 x (column sums of L^2) >> 32 side by side, 2 x f64x2 per x, S + 2 r + 4 (RGBA16 only)
let lScale: i32 = 1; // side for the four-row path (so the sums hold area L^2), 1 for the one-row path
let fPrevPtr: usize = 0; // F of the previous plane, f32, height rows of S
let fMaxPtr: usize = 0; // running max of F, f32
let kPtr: usize = 0; // running argmax, i32
let fBeforePtr: usize = 0; // F_{k-1} at the running argmax, f32
let fAfterPtr: usize = 0; // F_{k+1} at the running argmax, f32
let fSumPtr: usize = 0; // running sum of F over z, f32 (C's mean: within ~1e-6 relative of an f64 sum)
let depthPtr: usize = 0; // D, f32
let confPtr: usize = 0; // C, f32
let smoothPtr: usize = 0; // Ds, f32
let hNumPtr: usize = 0; // smoothing: horizontal G[C D], f32, height rows of S
let hDenPtr: usize = 0; // smoothing: horizontal G[C], f32
let padNumPtr: usize = 0; // smoothing: one padded row of C D, f32, S + 2 R + 8
let padDenPtr: usize = 0; // smoothing: one padded row of C, f32
let tapsPtr: usize = 0; // Gaussian taps, f32 (gaussianKernel's)
let imagePtr: usize = 0; // composite output, the planes' sample type, width * height * 4 samples
let curvePtr: usize = 0; // per-plane sums of F, f64, Z
let blockFactor: i32 = 0; // auto's preview block size (0: no block sums), see configureBlocks
let blockAccPtr: usize = 0; // per column, N summed over the block row's rows so far, i32, S
let blockOutPtr: usize = 0; // this plane's block means, f32, floor(width / factor) x floor(height / factor); 0: none
let blockNorm: f64 = 0; // 1 / (factor^2 LUMA_DIVISOR), as blockMeans forms it

/** Stores the layout; every later call uses it. */
export function configure(
  w: i32, h: i32, s: i32, r: i32, z: i32,
  planes: usize, n: usize, l: usize, cs1: usize, cs2: usize, fRow: usize, fPrev: usize,
  fMax: usize, k: usize, fBefore: usize, fAfter: usize, fSum: usize,
  depth: usize, conf: usize, smooth: usize, hNum: usize, hDen: usize, padNum: usize, padDen: usize,
  taps: usize, image: usize, curve: usize, colsT1: usize, colsT2: usize, fCols: usize, colsTH: usize,
): void {
  width = w; height = h; stride = s; radius = r; planeCount = z;
  planesPtr = planes; nPtr = n; lPtr = l; colSum1Ptr = cs1; colSum2Ptr = cs2; fRowPtr = fRow; fPrevPtr = fPrev;
  fMaxPtr = fMax; kPtr = k; fBeforePtr = fBefore; fAfterPtr = fAfter; fSumPtr = fSum;
  depthPtr = depth; confPtr = conf; smoothPtr = smooth; hNumPtr = hNum; hDenPtr = hDen; padNumPtr = padNum; padDenPtr = padDen;
  tapsPtr = taps; imagePtr = image; curvePtr = curve; colsT1Ptr = colsT1; colsT2Ptr = colsT2; fColsPtr = fCols; colsTHPtr = colsTH;
}

/** measureKind of lapv, the variance of the Laplacian over the window. */
const MEASURE_LAPV = 0;
/** measureKind of teng, the mean of the Sobel energy over the window. */
const MEASURE_TENG = 1;

/**
 * Picks the measure measurePlane sweeps: 0 lapv, 1 teng (the layout's lPtr must then hold height
 * rows of S i64).
 */
export function configureMeasure(kind: i32): void {
  measureKind = kind;
}

/**
 * The planes' samples: `bytes` 1 (RGBA8, `max` 255) or 2 (RGBA16 of 2^bitDepth - 1 at most). The
 * sweep's luma is then N / (1000 max) as the reference's (src/image/luma.ts), and its integer bounds
 * grow with max (see sweepPlane; src/cpu/fast/kernels.ts sweepExact says which windows stay exact);
 * the composites read and write samples of that width.
 */
export function configureSamples(bytes: i32, max: i32): void {
  sampleBytes = bytes;
  lumaDivisor = 1000.0 * <f64>max;
}

/**
 * Sets the block size of auto's preview (src/image/luma.ts shrinkLuma): measurePlane then also
 * averages the luma over factor x factor blocks, from the luma rows it makes anyway, into its
 * `blocks` argument. `acc` holds S i32 (one block row's column sums: <= factor 255000, no overflow
 * below factor 8000).
 */
export function configureBlocks(factor: i32, acc: usize): void {
  blockFactor = factor; blockAccPtr = acc;
  blockNorm = 1.0 / (<f64>factor * <f64>factor * 255000.0);
}

/**
 * Adds luma row y (N at `row`) to the block sums: column sums over the block row's rows, reduced
 * along x into blocks once its last row is in. The sums are exact integers, scaled to means as
 * blockMeans does (f64 product, rounded to f32), so they equal shrinkLuma's bit for bit.
 */
function addBlockRow(row: usize, y: i32): void {
  const f = blockFactor;
  const across = width / f;
  const by = y / f;
  if (by >= height / f) return;
  const w4 = (across * f + 3) & ~3;
  if (y % f == 0) memory.fill(blockAccPtr, 0, <usize>w4 << 2);
  for (let x = 0; x < w4; x += 4) {
    const a = blockAccPtr + (<usize>x << 2);
    v128.store(a, i32x4.add(v128.load(a), v128.load(row + (<usize>x << 2))));
  }
  if (y % f != f - 1) return;
  const out = blockOutPtr + (<usize>by * <usize>across << 2);
  for (let bx = 0; bx < across; bx++) {
    let sum: i64 = 0;
    const from = blockAccPtr + (<usize>(bx * f) << 2);
    for (let dx = 0; dx < f; dx++) sum += <i64>load<i32>(from + (<usize>dx << 2));
    store<f32>(out + (<usize>bx << 2), <f32>(<f64>sum * blockNorm));
  }
}

// ---------------------------------------------------------------------------------------------
// Stage 1 + 2: luma numerators and the measure's 3x3 operator (Laplacian or Sobel energy), one plane.

/**
 * N for one row of RGBA samples of type T (u8 or u16) into `dst` (i32), 4 pixels per step:
 * N = 299 R + 587 G + 114 B (< 2^26 for u16: exact).
 */
function lumaRow<T>(src: usize, dst: usize, w: i32): void {
  const pixel = <usize>sizeof<T>() << 2;
  let x = 0;
  if (sizeof<T>() == 1) {
    const weights = i16x8(299, 587, 114, 0, 299, 587, 114, 0);
    for (; x + 4 <= w; x += 4) {
      const px = v128.load(src + (<usize>x << 2));
      const lo = i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(px), weights); // [rg0, b0, rg1, b1]
      const hi = i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(px), weights); // [rg2, b2, rg3, b3]
      const n = i32x4.add(i32x4.shuffle(lo, hi, 0, 2, 4, 6), i32x4.shuffle(lo, hi, 1, 3, 5, 7));
      v128.store(dst + (<usize>x << 2), n);
    }
  } else {
    // u16 samples pass i16's range: taken less 2^15 (the sign bit flipped) into the same dot products,
    // N = dot + 2^15 (299 + 587 + 114): exact, |dot| <= 2^15 1000 < 2^31.
    const weights = i16x8(299, 587, 114, 0, 299, 587, 114, 0);
    const flip = i16x8.splat(-32768);
    const offset = i32x4.splat(32768000);
    for (; x + 4 <= w; x += 4) {
      const lo = i32x4.dot_i16x8_s(v128.xor(v128.load(src + <usize>x * pixel), flip), weights); // [rg0, b0, rg1, b1]
      const hi = i32x4.dot_i16x8_s(v128.xor(v128.load(src + <usize>x * pixel, 16), flip), weights); // [rg2, b2, rg3, b3]
      const n = i32x4.add(i32x4.shuffle(lo, hi, 0, 2, 4, 6), i32x4.shuffle(lo, hi, 1, 3, 5, 7));
      v128.store(dst + (<usize>x << 2), i32x4.add(n, offset));
    }
  }
  for (; x < w; x++) {
    const p = src + <usize>x * pixel;
    store<i32>(dst + (<usize>x << 2), 299 * <i32>load<T>(p) + 587 * <i32>load<T>(p + sizeof<T>()) + 114 * <i32>load<T>(p + 2 * sizeof<T>()));
  }
}

/**
 * The operator image of one plane into lPtr (rows of S): L for lapv, E for teng, clamped reads.
 * The N rows live in a ring of three padded rows (one each side, a copy of the edge pixel), so the
 * clamped x reads are plain unaligned loads.
 */
function operatorPlane<T>(plane: usize): void {
  const w = width;
  const h = height;
  const rowBytes = <usize>(stride + 8) << 2;
  // Ring slot of row y: (y % 3); each slot starts 4 i32 before its pixel 0 (16-byte aligned).
  for (let y = -1; y < h; y++) {
    // Make row y + 1 (clamped) available, then emit row y.
    const next = y + 1 < h ? y + 1 : h - 1;
    if (y + 1 < h) {
      const slot = nPtr + <usize>((y + 1) % 3) * rowBytes + 16;
      lumaRow<T>(plane + <usize>next * <usize>w * (<usize>sizeof<T>() << 2), slot, w);
      store<i32>(slot - 4, load<i32>(slot));
      store<i32>(slot + (<usize>w << 2), load<i32>(slot + (<usize>(w - 1) << 2)));
      if (blockOutPtr != 0) addBlockRow(slot, y + 1);
    }
    if (y < 0) continue;
    const mid = nPtr + <usize>(y % 3) * rowBytes + 16;
    const up = y > 0 ? nPtr + <usize>((y - 1) % 3) * rowBytes + 16 : mid;
    const dn = y + 1 < h ? nPtr + <usize>((y + 1) % 3) * rowBytes + 16 : mid;
    if (measureKind == MEASURE_TENG) sobelEnergyRow(up, mid, dn, y);
    else laplacianRow(up, mid, dn, y);
  }
}

/** L = N(x-1) + N(x+1) + N(y-1) + N(y+1) - 4 N of row y (i32), from its padded N rows. */
function laplacianRow(up: usize, mid: usize, dn: usize, y: i32): void {
  const out = lPtr + (<usize>y * <usize>stride << 2);
  for (let x = 0; x < width; x += 4) {
    const o = <usize>x << 2;
    const c = v128.load(mid + o);
    const sides = i32x4.add(i32x4.add(v128.load(mid + o - 4), v128.load(mid + o + 4)), i32x4.add(v128.load(up + o), v128.load(dn + o)));
    v128.store(out + o, i32x4.sub(sides, i32x4.shl(c, 2)));
  }
}

/**
 * E = Gx^2 + Gy^2 of row y (i64), the standard 3x3 Sobel of N (src/cpu/teng.ts): Gx and Gy are
 * exact i32 (|G| <= 4 x 255000), their squares summed exactly by widening multiplies.
 */
function sobelEnergyRow(up: usize, mid: usize, dn: usize, y: i32): void {
  const out = lPtr + (<usize>y * <usize>stride << 3);
  for (let x = 0; x < width; x += 4) {
    const o = <usize>x << 2;
    const ul = v128.load(up + o - 4);
    const ur = v128.load(up + o + 4);
    const dl = v128.load(dn + o - 4);
    const dr = v128.load(dn + o + 4);
    const mx = i32x4.sub(v128.load(mid + o + 4), v128.load(mid + o - 4));
    const my = i32x4.sub(v128.load(dn + o), v128.load(up + o));
    const gx = i32x4.add(i32x4.add(i32x4.sub(ur, ul), i32x4.sub(dr, dl)), i32x4.shl(mx, 1));
    const gy = i32x4.add(i32x4.add(i32x4.sub(dl, ul), i32x4.sub(dr, ur)), i32x4.shl(my, 1));
    const e = out + (<usize>x << 3);
    v128.store(e, i64x2.add(i64x2.extmul_low_i32x4_s(gx, gx), i64x2.extmul_low_i32x4_s(gy, gy)));
    v128.store(e, i64x2.add(i64x2.extmul_high_i32x4_s(gx, gx), i64x2.extmul_high_i32x4_s(gy, gy)), 16);
  }
}

// ---------------------------------------------------------------------------------------------
// Window sums, F, and the streaming depth state.

/**
 * Adds row `y` (clamped) of L and L^2 (teng: of E, to the second sums only) to the column sums: the
 * window's first rows.
 */
function addRow(y: i32): void {
  const yy = y < 0 ? 0 : y >= height ? height - 1 : y;
  const c1 = colSum1Ptr + (<usize>radius << c1Shift);
  const c2 = colSum2Ptr + (<usize>radius << 3);
  if (measureKind == MEASURE_TENG) {
    const energy = lPtr + (<usize>yy * <usize>stride << 3);
    if (wideSums) {
      // E's high and low words summed apart (see focusRows4Teng16): exact i64.
      for (let x = 0; x < stride; x += 2) {
        const e = v128.load(energy + (<usize>x << 3));
        const a = c1 + (<usize>x << 3);
        const b = c2 + (<usize>x << 3);
        v128.store(a, i64x2.add(v128.load(a), i64x2.shr_u(e, 32)));
        v128.store(b, i64x2.add(v128.load(b), v128.and(e, i64x2.splat(0xffffffff))));
      }
      return;
    }
    for (let x = 0; x < stride; x += 2) {
      const b = c2 + (<usize>x << 3);
      v128.store(b, i64x2.add(v128.load(b), v128.load(energy + (<usize>x << 3))));
    }
    return;
  }
  const row = lPtr + (<usize>yy * <usize>stride << 2);
  if (wideSums) {
    for (let x = 0; x < stride; x += 4) {
      const l = v128.load(row + (<usize>x << 2));
      const a = c1 + (<usize>x << 3);
      v128.store(a, i64x2.add(v128.load(a), i64x2.extend_low_i32x4_s(l)));
      v128.store(a, i64x2.add(v128.load(a, 16), i64x2.extend_high_i32x4_s(l)), 16);
      addSquares(c2 + (<usize>x << 3), l);
    }
    return;
  }
  const scale = i32x4.splat(lScale);
  for (let x = 0; x < stride; x += 4) {
    const l = v128.load(row + (<usize>x << 2));
    const ls = i32x4.mul(l, scale);
    const a = c1 + (<usize>x << 2);
    v128.store(a, i32x4.add(v128.load(a), l));
    addSquares(c2 + (<usize>x << 3), ls);
  }
}

/** Adds the squares of four i32 lanes to the four i64 sums at b. */
@inline
function addSquares(b: usize, l: v128): void {
  v128.store(b, i64x2.add(v128.load(b), i64x2.extmul_low_i32x4_s(l, l)));
  v128.store(b + 16, i64x2.add(v128.load(b + 16), i64x2.extmul_high_i32x4_s(l, l)));
}

/** Bytes of one copy of the column sums of L (16-byte aligned): S + 2 r + 4 of i32, or of i64 (wideSums). */
@inline
function colSums1Bytes(): usize {
  return ((<usize>(stride + 2 * radius + 4) << c1Shift) + 15) & ~15;
}

/** Copy `j` (0..3) of the column sums of L, at pixel 0 (the four-row path keeps four rows' sums). */
@inline
function colSums1(j: i32): usize {
  return colSum1Ptr + <usize>j * colSums1Bytes() + (<usize>radius << c1Shift);
}

/** Copy `j` of the column sums of (lScale L)^2, at pixel 0. */
@inline
function colSums2(j: i32): usize {
  return colSum2Ptr + <usize>j * (<usize>(stride + 2 * radius + 4) << 3) + (<usize>radius << 3);
}

/**
 * Slides the window down one row: the column sums of copy `from` plus row `enter` minus row `leave`
 * (both clamped) into copy `to` (the same copy: in place). teng slides the second sums only (its
 * first sums stay 0).
 */
function slideRows(enter: i32, leave: i32, from: i32, to: i32): void {
  const h = height;
  const yIn = enter >= h ? h - 1 : enter;
  const yOut = leave < 0 ? 0 : leave;
  const s1 = colSums1(from);
  const s2 = colSums2(from);
  const c1 = colSums1(to);
  const c2 = colSums2(to);
  if (yIn == yOut) {
    // The same clamped row enters and leaves: the sums do not change.
    if (from != to) {
      memory.copy(c1, s1, <usize>stride << c1Shift);
      memory.copy(c2, s2, <usize>stride << 3);
    }
    return;
  }
  if (measureKind == MEASURE_TENG) {
    const eIn = lPtr + (<usize>yIn * <usize>stride << 3);
    const eOut = lPtr + (<usize>yOut * <usize>stride << 3);
    if (wideSums) {
      const word = i64x2.splat(0xffffffff);
      for (let x = 0; x < stride; x += 2) {
        const b = <usize>x << 3;
        const ei = v128.load(eIn + b);
        const eo = v128.load(eOut + b);
        v128.store(c1 + b, i64x2.add(v128.load(s1 + b), i64x2.sub(i64x2.shr_u(ei, 32), i64x2.shr_u(eo, 32))));
        v128.store(c2 + b, i64x2.add(v128.load(s2 + b), i64x2.sub(v128.and(ei, word), v128.and(eo, word))));
      }
      return;
    }
    for (let x = 0; x < stride; x += 2) {
      const b = <usize>x << 3;
      v128.store(c2 + b, i64x2.add(v128.load(s2 + b), i64x2.sub(v128.load(eIn + b), v128.load(eOut + b))));
    }
    return;
  }
  const rowIn = lPtr + (<usize>yIn * <usize>stride << 2);
  const rowOut = lPtr + (<usize>yOut * <usize>stride << 2);
  if (wideSums) {
    for (let x = 0; x < stride; x += 4) {
      const li = v128.load(rowIn + (<usize>x << 2));
      const lo = v128.load(rowOut + (<usize>x << 2));
      const d = i32x4.sub(li, lo); // |d| <= 8 D < 2^31
      const a = <usize>x << 3;
      v128.store(c1 + a, i64x2.add(v128.load(s1 + a), i64x2.extend_low_i32x4_s(d)));
      v128.store(c1 + a, i64x2.add(v128.load(s1 + a, 16), i64x2.extend_high_i32x4_s(d)), 16);
      slideSquares(c2 + a, s2 + a, li, lo);
    }
    return;
  }
  const scale = i32x4.splat(lScale);
  for (let x = 0; x < stride; x += 4) {
    const li = v128.load(rowIn + (<usize>x << 2));
    const lo = v128.load(rowOut + (<usize>x << 2));
    const lis = i32x4.mul(li, scale);
    const los = i32x4.mul(lo, scale);
    const a = <usize>x << 2;
    v128.store(c1 + a, i32x4.add(v128.load(s1 + a), i32x4.sub(li, lo)));
    slideSquares(c2 + (<usize>x << 3), s2 + (<usize>x << 3), lis, los);
  }
}

/** The four i64 sums at `from` plus the squares of `enter` minus those of `leave` (i32 lanes) into `to`. */
@inline
function slideSquares(to: usize, from: usize, enter: v128, leave: v128): void {
  v128.store(to, i64x2.add(v128.load(from), i64x2.sub(i64x2.extmul_low_i32x4_s(enter, enter), i64x2.extmul_low_i32x4_s(leave, leave))));
  v128.store(to, i64x2.add(v128.load(from, 16), i64x2.sub(i64x2.extmul_high_i32x4_s(enter, enter), i64x2.extmul_high_i32x4_s(leave, leave))), 16);
}

/**
 * One row of F from the column sums: horizontal running sums over the window (exact i64; the
 * column sums are padded with r copies of the edge value on each side, so clamping costs nothing).
 */
function focusRow(scale: f64, area: i64): void {
  const w = width;
  const r = radius;
  const c1 = colSum1Ptr;
  const c2 = colSum2Ptr;
  // Edge copies for the clamped reads.
  const first1 = load<i32>(c1 + (<usize>r << 2));
  const last1 = load<i32>(c1 + (<usize>(r + w - 1) << 2));
  const first2 = load<i64>(c2 + (<usize>r << 3));
  const last2 = load<i64>(c2 + (<usize>(r + w - 1) << 3));
  for (let k = 0; k < r; k++) {
    store<i32>(c1 + (<usize>k << 2), first1);
    store<i32>(c1 + (<usize>(r + w + k) << 2), last1);
    store<i64>(c2 + (<usize>k << 3), first2);
    store<i64>(c2 + (<usize>(r + w + k) << 3), last2);
  }
  let s1: i64 = 0;
  let s2: i64 = 0;
  const side = 2 * r + 1;
  for (let k = 0; k < side; k++) {
    s1 += <i64>load<i32>(c1 + (<usize>k << 2));
    s2 += load<i64>(c2 + (<usize>k << 3));
  }
  // area S2 - S1^2 >= 0 (Cauchy-Schwarz) and below area^2 max L^2 (RGBA8: area^2 1.04e12, which
  // passes 2^63 from r = 27 and 2^64 only for r = 32): where it may pass 2^63 (`wrapping`) the
  // wrapped u64 is corrected with an f64 estimate of the value. RGBA16 stacks take this path only
  // where it stays below 2^64 (16 bits: r <= 1; 12 bits: r <= 7), wideSums past that.
  if (wrapping) {
    for (let x = 0; x < w; x++) {
      const num = area * s2 - s1 * s1;
      let f = <f64>(<u64>num);
      if (<f64>area * <f64>s2 - <f64>s1 * <f64>s1 - f > 9.2e18) f += 18446744073709551616.0;
      store<f32>(fRowPtr + (<usize>x << 2), <f32>(f * scale));
      s1 += <i64>(load<i32>(c1 + (<usize>(x + side) << 2)) - load<i32>(c1 + (<usize>x << 2)));
      s2 += load<i64>(c2 + (<usize>(x + side) << 3)) - load<i64>(c2 + (<usize>x << 3));
    }
    return;
  }
  for (let x = 0; x < w; x++) {
    // Below 2^63 here: the signed conversion (one instruction) is exact up to its rounding.
    store<f32>(fRowPtr + (<usize>x << 2), <f32>(<f64>(area * s2 - s1 * s1) * scale));
    s1 += <i64>(load<i32>(c1 + (<usize>(x + side) << 2)) - load<i32>(c1 + (<usize>x << 2)));
    s2 += load<i64>(c2 + (<usize>(x + side) << 3)) - load<i64>(c2 + (<usize>x << 3));
  }
}

// Four rows at once (area 4 D < 2^31: r <= 22 for RGBA8, see sweepPlane): the horizontal running sums are a serial chain along
// a row, so one row runs scalar; four rows side by side run it in SIMD lanes, one lane per row.
// Their column sums (four copies, one per row) are transposed into the lanes (transposeGroup),
// summed along x, and F comes back out transposed into four ordinary rows. Sums of (side L)^2 are area L^2, so F's numerator is
// S2' - S1^2 with no i64 multiply (SIMD has none): |S1| <= area 1.02e6 < 2^31 keeps S1 in i32 up to
// r = 22, and S2' <= area^2 1.04e12 < 2^63 up to r = 26. Same integers, same conversions, same F bits
// as focusRow.

// Whether the one-row path's numerator may pass 2^63 (set per plane by sweepPlane).
let wrapping = false;

/**
 * The four copies of the column sums (rows y0..y0+3) into the lane buffers: 4 x 4 blocks of i32 and
 * 2 x 2 blocks of i64 transposed with shuffles, so lane j holds row y0 + j.
 */
function transposeGroup(): void {
  const r = radius;
  const a1 = colSums1(0), b1 = colSums1(1), c1 = colSums1(2), d1 = colSums1(3);
  const a2 = colSums2(0), b2 = colSums2(1), c2 = colSums2(2), d2 = colSums2(3);
  for (let x = 0; x < stride; x += 4) {
    const o = <usize>x << 2;
    const a = v128.load(a1 + o);
    const b = v128.load(b1 + o);
    const c = v128.load(c1 + o);
    const d = v128.load(d1 + o);
    const ab01 = i32x4.shuffle(a, b, 0, 4, 1, 5);
    const ab23 = i32x4.shuffle(a, b, 2, 6, 3, 7);
    const cd01 = i32x4.shuffle(c, d, 0, 4, 1, 5);
    const cd23 = i32x4.shuffle(c, d, 2, 6, 3, 7);
    const t1 = colsT1Ptr + (<usize>(x + r) << 4);
    v128.store(t1, i32x4.shuffle(ab01, cd01, 0, 1, 4, 5));
    v128.store(t1, i32x4.shuffle(ab01, cd01, 2, 3, 6, 7), 16);
    v128.store(t1, i32x4.shuffle(ab23, cd23, 0, 1, 4, 5), 32);
    v128.store(t1, i32x4.shuffle(ab23, cd23, 2, 3, 6, 7), 48);
    const t2 = colsT2Ptr + (<usize>(x + r) << 5);
    for (let q: usize = 0; q < 32; q += 16) {
      const p = (<usize>x << 3) + q; // pixels x + q/8 and x + q/8 + 1
      transposeI64(a2 + p, b2 + p, c2 + p, d2 + p, t2 + (q << 2));
    }
  }
}

/** Two pixels' i64 sums of four rows (at a, b, c, d) into the lanes at `at`: pixel 0's rows 0..3, then pixel 1's. */
@inline
function transposeI64(a: usize, b: usize, c: usize, d: usize, at: usize): void {
  storeLanes(v128.load(a), v128.load(b), v128.load(c), v128.load(d), at);
}

/** Two pixels' 64-bit values of rows 0..3 (ra .. rd) into the lanes at `at`: pixel 0's rows 0..3, then pixel 1's. */
@inline
function storeLanes(ra: v128, rb: v128, rc: v128, rd: v128, at: usize): void {
  v128.store(at, i64x2.shuffle(ra, rb, 0, 2));
  v128.store(at, i64x2.shuffle(rc, rd, 0, 2), 16);
  v128.store(at, i64x2.shuffle(ra, rb, 1, 3), 32);
  v128.store(at, i64x2.shuffle(rc, rd, 1, 3), 48);
}

/** i64x2 in [0, 2^63) to f64x2, rounded once as the scalar conversion: (hi 2^32 - 2^52) + (2^52 + lo). */
@inline
function exactF64x2(v: v128): v128 {
  const hi = v128.or(i64x2.shr_u(v, 32), i64x2.splat(0x4530000000000000)); // 2^84 + hi 2^32
  const lo = v128.or(v128.and(v, i64x2.splat(0xffffffff)), i64x2.splat(0x4330000000000000)); // 2^52 + lo
  return f64x2.add(f64x2.sub(hi, f64x2.splat(19342813118337666422669312.0)), lo); // 2^84 + 2^52
}

/** F of the four staged rows into fCols (rows past the image's end compute unread values; columnsToRows makes them rows). */
function focusRows4(scale: f64): void {
  const w = width;
  const r = radius;
  const t1 = colsT1Ptr;
  const t2 = colsT2Ptr;
  // Edge copies for the clamped reads, four lanes at a time.
  const first1 = v128.load(t1 + (<usize>r << 4));
  const last1 = v128.load(t1 + (<usize>(r + w - 1) << 4));
  const first2a = v128.load(t2 + (<usize>r << 5));
  const first2b = v128.load(t2 + (<usize>r << 5), 16);
  const last2a = v128.load(t2 + (<usize>(r + w - 1) << 5));
  const last2b = v128.load(t2 + (<usize>(r + w - 1) << 5), 16);
  for (let k = 0; k < r; k++) {
    v128.store(t1 + (<usize>k << 4), first1);
    v128.store(t1 + (<usize>(r + w + k) << 4), last1);
    v128.store(t2 + (<usize>k << 5), first2a);
    v128.store(t2 + (<usize>k << 5), first2b, 16);
    v128.store(t2 + (<usize>(r + w + k) << 5), last2a);
    v128.store(t2 + (<usize>(r + w + k) << 5), last2b, 16);
  }
  const side = 2 * r + 1;
  let s1 = i32x4.splat(0);
  let s2a = i64x2.splat(0);
  let s2b = i64x2.splat(0);
  for (let k = 0; k < side; k++) {
    s1 = i32x4.add(s1, v128.load(t1 + (<usize>k << 4)));
    s2a = i64x2.add(s2a, v128.load(t2 + (<usize>k << 5)));
    s2b = i64x2.add(s2b, v128.load(t2 + (<usize>k << 5), 16));
  }
  const sc = f64x2.splat(scale);
  // Column x of F (rows 0..3 in the lanes) into fCols, then four columns at a time transposed into rows.
  for (let x = 0; x < stride; x++) {
    const lo = f32x4.demote_f64x2_zero(f64x2.mul(exactF64x2(i64x2.sub(s2a, i64x2.extmul_low_i32x4_s(s1, s1))), sc));
    const hi = f32x4.demote_f64x2_zero(f64x2.mul(exactF64x2(i64x2.sub(s2b, i64x2.extmul_high_i32x4_s(s1, s1))), sc));
    v128.store(fColsPtr + (<usize>x << 4), i32x4.shuffle(lo, hi, 0, 1, 4, 5));
    const enter = <usize>(x + side);
    const leave = <usize>x;
    s1 = i32x4.add(s1, i32x4.sub(v128.load(t1 + (enter << 4)), v128.load(t1 + (leave << 4))));
    s2a = i64x2.add(s2a, i64x2.sub(v128.load(t2 + (enter << 5)), v128.load(t2 + (leave << 5))));
    s2b = i64x2.add(s2b, i64x2.sub(v128.load(t2 + (enter << 5), 16), v128.load(t2 + (leave << 5), 16)));
  }
}

/** The four rows of F in fCols (f32x4 per x: rows in the lanes) into fRowPtr's four rows, 4 x 4 blocks transposed. */
function columnsToRows(): void {
  const rowBytes = <usize>stride << 2;
  for (let x = 0; x < stride; x += 4) {
    const at = fColsPtr + (<usize>x << 4);
    const a = v128.load(at);
    const b = v128.load(at, 16);
    const c = v128.load(at, 32);
    const d = v128.load(at, 48);
    const ab01 = i32x4.shuffle(a, b, 0, 4, 1, 5);
    const ab23 = i32x4.shuffle(a, b, 2, 6, 3, 7);
    const cd01 = i32x4.shuffle(c, d, 0, 4, 1, 5);
    const cd23 = i32x4.shuffle(c, d, 2, 6, 3, 7);
    const out = fRowPtr + (<usize>x << 2);
    v128.store(out, i32x4.shuffle(ab01, cd01, 0, 1, 4, 5));
    v128.store(out + rowBytes, i32x4.shuffle(ab01, cd01, 2, 3, 6, 7));
    v128.store(out + 2 * rowBytes, i32x4.shuffle(ab23, cd23, 0, 1, 4, 5));
    v128.store(out + 3 * rowBytes, i32x4.shuffle(ab23, cd23, 2, 3, 6, 7));
  }
}

// Four rows at once past an i32's S1 (wideSums: RGBA16 lapv where the one-row path's numerator may
// pass 2^64, e.g. 16 bits from r = 2: |L| <= 4 D = 2.6e8). The column sums are exact i64: of L
// (|S1| <= 65^2 4 D < 2^41) and of L^2 (<= 65 (4 D)^2 < 2^62). The numerator area S2 - S1^2 reaches
// area^2 (4 D)^2 (2^68.6 at r = 4, 2^80 at r = 32), so it is put together from two parts in f64x2
// lanes, with no 64-bit multiply: its value modulo 2^32 (i32x4 products of the sums' low words)
// and an f64 estimate within 2^30 (S2 = 2^32 H + Lo, the column sums' high and low words summed
// apart: area 2^32 H and area Lo < 2^51 are exact f64 integers, as S1 is; three roundings of at most
// 2^27 each), which settles its multiple of 2^32. num = 2^32 k + (num mod 2^32) is then one f64
// rounding (2^32 k < 2^81 is exact): the same F bits as the exact maths through focusRow's
// conversion (tested against a BigInt oracle, test/cpu-fast-16bit.test.ts). Where the one-row path
// stays below 2^64 (16 bits r <= 1, 12 bits r <= 7) it keeps that path: as fast or faster there.

/** Whether the sweep takes the wide four-row sums (set per plane by sweepPlane). */
let wideSums = false;
/** log2 of the bytes of one column sum of L: 2 (i32), 3 (i64: wideSums). */
let c1Shift: usize = 2;

/** 1.5 2^52: x + this holds the integer x (|x| < 2^51) in its low mantissa bits, two's complement modulo 2^52. */
const MAGIC: f64 = 6755399441055744.0;
/** 1.5 2^84: (x + this) - this is x rounded to a multiple of 2^32 (|x| < 2^83). */
const MAGIC_32: f64 = 29014219670751100192948224.0;

/**
 * wideSums' transposition: the four copies' i64 column sums into the lane buffers as exact f64:
 * those of L (colsT1), area times the low words (colsT2) and area 2^32 times the high words (colsTH)
 * of those of L^2.
 */
function transposeGroupWide(area: f64): void {
  const r = radius;
  const a1 = colSums1(0), b1 = colSums1(1), c1 = colSums1(2), d1 = colSums1(3);
  const a2 = colSums2(0), b2 = colSums2(1), c2 = colSums2(2), d2 = colSums2(3);
  const areaLow = f64x2.splat(area);
  const areaHigh = f64x2.splat(area * 4294967296.0);
  for (let x = 0; x < stride; x += 2) {
    const p = <usize>x << 3;
    const at = <usize>(x + r) << 5;
    storeLanes(smallF64x2(v128.load(a1 + p)), smallF64x2(v128.load(b1 + p)), smallF64x2(v128.load(c1 + p)), smallF64x2(v128.load(d1 + p)), colsT1Ptr + at);
    const a = v128.load(a2 + p);
    const b = v128.load(b2 + p);
    const c = v128.load(c2 + p);
    const d = v128.load(d2 + p);
    storeLanes(lowWord(a, areaLow), lowWord(b, areaLow), lowWord(c, areaLow), lowWord(d, areaLow), colsT2Ptr + at); // < 2^45
    storeLanes(highWord(a, areaHigh), highWord(b, areaHigh), highWord(c, areaHigh), highWord(d, areaHigh), colsTHPtr + at); // 2^32 multiples < 2^75
  }
}

/** i64x2 of |v| < 2^51 as f64x2, exact. */
@inline
function smallF64x2(v: v128): v128 {
  return f64x2.sub(i64x2.add(v, i64x2.splat(0x4338000000000000)), f64x2.splat(MAGIC)); // MAGIC's bits + v
}

/** The low 32 bits of each i64 lane times `scale` (f64x2). */
@inline
function lowWord(v: v128, scale: v128): v128 {
  return f64x2.mul(smallF64x2(v128.and(v, i64x2.splat(0xffffffff))), scale);
}

/** The high 32 bits (unsigned) of each i64 lane times `scale` (f64x2). */
@inline
function highWord(v: v128, scale: v128): v128 {
  return f64x2.mul(smallF64x2(i64x2.shr_u(v, 32)), scale);
}

/**
 * The f64 of area S2 - S1^2 (two rows' lanes) from its value modulo 2^32 (`low`, f64), S1, area 2^32 H
 * and area Lo (exact f64 sums): the estimate's multiple of 2^32 plus low, rounded once.
 */
@inline
function wideNumerator(low: v128, s1: v128, h: v128, lo: v128): v128 {
  const estimate = f64x2.add(f64x2.sub(h, f64x2.mul(s1, s1)), lo);
  const magic = f64x2.splat(MAGIC_32);
  return f64x2.add(f64x2.sub(f64x2.add(f64x2.sub(estimate, low), magic), magic), low);
}

/** Edge copies of one lane buffer of 32 bytes per x (r on each side of the row's w values). */
@inline
function padLanes32(t: usize, r: i32, w: i32): void {
  const firstA = v128.load(t + (<usize>r << 5));
  const firstB = v128.load(t + (<usize>r << 5), 16);
  const lastA = v128.load(t + (<usize>(r + w - 1) << 5));
  const lastB = v128.load(t + (<usize>(r + w - 1) << 5), 16);
  for (let k = 0; k < r; k++) {
    v128.store(t + (<usize>k << 5), firstA);
    v128.store(t + (<usize>k << 5), firstB, 16);
    v128.store(t + (<usize>(r + w + k) << 5), lastA);
    v128.store(t + (<usize>(r + w + k) << 5), lastB, 16);
  }
}

/** wideSums' F of the four staged rows into fCols (rows in the lanes; columnsToRows makes them rows). */
function focusRows4Wide(scale: f64): void {
  const w = width;
  const r = radius;
  const t1 = colsT1Ptr;
  const t2 = colsT2Ptr;
  const th = colsTHPtr;
  padLanes32(t1, r, w);
  padLanes32(t2, r, w);
  padLanes32(th, r, w);
  const side = 2 * r + 1;
  // Rows 0, 1 in the a lanes, rows 2, 3 in the b lanes: S1, area Lo, area 2^32 H (exact f64 integers).
  let s1a = f64x2.splat(0), s1b = f64x2.splat(0);
  let loA = f64x2.splat(0), loB = f64x2.splat(0);
  let hA = f64x2.splat(0), hB = f64x2.splat(0);
  for (let k = 0; k < side; k++) {
    const o = <usize>k << 5;
    s1a = f64x2.add(s1a, v128.load(t1 + o));
    s1b = f64x2.add(s1b, v128.load(t1 + o, 16));
    loA = f64x2.add(loA, v128.load(t2 + o));
    loB = f64x2.add(loB, v128.load(t2 + o, 16));
    hA = f64x2.add(hA, v128.load(th + o));
    hB = f64x2.add(hB, v128.load(th + o, 16));
  }
  const sc = f64x2.splat(scale);
  const magic = f64x2.splat(MAGIC);
  for (let x = 0; x < stride; x++) {
    // area Lo - S1^2 modulo 2^32 from the low words (i32x4 products wrap), as u32 in f64.
    const s1Words = i32x4.shuffle(f64x2.add(s1a, magic), f64x2.add(s1b, magic), 0, 2, 4, 6);
    const loWords = i32x4.shuffle(f64x2.add(loA, magic), f64x2.add(loB, magic), 0, 2, 4, 6);
    const low = i32x4.sub(loWords, i32x4.mul(s1Words, s1Words));
    const numA = wideNumerator(f64x2.convert_low_i32x4_u(low), s1a, hA, loA);
    const numB = wideNumerator(f64x2.convert_low_i32x4_u(i32x4.shuffle(low, low, 2, 3, 0, 1)), s1b, hB, loB);
    const fa = f32x4.demote_f64x2_zero(f64x2.mul(numA, sc));
    const fb = f32x4.demote_f64x2_zero(f64x2.mul(numB, sc));
    v128.store(fColsPtr + (<usize>x << 4), i32x4.shuffle(fa, fb, 0, 1, 4, 5));
    const enter = <usize>(x + side) << 5;
    const leave = <usize>x << 5;
    s1a = f64x2.add(s1a, f64x2.sub(v128.load(t1 + enter), v128.load(t1 + leave)));
    s1b = f64x2.add(s1b, f64x2.sub(v128.load(t1 + enter, 16), v128.load(t1 + leave, 16)));
    loA = f64x2.add(loA, f64x2.sub(v128.load(t2 + enter), v128.load(t2 + leave)));
    loB = f64x2.add(loB, f64x2.sub(v128.load(t2 + enter, 16), v128.load(t2 + leave, 16)));
    hA = f64x2.add(hA, f64x2.sub(v128.load(th + enter), v128.load(th + leave)));
    hB = f64x2.add(hB, f64x2.sub(v128.load(th + enter, 16), v128.load(th + leave, 16)));
  }
}

// teng on RGBA16 past 2^64 (wideSums with MEASURE_TENG; 16 bits from r = 6: E <= 32 D^2 < 2^63,
// the window sum S up to area 2^62.9): E's high and low words are summed apart (column sums of
// each, exact i64: < 65 2^32), so S = 2^32 H + Lo with both sums exact f64 integers (2^32 H below
// 2^53 significant bits, Lo < 2^51) and S reaches f64 in one rounding, as exactF64x2 converts the
// u64 sum below 2^64: the same F bits as the exact maths.

/** teng16's transposition: the four copies' column sums of E's high words (times 2^32) and low words into the lane buffers as exact f64. */
function transposeGroupTeng16(): void {
  const r = radius;
  const a1 = colSums1(0), b1 = colSums1(1), c1 = colSums1(2), d1 = colSums1(3);
  const a2 = colSums2(0), b2 = colSums2(1), c2 = colSums2(2), d2 = colSums2(3);
  const high = f64x2.splat(4294967296.0);
  for (let x = 0; x < stride; x += 2) {
    const p = <usize>x << 3;
    const at = <usize>(x + r) << 5;
    storeLanes(f64x2.mul(smallF64x2(v128.load(a1 + p)), high), f64x2.mul(smallF64x2(v128.load(b1 + p)), high), f64x2.mul(smallF64x2(v128.load(c1 + p)), high), f64x2.mul(smallF64x2(v128.load(d1 + p)), high), colsT1Ptr + at);
    storeLanes(smallF64x2(v128.load(a2 + p)), smallF64x2(v128.load(b2 + p)), smallF64x2(v128.load(c2 + p)), smallF64x2(v128.load(d2 + p)), colsT2Ptr + at);
  }
}

/** teng16's F of the four staged rows into fCols: (2^32 H + Lo) / (area D^2), S rounded once. */
function focusRows4Teng16(scale: f64): void {
  const w = width;
  const r = radius;
  const t1 = colsT1Ptr;
  const t2 = colsT2Ptr;
  padLanes32(t1, r, w);
  padLanes32(t2, r, w);
  const side = 2 * r + 1;
  // Rows 0, 1 in the a lanes, rows 2, 3 in the b lanes: 2^32 H and Lo (exact f64 integers).
  let hA = f64x2.splat(0), hB = f64x2.splat(0);
  let loA = f64x2.splat(0), loB = f64x2.splat(0);
  for (let k = 0; k < side; k++) {
    const o = <usize>k << 5;
    hA = f64x2.add(hA, v128.load(t1 + o));
    hB = f64x2.add(hB, v128.load(t1 + o, 16));
    loA = f64x2.add(loA, v128.load(t2 + o));
    loB = f64x2.add(loB, v128.load(t2 + o, 16));
  }
  const sc = f64x2.splat(scale);
  for (let x = 0; x < stride; x++) {
    const fa = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.add(hA, loA), sc));
    const fb = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.add(hB, loB), sc));
    v128.store(fColsPtr + (<usize>x << 4), i32x4.shuffle(fa, fb, 0, 1, 4, 5));
    const enter = <usize>(x + side) << 5;
    const leave = <usize>x << 5;
    hA = f64x2.add(hA, f64x2.sub(v128.load(t1 + enter), v128.load(t1 + leave)));
    hB = f64x2.add(hB, f64x2.sub(v128.load(t1 + enter, 16), v128.load(t1 + leave, 16)));
    loA = f64x2.add(loA, f64x2.sub(v128.load(t2 + enter), v128.load(t2 + leave)));
    loB = f64x2.add(loB, f64x2.sub(v128.load(t2 + enter, 16), v128.load(t2 + leave, 16)));
  }
}

/**
 * Folds one row of F_z into the per-pixel running state: max, argmax (ties keep the lowest z),
 * F_{k-1} and F_{k+1} at the argmax, and the sum over z (f32: only the confidence uses it).
 * Returns the row's sum of F (for the focus curve).
 */
function foldRow(y: i32, z: i32, keep: usize, fRow: usize): f64 {
  const base = <usize>y * <usize>stride;
  const zv = i32x4.splat(z);
  const before = i32x4.splat(z - 1);
  let rowSum = f64x2.splat(0);
  const w = width;
  let x = 0;
  for (; x + 4 <= w; x += 4) {
    const o4 = (base + <usize>x) << 2;
    const f = v128.load(fRow + (<usize>x << 2));
    const fmax = v128.load(fMaxPtr + o4);
    const k = v128.load(kPtr + o4);
    const prev = v128.load(fPrevPtr + o4);
    // F_{k+1}: this plane is the one after the current argmax.
    v128.store(fAfterPtr + o4, v128.bitselect(f, v128.load(fAfterPtr + o4), i32x4.eq(k, before)));
    const gt = f32x4.gt(f, fmax);
    v128.store(fMaxPtr + o4, v128.bitselect(f, fmax, gt));
    v128.store(kPtr + o4, v128.bitselect(zv, k, gt));
    v128.store(fBeforePtr + o4, v128.bitselect(prev, v128.load(fBeforePtr + o4), gt));
    v128.store(fPrevPtr + o4, f);
    const lo = f64x2.promote_low_f32x4(f);
    const hi = f64x2.promote_low_f32x4(i32x4.shuffle(f, f, 2, 3, 0, 1));
    v128.store(fSumPtr + o4, f32x4.add(v128.load(fSumPtr + o4), f));
    rowSum = f64x2.add(rowSum, f64x2.add(lo, hi));
  }
  let tail: f64 = 0;
  for (; x < w; x++) {
    const i = base + <usize>x;
    const f = load<f32>(fRow + (<usize>x << 2));
    const k = load<i32>(kPtr + (i << 2));
    if (k == z - 1) store<f32>(fAfterPtr + (i << 2), f);
    if (f > load<f32>(fMaxPtr + (i << 2))) {
      store<f32>(fMaxPtr + (i << 2), f);
      store<i32>(kPtr + (i << 2), z);
      store<f32>(fBeforePtr + (i << 2), load<f32>(fPrevPtr + (i << 2)));
    }
    store<f32>(fPrevPtr + (i << 2), f);
    store<f32>(fSumPtr + (i << 2), load<f32>(fSumPtr + (i << 2)) + f);
    tail += <f64>f;
  }
  if (keep != 0) memory.copy(keep + (<usize>y * <usize>w << 2), fRow, <usize>w << 2);
  return f64x2.extract_lane(rowSum, 0) + f64x2.extract_lane(rowSum, 1) + tail;
}

/** Clears the depth state before plane 0 (max -1 so plane 0 always takes it: F >= 0). */
export function beginStack(): void {
  const n = <usize>height * <usize>stride; // a multiple of 4
  const minusOne = f32x4.splat(-1);
  const noPlane = i32x4.splat(-1);
  const zero = i32x4.splat(0);
  for (let i: usize = 0; i < n; i += 4) {
    v128.store(fMaxPtr + (i << 2), minusOne);
    v128.store(kPtr + (i << 2), noPlane);
    v128.store(fBeforePtr + (i << 2), zero);
    v128.store(fAfterPtr + (i << 2), zero);
    v128.store(fPrevPtr + (i << 2), zero);
    v128.store(fSumPtr + (i << 2), zero);
  }
}

/**
 * Stages 1 and 2 for plane z (the configured measure: lapv or teng), folded into the depth state as
 * each row of F is made; F_z is also copied to `keep` (width * height f32) when keep is not 0, and
 * auto's preview block sums (configureBlocks) go to `blocks` when it is not 0. Stores sum_i F_z[i]
 * in curve[z].
 */
export function measurePlane(z: i32, keep: usize, blocks: usize): void {
  blockOutPtr = blockFactor > 0 ? blocks : 0;
  store<f64>(curvePtr + (<usize>z << 3), sweepPlane(z, keep, true));
}

/**
 * F_z alone into `keep` (width * height f32), the depth state and the focus curve untouched: the
 * one-plane test's F_P after the sweep (src/core/halos.ts). Overwrites only the measure's working
 * rows and operator image, which finishDepth does not read.
 */
export function focusPlane(z: i32, keep: usize): void {
  blockOutPtr = 0;
  sweepPlane(z, keep, false);
}

/**
 * Stages 1 and 2 for plane z: each row of F is folded into the depth state (`fold`) and/or copied
 * to `keep` (when not 0). Returns sum_i F_z[i] when folding (the focus curve), else 0.
 */
function sweepPlane(z: i32, keep: usize, fold: bool): f64 {
  const plane = planesPtr + <usize>z * <usize>width * <usize>height * <usize>(sampleBytes << 2);
  if (sampleBytes == 2) operatorPlane<u16>(plane);
  else operatorPlane<u8>(plane);
  const r = radius;
  const side = <i64>(2 * r + 1);
  const area = side * side;
  const teng = measureKind == MEASURE_TENG;
  // lapv: F = (area S2 - S1^2) / (area^2 D^2); teng: F = S2 / (area D^2), S1 = 0; D = lumaDivisor
  // (255000 for RGBA8: D^2 = 65025000000 exactly, as before; (1000 (2^16 - 1))^2 < 2^53 is exact too).
  const scale = 1.0 / ((teng ? 1.0 : <f64>area) * <f64>area * (lumaDivisor * lumaDivisor));
  // teng's sums fit the four-row path at every radius (S1 = 0; S2 read as u64 by exactF64x2, or as
  // two words past 2^64: teng16); lapv's while S1 fits an i32: area |L| < 2^31 with |L| <= 4 D (r <= 22 for RGBA8).
  const lMax = 4.0 * lumaDivisor;
  const fourRows = teng || <f64>area * lMax < 2147483648.0;
  // RGBA16 lapv past that bound whose one-row numerator may pass 2^64 (16 bits: r >= 2; 12 bits:
  // r >= 8): the four-row path on 64-bit column sums (wideSums), exact for every r <= 32 at 16 bits.
  // RGBA8 keeps the one-row path there (r >= 23; past 2^64 only for r = 32's saturated checkerboard).
  // teng's sums pass 2^64 where area 32 D^2 does (16 bits: r >= 6): its words summed apart (teng16).
  wideSums = sampleBytes == 2 && (teng ? <f64>area * 32.0 * lumaDivisor * lumaDivisor >= 18446744073709551616.0 : !fourRows && <f64>area * <f64>area * lMax * lMax >= 18446744073709551616.0);
  c1Shift = wideSums ? 3 : 2;
  // The one-row path corrects a wrapped numerator where area^2 max L^2 reaches 2^63 (r > 26 for RGBA8).
  wrapping = <f64>area * <f64>area * lMax * lMax >= 9223372036854775808.0;
  lScale = fourRows && !teng ? 2 * r + 1 : 1;
  // teng never writes its first sums: all four copies stay 0 (lapv writes copies 1..3 before use).
  memory.fill(colSum1Ptr, 0, <usize>(teng ? 4 : 1) * colSums1Bytes());
  memory.fill(colSum2Ptr, 0, <usize>(stride + 2 * r + 4) << 3);
  for (let k = -r; k <= r; k++) addRow(k);
  let curve: f64 = 0;
  if (fourRows || wideSums) {
    // Copy j holds row y0 + j's column sums; copy 3 slides on into copy 0 for the next group.
    const rowBytes = <usize>stride << 2;
    for (let y0 = 0; y0 < height; y0 += 4) {
      const rows = min(4, height - y0);
      for (let j = 0; j + 1 < rows; j++) slideRows(y0 + j + r + 1, y0 + j - r, j, j + 1);
      if (wideSums && teng) {
        transposeGroupTeng16();
        focusRows4Teng16(scale);
      } else if (wideSums) {
        transposeGroupWide(<f64>area);
        focusRows4Wide(scale);
      } else {
        transposeGroup();
        focusRows4(scale);
      }
      columnsToRows();
      for (let j = 0; j < rows; j++) curve += takeRow(y0 + j, z, keep, fRowPtr + <usize>j * rowBytes, fold);
      if (y0 + 4 < height) slideRows(y0 + 4 + r, y0 + 3 - r, 3, 0);
    }
  } else {
    for (let y = 0; y < height; y++) {
      focusRow(scale, area);
      curve += takeRow(y, z, keep, fRowPtr, fold);
      if (y + 1 < height) slideRows(y + r + 1, y - r, 0, 0);
    }
  }
  return curve;
}

/** One row of F_z: folded (foldRow, which also copies it to keep), or only copied to keep. */
@inline
function takeRow(y: i32, z: i32, keep: usize, fRow: usize, fold: bool): f64 {
  if (fold) return foldRow(y, z, keep, fRow);
  memory.copy(keep + (<usize>y * <usize>width << 2), fRow, <usize>width << 2);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Stage 3: depth and confidence from the state, four pixels per step. The reference's fit,
// rewritten around the peak: with A = (F_{k-1} + eps) / (F_k + eps) and B = (F_{k+1} + eps) /
// (F_k + eps) (both in (0, 1]), l_{k-1} - l_k = ln A and l_{k+1} - l_k = ln B, so
// den = ln A + ln B and l_{k-1} - l_{k+1} = ln A - ln B. The ratios are formed in f64 and their
// logs taken in f32x4 (four at once, ~1e-7 relative): no large logs cancel, and D stays within
// ~2e-6 plane of the reference's f64 fit on the same F (the fit's quotient in f32x4). Confidence:
// differences in f64, the quotient in f32x4 (see depthQuad).

/**
 * ln x for x > 0 normal (f32x4): x = 2^e m, m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh(s),
 * s = (m - 1) / (m + 1), |s| <= 0.1716, series to s^9 (error < 1e-8).
 */
@inline
function logF32x4(x: v128): v128 {
  let e = i32x4.sub(i32x4.shr_u(x, 23), i32x4.splat(127));
  let m = v128.or(v128.and(x, i32x4.splat(0x007fffff)), i32x4.splat(0x3f800000));
  const high = f32x4.gt(m, f32x4.splat(1.4142135));
  m = v128.bitselect(f32x4.mul(m, f32x4.splat(0.5)), m, high);
  e = i32x4.sub(e, high); // high lanes are -1
  const s = f32x4.div(f32x4.sub(m, f32x4.splat(1)), f32x4.add(m, f32x4.splat(1)));
  const z = f32x4.mul(s, s);
  let p = f32x4.splat(1.0 / 9);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.0 / 7));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.0 / 5));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.0 / 3));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1));
  return f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(e), f32x4.splat(0.6931472)), f32x4.mul(f32x4.mul(s, f32x4.splat(2)), p));
}

/** f32 pair at p as f64x2. */
@inline
function loadF32x2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/** (F_{k-1} + eps) / (F_k + eps) and (F_{k+1} + eps) / (F_k + eps) for the pixel pair at i, in f64, as f32 pairs. */
@inline
function ratioPair(i: usize, eps: v128): v128 {
  const inv = f64x2.div(f64x2.splat(1), f64x2.add(loadF32x2(fMaxPtr + (i << 2)), eps));
  const ratioA = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.add(loadF32x2(fBeforePtr + (i << 2)), eps), inv));
  const ratioB = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.add(loadF32x2(fAfterPtr + (i << 2)), eps), inv));
  return i32x4.shuffle(ratioA, ratioB, 0, 1, 4, 5); // [A0, A1, B0, B1]
}

/** Two f32 lanes pairs [a0, a1, b0, b1] of f64 pairs a and b. */
@inline
function demotePairs(a: v128, b: v128): v128 {
  return i32x4.shuffle(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}

/**
 * D and C of the four pixels at i from their logs. The fit's quotient and the confidence's run in
 * f32x4 (one division for four pixels, not two f64 pairs): the logs are f32 already, and C is
 * stored as f32; D and C stay within a few f32 ulps of the reference's f64 (test/cpu-fast.test.ts).
 */
@inline
function depthQuad(i: usize, lnA: v128, lnB: v128, tau: f64, invZ: f64, maxDelta: f32): void {
  const zero = f32x4.splat(0);
  const k = v128.load(kPtr + (i << 2));
  const fit = v128.and(i32x4.gt_s(k, i32x4.splat(0)), i32x4.lt_s(k, i32x4.splat(planeCount - 1)));
  const den = f32x4.add(lnA, lnB);
  let delta = f32x4.div(f32x4.sub(lnA, lnB), f32x4.mul(f32x4.splat(2), den));
  delta = f32x4.pmax(f32x4.pmin(delta, f32x4.splat(maxDelta)), f32x4.splat(-maxDelta));
  delta = v128.bitselect(delta, zero, v128.and(fit, f32x4.lt(den, zero)));
  v128.store(depthPtr + (i << 2), f32x4.add(f32x4.convert_i32x4_s(k), delta));
  // C = (Fmax - Fmean) / (Fmax + tau): the differences in f64, the quotient in f32.
  const perPlane = f64x2.splat(invZ);
  const fmax01 = loadF32x2(fMaxPtr + (i << 2));
  const fmax23 = loadF32x2(fMaxPtr + (i << 2) + 8);
  const tauV = f64x2.splat(tau);
  const num = demotePairs(
    f64x2.sub(fmax01, f64x2.mul(loadF32x2(fSumPtr + (i << 2)), perPlane)),
    f64x2.sub(fmax23, f64x2.mul(loadF32x2(fSumPtr + (i << 2) + 8), perPlane)),
  );
  const d = demotePairs(f64x2.add(fmax01, tauV), f64x2.add(fmax23, tauV));
  const c = f32x4.div(num, d);
  v128.store(confPtr + (i << 2), v128.bitselect(c, zero, v128.and(f32x4.gt(d, zero), f32x4.gt(c, zero))));
}

/** Stage 3 over the running state, four pixels per step (the ratios in f64 pairs, logs and fit in f32x4). */
export function finishDepth(tau: f64, fitEps: f64, maxDelta: f64): void {
  const eps = f64x2.splat(fitEps);
  const invZ = 1.0 / <f64>planeCount;
  for (let y = 0; y < height; y++) {
    const base = <usize>y * <usize>stride;
    // Up to the width rounded up to 4 (S is a multiple of 4: the extra lanes are unread).
    for (let x = 0; x < width; x += 4) {
      const i = base + <usize>x;
      const r01 = ratioPair(i, eps);
      const r23 = ratioPair(i + 2, eps);
      const logA = logF32x4(i32x4.shuffle(r01, r23, 0, 1, 4, 5)); // [ln A0..A3]
      const logB = logF32x4(i32x4.shuffle(r01, r23, 2, 3, 6, 7)); // [ln B0..B3]
      depthQuad(i, logA, logB, tau, invZ, <f32>maxDelta);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Stage 4: Ds = G[C D] / G[C], separable, f32x4 across x. The taps are symmetric, so each pair
// w_k (a[x-k] + a[x+k]) costs one multiply. f32 sums of at most 2 R + 1 = 193 terms stay within
// ~1e-6 of the reference's f64 sums, far inside the 0.02-plane parity bar (test/cpu-fast.test.ts).

/** Horizontal: pads one row of C D and C by R copies of the edge each side, then the taps. */
function smoothRows(R: i32): void {
  const w = width;
  const h = height;
  for (let y = 0; y < h; y++) {
    const base = <usize>y * <usize>stride;
    // The row itself four at a time (lanes past the width are overwritten by the edge copies
    // below), then R + 4 copies of the edge pixel on each side.
    for (let x = 0; x < w; x += 4) {
      const i = (base + <usize>x) << 2;
      const c = v128.load(confPtr + i);
      const j = <usize>(x + R) << 2;
      v128.store(padNumPtr + j, f32x4.mul(c, v128.load(depthPtr + i)));
      v128.store(padDenPtr + j, c);
    }
    const firstC = load<f32>(confPtr + (base << 2));
    const firstN = firstC * load<f32>(depthPtr + (base << 2));
    const lastI = (base + <usize>(w - 1)) << 2;
    const lastC = load<f32>(confPtr + lastI);
    const lastN = lastC * load<f32>(depthPtr + lastI);
    for (let x = 0; x < R; x++) {
      store<f32>(padNumPtr + (<usize>x << 2), firstN);
      store<f32>(padDenPtr + (<usize>x << 2), firstC);
    }
    for (let x = w + R; x < w + 2 * R + 4; x++) {
      store<f32>(padNumPtr + (<usize>x << 2), lastN);
      store<f32>(padDenPtr + (<usize>x << 2), lastC);
    }
    const outN = hNumPtr + (base << 2);
    const outD = hDenPtr + (base << 2);
    const wc = f32x4.splat(load<f32>(tapsPtr + (<usize>R << 2)));
    for (let x = 0; x < w; x += 4) {
      const centre = <usize>(x + R) << 2;
      let sn = f32x4.mul(wc, v128.load(padNumPtr + centre));
      let sd = f32x4.mul(wc, v128.load(padDenPtr + centre));
      for (let k = 0; k < R; k++) {
        const wk = v128.load32_splat(tapsPtr + (<usize>k << 2));
        const l = <usize>(x + k) << 2;
        const r = <usize>(x + 2 * R - k) << 2;
        sn = f32x4.add(sn, f32x4.mul(wk, f32x4.add(v128.load(padNumPtr + l), v128.load(padNumPtr + r))));
        sd = f32x4.add(sd, f32x4.mul(wk, f32x4.add(v128.load(padDenPtr + l), v128.load(padDenPtr + r))));
      }
      v128.store(outN + (<usize>x << 2), sn);
      v128.store(outD + (<usize>x << 2), sd);
    }
  }
}

/**
 * Vertical, row by row, then Ds = num / den (D where den is below minWeight). Each row's clamped
 * source rows are listed once per row (byte offsets, in padNum, free by now), not per 4 pixels.
 */
function smoothCols(R: i32, minWeight: f32): void {
  const w = width;
  const h = height;
  const wc = f32x4.splat(load<f32>(tapsPtr + (<usize>R << 2)));
  const floor = f32x4.splat(minWeight);
  const rows = padNumPtr;
  for (let y = 0; y < h; y++) {
    const row = (<usize>y * <usize>stride) << 2;
    for (let k = 0; k < R; k++) {
      let up = y - R + k;
      let dn = y + R - k;
      up = up < 0 ? 0 : up;
      dn = dn >= h ? h - 1 : dn;
      store<u32>(rows + (<usize>k << 3), <u32>((<usize>up * <usize>stride) << 2));
      store<u32>(rows + (<usize>k << 3), <u32>((<usize>dn * <usize>stride) << 2), 4);
    }
    for (let x = 0; x < w; x += 4) {
      const o = <usize>x << 2;
      let sn = f32x4.mul(wc, v128.load(hNumPtr + row + o));
      let sd = f32x4.mul(wc, v128.load(hDenPtr + row + o));
      for (let k = 0; k < R; k++) {
        const a = <usize>load<u32>(rows + (<usize>k << 3)) + o;
        const b = <usize>load<u32>(rows + (<usize>k << 3), 4) + o;
        const wk = v128.load32_splat(tapsPtr + (<usize>k << 2));
        sn = f32x4.add(sn, f32x4.mul(wk, f32x4.add(v128.load(hNumPtr + a), v128.load(hNumPtr + b))));
        sd = f32x4.add(sd, f32x4.mul(wk, f32x4.add(v128.load(hDenPtr + a), v128.load(hDenPtr + b))));
      }
      const d = v128.load(depthPtr + row + o);
      v128.store(smoothPtr + row + o, v128.bitselect(d, f32x4.div(sn, sd), f32x4.lt(sd, floor)));
    }
  }
}

export function smooth(taps: i32, minWeight: f64): void {
  const R = (taps - 1) >> 1;
  smoothRows(R);
  smoothCols(R, <f32>minWeight);
}

/** sigma 0: Ds = D. */
export function copyDepth(): void {
  memory.copy(smoothPtr, depthPtr, (<usize>height * <usize>stride) << 2);
}

// ---------------------------------------------------------------------------------------------
// Stage 6's per-pixel sums over Ds and C, as statsFromCurve (src/cpu/stats.ts) defines them: f64
// sums as four partials, pixel i (in pixel order, rows without their padding) into partial i mod 4,
// combined as (p0 + p1) + (p2 + p3), so the results equal its sums bit for bit. The partials (and
// the histogram, in four lane copies) break the one long chain of dependent additions into four.

/**
 * The depth histogram (i32, Z bins from out + 24) of floor(Ds + 0.5) clamped into [0, Z-1], and the
 * f64 sums at out: Ds, C, then (Ds - mean)^2 with mean = sum Ds / n. Scratch after the histogram:
 * four lane copies of it (Z x 4 i32), then the partials (3 x 4 f64).
 */
export function depthSums(out: usize): void {
  const Z = planeCount;
  const hist = out + 24;
  const lanes = hist + (<usize>Z << 2); // bin z of lane j at (z * 4 + j)
  const part = lanes + (<usize>Z << 4); // partials: Ds [0..3], C [4..7], squared deviations [8..11]
  memory.fill(lanes, 0, (<usize>Z << 4) + 96);
  if ((width & 3) == 0) {
    depthSumsSimd(lanes, part);
  } else {
    depthSumsScalar(lanes, part);
  }
  for (let z = 0; z < Z; z++) {
    const at = lanes + (<usize>z << 4);
    store<i32>(hist + (<usize>z << 2), load<i32>(at) + load<i32>(at, 4) + load<i32>(at, 8) + load<i32>(at, 12));
  }
  store<f64>(out, lanesTotal(part));
  store<f64>(out, lanesTotal(part + 32), 8);
  store<f64>(out, lanesTotal(part + 64), 16);
}

/** Rows a multiple of 4 wide: pixel i's partial is its SIMD lane (x mod 4 = i mod 4). */
function depthSumsSimd(lanes: usize, part: usize): void {
  const last = f64x2.splat(<f64>(planeCount - 1));
  const zero = f64x2.splat(0);
  const half = f64x2.splat(0.5);
  let d01 = zero, d23 = zero, c01 = zero, c23 = zero;
  for (let y = 0; y < height; y++) {
    const row = (<usize>y * <usize>stride) << 2;
    for (let x = 0; x < width; x += 4) {
      const o = row + (<usize>x << 2);
      const ds = v128.load(smoothPtr + o);
      const cs = v128.load(confPtr + o);
      const dLo = f64x2.promote_low_f32x4(ds);
      const dHi = f64x2.promote_low_f32x4(i32x4.shuffle(ds, ds, 2, 3, 0, 1));
      d01 = f64x2.add(d01, dLo);
      d23 = f64x2.add(d23, dHi);
      c01 = f64x2.add(c01, f64x2.promote_low_f32x4(cs));
      c23 = f64x2.add(c23, f64x2.promote_low_f32x4(i32x4.shuffle(cs, cs, 2, 3, 0, 1)));
      // floor(Ds + 0.5) in f64 as the reference, NaN and negatives to bin 0, clamped to Z - 1.
      let zLo = f64x2.floor(f64x2.add(dLo, half));
      let zHi = f64x2.floor(f64x2.add(dHi, half));
      zLo = f64x2.pmin(v128.bitselect(zLo, zero, f64x2.ge(zLo, zero)), last);
      zHi = f64x2.pmin(v128.bitselect(zHi, zero, f64x2.ge(zHi, zero)), last);
      const bins = i32x4.shuffle(i32x4.trunc_sat_f64x2_s_zero(zLo), i32x4.trunc_sat_f64x2_s_zero(zHi), 0, 1, 4, 5);
      const b0 = lanes + (<usize>i32x4.extract_lane(bins, 0) << 4);
      const b1 = lanes + (<usize>i32x4.extract_lane(bins, 1) << 4) + 4;
      const b2 = lanes + (<usize>i32x4.extract_lane(bins, 2) << 4) + 8;
      const b3 = lanes + (<usize>i32x4.extract_lane(bins, 3) << 4) + 12;
      store<i32>(b0, load<i32>(b0) + 1);
      store<i32>(b1, load<i32>(b1) + 1);
      store<i32>(b2, load<i32>(b2) + 1);
      store<i32>(b3, load<i32>(b3) + 1);
    }
  }
  v128.store(part, d01);
  v128.store(part, d23, 16);
  v128.store(part, c01, 32);
  v128.store(part, c23, 48);
  const mean = f64x2.splat(meanOf(part));
  let v01 = zero, v23 = zero;
  for (let y = 0; y < height; y++) {
    const row = (<usize>y * <usize>stride) << 2;
    for (let x = 0; x < width; x += 4) {
      const ds = v128.load(smoothPtr + row + (<usize>x << 2));
      const eLo = f64x2.sub(f64x2.promote_low_f32x4(ds), mean);
      const eHi = f64x2.sub(f64x2.promote_low_f32x4(i32x4.shuffle(ds, ds, 2, 3, 0, 1)), mean);
      v01 = f64x2.add(v01, f64x2.mul(eLo, eLo));
      v23 = f64x2.add(v23, f64x2.mul(eHi, eHi));
    }
  }
  v128.store(part, v01, 64);
  v128.store(part, v23, 80);
}

/** Mean of Ds from its partials (0 for an empty image). */
function meanOf(part: usize): f64 {
  const n = width * height;
  return n > 0 ? lanesTotal(part) / <f64>n : 0;
}

/** Any width: pixel by pixel in index order, the partials in memory. */
function depthSumsScalar(lanes: usize, part: usize): void {
  const last = <f64>(planeCount - 1);
  let i = 0;
  for (let y = 0; y < height; y++) {
    const row = (<usize>y * <usize>stride) << 2;
    for (let x = 0; x < width; x++, i++) {
      const o = row + (<usize>x << 2);
      const d = <f64>load<f32>(smoothPtr + o);
      let z = Math.floor(d + 0.5);
      if (!(z >= 0)) z = 0;
      else if (z > last) z = last;
      const lane = <usize>(i & 3);
      const bin = lanes + ((<usize>(<i32>z) << 4) | (lane << 2));
      store<i32>(bin, load<i32>(bin) + 1);
      const pd = part + (lane << 3);
      store<f64>(pd, load<f64>(pd) + d);
      store<f64>(pd, load<f64>(pd, 32) + <f64>load<f32>(confPtr + o), 32);
    }
  }
  const mean = meanOf(part);
  i = 0;
  for (let y = 0; y < height; y++) {
    const row = (<usize>y * <usize>stride) << 2;
    for (let x = 0; x < width; x++, i++) {
      const e = <f64>load<f32>(smoothPtr + row + (<usize>x << 2)) - mean;
      const pv = part + 64 + (<usize>(i & 3) << 3);
      store<f64>(pv, load<f64>(pv) + e * e);
    }
  }
}

/** (p0 + p1) + (p2 + p3) of the four f64 partials at p. */
@inline
function lanesTotal(p: usize): f64 {
  return load<f64>(p) + load<f64>(p, 8) + (load<f64>(p, 16) + load<f64>(p, 24));
}

// ---------------------------------------------------------------------------------------------
// Stage 5: composite from the planes and Ds.

/**
 * interpolate: floor((1 - t) P_z0 + t P_z1 + 0.5) on all four channels, four pixels per step: z0 and
 * t as vectors, each pixel's four samples gathered from planes z0 and z1, the blend in f32 (the
 * reference uses f64: the floor can differ only where the exact value lies within ~3e-5 of a half
 * level (RGBA16: ~4e-3 of one of 65535), i.e. by one level on a few channel values, inside the parity bar).
 */
export function compositeInterpolate(): void {
  if (sampleBytes == 2) interpolate<u16>();
  else interpolate<u8>();
}

/** interpolate on samples of type T (u8 or u16). */
function interpolate<T>(): void {
  const w = width;
  const pixel = <usize>sizeof<T>() << 2;
  const planeBytes = <usize>width * <usize>height * pixel;
  const lastF = f32x4.splat(<f32>(planeCount - 1));
  const zeroF = f32x4.splat(0);
  const oneF = f32x4.splat(1);
  const half = f32x4.splat(0.5);
  const lastI = i32x4.splat(planeCount - 1);
  const bytes = i32x4.splat(<i32>planeBytes);
  for (let y = 0; y < height; y++) {
    let x = 0;
    for (; x + 4 <= w; x += 4) {
      const ds = v128.load(smoothPtr + ((<usize>y * <usize>stride + <usize>x) << 2));
      let z0 = f32x4.floor(ds);
      z0 = v128.bitselect(z0, zeroF, f32x4.ge(z0, zeroF)); // NaN and negatives read as plane 0
      z0 = f32x4.pmin(z0, lastF);
      let t = f32x4.sub(ds, z0);
      t = v128.bitselect(t, zeroF, f32x4.gt(t, zeroF));
      t = f32x4.pmin(t, oneF);
      const u = f32x4.sub(oneF, t);
      const zi = i32x4.trunc_sat_f32x4_s(z0);
      const p = (<usize>y * <usize>w + <usize>x) * pixel;
      // Byte offsets of each pixel's samples in plane z0 and z1 (planes below 4 GiB: wasm32).
      const offA = i32x4.add(i32x4.mul(zi, bytes), i32x4.splat(<i32>(planesPtr + p)));
      const offB = i32x4.add(i32x4.mul(i32x4.min_s(i32x4.add(zi, i32x4.splat(1)), lastI), bytes), i32x4.splat(<i32>(planesPtr + p)));
      const u0 = f32x4.shuffle(u, u, 0, 0, 0, 0), t0 = f32x4.shuffle(t, t, 0, 0, 0, 0);
      const u1 = f32x4.shuffle(u, u, 1, 1, 1, 1), t1 = f32x4.shuffle(t, t, 1, 1, 1, 1);
      const u2 = f32x4.shuffle(u, u, 2, 2, 2, 2), t2 = f32x4.shuffle(t, t, 2, 2, 2, 2);
      const u3 = f32x4.shuffle(u, u, 3, 3, 3, 3), t3 = f32x4.shuffle(t, t, 3, 3, 3, 3);
      if (sizeof<T>() == 1) {
        // The 4 x 4 bytes of each plane gathered into one v128.
        let a = v128.load32_zero(<usize>i32x4.extract_lane(offA, 0));
        a = v128.load32_lane(<usize>i32x4.extract_lane(offA, 1) + 4, a, 1);
        a = v128.load32_lane(<usize>i32x4.extract_lane(offA, 2) + 8, a, 2);
        a = v128.load32_lane(<usize>i32x4.extract_lane(offA, 3) + 12, a, 3);
        let b = v128.load32_zero(<usize>i32x4.extract_lane(offB, 0));
        b = v128.load32_lane(<usize>i32x4.extract_lane(offB, 1) + 4, b, 1);
        b = v128.load32_lane(<usize>i32x4.extract_lane(offB, 2) + 8, b, 2);
        b = v128.load32_lane(<usize>i32x4.extract_lane(offB, 3) + 12, b, 3);
        const aLo = i16x8.extend_low_i8x16_u(a);
        const aHi = i16x8.extend_high_i8x16_u(a);
        const bLo = i16x8.extend_low_i8x16_u(b);
        const bHi = i16x8.extend_high_i8x16_u(b);
        const c0 = blendPixel(i32x4.extend_low_i16x8_u(aLo), i32x4.extend_low_i16x8_u(bLo), u0, t0, half);
        const c1 = blendPixel(i32x4.extend_high_i16x8_u(aLo), i32x4.extend_high_i16x8_u(bLo), u1, t1, half);
        const c2 = blendPixel(i32x4.extend_low_i16x8_u(aHi), i32x4.extend_low_i16x8_u(bHi), u2, t2, half);
        const c3 = blendPixel(i32x4.extend_high_i16x8_u(aHi), i32x4.extend_high_i16x8_u(bHi), u3, t3, half);
        v128.store(imagePtr + p, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(c0, c1), i16x8.narrow_i32x4_s(c2, c3)));
      } else {
        // 8 bytes a pixel: two pixels' samples per v128 (pixels 0, 1 and 2, 3).
        let a01 = v128.load64_zero(<usize>i32x4.extract_lane(offA, 0));
        a01 = v128.load64_lane(<usize>i32x4.extract_lane(offA, 1) + 8, a01, 1);
        let a23 = v128.load64_zero(<usize>i32x4.extract_lane(offA, 2) + 16);
        a23 = v128.load64_lane(<usize>i32x4.extract_lane(offA, 3) + 24, a23, 1);
        let b01 = v128.load64_zero(<usize>i32x4.extract_lane(offB, 0));
        b01 = v128.load64_lane(<usize>i32x4.extract_lane(offB, 1) + 8, b01, 1);
        let b23 = v128.load64_zero(<usize>i32x4.extract_lane(offB, 2) + 16);
        b23 = v128.load64_lane(<usize>i32x4.extract_lane(offB, 3) + 24, b23, 1);
        const c0 = blendPixel(i32x4.extend_low_i16x8_u(a01), i32x4.extend_low_i16x8_u(b01), u0, t0, half);
        const c1 = blendPixel(i32x4.extend_high_i16x8_u(a01), i32x4.extend_high_i16x8_u(b01), u1, t1, half);
        const c2 = blendPixel(i32x4.extend_low_i16x8_u(a23), i32x4.extend_low_i16x8_u(b23), u2, t2, half);
        const c3 = blendPixel(i32x4.extend_high_i16x8_u(a23), i32x4.extend_high_i16x8_u(b23), u3, t3, half);
        v128.store(imagePtr + p, i16x8.narrow_i32x4_u(c0, c1));
        v128.store(imagePtr + p, i16x8.narrow_i32x4_u(c2, c3), 16);
      }
    }
    for (; x < w; x++) compositeOne<T>(y, x, planeBytes);
  }
}

/** One pixel's four channels: floor(u a + t b + 0.5). */
@inline
function blendPixel(a: v128, b: v128, u: v128, t: v128, half: v128): v128 {
  return i32x4.trunc_sat_f32x4_s(f32x4.floor(f32x4.add(f32x4.add(f32x4.mul(u, f32x4.convert_i32x4_u(a)), f32x4.mul(t, f32x4.convert_i32x4_u(b))), half)));
}

/** The row's last pixels (width not a multiple of 4), one at a time, same f32 arithmetic. */
function compositeOne<T>(y: i32, x: i32, planeBytes: usize): void {
  const last = planeCount - 1;
  const ds = load<f32>(smoothPtr + ((<usize>y * <usize>stride + <usize>x) << 2));
  let z0 = Mathf.floor(ds);
  if (!(z0 >= 0)) z0 = 0;
  else if (z0 > <f32>last) z0 = <f32>last;
  let t = ds - z0;
  if (!(t > 0)) t = 0;
  else if (t > 1) t = 1;
  const zi = <i32>z0;
  const z1 = zi < last ? zi + 1 : last;
  const p = (<usize>y * <usize>width + <usize>x) * (<usize>sizeof<T>() << 2);
  const a = widenPixel<T>(planesPtr + <usize>zi * planeBytes + p);
  const b = widenPixel<T>(planesPtr + <usize>z1 * planeBytes + p);
  storePixel<T>(imagePtr + p, blendPixel(a, b, f32x4.splat(1 - t), f32x4.splat(t), f32x4.splat(0.5)));
}

/** nearest: P_z, z = floor(Ds + 0.5) clamped (the pixel's samples copied as one u32, or u64 for RGBA16). */
export function compositeNearest(): void {
  const w = width;
  const pixel = <usize>sampleBytes << 2;
  const planeBytes = <usize>width * <usize>height * pixel;
  const last = <f64>(planeCount - 1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < w; x++) {
      let z = Math.floor(<f64>load<f32>(smoothPtr + ((<usize>y * <usize>stride + <usize>x) << 2)) + 0.5);
      if (!(z >= 0)) z = 0;
      else if (z > last) z = last;
      const p = (<usize>y * <usize>w + <usize>x) * pixel;
      const from = planesPtr + <usize>(<i32>z) * planeBytes + p;
      if (sampleBytes == 2) store<u64>(imagePtr + p, load<u64>(from));
      else store<u32>(imagePtr + p, load<u32>(from));
    }
  }
}

/** First byte after the module's static data: the TypeScript layout starts here. */
export function heapBase(): usize {
  return __heap_base;
}

// ---------------------------------------------------------------------------------------------
// Alignment's separable Lanczos-3 warp (its own file; same memory, laid out by src/cpu/fast/warp.ts).
export { warpSeparable } from './warp';

// ---------------------------------------------------------------------------------------------
// auto's glance: the normal equations' sums of one preview pair (its own file; src/align/glance.ts).
export { glanceSums } from './glance';

// auto's plane shares: the partial sums of sharesOfSharpest (its own file; src/align/auto-gates.ts).
export { shareSums } from './shares';

// ---------------------------------------------------------------------------------------------
// Alignment's estimate loops (blur, luma block means, Gauss-Newton sums), run on an instance of their own (src/cpu/fast/align.ts).
export * from './align';

// Alignment's 2-D Lanczos-3 warp of planes below SEPARABLE_MIN_PIXELS (its own file; bit for bit warpPlane's).
export { warp2d } from './warp2d';

// Photometric matching's robust line fit and its tables applied in place (its own file; bit for bit src/align/photometric.ts').
export { robustLine, mapChannels } from './brightness';

// Depth mode histogram's smoothing stage (its own file; within the parity bar of src/cpu/histogram-depth.ts).
export { histogramDepth, histogramGridStride } from './histogram';

// RGBA16 planes' largest sample (whether they keep to their bit depth; src/cpu/fast/index.ts).

// The `pyramid` and `select` composites (their own file; src/cpu/pyramid-composite.ts, select-composite.ts).
export { configurePyramid, compositePyramid, compositeSelect } from './pyramid';
