// Stage 4, depth mode `histogram` (src/cpu/histogram-depth.ts, docs/fusion-v2.md "The histogram
// depth"): Ds from D and C, f32x4 lanes along x (four cells of the coarse grid, or four pixels).
//   1. votes v_z = C max(0, 1 - |D - z|), averaged over DECIMATION x DECIMATION blocks (clamp-to-edge at
//      the right and bottom) into a coarse grid of cw = ceil(W/2) x ch = ceil(H/2) cells, one bin at a time;
//   2. that bin's grid through the separable Gaussian of the f32 taps gaussianKernel(8/3 sigma / 2)
//      (clamp-to-edge), into its own slice of `grid` (Z slices: Z cw ch f32, a quarter of the
//      planes' own memory; the per-pixel mode state then stays in registers);
//   3. per pixel row, every bin's grid rows mixed along y (shared by the row's pixels); per pixel
//      quad, every bin in order: H_z mixed along x from those (the bilinear read between the 2 x 2
//      cells around the pixel), and the reference's running best (argmax with ties to the lowest z,
//      its neighbours, the total); then Ds = the centroid of bins k-1..k+1, or D where the total is
//      below minWeight.
// Why the results stay within the parity bar of the f64 reference: every sum is short (4 votes,
// 2 R + 1 <= 65 taps twice, two 2-term mixes, Z totals) and of non-negative terms, so f32 keeps H
// within ~1e-6 relative; that is the arithmetic of shaders/histogram_depth.wgsl (f32, the same taps,
// the same formulas; only the order of the tap sums and of the bilinear read's two steps differ),
// measured within 2e-6 plane of the CPU. A relative error that small moves Ds only where two bins' H are that close (argmax near-ties):
// a different mode bin there, as the GPU may pick; test/cpu-fast-histogram.test.ts bounds both.
// The pixel -> cell maps are the reference's bilinearTaps for DECIMATION = 2 (the WGSL's constant too):
// pixel x sits at u = x / 2 - 0.25 cells, so the quad x = 4q..4q+3 reads cells 2q-1..2q+2 with
// weights 0.75 / 0.25 alternating; padding cells each side (copies of the edge cells) are the clamp.

// Mirrors HISTOGRAM_DECIMATION (src/core/histogram.ts); the quad pattern above is written for 2.
const DECIMATION: i32 = 2;
// Cells of padding left of cell 0 in each grid row (keeps cell 0 16-byte aligned); the right pad is
// at least 4 cells (gridStride).
const PAD: i32 = 4;

/** Row stride (cells) of the coarse grids: cw + PAD cells left, >= 4 right, a multiple of 4. */
export function histogramGridStride(width: i32): i32 {
  const cw = (width + DECIMATION - 1) / DECIMATION;
  return (cw + 2 * PAD + 3) & ~3;
}

/** Bin z's vote at pixel p (byte offset): C max(0, 1 - |D - z|), four pixels. */
@inline
function votes4(depth: usize, conf: usize, p: usize, z: v128): v128 {
  const t = f32x4.sub(f32x4.splat(1), f32x4.abs(f32x4.sub(v128.load(depth + p), z)));
  return f32x4.mul(v128.load(conf + p), f32x4.max(t, f32x4.splat(0)));
}

@inline
function vote1(depth: usize, conf: usize, p: usize, z: f32): f32 {
  return load<f32>(conf + p) * max<f32>(1 - abs<f32>(load<f32>(depth + p) - z), 0);
}

/**
 * Coarse row Y of bin z's block means into pad (cell c at pad + (R + c) * 4), then R + 4 copies of
 * the edge cells each side (the horizontal pass's clamp-to-edge reads).
 */
function voteRow(depth: usize, conf: usize, width: i32, height: i32, stride: i32, z: f32, Y: i32, cw: i32, R: i32, pad: usize): void {
  const r0 = <usize>(min(DECIMATION * Y, height - 1) * stride) << 2;
  const r1 = <usize>(min(DECIMATION * Y + 1, height - 1) * stride) << 2;
  const out = pad + (<usize>R << 2);
  const zv = f32x4.splat(z);
  const quarter = f32x4.splat(0.25);
  let X = 0;
  // Four cells (eight pixels of each row) while no clamp is needed: pairs summed across lanes.
  for (; 2 * X + 8 <= width; X += 4) {
    const x = <usize>(2 * X) << 2;
    const a = f32x4.add(votes4(depth, conf, r0 + x, zv), votes4(depth, conf, r1 + x, zv));
    const b = f32x4.add(votes4(depth, conf, r0 + x + 16, zv), votes4(depth, conf, r1 + x + 16, zv));
    const sum = f32x4.add(v128.shuffle<f32>(a, b, 0, 2, 4, 6), v128.shuffle<f32>(a, b, 1, 3, 5, 7));
    v128.store(out + (<usize>X << 2), f32x4.mul(sum, quarter));
  }
  for (; X < cw; X++) {
    const x0 = <usize>min(2 * X, width - 1) << 2;
    const x1 = <usize>min(2 * X + 1, width - 1) << 2;
    const s = (vote1(depth, conf, r0 + x0, z) + vote1(depth, conf, r0 + x1, z)) + (vote1(depth, conf, r1 + x0, z) + vote1(depth, conf, r1 + x1, z));
    store<f32>(out + (<usize>X << 2), s * 0.25);
  }
  const first = load<f32>(out);
  const last = load<f32>(out + (<usize>(cw - 1) << 2));
  for (let c = 0; c < R; c++) store<f32>(pad + (<usize>c << 2), first);
  for (let c = cw + R; c < cw + 2 * R + 4; c++) store<f32>(pad + (<usize>c << 2), last);
}

/** The horizontal taps over the padded row into `row` (cells 0..cw-1, four at a time). */
function filterRow(pad: usize, row: usize, cw: i32, R: i32, taps: usize): void {
  const wc = f32x4.splat(load<f32>(taps + (<usize>R << 2)));
  for (let X = 0; X < cw; X += 4) {
    let s = f32x4.mul(wc, v128.load(pad + (<usize>(X + R) << 2)));
    // Symmetric taps: w_k (a[X-k] + a[X+k]) costs one multiply.
    for (let k = 0; k < R; k++) {
      const wk = v128.load32_splat(taps + (<usize>k << 2));
      s = f32x4.add(s, f32x4.mul(wk, f32x4.add(v128.load(pad + (<usize>(X + k) << 2)), v128.load(pad + (<usize>(X + 2 * R - k) << 2)))));
    }
    v128.store(row + (<usize>X << 2), s);
  }
}

/**
 * The vertical taps over `rows` (clamped row offsets listed once per row in `list`) into bin z's
 * grid slice, then each row's pad cells: PAD copies of cell 0 left, copies of cell cw-1 right.
 */
function filterColumns(rows: usize, out: usize, cw: i32, ch: i32, gs: i32, R: i32, taps: usize, list: usize): void {
  const wc = f32x4.splat(load<f32>(taps + (<usize>R << 2)));
  const rowBytes = <usize>gs << 2;
  for (let Y = 0; Y < ch; Y++) {
    for (let k = 0; k < R; k++) {
      store<u32>(list + (<usize>k << 3), <u32>(<usize>max(Y - R + k, 0) * rowBytes));
      store<u32>(list + (<usize>k << 3), <u32>(<usize>min(Y + R - k, ch - 1) * rowBytes), 4);
    }
    const row = <usize>Y * rowBytes;
    for (let X = 0; X < cw; X += 4) {
      const o = <usize>(X + PAD) << 2;
      let s = f32x4.mul(wc, v128.load(rows + row + o));
      for (let k = 0; k < R; k++) {
        const wk = v128.load32_splat(taps + (<usize>k << 2));
        const a = <usize>load<u32>(list + (<usize>k << 3)) + o;
        const b = <usize>load<u32>(list + (<usize>k << 3), 4) + o;
        s = f32x4.add(s, f32x4.mul(wk, f32x4.add(v128.load(rows + a), v128.load(rows + b))));
      }
      v128.store(out + row + o, s);
    }
    const first = load<f32>(out + row + (<usize>PAD << 2));
    const last = load<f32>(out + row + (<usize>(PAD + cw - 1) << 2));
    for (let c = 0; c < PAD; c++) store<f32>(out + row + (<usize>c << 2), first);
    for (let c = PAD + cw; c < gs; c++) store<f32>(out + row + (<usize>c << 2), last);
  }
}

/**
 * Row y's vertical mix of every bin (bilinearTaps along y: grid rows lo and hi, weight fy for hi)
 * into `mixed`, one grid row per bin, pad cells included: the 2 x 2 bilinear read of the reference
 * as its two 1-D steps, y first (the same weights; the f32 results differ from x first by rounding
 * only), so each cell's mix is shared by the pixels that read it.
 */
function mixRows(Z: i32, grid: usize, binBytes: usize, gs: i32, lo: usize, hi: usize, fy: f32, mixed: usize): void {
  const wy = f32x4.splat(fy);
  const gy = f32x4.splat(1 - fy);
  const rowBytes = <usize>gs << 2;
  for (let z = 0; z < Z; z++) {
    const slice = grid + <usize>z * binBytes;
    const to = mixed + <usize>z * rowBytes;
    for (let c: usize = 0; c < rowBytes; c += 16) {
      v128.store(to + c, f32x4.add(f32x4.mul(gy, v128.load(slice + lo + c)), f32x4.mul(wy, v128.load(slice + hi + c))));
    }
  }
}

/**
 * Ds of one pixel row y from its mixed rows: per quad, H_z of every bin (the x step of the bilinear
 * read) through the reference's running best, in registers; then the centroid, or D.
 */
function resolveRow(depth: usize, out: usize, width: i32, y: i32, stride: i32, Z: i32, mixed: usize, gs: i32, minWeight: f32): void {
  const fx = f32x4(0.75, 0.25, 0.75, 0.25);
  const gx = f32x4.sub(f32x4.splat(1), fx);
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  const floor = f32x4.splat(minWeight);
  const row = <usize>(y * stride) << 2;
  const rowBytes = <usize>gs << 2;
  for (let x = 0; x < width; x += 4) {
    // Cells 2q-1..2q+2 of a quad x = 4q start at cell x / 2 - 1, i.e. PAD - 1 + x / 2 in the row.
    let cells = mixed + (<usize>(PAD - 1 + (x >> 1)) << 2);
    let best = f32x4.splat(-1);
    let bin = zero;
    let below = zero;
    let above = zero;
    let total = zero;
    let previous = zero;
    let zv = zero;
    // Lanes whose best bin k so far is the previous bin (z = k + 1).
    let justBest = zero;
    for (let z = 0; z < Z; z++) {
      const a = v128.load(cells);
      const h = f32x4.add(f32x4.mul(gx, v128.shuffle<f32>(a, a, 0, 1, 1, 2)), f32x4.mul(fx, v128.shuffle<f32>(a, a, 1, 2, 2, 3)));
      total = f32x4.add(total, h);
      // As the reference: bin k + 1's H is kept first, then a strictly larger H takes over.
      above = v128.bitselect(h, above, justBest);
      const better = f32x4.gt(h, best);
      best = v128.bitselect(h, best, better);
      bin = v128.bitselect(zv, bin, better);
      below = v128.bitselect(previous, below, better);
      above = v128.andnot(above, better);
      justBest = better;
      previous = h;
      zv = f32x4.add(zv, one);
      cells += rowBytes;
    }
    const centroid = f32x4.div(
      f32x4.add(f32x4.add(f32x4.mul(f32x4.sub(bin, one), below), f32x4.mul(bin, best)), f32x4.mul(f32x4.add(bin, one), above)),
      f32x4.add(f32x4.add(below, best), above),
    );
    const i = row + (<usize>x << 2);
    v128.store(out + i, v128.bitselect(v128.load(depth + i), centroid, f32x4.lt(total, floor)));
  }
}

/**
 * The `histogram` depth Ds (out) from D (depth) and C (conf): f32 images of width x height in rows
 * of `stride` (a multiple of 4). taps: the 2 R + 1 f32 taps of gaussianKernel(8/3 sigma / 2).
 * Working memory: grid, Z slices of ch rows of histogramGridStride(width) f32; rows, max(ch, Z) such
 * rows (a bin's row-filtered slice, then one pixel row's mixed rows of every bin); pad, cw + 2 R + 8
 * f32 (also the vertical pass's row list, 2 R u32). sigma 0 is the caller's copy.
 */
export function histogramDepth(
  depth: usize, conf: usize, out: usize, width: i32, height: i32, stride: i32, Z: i32,
  taps: usize, tapCount: i32, grid: usize, rows: usize, pad: usize, minWeight: f64,
): void {
  const R = (tapCount - 1) >> 1;
  const cw = (width + DECIMATION - 1) / DECIMATION;
  const ch = (height + DECIMATION - 1) / DECIMATION;
  const gs = histogramGridStride(width);
  const binBytes = <usize>(gs * ch) << 2;
  for (let z = 0; z < Z; z++) {
    for (let Y = 0; Y < ch; Y++) {
      voteRow(depth, conf, width, height, stride, <f32>z, Y, cw, R, pad);
      filterRow(pad, rows + (<usize>(Y * gs + PAD) << 2), cw, R, taps);
    }
    filterColumns(rows, grid + <usize>z * binBytes, cw, ch, gs, R, taps, pad);
  }
  for (let y = 0; y < height; y++) {
    // The reference's bilinearTaps along y (clamped cells, the weight of the second).
    const u = (<f64>y + 0.5) / <f64>DECIMATION - 0.5;
    const c = <i32>Math.floor(u);
    const lo = <usize>(min(max(c, 0), ch - 1) * gs) << 2;
    const hi = <usize>(min(c + 1, ch - 1) * gs) << 2;
    mixRows(Z, grid, binBytes, gs, lo, hi, <f32>(u - <f64>c), rows);
    resolveRow(depth, out, width, y, stride, Z, rows, gs, <f32>minWeight);
  }
}
