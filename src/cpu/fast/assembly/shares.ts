// auto's plane shares (src/align/auto-gates.ts shareSums): per plane, the sharpest plane's focus
// value (clamped at 0) summed over every step-th pixel where it is the sharpest, as four partial
// sums (sample j into partial j mod 4). The same f64 additions in the same order as the TypeScript,
// so the sums have the same bits; here they run at compiled speed over the sweep's running max and
// argmax where they lie, instead of through typed-array views from JavaScript.

/**
 * best: f32 and which: i32, rows of `stride`, the top-left width x height read; out: 4 f64 per plane
 * (planeCount planes), zeroed here.
 */
export function shareSums(best: usize, which: usize, width: i32, height: i32, stride: i32, step: i32, planeCount: i32, out: usize): void {
  memory.fill(out, 0, <usize>planeCount << 5);
  const m = (width * height + step - 1) / step;
  let x = 0;
  let y = 0;
  for (let j = 0; j < m; j++) {
    const o = <usize>(y * stride + x) << 2;
    const at = out + (<usize>(4 * load<i32>(which + o) + (j & 3)) << 3);
    store<f64>(at, load<f64>(at) + max<f64>(<f64>load<f32>(best + o), 0));
    for (x += step; x >= width; x -= width) y++;
  }
}
