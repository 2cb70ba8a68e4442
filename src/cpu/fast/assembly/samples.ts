// One pixel's RGBA samples of type T (u8: RGBA8 planes, u16: RGBA16) in and out of i32x4 lanes,
// for the kernels that read the planes or write the image (index.ts, pyramid.ts): instantiated per
// sample type, so the RGBA8 code is what it was and RGBA16 shares its source.

/** One pixel's four samples of type T at byte p, widened to i32x4. */
@inline
export function widenPixel<T>(p: usize): v128 {
  if (sizeof<T>() == 1) return i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(p)));
  return i32x4.extend_low_i16x8_u(v128.load64_zero(p));
}

/** One pixel's four i32 lanes stored as samples of type T at byte p (narrowing saturates into T's range). */
@inline
export function storePixel<T>(p: usize, c: v128): void {
  if (sizeof<T>() == 1) v128.store32_lane(p, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(c, c), c), 0);
  else v128.store64_lane(p, i16x8.narrow_i32x4_u(c, c), 0);
}

/**
 * The largest of `count` u16 samples from byte `at` on (16-byte aligned), eight per step: whether a
 * stack's samples stay within its declared bit depth, on which the measure sweep's integer bounds rest.
 */
export function samplesMax(at: usize, count: usize): i32 {
  let top = i16x8.splat(0);
  let i: usize = 0;
  for (; i + 8 <= count; i += 8) top = i16x8.max_u(top, v128.load(at + (i << 1)));
  let best = max<i32>(max<i32>(max<i32>(<i32>i16x8.extract_lane_u(top, 0), <i32>i16x8.extract_lane_u(top, 1)), max<i32>(<i32>i16x8.extract_lane_u(top, 2), <i32>i16x8.extract_lane_u(top, 3))),
    max<i32>(max<i32>(<i32>i16x8.extract_lane_u(top, 4), <i32>i16x8.extract_lane_u(top, 5)), max<i32>(<i32>i16x8.extract_lane_u(top, 6), <i32>i16x8.extract_lane_u(top, 7))));
  for (; i < count; i++) best = max<i32>(best, <i32>load<u16>(at + (i << 1)));
  return best;
}
