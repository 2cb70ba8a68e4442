/**
 * The relief's triangle mesh: a grid over the image whose height is the smoothed depth, with
 * texture coordinates into the fused image and per-vertex normals for the lighting. Where the depth
 * has no support (confidence ~0: empty background, flat cytoplasm) its value is noise; such cells
 * are flattened to the height their supported neighbours give them, so the relief shows no spikes.
 */

/** Floats per vertex: position xyz, uv, normal xyz. */
export const VERTEX_FLOATS = 8;
/** At most this many grid cells along the longer side, so big images stay interactive. */
export const MAX_GRID = 256;

/** Height of the last plane above the first, in relief widths. */
export const RELIEF_HEIGHT = 0.18;

/**
 * Mean confidence below which a grid cell has no support: about what sensor noise alone gives on
 * flat background (src/core/options.ts DEFAULT_TAU: median background confidence ~0.04).
 */
export const MIN_SUPPORT = 0.08;
/** Fill passes over unsupported cells (each spreads supported heights by one cell). */
const FILL_PASSES = 64;

/**
 * World height of a depth (in planes) in the relief.
 * @example reliefHeight(10, 11) // => 0.18, the top of the relief
 */
export function reliefHeight(depth: number, planeCount: number, relief = RELIEF_HEIGHT): number {
  return planeCount > 1 ? (depth * relief) / (planeCount - 1) : 0;
}

export interface ReliefMesh {
  vertices: Float32Array<ArrayBuffer>;
  indices: Uint32Array<ArrayBuffer>;
}

/**
 * Builds the mesh in a box of width 1 (the longer side), centred on the origin; depth 0..Z-1 maps
 * to height 0..`relief`. With `confidence`, each cell's height is its confidence-weighted mean depth,
 * and cells whose mean confidence is below MIN_SUPPORT take the mean height of their supported
 * neighbours (spread cell by cell; where nothing is supported, the supported cells' mean, else the mean).
 * @example const mesh = reliefMesh(result.depth, result.width, result.height, result.planeCount, result.confidence);
 */
export function reliefMesh(depth: Float32Array, width: number, height: number, planeCount: number, confidence?: Float32Array, relief = RELIEF_HEIGHT): ReliefMesh {
  const step = Math.max(1, Math.ceil(Math.max(width, height) / MAX_GRID));
  const cols = Math.floor((width - 1) / step) + 1;
  const rows = Math.floor((height - 1) / step) + 1;
  const side = Math.max(width, height);
  const heightScale = reliefHeight(1, planeCount, relief);
  // Each vertex takes the mean depth of its step x step cell: point samples would alias single
  // noisy pixels into spikes.
  const heights = new Float32Array(cols * rows);
  const supported = new Uint8Array(cols * rows).fill(1);
  for (let gy = 0; gy < rows; gy++) {
    for (let gx = 0; gx < cols; gx++) {
      let sum = 0;
      let weighted = 0;
      let weights = 0;
      let count = 0;
      for (let y = gy * step; y < Math.min(height, (gy + 1) * step); y++) {
        for (let x = gx * step; x < Math.min(width, (gx + 1) * step); x++, count++) {
          const i = y * width + x;
          sum += depth[i];
          if (confidence) {
            const c = Math.max(0, confidence[i]);
            weighted += c * depth[i];
            weights += c;
          }
        }
      }
      const cell = gy * cols + gx;
      if (confidence && !(weights / count >= MIN_SUPPORT)) supported[cell] = 0;
      heights[cell] = (weights > 0 ? weighted / weights : sum / count) * heightScale;
    }
  }
  if (confidence) fillUnsupported(heights, supported, cols, rows);
  const at = (gx: number, gy: number) => heights[gy * cols + gx];
  const vertices = new Float32Array(cols * rows * VERTEX_FLOATS);
  const cell = step / side;
  for (let gy = 0; gy < rows; gy++) {
    for (let gx = 0; gx < cols; gx++) {
      const x = Math.min(width - 1, gx * step + (step - 1) / 2);
      const y = Math.min(height - 1, gy * step + (step - 1) / 2);
      // Central differences of the height give the surface's slope, hence its normal.
      const dx = (at(Math.min(cols - 1, gx + 1), gy) - at(Math.max(0, gx - 1), gy)) / (2 * cell);
      const dy = (at(gx, Math.min(rows - 1, gy + 1)) - at(gx, Math.max(0, gy - 1))) / (2 * cell);
      const length = Math.hypot(dx, dy, 1);
      const o = (gy * cols + gx) * VERTEX_FLOATS;
      // Image y grows downwards, world y upwards: flip it so the image is not mirrored.
      vertices.set([(x - width / 2) / side, (height / 2 - y) / side, at(gx, gy), (x + 0.5) / width, (y + 0.5) / height, -dx / length, dy / length, 1 / length], o);
    }
  }
  const indices = new Uint32Array(Math.max(0, (cols - 1) * (rows - 1) * 6));
  let i = 0;
  for (let gy = 0; gy < rows - 1; gy++) {
    for (let gx = 0; gx < cols - 1; gx++) {
      const a = gy * cols + gx;
      const b = a + 1;
      const c = a + cols;
      const d = c + 1;
      indices.set([a, c, b, b, c, d], i);
      i += 6;
    }
  }
  return { vertices, indices };
}

/**
 * Gives unsupported cells the mean height of their already filled 4-neighbours, pass by pass
 * (FILL_PASSES), so a flat area takes the depth of the objects around it; what no pass reaches takes
 * the mean of the supported cells (or keeps its own when none is supported).
 */
function fillUnsupported(heights: Float32Array, supported: Uint8Array, cols: number, rows: number): void {
  const known = Uint8Array.from(supported);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < known.length; i++) {
    if (known[i]) {
      sum += heights[i];
      count++;
    }
  }
  if (count === 0) return;
  const next = new Uint8Array(known.length);
  for (let pass = 0; pass < FILL_PASSES; pass++) {
    let changed = false;
    next.set(known);
    for (let gy = 0; gy < rows; gy++) {
      for (let gx = 0; gx < cols; gx++) {
        const i = gy * cols + gx;
        if (known[i]) continue;
        let s = 0;
        let n = 0;
        for (const [nx, ny] of [[gx - 1, gy], [gx + 1, gy], [gx, gy - 1], [gx, gy + 1]]) {
          if (nx < 0 || ny < 0 || nx >= cols || ny >= rows || !known[ny * cols + nx]) continue;
          s += heights[ny * cols + nx];
          n++;
        }
        if (n > 0) {
          heights[i] = s / n;
          next[i] = 1;
          changed = true;
        }
      }
    }
    known.set(next);
    if (!changed) break;
  }
  for (let i = 0; i < known.length; i++) if (!known[i]) heights[i] = sum / count;
}

/**
 * The focal plane as a flat quad (two triangles, same vertex layout) over the relief at the height
 * of `plane`, so the focus slider shows where the plane cuts the specimen.
 * @example device.queue.writeBuffer(buffer, 0, focalPlaneQuad(5, 11, 384, 384));
 */
export function focalPlaneQuad(plane: number, planeCount: number, width: number, height: number): Float32Array<ArrayBuffer> {
  const side = Math.max(width, height);
  const [x, y, z] = [width / 2 / side, height / 2 / side, reliefHeight(plane, planeCount)];
  const corners = [[-x, -y], [x, -y], [-x, y], [-x, y], [x, -y], [x, y]];
  return new Float32Array(corners.flatMap(([cx, cy]) => [cx, cy, z, 0, 0, 0, 0, 1]));
}
