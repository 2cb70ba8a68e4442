/**
 * The `Params` uniform every kernel reads (struct Params in shaders/common.wgsl): one 48-byte block
 * per band, written once, bound to all passes of that band.
 */

/** Field order and type of struct Params; the WGSL struct must list the same fields in this order. */
export const PARAMS_FIELDS = [
  ['width', 'u32'],
  ['height', 'u32'],
  ['planes', 'u32'],
  ['window', 'u32'],
  ['smooth_radius', 'u32'],
  ['kept_start', 'u32'],
  ['kept_end', 'u32'],
  ['variance', 'u32'],
  ['nearest', 'u32'],
  ['tau', 'f32'],
  ['log_eps', 'f32'],
  ['weight_floor', 'f32'],
] as const;

export type ParamsName = (typeof PARAMS_FIELDS)[number][0];
export type Params = Record<ParamsName, number>;

/** Bytes of the uniform block (a multiple of 16, as uniform buffers require). */
export const PARAMS_BYTES = Math.ceil((PARAMS_FIELDS.length * 4) / 16) * 16;

/**
 * Packs params into `dst` (or a new buffer) in WGSL layout: every field is 4 bytes, in order.
 * @example device.queue.writeBuffer(uniform, 0, packParams({ width: 384, height: 384, ... }))
 */
export function packParams(params: Params, dst: ArrayBuffer = new ArrayBuffer(PARAMS_BYTES)): ArrayBuffer {
  const view = new DataView(dst);
  PARAMS_FIELDS.forEach(([name, type], i) => {
    if (type === 'u32') view.setUint32(i * 4, params[name], true);
    else view.setFloat32(i * 4, params[name], true);
  });
  return dst;
}
