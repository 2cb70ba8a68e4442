/**
 * Scenes that make focus-stacking halos (issue 12), drawn straight into absorbing layers like the
 * cytology scene (rasterize.ts), so they share its image model, noise and truth:
 * - `chart`: a test chart lying on the tilted slide surface: dark bars 2..8 px wide separated by flat
 *   white gaps 4..30 px wide (wider than the defocus blur a few planes away) and rows of blocky
 *   glyphs. The whole chart rectangle is "object": a gap must take the chart's depth, not a plane
 *   where the blurred bar edge spills into it.
 * - `nuclei`: large pale cytoplasm sheets with dark, thick nuclei, each nucleus a stack of slabs
 *   spread over ~2 planes around its centre depth (truth: the centre depth).
 * The third halo scene, `overlap` (dense overlapping cells at different depths), is the cytology
 * scene with a high cell count (see generate.ts).
 */
import { depositPixel, type Layer, type TruthAccumulator } from './rasterize.js';
import type { Random } from './random.js';
import { surfaceDepth, type SlideSurface } from './scene.js';
import type { Textures } from './textures.js';

/** Names of the synthetic scenes; `cytology` is the original generator. */
export const SYNTH_SCENES = ['cytology', 'chart', 'nuclei', 'overlap'] as const;
export type SynthScene = (typeof SYNTH_SCENES)[number];

/** Luma-weighted density above which a pixel counts as object (as in rasterize.ts). */
const VISIBLE_DENSITY = 0.05;

/** A layer under construction: optical density per channel over a box, at one depth. */
interface Draft {
  depth: number;
  x0: number;
  y0: number;
  width: number;
  height: number;
  density: Float32Array;
}

function draft(depth: number, x0: number, y0: number, width: number, height: number): Draft {
  return { depth, x0, y0, width, height, density: new Float32Array(3 * width * height) };
}

/** Adds density `od` (RGB) times `amount` at field pixel (x, y) of the draft. */
function addDensity(d: Draft, x: number, y: number, od: readonly number[], amount: number): void {
  const area = d.width * d.height;
  const j = (y - d.y0) * d.width + (x - d.x0);
  for (let c = 0; c < 3; c++) d.density[c * area + j] += od[c] * amount;
}

/**
 * Turns drafts into layers and records the truth: density added, mask where visible (or `alwaysObject`),
 * depth of the most absorbing draft per pixel (or `truthDepth` when given: thick objects report their centre).
 */
function finish(drafts: { d: Draft; truthDepth?: number; alwaysObject?: boolean }[], truth: TruthAccumulator): Layer[] {
  return drafts.map(({ d, truthDepth, alwaysObject }) => {
    const area = d.width * d.height;
    const absorbance = new Float32Array(3 * area);
    for (let y = 0; y < d.height; y++) {
      for (let x = 0; x < d.width; x++) {
        const j = y * d.width + x;
        const i = (d.y0 + y) * truth.width + d.x0 + x;
        const luma = depositPixel(absorbance, area, j, truth, i, d.density[j], d.density[area + j], d.density[2 * area + j]);
        if (alwaysObject || luma >= VISIBLE_DENSITY) {
          truth.mask[i] = 1;
          if (luma > truth.strength[i] || (alwaysObject && truth.strength[i] === 0)) {
            truth.strength[i] = Math.max(luma, 1e-6);
            truth.depth[i] = truthDepth ?? d.depth;
          }
        }
      }
    }
    return { depth: d.depth, x0: d.x0, y0: d.y0, width: d.width, height: d.height, absorbance };
  });
}

/** Ink density of the chart (neutral gray-black). */
const INK = [1.6, 1.7, 1.5] as const;
/**
 * The tilted chart is drawn as square blocks this wide, each at the surface depth of its centre (a
 * layer has one depth; a tilt of 2 planes over 384 px moves less than 0.1 plane within a block).
 */
const BLOCK = 32;

/**
 * The chart scene: bars and glyph rows on the slide surface, over the field minus a 4% margin.
 * @example const layers = chartLayers(rng, surface, truth);
 */
export function chartLayers(rng: Random, surface: SlideSurface, truth: TruthAccumulator): Layer[] {
  const { width, height } = surface;
  const mx = Math.round(width * 0.04);
  const my = Math.round(height * 0.04);
  const ink = new Uint8Array(width * height);
  // Bands of bars (vertical bars, horizontal bars) and of glyphs, alternating down the chart.
  let y = my;
  let band = 0;
  while (y < height - my) {
    const bandHeight = Math.min(height - my - y, rng.int(Math.max(6, Math.round(height / 10)), Math.max(8, Math.round(height / 5))));
    const kind = band % 3;
    if (kind === 0) {
      for (let x = mx + rng.int(0, 8); x < width - mx; ) {
        const bar = rng.int(2, 8);
        for (let by = y; by < y + bandHeight; by++) for (let bx = x; bx < Math.min(width - mx, x + bar); bx++) ink[by * width + bx] = 1;
        x += bar + rng.int(4, 30);
      }
    } else if (kind === 1) {
      for (let yy = y + rng.int(0, 4); yy < y + bandHeight; ) {
        const bar = rng.int(2, 6);
        for (let by = yy; by < Math.min(y + bandHeight, yy + bar); by++) for (let bx = mx; bx < width - mx; bx++) ink[by * width + bx] = 1;
        yy += bar + rng.int(4, 24);
      }
    } else {
      // Glyphs: 5x7 random bitmaps at 2 px per dot, 3 dots apart, in one line.
      const scale = 2;
      for (let x = mx + 2; x + 5 * scale < width - mx; x += 8 * scale) {
        for (let gy = 0; gy < 7; gy++) {
          for (let gx = 0; gx < 5; gx++) {
            if (!rng.chance(0.45)) continue;
            for (let dy = 0; dy < scale; dy++) {
              for (let dx = 0; dx < scale; dx++) {
                const py = y + 2 + gy * scale + dy;
                if (py < y + bandHeight) ink[py * width + x + gx * scale + dx] = 1;
              }
            }
          }
        }
      }
    }
    y += bandHeight + rng.int(6, 20);
    band++;
  }
  const drafts: { d: Draft; alwaysObject: boolean }[] = [];
  for (let y0 = my; y0 < height - my; y0 += BLOCK) {
    for (let x0 = mx; x0 < width - mx; x0 += BLOCK) {
      const w = Math.min(BLOCK, width - mx - x0);
      const h = Math.min(BLOCK, height - my - y0);
      // Truth depth of a block is the depth it is rendered at.
      const d = draft(surfaceDepth(surface, x0 + w / 2, y0 + h / 2), x0, y0, w, h);
      for (let yy = y0; yy < y0 + h; yy++) for (let xx = x0; xx < x0 + w; xx++) if (ink[yy * width + xx]) addDensity(d, xx, yy, INK, 1);
      drafts.push({ d, alwaysObject: true });
    }
  }
  return finish(drafts, truth);
}

/** Pale cytoplasm (light pink-cyan), and dark nuclear stain. */
const PALE = [0.1, 0.16, 0.1] as const;
const DARK = [0.85, 1.1, 0.55] as const;

/** Soft coverage of a disc at distance `r` from its centre with radius `radius` (1 px edge). */
const disc = (r: number, radius: number): number => Math.min(1, Math.max(0, radius - r + 0.5));

/**
 * The nuclei scene: 3..5 pale sheets, each with 4..9 dark thick nuclei of radius 5..12 px whose
 * optical density is spread over slabs at depth centre - 1, -0.5, 0, 0.5, 1 (a nucleus several
 * planes thick); sheets and nuclei at different depths.
 * @example const layers = nucleiLayers(rng, surface, planes, textures, truth);
 */
export function nucleiLayers(rng: Random, surface: SlideSurface, planes: number, textures: Textures, truth: TruthAccumulator): Layer[] {
  const { width, height } = surface;
  const span = Math.max(0, planes - 1);
  const clampDepth = (d: number) => Math.min(span, Math.max(0, d));
  const drafts: { d: Draft; truthDepth?: number }[] = [];
  const scale = Math.min(width, height) / 384;
  const sheets = rng.int(3, 5);
  for (let s = 0; s < sheets; s++) {
    const radius = Math.max(4, rng.uniform(60, 110) * scale);
    const cx = rng.uniform(0.15, 0.85) * width;
    const cy = rng.uniform(0.15, 0.85) * height;
    const sheetDepth = clampDepth(span / 2 + rng.uniform(-0.3, 0.3) * span);
    const x0 = Math.max(0, Math.floor(cx - radius - 1));
    const y0 = Math.max(0, Math.floor(cy - radius - 1));
    const x1 = Math.min(width - 1, Math.ceil(cx + radius + 1));
    const y1 = Math.min(height - 1, Math.ceil(cy + radius + 1));
    if (x1 < x0 || y1 < y0) continue;
    const sheet = draft(sheetDepth, x0, y0, x1 - x0 + 1, y1 - y0 + 1);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const c = disc(Math.hypot(x - cx, y - cy), radius);
        if (c > 0) addDensity(sheet, x, y, PALE, c * (1 + 0.25 * textures.mid[y * width + x] + 0.1 * textures.fine[y * width + x]));
      }
    }
    drafts.push({ d: sheet });
    const count = rng.int(4, 9);
    for (let k = 0; k < count; k++) {
      const r = Math.max(2, rng.uniform(5, 12) * scale);
      const a = rng.uniform(0, 2 * Math.PI);
      const dist = rng.uniform(0, Math.max(0, radius - r - 2));
      const nx = cx + dist * Math.cos(a);
      const ny = cy + dist * Math.sin(a);
      const centre = clampDepth(sheetDepth + rng.uniform(-1.5, 1.5));
      const bx0 = Math.max(0, Math.floor(nx - r - 1));
      const by0 = Math.max(0, Math.floor(ny - r - 1));
      const bx1 = Math.min(width - 1, Math.ceil(nx + r + 1));
      const by1 = Math.min(height - 1, Math.ceil(ny + r + 1));
      if (bx1 < bx0 || by1 < by0) continue;
      const slabs = [-1, -0.5, 0, 0.5, 1];
      for (const offset of slabs) {
        const slab = draft(clampDepth(centre + offset), bx0, by0, bx1 - bx0 + 1, by1 - by0 + 1);
        for (let y = by0; y <= by1; y++) {
          for (let x = bx0; x <= bx1; x++) {
            const c = disc(Math.hypot(x - nx, y - ny), r);
            const i = y * width + x;
            if (c > 0) addDensity(slab, x, y, DARK, (c * (1 + 0.35 * textures.grain[i] + 0.2 * textures.fine[i])) / slabs.length);
          }
        }
        drafts.push({ d: slab, truthDepth: centre });
      }
    }
  }
  return finish(drafts, truth);
}
