/**
 * The empty slide: a pale, almost flat illumination with very faint granular texture lying on the
 * tilted slide surface. Because of the tilt, each background pixel has its own focal depth, so its
 * defocus blur varies across the field; rather than blurring per pixel, the texture is blurred once
 * at a ladder of sigmas and each pixel interpolates between the two rungs around its own sigma.
 */
import { gaussianBlur } from '../image/blur.js';
import type { Rgb } from './profiles.js';
import type { Random } from './random.js';
import { surfaceDepth, type SlideSurface } from './scene.js';
import { smoothNoise } from './textures.js';

/** Sigmas (px) the background texture is pre-blurred at; beyond the last it no longer changes visibly. */
const SIGMA_LADDER = [0, 0.3, 0.6, 0.9, 1.3, 1.8, 2.5, 3.5, 5, 7];

/** Optical density amplitude of the background texture: a level or two in 8 bits, barely visible. */
const TEXTURE_DENSITY = 0.012;

export interface Background {
  width: number;
  height: number;
  /** Illumination per RGB channel in 8-bit levels, before absorption, per pixel (3 planar channels). */
  illumination: Float32Array;
  /** Relative optical density per channel of the texture (scaled by the texture value). */
  tint: Rgb;
  /** The texture pre-blurred at each rung of SIGMA_LADDER. */
  ladder: Float32Array[];
  /** True focal depth of the slide surface per pixel, in planes. */
  surface: Float32Array;
}

/**
 * Draws the illumination (pale, slightly tinted, a faint vignette) and the background texture.
 * @example const background = createBackground(createRandom(hashSeed(seed, 4)), scene.surface);
 */
export function createBackground(rng: Random, surface: SlideSurface): Background {
  const { width, height } = surface;
  const n = width * height;
  const base = [rng.uniform(236, 246), rng.uniform(232, 242), rng.uniform(238, 248)];
  const vignette = rng.uniform(0.02, 0.06);
  const cx = rng.uniform(0.3, 0.7) * width;
  const cy = rng.uniform(0.3, 0.7) * height;
  const reach = Math.max(width, height);
  const illumination = new Float32Array(3 * n);
  const depth = new Float32Array(n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const r2 = ((x - cx) ** 2 + (y - cy) ** 2) / (reach * reach);
      const shade = 1 - vignette * r2;
      for (let c = 0; c < 3; c++) illumination[c * n + i] = base[c] * shade;
      depth[i] = surfaceDepth(surface, x, y);
    }
  }
  const texture = smoothNoise(rng, width, height, 1.2);
  for (let i = 0; i < n; i++) texture[i] *= TEXTURE_DENSITY;
  const ladder = SIGMA_LADDER.map((sigma) => gaussianBlur(texture, width, height, sigma));
  return { width, height, illumination, tint: [0.9, 1, 0.85], ladder, surface: depth };
}

/**
 * Fills `dst` (3 planar channels) with the background transmittance seen at focal plane `z`:
 * the texture blurred by `defocus * |z - surface depth|` at every pixel.
 * @example backgroundTransmittance(background, 5, 1.2, transmittance);
 */
export function backgroundTransmittance(background: Background, z: number, defocus: number, dst: Float32Array): Float32Array {
  const n = background.width * background.height;
  const last = SIGMA_LADDER.length - 1;
  const [tr, tg, tb] = background.tint;
  for (let i = 0; i < n; i++) {
    const sigma = defocus * Math.abs(z - background.surface[i]);
    let value: number;
    if (sigma >= SIGMA_LADDER[last]) {
      value = background.ladder[last][i];
    } else {
      let k = 0;
      while (SIGMA_LADDER[k + 1] <= sigma) k++;
      const t = (sigma - SIGMA_LADDER[k]) / (SIGMA_LADDER[k + 1] - SIGMA_LADDER[k]);
      value = background.ladder[k][i] * (1 - t) + background.ladder[k + 1][i] * t;
    }
    // exp(-x) to second order: x is a few hundredths here, so the error stays under a hundredth of a level.
    const r = tr * value, g = tg * value, b = tb * value;
    dst[i] = 1 - r + 0.5 * r * r;
    dst[n + i] = 1 - g + 0.5 * g * g;
    dst[2 * n + i] = 1 - b + 0.5 * b * b;
  }
  return dst;
}
