// The `pyramid` and `select` composites on the fast path (src/core/pyramid.ts and src/core/select.ts
// have the maths; src/cpu/pyramid-composite.ts and select-composite.ts are the readable reference;
// shaders/pyramid_reduce.wgsl and pyramid_blend.wgsl the GPU's twin). From the RGBA8 planes and Ds
// (rows of the fusion's stride) to the RGBA8 image, all in linear memory laid out by
// src/cpu/fast/kernels.ts (configurePyramid).
//
// Streaming over the planes, as the reference: per plane z its weights w_z from Ds, its Gaussian
// pyramids (colour and weights) and its Laplacian levels, added into one running output pyramid;
// `select` also keeps, per pixel of the selected levels, the best energy so far, its coefficients
// and the sum of the energies. So memory does not grow with Z.
//
// Lanes: one pixel's RGBA is one f32x4 (every colour step is the same arithmetic on four channels);
// the weights and the energies are one f32 per pixel, four pixels per v128 (the reduce's rows pass
// splits its inputs into even and odd positions by shuffles); scalar at the ends of rows, where
// reads are clamped. The reduce's rows pass and the expand's pass along x keep only the rows the
// next pass reads (rings of five and three rows); so do `select`'s energies (selectLevel). A plane
// whose weights are 0 everywhere (far from Ds) is not blended at all: `select` only weighs its
// finest levels' detail.
//
// Why it matches: the reference sums in f64 and stores f32 levels; here every step is f32, in the
// WGSL's order (the reduce's taps left to right, the expand along x then along y with expand_in's
// taps, the blend s += w (G - expand)), which passes the parity bar (test/gpu-harness.ts) on the GPU. The sums
// differ from the reference's by f32 rounding only (~1e-5 of a level), so the rounded output moves
// by one level at most, and only where the exact value lies next to a half level. The anti-ringing
// clamp reads the planes' bytes, so the output never leaves their range on either engine. The
// energies of `select` are f32 too: where two planes' energies (nearly) tie, the argmax may pick
// the other plane than the reference (ties themselves go to the lowest z on both: a plane must beat
// the best so far strictly), which the parity bar's 99.9 % allows.

import { storePixel, widenPixel } from './samples';

// Level geometry (levels 0..L): width, height and pixel offset of level l at geo + 12 l.
const MAX_LEVELS = 8;
const geo = memory.data(12 * (MAX_LEVELS + 1));

let width: i32 = 0;
let height: i32 = 0;
let planeCount: i32 = 0;
let depthStride: i32 = 0; // Ds rows (the fusion's stride S)
let levels: i32 = 0; // L: coarser levels below level 0
let softness: f32 = 0.5; // PYRAMID_SOFTNESS
let reach: f32 = 1; // PYRAMID_CLAMP_REACH
let tolerance: f32 = 0; // PYRAMID_CLAMP_TOLERANCE
let gateLow: f32 = 2; // SELECT_GATE_LOW
let gateHigh: f32 = 4; // SELECT_GATE_HIGH
let selectLevels: i32 = 0; // SELECT_LEVELS
let energyRadius: i32 = 1; // SELECT_ENERGY_RADIUS
let planesPtr: usize = 0; // Z RGBA8 (or RGBA16) planes, width * height * 4 samples each
let sampleBytes: i32 = 1; // 1: RGBA8 planes and image; 2: RGBA16 (composite<u16>)
let smoothPtr: usize = 0; // Ds, f32, rows of depthStride
let imagePtr: usize = 0; // output, the planes' sample type
let colourPtr: usize = 0; // G_l of the current plane, f32x4, levels 1..L (level 0 is the plane's bytes)
let weightPtr: usize = 0; // G_l of the current plane's weights, f32, levels 0..L
let sumPtr: usize = 0; // the running output pyramid, f32x4, levels 0..L
let rowsPtr: usize = 0; // the reduce's rows pass, f32x4, a ring of REDUCE_RING rows of ceil(width / 2)
let rowsWeightPtr: usize = 0; // the same for the weights, f32
let hxPtr: usize = 0; // the expand's pass along x, f32x4, a ring of three rows of width
let coefficientsPtr: usize = 0; // the current level's coefficients, f32x4, rows of width: one (`select`: a ring of energyRadius + 1)
// `select` only (0 for `pyramid`): levels 0..SELECT_LEVELS - 1 back to back (level l at its offset).
let bestPtr: usize = 0; // the coefficients of the best plane so far, f32x4
let bestEnergyPtr: usize = 0; // the best energy so far, f32
let energySumPtr: usize = 0; // the energies summed over the planes so far, f32
let boxPtr: usize = 0; // a row of squared luma of the coefficients, then a ring of 2 energyRadius + 1 rows of its sums along x, f32

@inline function levelWidth(l: i32): i32 { return load<i32>(geo + <usize>(12 * l)); }
@inline function levelHeight(l: i32): i32 { return load<i32>(geo + <usize>(12 * l), 4); }
@inline function levelOffset(l: i32): i32 { return load<i32>(geo + <usize>(12 * l), 8); }

/**
 * Stores the composite's layout and constants (the TypeScript side passes src/core's constants, so
 * none is written twice); level sizes as pyramidLevels: each ceil(previous / 2).
 */
export function configurePyramid(
  w: i32, h: i32, z: i32, s: i32, l: i32, soft: f32, clampReach: f32, clampTolerance: f32,
  low: f32, high: f32, selected: i32, radius: i32, bytes: i32,
  planes: usize, smooth: usize, image: usize, colour: usize, weight: usize, sum: usize, rows: usize, rowsWeight: usize,
  hx: usize, coefficients: usize, best: usize, bestEnergy: usize, energySum: usize, box: usize,
): void {
  width = w; height = h; planeCount = z; depthStride = s; levels = l < MAX_LEVELS ? l : MAX_LEVELS;
  softness = soft; reach = clampReach; tolerance = clampTolerance; gateLow = low; gateHigh = high;
  selectLevels = selected < levels ? selected : levels; energyRadius = radius < MAX_ENERGY_RADIUS ? radius : MAX_ENERGY_RADIUS;
  sampleBytes = bytes; planesPtr = planes; smoothPtr = smooth; imagePtr = image; colourPtr = colour; weightPtr = weight; sumPtr = sum;
  rowsPtr = rows; rowsWeightPtr = rowsWeight; hxPtr = hx; coefficientsPtr = coefficients;
  bestPtr = best; bestEnergyPtr = bestEnergy; energySumPtr = energySum; boxPtr = box;
  let lw = w, lh = h, offset = 0;
  for (let i = 0; i <= levels; i++) {
    store<i32>(geo + <usize>(12 * i), lw);
    store<i32>(geo + <usize>(12 * i), lh, 4);
    store<i32>(geo + <usize>(12 * i), offset, 8);
    offset += lw * lh;
    lw = (lw + 1) >> 1;
    lh = (lh + 1) >> 1;
  }
}

/** Ds clamped into [0, Z - 1]; NaN reads as 0 (clampDepth). */
@inline function clampDepth(ds: f32): f32 {
  if (!(ds >= 0)) return 0;
  const last = <f32>(planeCount - 1);
  return ds > last ? last : ds;
}

/** One pixel of type T as f32x4. */
@inline function unpack<T>(p: usize): v128 {
  return f32x4.convert_i32x4_u(widenPixel<T>(p));
}

/** Where G_l of the current plane starts (l >= 1; level 0 is the plane's bytes). */
@inline function colourLevel(l: i32): usize {
  return colourPtr + (<usize>(levelOffset(l) - levelOffset(1)) << 4);
}

/** Pixel i of level l of the current plane (z's bytes at level 0). */
@inline function colourAt<T>(l: i32, plane: usize, i: i32): v128 {
  return l == 0 ? unpack<T>(plane + (<usize>i << 2) * sizeof<T>()) : v128.load(colourLevel(l) + (<usize>i << 4));
}

/** The binomial taps [1 4 6 4 1] / 16, summed left to right as taps5 of pyramid_reduce.wgsl. */
@inline function taps5(a0: v128, a1: v128, a2: v128, a3: v128, a4: v128): v128 {
  let s = f32x4.mul(f32x4.splat(0.0625), a0);
  s = f32x4.add(s, f32x4.mul(f32x4.splat(0.25), a1));
  s = f32x4.add(s, f32x4.mul(f32x4.splat(0.375), a2));
  s = f32x4.add(s, f32x4.mul(f32x4.splat(0.25), a3));
  return f32x4.add(s, f32x4.mul(f32x4.splat(0.0625), a4));
}

@inline function taps5Scalar(a0: f32, a1: f32, a2: f32, a3: f32, a4: f32): f32 {
  return <f32>0.0625 * a0 + <f32>0.25 * a1 + <f32>0.375 * a2 + <f32>0.25 * a3 + <f32>0.0625 * a4;
}

/** Level 0 of plane z's weights from Ds (pyramidWeight in f32, four pixels per step); whether any is above 0. */
function planeWeights(z: i32): bool {
  const zf = <f32>z;
  const inv = <f32>1 / softness;
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  const half = f32x4.splat(0.5);
  const last = f32x4.splat(<f32>(planeCount - 1));
  let used = f32x4.splat(0);
  let any = false;
  for (let y = 0; y < height; y++) {
    const ds = smoothPtr + (<usize>(y * depthStride) << 2);
    const out = weightPtr + (<usize>(y * width) << 2);
    let x = 0;
    for (; x + 4 <= width; x += 4) {
      const d = v128.load(ds + (<usize>x << 2));
      const dc = f32x4.pmin(v128.bitselect(d, zero, f32x4.ge(d, zero)), last); // NaN and negatives read as 0
      const w = f32x4.add(f32x4.mul(f32x4.sub(half, f32x4.abs(f32x4.sub(dc, f32x4.splat(zf)))), f32x4.splat(inv)), half);
      const clamped = f32x4.pmin(f32x4.pmax(w, zero), one);
      v128.store(out + (<usize>x << 2), clamped);
      used = v128.or(used, f32x4.gt(clamped, zero));
    }
    for (; x < width; x++) {
      const dc = clampDepth(load<f32>(ds + (<usize>x << 2)));
      let w = (<f32>0.5 - Mathf.abs(dc - zf)) * inv + <f32>0.5;
      w = w <= 0 ? 0 : w >= 1 ? 1 : w;
      store<f32>(out + (<usize>x << 2), w);
      any = any || w > 0;
    }
  }
  return any || v128.any_true(used);
}

/** The reduce's rows pass at output x of a row (reads clamped to the row: its ends). */
@inline function reduceColourAt<T>(l: i32, plane: usize, row: i32, out: usize, x: i32, last: i32): void {
  const c = 2 * x; // <= last: the output width is ceil(width / 2)
  v128.store(out + (<usize>x << 4), taps5(
    colourAt<T>(l, plane, row + max<i32>(c - 2, 0)), colourAt<T>(l, plane, row + max<i32>(c - 1, 0)), colourAt<T>(l, plane, row + c),
    colourAt<T>(l, plane, row + min<i32>(c + 1, last)), colourAt<T>(l, plane, row + min<i32>(c + 2, last))));
}

/** The same for the weights. */
@inline function reduceWeightAt(weights: usize, row: i32, out: usize, x: i32, last: i32): void {
  const c = 2 * x;
  const src = weights + (<usize>row << 2);
  store<f32>(out + (<usize>x << 2), taps5Scalar(
    load<f32>(src + (<usize>max<i32>(c - 2, 0) << 2)), load<f32>(src + (<usize>max<i32>(c - 1, 0) << 2)), load<f32>(src + (<usize>c << 2)),
    load<f32>(src + (<usize>min<i32>(c + 1, last) << 2)), load<f32>(src + (<usize>min<i32>(c + 2, last) << 2))));
}

/** The reduce's rows pass keeps REDUCE_RING rows: the column pass of output row y reads rows 2y - 2 .. 2y + 2. */
const REDUCE_RING = 5;

@inline function ringSlot(y: i32): i32 {
  return y % REDUCE_RING;
}

/** The reduce's rows pass of level l's row y into its ring slot: taps centred on 2x, reads clamped to the row (the weights' too where `weighted`). */
function reduceRowsOf<T>(l: i32, plane: usize, y: i32, weighted: bool): void {
  const fw = levelWidth(l);
  const tw = levelWidth(l + 1);
  const last = fw - 1;
  const weights = weightPtr + (<usize>levelOffset(l) << 2);
  const row = y * fw;
  const out = rowsPtr + (<usize>(ringSlot(y) * tw) << 4);
  // Colour: the ends with clamped reads, pairs of outputs between, rolling along the row: each
  // input read once, and the products two outputs share (a pixel at an odd position times 1/4, at
  // an even one times 1/16) formed once; summed in taps5's order.
  reduceColourAt<T>(l, plane, row, out, 0, last);
  let x = 1;
  if (x + 1 < tw && 2 * x + 4 <= last) {
    // Pair (x, x + 1) centred on c = 2x and c + 2 reads c - 2 .. c + 4; what it carries to the next
    // pair: p(c + 2) / 16, p(c + 3) / 4, p(c + 4) and p(c + 4) / 16.
    const sixteenth = f32x4.splat(0.0625);
    const quarter = f32x4.splat(0.25);
    const most = f32x4.splat(0.375);
    let q0 = f32x4.mul(sixteenth, colourAt<T>(l, plane, row));
    let q1 = f32x4.mul(quarter, colourAt<T>(l, plane, row + 1));
    let pc = colourAt<T>(l, plane, row + 2);
    let q2 = f32x4.mul(sixteenth, pc);
    for (; x + 1 < tw && 2 * x + 4 <= last; x += 2) {
      const c = row + 2 * x;
      const m3 = f32x4.mul(quarter, colourAt<T>(l, plane, c + 1));
      const p4 = colourAt<T>(l, plane, c + 2);
      const p6 = colourAt<T>(l, plane, c + 4);
      const e4 = f32x4.mul(sixteenth, p4);
      const m5 = f32x4.mul(quarter, colourAt<T>(l, plane, c + 3));
      const e6 = f32x4.mul(sixteenth, p6);
      const o = out + (<usize>x << 4);
      v128.store(o, f32x4.add(f32x4.add(f32x4.add(f32x4.add(q0, q1), f32x4.mul(most, pc)), m3), e4));
      v128.store(o, f32x4.add(f32x4.add(f32x4.add(f32x4.add(q2, m3), f32x4.mul(most, p4)), m5), e6), 16);
      q0 = e4;
      q1 = m5;
      pc = p6;
      q2 = e6;
    }
  }
  for (; x < tw; x++) reduceColourAt<T>(l, plane, row, out, x, last);
  if (!weighted) return;
  // Weights: four outputs per step between the ends, their inputs 2x - 2 .. 2x + 8 split into
  // even and odd positions by shuffles (2x + 9 is read, unused, and inside the level: 2x + 9 <= last).
  const wOut = rowsWeightPtr + (<usize>(ringSlot(y) * tw) << 2);
  reduceWeightAt(weights, row, wOut, 0, last);
  x = 1;
  for (; x + 4 <= tw && 2 * x + 9 <= last; x += 4) {
    const src = weights + (<usize>(row + 2 * x - 2) << 2);
    const v0 = v128.load(src); // in0 .. in3
    const v1 = v128.load(src, 16); // in4 .. in7
    const v2 = v128.load(src, 32); // in8 .. in11
    const a0 = i32x4.shuffle(v0, v1, 0, 2, 4, 6);
    const a1 = i32x4.shuffle(v0, v1, 1, 3, 5, 7);
    const e2 = i32x4.shuffle(v2, v2, 0, 2, 1, 3); // in8 in10 in9 in11
    const a2 = i32x4.shuffle(a0, e2, 1, 2, 3, 4);
    const a3 = i32x4.shuffle(a1, e2, 1, 2, 3, 6);
    const a4 = i32x4.shuffle(a2, e2, 1, 2, 3, 5);
    v128.store(wOut + (<usize>x << 2), taps5(a0, a1, a2, a3, a4));
  }
  for (; x < tw; x++) reduceWeightAt(weights, row, wOut, x, last);
}

/**
 * Level l + 1 of the current plane's colour and weight pyramids from level l: taps centred on 2x
 * along x into the rows ring (each row once, as the column pass first needs it), then on 2y along
 * y; reads clamped to level l (pyramid_reduce.wgsl).
 */
function reduceLevel<T>(l: i32, plane: usize, weighted: bool): void {
  const fh = levelHeight(l);
  const tw = levelWidth(l + 1);
  const th = levelHeight(l + 1);
  const colour = colourLevel(l + 1);
  const weightsOut = weightPtr + (<usize>levelOffset(l + 1) << 2);
  const lastRow = fh - 1;
  let next = 0; // the first row of level l not yet through the rows pass
  for (let y = 0; y < th; y++) {
    const c = 2 * y;
    for (; next <= min<i32>(c + 2, lastRow); next++) reduceRowsOf<T>(l, plane, next, weighted);
    const r0 = <usize>(ringSlot(max<i32>(c - 2, 0)) * tw);
    const r1 = <usize>(ringSlot(max<i32>(c - 1, 0)) * tw);
    const r2 = <usize>(ringSlot(c) * tw);
    const r3 = <usize>(ringSlot(c + 1 <= lastRow ? c + 1 : lastRow) * tw);
    const r4 = <usize>(ringSlot(c + 2 <= lastRow ? c + 2 : lastRow) * tw);
    const out = <usize>(y * tw);
    for (let x = 0; x < tw; x++) {
      const p = <usize>x;
      v128.store(colour + ((out + p) << 4), taps5(
        v128.load(rowsPtr + ((r0 + p) << 4)), v128.load(rowsPtr + ((r1 + p) << 4)), v128.load(rowsPtr + ((r2 + p) << 4)),
        v128.load(rowsPtr + ((r3 + p) << 4)), v128.load(rowsPtr + ((r4 + p) << 4))));
    }
    if (!weighted) continue;
    let x = 0;
    for (; x + 4 <= tw; x += 4) {
      const p = <usize>x;
      v128.store(weightsOut + ((out + p) << 2), taps5(
        v128.load(rowsWeightPtr + ((r0 + p) << 2)), v128.load(rowsWeightPtr + ((r1 + p) << 2)), v128.load(rowsWeightPtr + ((r2 + p) << 2)),
        v128.load(rowsWeightPtr + ((r3 + p) << 2)), v128.load(rowsWeightPtr + ((r4 + p) << 2))));
    }
    for (; x < tw; x++) {
      const p = <usize>x;
      store<f32>(weightsOut + ((out + p) << 2), taps5Scalar(
        load<f32>(rowsWeightPtr + ((r0 + p) << 2)), load<f32>(rowsWeightPtr + ((r1 + p) << 2)), load<f32>(rowsWeightPtr + ((r2 + p) << 2)),
        load<f32>(rowsWeightPtr + ((r3 + p) << 2)), load<f32>(rowsWeightPtr + ((r4 + p) << 2))));
    }
  }
}

// The expand's pass along x runs one coarse row at a time, into a ring of three rows (hxPtr):
// fine row y reads coarse rows m-1, m, m+1 (m = y >> 1), and y only grows.
let coarsePtr: usize = 0; // the coarse level being expanded, f32x4
let coarseWidth: i32 = 0;
let coarseHeight: i32 = 0;
let fineWidth: i32 = 0;
let nextCoarseRow: i32 = 0; // the first coarse row not yet in the ring

/** Starts expanding the coarse level (f32x4, cw x ch at `coarse`) onto fine width fw. */
function beginExpand(coarse: usize, cw: i32, ch: i32, fw: i32): void {
  coarsePtr = coarse; coarseWidth = cw; coarseHeight = ch; fineWidth = fw; nextCoarseRow = 0;
}

/** Where coarse row r's pass along x lies in the ring. */
@inline function ringRow(r: i32): usize {
  return hxPtr + <usize>(r % 3) * (<usize>fineWidth << 4);
}

/**
 * The pass along x of coarse row r into the ring: fine x = 2m takes 1/8, 3/4, 1/8 of m-1, m, m+1,
 * x = 2m + 1 takes 1/2, 1/2 of m, m+1 (clamped), summed in expand_in's order. Rolling along the
 * row: each coarse pixel read once, and its products that two fine pixels use (1/8 a(m + 1) at
 * 2m and 2m + 2, 1/2 a(m + 1) at 2m + 1 and 2m + 3) formed once.
 */
function expandCoarseRow(r: i32): void {
  const cw = coarseWidth;
  const fw = fineWidth;
  const eighth = f32x4.splat(0.125);
  const most = f32x4.splat(0.75);
  const half = f32x4.splat(0.5);
  const src = coarsePtr + (<usize>(r * cw) << 4);
  const dst = ringRow(r);
  // m = 0: a(m - 1) reads a(0).
  let centre = v128.load(src);
  let left8 = f32x4.mul(eighth, centre); // a(m - 1) / 8
  let centre8 = left8; // a(m) / 8
  let centre2 = f32x4.mul(half, centre); // a(m) / 2
  for (let m = 0; 2 * m < fw; m++) {
    const right = v128.load(src + (<usize>(m + 1 < cw ? m + 1 : cw - 1) << 4));
    const right8 = f32x4.mul(eighth, right);
    const right2 = f32x4.mul(half, right);
    v128.store(dst + (<usize>(2 * m) << 4), f32x4.add(f32x4.add(left8, f32x4.mul(most, centre)), right8));
    if (2 * m + 1 < fw) v128.store(dst + (<usize>(2 * m + 1) << 4), f32x4.add(centre2, right2));
    left8 = centre8;
    centre8 = right8;
    centre = right;
    centre2 = right2;
  }
}

// The expand along y at the current fine row (set by expandRow): ring rows and their taps.
let rowAbove: usize = 0;
let rowAt: usize = 0;
let rowBelow: usize = 0;
let tapAbove: f32 = 0;
let tapAt: f32 = 0;
let tapBelow: f32 = 0;

/**
 * Sets the expand along y for fine row y (rows in increasing order after beginExpand): y = 2m takes
 * 1/8, 3/4, 1/8 of coarse rows m-1, m, m+1, y = 2m + 1 takes 0, 1/2, 1/2 (clamped), summed in
 * expand_in's order by {@link expandedAt} (the 0 tap adds a signed zero: the same value as the
 * two-tap sum).
 */
function expandRow(y: i32): void {
  const m = y >> 1;
  const below = min<i32>(m + 1, coarseHeight - 1);
  for (; nextCoarseRow <= below; nextCoarseRow++) expandCoarseRow(nextCoarseRow);
  const even = (y & 1) == 0;
  rowAt = ringRow(m);
  rowBelow = ringRow(below);
  rowAbove = even ? ringRow(max<i32>(m - 1, 0)) : rowAt;
  tapAbove = even ? 0.125 : 0;
  tapAt = even ? 0.75 : 0.5;
  tapBelow = even ? 0.125 : 0.5;
}

/** The expanded value at x of the row expandRow set (taps splatted by the caller). */
@inline function expandedAt(x: i32, t0: v128, t1: v128, t2: v128): v128 {
  const o = <usize>x << 4;
  return f32x4.add(f32x4.add(f32x4.mul(t0, v128.load(rowAbove + o)), f32x4.mul(t1, v128.load(rowAt + o))), f32x4.mul(t2, v128.load(rowBelow + o)));
}

/**
 * Row y of the current plane's level-l coefficients L_l = G_l(P) - expand(G_{l+1}(P)) into dst
 * (f32x4 per pixel); expandRow(y) has run.
 */
function coefficientRow<T>(l: i32, plane: usize, y: i32, dst: usize): void {
  const fw = levelWidth(l);
  const t0 = f32x4.splat(tapAbove);
  const t1 = f32x4.splat(tapAt);
  const t2 = f32x4.splat(tapBelow);
  const row = y * fw;
  let x = 0;
  if (l == 0 && sizeof<T>() == 1) {
    // Level 0 is the plane's bytes: four pixels per load.
    for (; x + 4 <= fw; x += 4) {
      const px = v128.load(plane + (<usize>(row + x) << 2));
      const lo = i16x8.extend_low_i8x16_u(px);
      const hi = i16x8.extend_high_i8x16_u(px);
      const o = dst + (<usize>x << 4);
      v128.store(o, f32x4.sub(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(lo)), expandedAt(x, t0, t1, t2)));
      v128.store(o, f32x4.sub(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(lo)), expandedAt(x + 1, t0, t1, t2)), 16);
      v128.store(o, f32x4.sub(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(hi)), expandedAt(x + 2, t0, t1, t2)), 32);
      v128.store(o, f32x4.sub(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(hi)), expandedAt(x + 3, t0, t1, t2)), 48);
    }
  }
  if (l == 0 && sizeof<T>() == 2) {
    // RGBA16: two pixels per load.
    for (; x + 2 <= fw; x += 2) {
      const px = v128.load(plane + (<usize>(row + x) << 3));
      const o = dst + (<usize>x << 4);
      v128.store(o, f32x4.sub(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(px)), expandedAt(x, t0, t1, t2)));
      v128.store(o, f32x4.sub(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(px)), expandedAt(x + 1, t0, t1, t2)), 16);
    }
  }
  for (; x < fw; x++) v128.store(dst + (<usize>x << 4), f32x4.sub(colourAt<T>(l, plane, row + x), expandedAt(x, t0, t1, t2)));
}

/**
 * sum_l += G_l(w) L_l along row y of level l (its coefficients at src). Four pixels whose weights
 * are all 0 are left out: w v is then +-0, and a sum that starts at +0 and only ever adds never
 * becomes -0 (x + -x is +0), so adding +-0 would not change a bit of it.
 */
function blendRow(l: i32, y: i32, src: usize): void {
  const fw = levelWidth(l);
  const at = <usize>(levelOffset(l) + y * fw);
  const sum = sumPtr + (at << 4);
  const weights = weightPtr + (at << 2);
  let x = 0;
  for (; x + 4 <= fw; x += 4) {
    const w = v128.load(weights + (<usize>x << 2));
    if (!v128.any_true(w)) continue;
    const s = src + (<usize>x << 4);
    addPixel(x, v128.load(s), i32x4.shuffle(w, w, 0, 0, 0, 0), sum);
    addPixel(x + 1, v128.load(s, 16), i32x4.shuffle(w, w, 1, 1, 1, 1), sum);
    addPixel(x + 2, v128.load(s, 32), i32x4.shuffle(w, w, 2, 2, 2, 2), sum);
    addPixel(x + 3, v128.load(s, 48), i32x4.shuffle(w, w, 3, 3, 3, 3), sum);
  }
  for (; x < fw; x++) {
    const w = v128.load32_splat(weights + (<usize>x << 2));
    if (v128.any_true(w)) addPixel(x, v128.load(src + (<usize>x << 4)), w, sum);
  }
}

/** sum[i] += w v for one pixel's coefficient v. */
@inline function addPixel(i: i32, v: v128, w: v128, sum: usize): void {
  const s = sum + (<usize>i << 4);
  v128.store(s, f32x4.add(v128.load(s), f32x4.mul(w, v)));
}

/** Level l < L of the current plane added into the output pyramid, a row at a time (`pyramid`, and `select`'s coarser levels). */
function blendLevel<T>(l: i32, plane: usize): void {
  beginExpand(colourLevel(l + 1), levelWidth(l + 1), levelHeight(l + 1), levelWidth(l));
  for (let y = 0; y < levelHeight(l); y++) {
    expandRow(y);
    coefficientRow<T>(l, plane, y, coefficientsPtr);
    blendRow(l, y, coefficientsPtr);
  }
}

/**
 * `select`, selected level l < L of the current plane, in one pass down its rows: each row's
 * coefficients (kept in a ring of r + 1 rows) and their squared luma summed along x (a ring of
 * 2r + 1 rows); r rows later, when the rows below it are summed too, the row's energy (the
 * (2r + 1)^2 square, reads clamped), which is added to the energy sum and, where it beats the best
 * so far, becomes the best energy and the row's coefficients the best; then the row's blend (when
 * the plane has any weight). The same f32 operations in the same order as one level-sized pass
 * per step would do, in a few rows of memory instead of two level-sized images (squared luma,
 * box sums), and each coefficient computed once instead of twice (energy, then blend).
 */
function selectLevel<T>(l: i32, plane: usize, weighted: bool, first: bool): void {
  const fw = levelWidth(l);
  const fh = levelHeight(l);
  const r = energyRadius;
  beginExpand(colourLevel(l + 1), levelWidth(l + 1), levelHeight(l + 1), fw);
  for (let y = 0; y < fh + r; y++) {
    if (y < fh) {
      expandRow(y);
      const coefficients = coefficientSlot(y, fw);
      coefficientRow<T>(l, plane, y, coefficients);
      lumaSquaredRow(coefficients, fw);
      boxRow(boxSlot(y, fw), fw, r);
    }
    const t = y - r;
    if (t < 0) continue;
    keepSharpestRow(l, t, first);
    if (weighted) blendRow(l, t, coefficientSlot(t, fw));
  }
}

/** Where row y's coefficients lie in their ring (selectLevel). */
@inline function coefficientSlot(y: i32, fw: i32): usize {
  return coefficientsPtr + (<usize>((y % (energyRadius + 1)) * fw) << 4);
}

/** Where row y's squared luma summed along x lies in its ring (after the row of squared luma at boxPtr). */
@inline function boxSlot(y: i32, fw: i32): usize {
  return boxPtr + (<usize>((1 + y % (2 * energyRadius + 1)) * fw) << 2);
}

/** The squared luma of a row's coefficients into the row at boxPtr. */
function lumaSquaredRow(src: usize, fw: i32): void {
  let x = 0;
  for (; x + 4 <= fw; x += 4) {
    const s = src + (<usize>x << 4);
    v128.store(boxPtr + (<usize>x << 2), lumaSquared4(v128.load(s), v128.load(s, 16), v128.load(s, 32), v128.load(s, 48)));
  }
  for (; x < fw; x++) {
    const v = v128.load(src + (<usize>x << 4));
    const y = <f32>299 * f32x4.extract_lane(v, 0) + <f32>587 * f32x4.extract_lane(v, 1) + <f32>114 * f32x4.extract_lane(v, 2);
    store<f32>(boxPtr + (<usize>x << 2), y * y);
  }
}

/**
 * The squared luma (LUMA_INT_WEIGHTS: 299 R + 587 G + 114 B, in that order) of four pixels'
 * coefficients: their R, G and B lanes gathered by shuffles.
 */
@inline function lumaSquared4(p0: v128, p1: v128, p2: v128, p3: v128): v128 {
  const rg01 = i32x4.shuffle(p0, p1, 0, 4, 1, 5); // r0 r1 g0 g1
  const rg23 = i32x4.shuffle(p2, p3, 0, 4, 1, 5);
  const b01 = i32x4.shuffle(p0, p1, 2, 6, 2, 6);
  const b23 = i32x4.shuffle(p2, p3, 2, 6, 2, 6);
  const r = i32x4.shuffle(rg01, rg23, 0, 1, 4, 5);
  const g = i32x4.shuffle(rg01, rg23, 2, 3, 6, 7);
  const b = i32x4.shuffle(b01, b23, 0, 1, 4, 5);
  const y = f32x4.add(f32x4.add(f32x4.mul(f32x4.splat(299), r), f32x4.mul(f32x4.splat(587), g)), f32x4.mul(f32x4.splat(114), b));
  return f32x4.mul(y, y);
}

/** The squared luma at boxPtr summed along x over x - r .. x + r (reads clamped) into out. */
function boxRow(out: usize, w: i32, r: i32): void {
  const row = boxPtr;
  let x = 0;
  // Clamped reads at both ends, plain ones between (x - r >= 0 and x + 3 + r < w).
  for (; x < w && (x < r || x + 3 + r >= w); x++) store<f32>(out + (<usize>x << 2), boxAlongX(row, x, w, r));
  for (; x + 3 + r < w; x += 4) {
    let s = f32x4.splat(0);
    for (let d = -r; d <= r; d++) s = f32x4.add(s, v128.load(row + (<usize>(x + d) << 2)));
    v128.store(out + (<usize>x << 2), s);
  }
  for (; x < w; x++) store<f32>(out + (<usize>x << 2), boxAlongX(row, x, w, r));
}

/** The sum of row[clamp(x + d)], d = -r..r (boxRow's ends of a row). */
@inline function boxAlongX(row: usize, x: i32, w: i32, r: i32): f32 {
  let s: f32 = 0;
  for (let d = -r; d <= r; d++) {
    const sx = x + d < 0 ? 0 : x + d >= w ? w - 1 : x + d;
    s += load<f32>(row + (<usize>sx << 2));
  }
  return s;
}

// keepSharpestRow's rows of box sums, y - r .. y + r clamped into the level (r <= MAX_ENERGY_RADIUS).
const MAX_ENERGY_RADIUS = 32;
const boxRows = memory.data(4 * (2 * MAX_ENERGY_RADIUS + 1));

/**
 * `select`, row y of selected level l: the energy of the current plane's coefficients (the box sums
 * along x of rows y - r .. y + r, clamped, summed in that order), added to the energy sum; where it
 * beats the best so far it becomes the best energy and the row's coefficients (in their ring) the
 * best. Four pixels per step where a row has them (the same f32 operations in the same order as
 * the scalar tail). The `first` plane is the best so far everywhere and its energies are the sums
 * so far: stored as they are (no energy is negative, so each beats the reference's starting -1,
 * and none is -0, so 0 + e is e to the bit), with no level-sized start values to write first.
 */
function keepSharpestRow(l: i32, y: i32, first: bool): void {
  const w = levelWidth(l);
  const h = levelHeight(l);
  const r = energyRadius;
  for (let d = -r; d <= r; d++) {
    const sy = y + d < 0 ? 0 : y + d >= h ? h - 1 : y + d;
    store<usize>(boxRows + (<usize>(d + r) << 2), boxSlot(sy, w));
  }
  const at = <usize>(levelOffset(l) + y * w);
  const coefficients = coefficientSlot(y, w);
  const best = bestPtr + (at << 4);
  let x = 0;
  for (; x + 4 <= w; x += 4) {
    const o = <usize>x << 2;
    let e = f32x4.splat(0);
    for (let d = 0; d <= 2 * r; d++) e = f32x4.add(e, v128.load(load<usize>(boxRows + (<usize>d << 2)) + o));
    const sumAt = energySumPtr + (at << 2) + o;
    const bestAt = bestEnergyPtr + (at << 2) + o;
    if (first) {
      v128.store(sumAt, e);
      v128.store(bestAt, e);
      continue;
    }
    v128.store(sumAt, f32x4.add(v128.load(sumAt), e));
    const old = v128.load(bestAt);
    const better = f32x4.gt(e, old);
    v128.store(bestAt, v128.bitselect(e, old, better));
    const from = coefficients + (<usize>x << 4);
    const to = best + (<usize>x << 4);
    v128.store(to, v128.bitselect(v128.load(from), v128.load(to), i32x4.shuffle(better, better, 0, 0, 0, 0)));
    v128.store(to, v128.bitselect(v128.load(from, 16), v128.load(to, 16), i32x4.shuffle(better, better, 1, 1, 1, 1)), 16);
    v128.store(to, v128.bitselect(v128.load(from, 32), v128.load(to, 32), i32x4.shuffle(better, better, 2, 2, 2, 2)), 32);
    v128.store(to, v128.bitselect(v128.load(from, 48), v128.load(to, 48), i32x4.shuffle(better, better, 3, 3, 3, 3)), 48);
  }
  for (; x < w; x++) {
    const o = <usize>x << 2;
    let e: f32 = 0;
    for (let d = 0; d <= 2 * r; d++) e += load<f32>(load<usize>(boxRows + (<usize>d << 2)) + o);
    const sumAt = energySumPtr + (at << 2) + o;
    const bestAt = bestEnergyPtr + (at << 2) + o;
    if (first) {
      store<f32>(sumAt, e);
      store<f32>(bestAt, e);
      continue;
    }
    store<f32>(sumAt, load<f32>(sumAt) + e);
    if (e > load<f32>(bestAt)) {
      store<f32>(bestAt, e);
      v128.store(best + (<usize>x << 4), v128.load(coefficients + (<usize>x << 4)));
    }
  }
  if (first) memory.copy(best, coefficients, <usize>w << 4);
}

/** The coarsest level: sum_L += G_L(w) G_L(P). */
function addCoarsest(): void {
  const L = levels;
  const count = levelWidth(L) * levelHeight(L);
  const offset = <usize>levelOffset(L);
  const colour = colourLevel(L);
  for (let i = 0; i < count; i++) {
    const s = sumPtr + ((offset + <usize>i) << 4);
    v128.store(s, f32x4.add(v128.load(s), f32x4.mul(v128.load32_splat(weightPtr + ((offset + <usize>i) << 2)), v128.load(colour + (<usize>i << 4)))));
  }
}

/**
 * `select`: each selected level's coefficient becomes a L(P_k) + (1 - a) sum, a the gate of the
 * clarity q = E_k (Z - 1) / (sum of the others' energies) (0 for Z = 1 or E_k = 0; 1 where the
 * others have none). Four pixels per step: the scalar tail's f32 operations lane by lane, its
 * branches as selects (a lane whose others have no energy may divide by 0; its quotient is not taken).
 */
function mixSelected(): void {
  const pixels = levelOffset(selectLevels); // levels 0..S-1 lie back to back from offset 0
  const others1 = <f32>(planeCount - 1);
  const span = gateHigh - gateLow;
  let i = 0;
  if (planeCount >= 2) {
    const zero = f32x4.splat(0);
    const one = f32x4.splat(1);
    for (; i + 4 <= pixels; i += 4) {
      const best = v128.load(bestEnergyPtr + (<usize>i << 2));
      const others = f32x4.sub(v128.load(energySumPtr + (<usize>i << 2)), best);
      let a = f32x4.div(f32x4.sub(f32x4.div(f32x4.mul(best, f32x4.splat(others1)), others), f32x4.splat(gateLow)), f32x4.splat(span));
      a = v128.bitselect(v128.bitselect(a, one, f32x4.lt(a, one)), zero, f32x4.gt(a, zero));
      a = v128.bitselect(v128.bitselect(a, one, f32x4.gt(others, zero)), zero, f32x4.gt(best, zero));
      const rest = f32x4.sub(one, a);
      mixPixel(i, i32x4.shuffle(a, a, 0, 0, 0, 0), i32x4.shuffle(rest, rest, 0, 0, 0, 0));
      mixPixel(i + 1, i32x4.shuffle(a, a, 1, 1, 1, 1), i32x4.shuffle(rest, rest, 1, 1, 1, 1));
      mixPixel(i + 2, i32x4.shuffle(a, a, 2, 2, 2, 2), i32x4.shuffle(rest, rest, 2, 2, 2, 2));
      mixPixel(i + 3, i32x4.shuffle(a, a, 3, 3, 3, 3), i32x4.shuffle(rest, rest, 3, 3, 3, 3));
    }
  }
  for (; i < pixels; i++) {
    const best = load<f32>(bestEnergyPtr + (<usize>i << 2));
    const others = load<f32>(energySumPtr + (<usize>i << 2)) - best;
    let a: f32 = 0;
    if (planeCount >= 2 && best > 0) {
      if (others > 0) {
        a = ((best * others1) / others - gateLow) / span;
        a = a > 0 ? (a < 1 ? a : 1) : 0;
      } else a = 1;
    }
    mixPixel(i, f32x4.splat(a), f32x4.splat(1 - a));
  }
}

/** sum_i = a best_i + rest sum_i (rest = 1 - a) for selected pixel i. */
@inline function mixPixel(i: i32, a: v128, rest: v128): void {
  const s = sumPtr + (<usize>i << 4);
  v128.store(s, f32x4.add(f32x4.mul(a, v128.load(bestPtr + (<usize>i << 4))), f32x4.mul(rest, v128.load(s))));
}

/**
 * Collapse from the coarsest level up (out_l = sum_l + expand(out_{l+1})); level 0 is not stored:
 * each pixel is clamped into the planes' range (`pyramid`: the planes within `reach` of Dc;
 * `select`: every plane) widened by `tolerance`, rounded half up into the image.
 */
function collapseAndFinish<T>(all: bool): void {
  for (let l = levels - 1; l >= 0; l--) {
    const fw = levelWidth(l);
    const fh = levelHeight(l);
    beginExpand(sumPtr + (<usize>levelOffset(l + 1) << 4), levelWidth(l + 1), levelHeight(l + 1), fw);
    const sum = sumPtr + (<usize>levelOffset(l) << 4);
    for (let y = 0; y < fh; y++) {
      expandRow(y);
      const t0 = f32x4.splat(tapAbove);
      const t1 = f32x4.splat(tapAt);
      const t2 = f32x4.splat(tapBelow);
      const row = <usize>(y * fw);
      if (l > 0) {
        for (let x = 0; x < fw; x++) {
          const s = sum + ((row + <usize>x) << 4);
          v128.store(s, f32x4.add(v128.load(s), expandedAt(x, t0, t1, t2)));
        }
      } else {
        let x = 0;
        if (all) for (; x + 4 <= fw; x += 4) finishFourOfAll<T>((row + <usize>x) << 2, x, sum + ((row + <usize>x) << 4), t0, t1, t2);
        for (; x < fw; x++) finishPixel<T>(y, x, f32x4.add(v128.load(sum + ((row + <usize>x) << 4)), expandedAt(x, t0, t1, t2)), all);
      }
    }
  }
}

/** Clamp and round of one output pixel (see collapseAndFinish). */
@inline function finishPixel<T>(y: i32, x: i32, v: v128, all: bool): void {
  const i = <usize>(y * width + x) << 2;
  let z0 = 0;
  let z1 = planeCount - 1;
  if (!all) {
    // In f64 as the reference: in f32, Dc + 1 could round up to a whole plane (Dc one ulp below
    // 2) and take one plane too many into the range.
    const dc = <f64>clampDepth(load<f32>(smoothPtr + (<usize>(y * depthStride + x) << 2)));
    const lo = <i32>Math.ceil(dc - <f64>reach);
    const hi = <i32>Math.floor(dc + <f64>reach);
    z0 = lo > 0 ? lo : 0;
    z1 = hi < z1 ? hi : z1;
  }
  const planeBytes = <usize>width * <usize>height * 4 * sizeof<T>();
  let lo = i8x16.splat(-1); // the type's largest value in every sample
  let hi = i8x16.splat(0);
  for (let z = z0; z <= z1; z++) {
    const at = planesPtr + <usize>z * planeBytes + i * sizeof<T>();
    if (sizeof<T>() == 1) {
      const p = v128.load32_zero(at);
      lo = i8x16.min_u(lo, p);
      hi = i8x16.max_u(hi, p);
    } else {
      const p = v128.load64_zero(at);
      lo = i16x8.min_u(lo, p);
      hi = i16x8.max_u(hi, p);
    }
  }
  roundInto<T>(i, v, lo, hi);
}

/**
 * `select`, four output pixels from byte i on (row x .. x + 3): their range over every plane, one
 * 16-byte read per plane for the four.
 */
@inline function finishFourOfAll<T>(i: usize, x: i32, sum: usize, t0: v128, t1: v128, t2: v128): void {
  const planeBytes = <usize>width * <usize>height * 4 * sizeof<T>();
  if (sizeof<T>() == 1) {
    let lo = i8x16.splat(-1);
    let hi = i8x16.splat(0);
    for (let z = 0; z < planeCount; z++) {
      const p = v128.load(planesPtr + <usize>z * planeBytes + i);
      lo = i8x16.min_u(lo, p);
      hi = i8x16.max_u(hi, p);
    }
    roundInto<T>(i, f32x4.add(v128.load(sum), expandedAt(x, t0, t1, t2)), lo, hi);
    roundInto<T>(i + 4, f32x4.add(v128.load(sum, 16), expandedAt(x + 1, t0, t1, t2)), i32x4.shuffle(lo, lo, 1, 1, 1, 1), i32x4.shuffle(hi, hi, 1, 1, 1, 1));
    roundInto<T>(i + 8, f32x4.add(v128.load(sum, 32), expandedAt(x + 2, t0, t1, t2)), i32x4.shuffle(lo, lo, 2, 2, 2, 2), i32x4.shuffle(hi, hi, 2, 2, 2, 2));
    roundInto<T>(i + 12, f32x4.add(v128.load(sum, 48), expandedAt(x + 3, t0, t1, t2)), i32x4.shuffle(lo, lo, 3, 3, 3, 3), i32x4.shuffle(hi, hi, 3, 3, 3, 3));
    return;
  }
  // RGBA16: pixels x, x + 1 in one read, x + 2, x + 3 in the next.
  let lo01 = i16x8.splat(-1);
  let hi01 = i16x8.splat(0);
  let lo23 = i16x8.splat(-1);
  let hi23 = i16x8.splat(0);
  for (let z = 0; z < planeCount; z++) {
    const at = planesPtr + <usize>z * planeBytes + (i << 1);
    const p01 = v128.load(at);
    const p23 = v128.load(at, 16);
    lo01 = i16x8.min_u(lo01, p01);
    hi01 = i16x8.max_u(hi01, p01);
    lo23 = i16x8.min_u(lo23, p23);
    hi23 = i16x8.max_u(hi23, p23);
  }
  roundInto<T>(i, f32x4.add(v128.load(sum), expandedAt(x, t0, t1, t2)), lo01, hi01);
  roundInto<T>(i + 4, f32x4.add(v128.load(sum, 16), expandedAt(x + 1, t0, t1, t2)), i64x2.shuffle(lo01, lo01, 1, 1), i64x2.shuffle(hi01, hi01, 1, 1));
  roundInto<T>(i + 8, f32x4.add(v128.load(sum, 32), expandedAt(x + 2, t0, t1, t2)), lo23, hi23);
  roundInto<T>(i + 12, f32x4.add(v128.load(sum, 48), expandedAt(x + 3, t0, t1, t2)), i64x2.shuffle(lo23, lo23, 1, 1), i64x2.shuffle(hi23, hi23, 1, 1));
}

/**
 * v clamped into [lo - tolerance, hi + tolerance] (lo, hi: the pixel's samples of type T in the
 * first four lanes), rounded half up into the image at sample i.
 */
@inline function roundInto<T>(i: usize, v: v128, lo: v128, hi: v128): void {
  const tol = f32x4.splat(tolerance);
  const loWide = sizeof<T>() == 1 ? i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(lo)) : i32x4.extend_low_i16x8_u(lo);
  const hiWide = sizeof<T>() == 1 ? i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(hi)) : i32x4.extend_low_i16x8_u(hi);
  const loF = f32x4.sub(f32x4.convert_i32x4_u(loWide), tol);
  const hiF = f32x4.add(f32x4.convert_i32x4_u(hiWide), tol);
  const c = f32x4.floor(f32x4.add(f32x4.min(f32x4.max(v, loF), hiF), f32x4.splat(0.5)));
  const r = i32x4.trunc_sat_f32x4_s(c);
  // narrow saturates into 0..255 (RGBA16: 0..65535), the reference's final clamp
  storePixel<T>(imagePtr + i * sizeof<T>(), r);
}

/** The whole composite, `select` or not (see the header). */
function composite<T>(selecting: bool): void {
  const total = levelOffset(levels) + levelWidth(levels) * levelHeight(levels);
  memory.fill(sumPtr, 0, <usize>total << 4);
  const S = selecting ? selectLevels : 0;
  const planeBytes = <usize>width * <usize>height * 4 * sizeof<T>();
  for (let z = 0; z < planeCount; z++) {
    // A plane with weight 0 everywhere adds nothing to the blend (w v is +-0 everywhere, see
    // blendRow): `pyramid` skips it; `select` only weighs its detail, from the colour levels up to S.
    const weighted = planeWeights(z);
    if (!weighted && S == 0) continue;
    const plane = planesPtr + <usize>z * planeBytes;
    const reduced = weighted ? levels : S;
    for (let l = 0; l < reduced; l++) reduceLevel<T>(l, plane, weighted);
    for (let l = 0; l < S; l++) selectLevel<T>(l, plane, weighted, z == 0);
    if (!weighted) continue;
    for (let l = S; l < levels; l++) blendLevel<T>(l, plane);
    addCoarsest();
  }
  if (S > 0) mixSelected();
  collapseAndFinish<T>(selecting);
}

/** The `pyramid` composite of the configured stack into the image. */
export function compositePyramid(): void {
  if (sampleBytes == 2) composite<u16>(false);
  else composite<u8>(false);
}

/** The `select` composite of the configured stack into the image. */
export function compositeSelect(): void {
  if (sampleBytes == 2) composite<u16>(true);
  else composite<u8>(true);
}
