/** Stage 5: the all-in-focus image from the planes and the smoothed depth. */
import { FocusFuseError, expected } from '../core/errors.js';
import { COMPOSITE_MODES } from '../core/options.js';
import type { CompositeMode } from '../core/types.js';
import { pyramidComposite } from './pyramid-composite.js';
import { selectComposite } from './select-composite.js';
import { checkLength, checkSize } from '../image/checks.js';

/**
 * `interpolate`: z0 = floor(Ds) clamped into [0, Z-1], t = Ds - z0 clamped into [0, 1],
 * z1 = min(z0 + 1, Z-1), out = floor((1 - t) P_z0 + t P_z1 + 0.5) on all four channels (alpha too).
 * `nearest`: out = P_z, z = floor(Ds + 0.5) clamped into [0, Z-1]. NaN depth reads as plane 0.
 * `pyramid`: Laplacian-pyramid blending with weights from Ds (src/core/pyramid.ts, src/cpu/pyramid-composite.ts).
 * `select`: `pyramid` whose finest levels take the clearly sharpest plane's detail (src/core/select.ts).
 * Rounding is half-up (floor(x + 0.5)), pinned: WGSL round() is half-to-even.
 * The output has the planes' type: RGBA16 planes give an RGBA16 image of the same sample values.
 * @param planes Z RGBA8 (or RGBA16) planes, width * height * 4 samples each.
 * @param depth Ds, width * height, in planes.
 * @param dst optional output of the planes' type (width * height * 4).
 * @example composite(stack.planes, Ds, w, h, 'interpolate')
 */
export function composite<P extends Uint8Array | Uint16Array>(planes: P[], depth: Float32Array, width: number, height: number, mode: CompositeMode, dst?: P): P {
  checkSize(width, height);
  if (!Array.isArray(planes) || planes.length === 0) throw new FocusFuseError('NO_IMAGES', 'Expected at least one plane but received none');
  if (!COMPOSITE_MODES.includes(mode)) expected(`one of ${COMPOSITE_MODES.map((m) => `'${m}'`).join(', ')}`, 'composite', mode);
  const n = width * height;
  const Z = planes.length;
  for (let z = 0; z < Z; z++) checkLength(planes[z], n * 4, `plane ${z}`);
  checkLength(depth, n, 'depth');
  let out: P;
  if (dst === undefined) out = (planes[0] instanceof Uint16Array ? new Uint16Array(n * 4) : new Uint8Array(n * 4)) as P;
  else {
    checkLength(dst, n * 4, 'dst');
    out = dst;
  }
  if (mode === 'pyramid') return pyramidComposite(planes, depth, width, height, out);
  if (mode === 'select') return selectComposite(planes, depth, width, height, out);
  const last = Z - 1;
  if (mode === 'nearest') {
    for (let i = 0, j = 0; i < n; i++, j += 4) {
      let z = Math.floor(depth[i] + 0.5);
      if (!(z >= 0)) z = 0;
      else if (z > last) z = last;
      const p = planes[z];
      out[j] = p[j];
      out[j + 1] = p[j + 1];
      out[j + 2] = p[j + 2];
      out[j + 3] = p[j + 3];
    }
    return out;
  }
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    const ds = depth[i];
    let z0 = Math.floor(ds);
    if (!(z0 >= 0)) z0 = 0;
    else if (z0 > last) z0 = last;
    let t = ds - z0;
    if (!(t > 0)) t = 0;
    else if (t > 1) t = 1;
    const z1 = z0 < last ? z0 + 1 : last;
    const a = planes[z0];
    const b = planes[z1];
    const u = 1 - t;
    out[j] = Math.floor(u * a[j] + t * b[j] + 0.5);
    out[j + 1] = Math.floor(u * a[j + 1] + t * b[j + 1] + 0.5);
    out[j + 2] = Math.floor(u * a[j + 2] + t * b[j + 2] + 0.5);
    out[j + 3] = Math.floor(u * a[j + 3] + t * b[j + 3] + 0.5);
  }
  return out;
}
