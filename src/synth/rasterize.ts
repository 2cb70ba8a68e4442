/**
 * Turns one scene object into a sharp (in-focus) layer: its absorbance over its bounding box, and
 * records what the ground truth needs (sharp optical density, true depth, object mask).
 *
 * Brightfield light is absorbed, so overlapping translucent objects combine by multiplying their
 * transmittances (Beer-Lambert): optical densities add. That is alpha compositing for absorbing
 * media, and it is order-independent, so layers need no sorting.
 */
import type { Nucleus, SceneObject, Shape } from './scene.js';
import type { Textures } from './textures.js';

/** One object's in-focus absorbance (1 - transmittance), 3 planar channels over its bounding box. */
export interface Layer {
  depth: number;
  x0: number;
  y0: number;
  width: number;
  height: number;
  /** R plane, then G, then B; each width*height. */
  absorbance: Float32Array;
}

/** Ground-truth accumulators for the whole field, filled object by object. */
export interface TruthAccumulator {
  width: number;
  height: number;
  /** Sharp optical density of all objects, 3 planar channels. */
  density: Float32Array;
  /** True depth per pixel (starts as the slide surface). */
  depth: Float32Array;
  /** 1 where an object covers the pixel. */
  mask: Uint8Array;
  /** Luma optical density of the object that set `depth`: the most visible one wins. */
  strength: Float32Array;
}

/**
 * Luma optical density above which a pixel counts as object even under half coverage: about 5%
 * darker than the background, e.g. the soft edge of a dark speck or nucleus.
 */
const VISIBLE_DENSITY = 0.05;

/** A shape with its rotation precomputed, so the per-pixel test does no trigonometry but the wobble. */
interface PreparedShape {
  shape: Shape;
  cos: number;
  sin: number;
  minRadius: number;
}

function prepare(shape: Shape): PreparedShape {
  return { shape, cos: Math.cos(shape.angle), sin: Math.sin(shape.angle), minRadius: Math.min(shape.rx, shape.ry) };
}

/** Largest distance from the centre the outline can reach, for the bounding box. */
function extent(shape: Shape): number {
  const wobble = shape.harmonics.reduce((sum, h) => sum + Math.abs(h.amplitude), 0);
  return Math.max(shape.rx, shape.ry) * (1 + wobble) + 2;
}

/** Approximate signed distance in pixels to the outline: positive inside, negative outside. */
function signedDistance(p: PreparedShape, px: number, py: number): number {
  const { shape } = p;
  const dx = px - shape.x;
  const dy = py - shape.y;
  const u = (dx * p.cos + dy * p.sin) / shape.rx;
  const v = (-dx * p.sin + dy * p.cos) / shape.ry;
  const q = Math.sqrt(u * u + v * v);
  let boundary = 1;
  if (shape.harmonics.length > 0) {
    const theta = Math.atan2(v, u);
    for (const h of shape.harmonics) boundary += h.amplitude * Math.cos(h.order * theta + h.phase);
  }
  // Pixels per normalised radius unit along this ray, so the edge is about one pixel soft whatever the size.
  const scale = q > 1e-6 ? Math.sqrt(dx * dx + dy * dy) / q : p.minRadius;
  return (boundary - q) * scale;
}

/** Coverage of a pixel by a soft (one pixel wide) edge. */
function coverage(signed: number): number {
  return signed <= -0.5 ? 0 : signed >= 0.5 ? 1 : signed + 0.5;
}

/** Relative cytoplasm thickness at a pixel: texture, rolled-up rim, fold, koilocytic halo. */
function thickness(object: SceneObject, signed: number, px: number, py: number, i: number, textures: Textures): number {
  let t = 1 + 0.22 * textures.mid[i] + 0.15 * textures.coarse[i] + 0.08 * textures.fine[i];
  t += 0.45 * Math.exp(-Math.max(signed, 0) / 1.5);
  const body = object.body as Shape;
  if (object.fold) {
    const d = (px - body.x) * object.fold.nx + (py - body.y) * object.fold.ny - object.fold.offset;
    t += 0.8 * Math.exp(-(d * d) / (2 * 1.3 * 1.3));
  }
  if (object.halo > 0) {
    const n = object.nuclei[0];
    const d = Math.hypot(px - n.x, py - n.y);
    const clear = Math.min(1, Math.max(0, (d - object.halo + 1.5) / 2));
    const rim = (d - object.halo) / 1.5;
    t = t * (0.1 + 0.9 * clear) + 0.6 * Math.exp(-rim * rim);
  }
  return Math.max(0, t);
}

/** Chromatin factor inside a nucleus: granular texture plus a darker nuclear membrane. */
function chromatin(nucleus: Nucleus, signed: number, i: number, textures: Textures): number {
  const texture = nucleus.chromatin * (0.4 * textures.grain[i] + 0.2 * textures.fine[i] + 0.15 * textures.mid[i]);
  const membrane = 0.35 * Math.exp(-Math.max(signed, 0));
  return Math.min(2.2, Math.max(0.3, 1 + texture + membrane));
}

/**
 * One pixel of a layer of optical density (r, g, b): its absorbance 1 - e^-OD per channel at `j` of
 * the layer (`area` pixels per channel), the density added to the truth at field pixel `i`.
 * Returns the pixel's luma density, which decides whether it counts as an object.
 * @example const luma = depositPixel(absorbance, w * h, j, truth, i, 0.2, 0.3, 0.1);
 */
export function depositPixel(absorbance: Float32Array, area: number, j: number, truth: TruthAccumulator, i: number, r: number, g: number, b: number): number {
  const field = truth.width * truth.height;
  absorbance[j] = 1 - Math.exp(-r);
  absorbance[area + j] = 1 - Math.exp(-g);
  absorbance[2 * area + j] = 1 - Math.exp(-b);
  truth.density[i] += r;
  truth.density[field + i] += g;
  truth.density[2 * field + i] += b;
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

/**
 * Draws `object` into a new layer and into the truth accumulators. A pixel is an object pixel (mask 1)
 * when the object covers at least half of it or darkens it visibly; its true depth is the depth of
 * the most absorbing object there. Returns undefined when the
 * object lies entirely outside the field.
 * @example const layer = rasterizeObject(scene.objects[0], textures, truth);
 */
export function rasterizeObject(object: SceneObject, textures: Textures, truth: TruthAccumulator): Layer | undefined {
  const shapes = object.body ? [object.body] : object.nuclei;
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const s of shapes) {
    const r = extent(s);
    x0 = Math.min(x0, Math.floor(s.x - r));
    y0 = Math.min(y0, Math.floor(s.y - r));
    x1 = Math.max(x1, Math.ceil(s.x + r));
    y1 = Math.max(y1, Math.ceil(s.y + r));
  }
  x0 = Math.max(0, x0);
  y0 = Math.max(0, y0);
  x1 = Math.min(truth.width - 1, x1);
  y1 = Math.min(truth.height - 1, y1);
  if (x1 < x0 || y1 < y0) return undefined;

  const width = x1 - x0 + 1;
  const height = y1 - y0 + 1;
  const area = width * height;
  const absorbance = new Float32Array(3 * area);
  const body = object.body ? prepare(object.body) : undefined;
  const nuclei = object.nuclei.map(prepare);
  const [cr, cg, cb] = object.cytoplasm;

  for (let py = y0; py <= y1; py++) {
    for (let px = x0; px <= x1; px++) {
      const i = py * truth.width + px;
      let r = 0, g = 0, b = 0, covered = 0;
      if (body) {
        const signed = signedDistance(body, px, py);
        const c = coverage(signed);
        if (c > 0) {
          const t = thickness(object, signed, px, py, i, textures) * c;
          r += cr * t;
          g += cg * t;
          b += cb * t;
          covered = c;
        }
      }
      for (const n of nuclei) {
        const signed = signedDistance(n, px, py);
        const c = coverage(signed);
        if (c <= 0) continue;
        const nucleus = n.shape as Nucleus;
        const k = chromatin(nucleus, signed, i, textures) * c;
        r += nucleus.od[0] * k;
        g += nucleus.od[1] * k;
        b += nucleus.od[2] * k;
        covered = Math.max(covered, c);
      }
      if (r + g + b <= 0) continue;
      const luma = depositPixel(absorbance, area, (py - y0) * width + (px - x0), truth, i, r, g, b);
      if (covered >= 0.5 || luma >= VISIBLE_DENSITY) {
        truth.mask[i] = 1;
        if (luma > truth.strength[i]) {
          truth.strength[i] = luma;
          truth.depth[i] = object.depth;
        }
      }
    }
  }
  return { depth: object.depth, x0, y0, width, height, absorbance };
}
