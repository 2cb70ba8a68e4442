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
