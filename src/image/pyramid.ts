/**
 * Float image levels and the operations on them that pyramids need: halving by 2x2 means and
 * bilinear sampling between pixel centres. Registration builds its band-passed pyramid from these
 * (src/align/pyramid.ts).
 */

/** One pyramid level: a float image and its size. */
export interface Level {
  data: Float32Array;
  width: number;
  height: number;
}

/**
 * The next coarser pyramid level: 2x2 means; an odd last row or column is dropped (pixel-centre
 * mapping x_small = (x + 0.5) / 2 - 0.5).
 * @example halve({ data, width: 384, height: 384 }).width // 192
 */
export function halve(level: Level): Level {
  const width = level.width >> 1;
  const height = level.height >> 1;
  const src = level.data;
  const w = level.width;
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const r0 = 2 * y * w;
    const r1 = r0 + w;
    for (let x = 0; x < width; x++) {
      const i = 2 * x;
      data[y * width + x] = 0.25 * (src[r0 + i] + src[r0 + i + 1] + src[r1 + i] + src[r1 + i + 1]);
    }
  }
  return { data, width, height };
}

/**
 * Bilinear sample of a float image at (x, y), pixel centres at integers; NaN outside
 * [0, width-1] x [0, height-1], so callers can leave such pixels out of their sums.
 * @example sampleBilinear(level, 1.5, 2) // mean of pixels (1,2) and (2,2)
 */
export function sampleBilinear(level: Level, x: number, y: number): number {
  const { data, width, height } = level;
  if (!(x >= 0 && y >= 0 && x <= width - 1 && y <= height - 1)) return NaN;
  const x0 = Math.min(Math.floor(x), width - 2 < 0 ? 0 : width - 2);
  const y0 = Math.min(Math.floor(y), height - 2 < 0 ? 0 : height - 2);
  const fx = x - x0;
  const fy = y - y0;
  const i = y0 * width + x0;
  const x1 = width > 1 ? 1 : 0;
  const y1 = height > 1 ? width : 0;
  const top = data[i] + fx * (data[i + x1] - data[i]);
  const bottom = data[i + y1] + fx * (data[i + y1 + x1] - data[i + y1]);
  return top + fy * (bottom - top);
}
