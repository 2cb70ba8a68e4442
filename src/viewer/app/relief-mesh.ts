/**
 * The relief's triangle mesh: a grid over the image whose height is the smoothed depth, with
 * texture coordinates into the fused image and per-vertex normals for the lighting.
 */

/** Floats per vertex: position xyz, uv, normal xyz. */
export const VERTEX_FLOATS = 8;
/** At most this many grid cells along the longer side, so big images stay interactive. */
export const MAX_GRID = 256;

/** Height of the last plane above the first, in relief widths. */
export const RELIEF_HEIGHT = 0.18;

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
 * to height 0..`relief`.
 * @example const mesh = reliefMesh(result.depth, result.width, result.height, result.planeCount);
 */
export function reliefMesh(depth: Float32Array, width: number, height: number, planeCount: number, relief = RELIEF_HEIGHT): ReliefMesh {
  const step = Math.max(1, Math.ceil(Math.max(width, height) / MAX_GRID));
  const cols = Math.floor((width - 1) / step) + 1;
  const rows = Math.floor((height - 1) / step) + 1;
  const side = Math.max(width, height);
  const heightScale = reliefHeight(1, planeCount, relief);
  // Each vertex takes the mean depth of its step x step cell: point samples would alias single
  // noisy pixels into spikes.
  const heights = new Float32Array(cols * rows);
  for (let gy = 0; gy < rows; gy++) {
    for (let gx = 0; gx < cols; gx++) {
      let sum = 0;
      let count = 0;
      for (let y = gy * step; y < Math.min(height, (gy + 1) * step); y++) {
        for (let x = gx * step; x < Math.min(width, (gx + 1) * step); x++, count++) sum += depth[y * width + x];
      }
      heights[gy * cols + gx] = (sum / count) * heightScale;
    }
  }
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
