import { describe, expect, it } from 'vitest';
import { parseCccidName } from '../src/io/cccid.js';
import { gaussianBlur } from '../src/image/blur.js';
import { generateStack, resolveSynthOptions, type SynthStack } from '../src/synth/generate.js';
import { CCCID_CLASSES, planePath, SYNTH_SUBTYPES, synthFovPlace, truthStem } from '../src/synth/layout.js';
import { createRandom, hashSeed } from '../src/synth/random.js';
import { surfaceDepth, type Nucleus, type SceneObject, type Shape } from '../src/synth/scene.js';
import { errorOf } from './expect-helpers.js';

function luma(plane: Uint8Array, n: number): Float32Array {
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = (0.299 * plane[4 * i] + 0.587 * plane[4 * i + 1] + 0.114 * plane[4 * i + 2]) / 255;
  return y;
}

function sameBytes(a: SynthStack, b: SynthStack): boolean {
  const buffers = (s: SynthStack) => [...s.stack.planes, s.truth.image, s.truth.mask, new Uint8Array(s.truth.depth.buffer)];
  const x = buffers(a);
  const y = buffers(b);
  return x.length === y.length && x.every((buf, i) => buf.length === y[i].length && buf.every((v, j) => v === y[i][j]));
}

describe('random', () => {
  it('repeats a stream for a seed and differs between seeds', () => {
    const draw = (seed: number) => Array.from({ length: 50 }, createRandom(seed).next);
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(hashSeed(1, 2)).not.toBe(hashSeed(2, 1));
    expect(hashSeed(2 ** 40 + 1)).not.toBe(hashSeed(1));
  });

  it('draws uniform and normal values with the right moments', () => {
    const rng = createRandom(9);
    const n = 20000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform(2, 5);
      expect(u).toBeGreaterThanOrEqual(2);
      expect(u).toBeLessThan(5);
      const v = rng.normal(1, 3);
      sum += v;
      sumSq += v * v;
    }
    const mean = sum / n;
    expect(mean).toBeCloseTo(1, 1);
    expect(Math.sqrt(sumSq / n - mean * mean)).toBeCloseTo(3, 1);
  });
});

describe('gaussianBlur', () => {
  // The defocus model depends on it: mass must be kept and the spread must match sigma,
  // for the exact kernel (small sigma) and the three-box approximation (large sigma) alike.
  for (const sigma of [0.6, 1.5, 2.9, 4, 9]) {
    it(`keeps mass and spreads an impulse to variance sigma^2 (sigma ${sigma})`, () => {
      const size = 101;
      const impulse = new Float32Array(size * size);
      impulse[50 * size + 50] = 1;
      const out = gaussianBlur(impulse, size, size, sigma);
      let mass = 0;
      let variance = 0;
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          mass += out[y * size + x];
          variance += out[y * size + x] * (x - 50) ** 2;
        }
      }
      expect(mass).toBeCloseTo(1, 4);
      expect(Math.sqrt(variance / mass) / sigma).toBeGreaterThan(0.93);
      expect(Math.sqrt(variance / mass) / sigma).toBeLessThan(1.07);
    });
  }

  it('blurs in place and leaves a constant image constant (replicated edges)', () => {
    const flat = new Float32Array(30 * 20).fill(0.7);
    gaussianBlur(flat, 30, 20, 5, flat);
    for (const v of flat) expect(v).toBeCloseTo(0.7, 5);
  });
});

describe('resolveSynthOptions', () => {
  it('fills in defaults', () => {
    expect(resolveSynthOptions({ seed: 3 })).toMatchObject({ seed: 3, width: 384, height: 384, planes: 11, noise: 2, defocus: 1.2, tilt: 1 });
    expect(resolveSynthOptions({ seed: 3, size: 50, height: 20 })).toMatchObject({ width: 50, height: 20 });
  });

  it('rejects bad values with the uniform message', () => {
    expect(errorOf(() => resolveSynthOptions({ seed: 1, planes: 0 })).message).toBe(
      'Expected an integer between 1 and 256 for planes but received 0 (number)',
    );
    expect(errorOf(() => resolveSynthOptions({ seed: -1 })).message).toMatch(/^Expected an integer between 0 and \d+ for seed but received -1 \(number\)$/);
    expect(errorOf(() => resolveSynthOptions({ seed: 1, noise: Number.NaN })).message).toBe('Expected a number between 0 and 64 for noise but received NaN (number)');
    expect(errorOf(() => resolveSynthOptions({ seed: 1, profile: 'nope' as never })).code).toBe('BAD_OPTION');
    expect(errorOf(() => resolveSynthOptions({ seed: 1, cells: [5, 2] })).message).toContain('for cells[1]');
  });
});

describe('generateStack', () => {
  it('is deterministic: same seed gives identical bytes, another seed differs', () => {
    const a = generateStack({ seed: 5, size: 96, planes: 5 });
    const b = generateStack({ seed: 5, size: 96, planes: 5 });
    const c = generateStack({ seed: 6, size: 96, planes: 5 });
    expect(sameBytes(a, b)).toBe(true);
    expect(sameBytes(a, c)).toBe(false);
  });

  it('returns the asked shapes for odd sizes and few planes', () => {
    for (const [width, height, planes] of [[37, 19, 1], [64, 40, 2], [23, 71, 3]]) {
      const { stack, truth } = generateStack({ seed: 2, width, height, planes, profile: 'parabasal', cells: [3, 6] });
      expect(stack.width).toBe(width);
      expect(stack.height).toBe(height);
      expect(stack.planes).toHaveLength(planes);
      for (const plane of stack.planes) {
        expect(plane).toHaveLength(width * height * 4);
        for (let i = 3; i < plane.length; i += 4) expect(plane[i]).toBe(255);
      }
      expect(truth.image).toHaveLength(width * height * 4);
      expect(truth.depth).toHaveLength(width * height);
      expect(truth.mask).toHaveLength(width * height);
      for (const d of truth.depth) {
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(planes - 1);
      }
      expect(truth.mask.every((m) => m === 0 || m === 1)).toBe(true);
    }
  });

  it('adds noise of the asked sigma without changing the scene', () => {
    const clean = generateStack({ seed: 8, size: 128, planes: 3, noise: 0 });
    const noisy = generateStack({ seed: 8, size: 128, planes: 3, noise: 3 });
    expect(noisy.truth.image).toEqual(clean.truth.image);
    expect(noisy.truth.depth).toEqual(clean.truth.depth);
    let sum = 0;
    let sumSq = 0;
    let count = 0;
    for (let z = 0; z < 3; z++) {
      for (let i = 0; i < clean.stack.planes[z].length; i++) {
        if (i % 4 === 3) continue;
        const d = noisy.stack.planes[z][i] - clean.stack.planes[z][i];
        sum += d;
        sumSq += d * d;
        count++;
      }
    }
    const mean = sum / count;
    expect(Math.abs(mean)).toBeLessThan(0.1);
    // Rounding to 8 bits adds 1/12 of a level squared to the variance.
    expect(Math.sqrt(sumSq / count - mean * mean)).toBeCloseTo(Math.sqrt(9 + 1 / 12), 1);
  });

  it('puts the background on a tilted slide: truth depth off objects is the slide surface', () => {
    const { truth } = generateStack({ seed: 4, size: 120, planes: 11, tilt: 2 });
    const { surface } = truth.scene;
    const corners = [[0, 0], [119, 0], [0, 119], [119, 119]].map(([x, y]) => surfaceDepth(surface, x, y));
    expect(Math.max(...corners) - Math.min(...corners)).toBeCloseTo(2 * (1 - 1 / 120), 3);
    let background = 0;
    for (let y = 0; y < 120; y++) {
      for (let x = 0; x < 120; x++) {
        const i = y * 120 + x;
        if (truth.mask[i]) continue;
        background++;
        expect(truth.depth[i]).toBeCloseTo(surfaceDepth(surface, x, y), 5);
      }
    }
    expect(background).toBeGreaterThan(1000);
  });

  it('has cells at fractional depths spread over the stack', () => {
    const depths = [1, 2, 3].flatMap((seed) =>
      generateStack({ seed, size: 192, cells: [6, 10] }).truth.scene.objects.filter((o) => o.kind === 'cell').map((o) => o.depth),
    );
    expect(depths.length).toBeGreaterThan(5);
    expect(depths.some((d) => Math.abs(d - Math.round(d)) > 0.1)).toBe(true);
    expect(Math.max(...depths) - Math.min(...depths)).toBeGreaterThan(2);
  });

  it('masks the cells: nucleus centres are objects, unmasked pixels look like background', () => {
    const { truth } = generateStack({ seed: 11, size: 256, profile: 'dysplasia' });
    const n = truth.width * truth.height;
    const y = luma(truth.image, n);
    const sorted = Float32Array.from(y).sort();
    const backgroundLevel = sorted[Math.floor(0.99 * n)];
    let nuclei = 0;
    for (const object of truth.scene.objects) {
      for (const nucleus of object.nuclei) {
        const x = Math.round(nucleus.x);
        const yy = Math.round(nucleus.y);
        if (x < 0 || yy < 0 || x >= truth.width || yy >= truth.height) continue;
        expect(truth.mask[yy * truth.width + x]).toBe(1);
        nuclei++;
      }
    }
    expect(nuclei).toBeGreaterThan(5);
    let covered = 0;
    for (let i = 0; i < n; i++) {
      if (truth.mask[i]) covered++;
      // Off the mask only faint cell rims (under half coverage) may darken the image a little.
      else expect(y[i]).toBeGreaterThan(backgroundLevel * 0.85);
    }
    expect(covered / n).toBeGreaterThan(0.05);
    expect(covered / n).toBeLessThan(0.95);
  });

  it('blurs away from focus: a nucleus is sharpest at the plane nearest its depth', () => {
    const profiles = ['superficial', 'koilocyte', 'dysplasia', 'carcinoma', 'parabasal', 'glandular'] as const;
    const all = { exact: 0, total: 0 };
    const alone = { exact: 0, total: 0 };
    profiles.forEach((profile, k) => {
      const { stack, truth } = generateStack({ seed: 100 + k, profile });
      const { width: w, height: h } = stack;
      const planesY = stack.planes.map((p) => luma(p, w * h));
      // Isolated: no other cytoplasm over the nucleus, and no other nucleus whose blur could reach it.
      const clear = (shape: Shape, nucleus: Nucleus, margin: number) =>
        Math.hypot(shape.x - nucleus.x, shape.y - nucleus.y) > Math.max(shape.rx, shape.ry) * 1.4 + Math.max(nucleus.rx, nucleus.ry) + margin;
      const isolated = (object: SceneObject, nucleus: Nucleus) =>
        truth.scene.objects.every((o) => o === object || ((!o.body || clear(o.body, nucleus, 2)) && o.nuclei.every((n) => clear(n, nucleus, 15))));
      for (const object of truth.scene.objects) {
        if (object.kind !== 'cell') continue;
        const nucleus = object.nuclei[0];
        const r = Math.min(nucleus.rx, nucleus.ry) * 0.9;
        const x0 = Math.ceil(nucleus.x - r), x1 = Math.floor(nucleus.x + r);
        const y0 = Math.ceil(nucleus.y - r), y1 = Math.floor(nucleus.y + r);
        if (x0 < 1 || y0 < 1 || x1 > w - 2 || y1 > h - 2) continue;
        const energy = planesY.map((Y) => {
          let e = 0;
          for (let yy = y0; yy <= y1; yy++) {
            for (let xx = x0; xx <= x1; xx++) {
              const i = yy * w + xx;
              const lap = Y[i - 1] + Y[i + 1] + Y[i - w] + Y[i + w] - 4 * Y[i];
              e += lap * lap;
            }
          }
          return e;
        });
        const best = energy.indexOf(Math.max(...energy));
        const hit = best === Math.round(object.depth) ? 1 : 0;
        all.total++;
        all.exact += hit;
        if (!isolated(object, nucleus)) continue;
        alone.total++;
        alone.exact += hit;
        expect([Math.floor(object.depth), Math.ceil(object.depth)], `nucleus at depth ${object.depth}`).toContain(best);
        // Defocus grows with distance from focus: three planes away the detail is mostly gone.
        for (const far of [best - 3, best + 3]) {
          if (far >= 0 && far < energy.length) expect(energy[far]).toBeLessThan(energy[best] / 2);
        }
      }
    });
    console.log(`nuclei sharpest at the nearest plane: ${all.exact}/${all.total} (isolated ${alone.exact}/${alone.total})`);
    expect(alone.total).toBeGreaterThanOrEqual(8);
    expect(alone.exact / alone.total).toBeGreaterThanOrEqual(0.9);
    // Overlaps with out-of-focus neighbours may fool a few, not many.
    expect(all.total).toBeGreaterThanOrEqual(40);
    expect(all.exact / all.total).toBeGreaterThanOrEqual(0.85);
  });
});

describe('CCCID layout', () => {
  it('names planes exactly like CCCID: unpadded z, folders with spaces and dots', () => {
    const place = synthFovPlace(1, 0);
    const paths = Array.from({ length: 11 }, (_, z) => planePath(place, z));
    expect(paths[0]).toBe(`NILM/1. Superficial-Intermediate Cells/001_(${place.cx},${place.cy},0).jpg`);
    expect(paths[10]).toBe(`NILM/1. Superficial-Intermediate Cells/001_(${place.cx},${place.cy},10).jpg`);
    paths.forEach((path, z) => {
      expect(path).toMatch(/^(NILM|LSIL|HSIL|SCC_etc)\/\d+\. [^/]+\/\d{3}_\(\d+,\d+,(0|[1-9]\d*)\)\.jpg$/);
      expect(parseCccidName(path)).toEqual({ serial: '001', cx: place.cx, cy: place.cy, z });
    });
    expect(truthStem(place)).toBe(`ground-truth/NILM/1. Superficial-Intermediate Cells/001_(${place.cx},${place.cy})`);
    expect(SYNTH_SUBTYPES.some((s) => (s.folder.match(/\./g) ?? []).length > 1)).toBe(true);
  });

  it('deals FOVs over all four classes and numbers serials per subtype', () => {
    const places = Array.from({ length: 25 }, (_, i) => synthFovPlace(7, i));
    expect(new Set(places.slice(0, 4).map((p) => p.className))).toEqual(new Set(CCCID_CLASSES));
    const perFolder = new Map<string, string[]>();
    for (const p of places) perFolder.set(`${p.className}/${p.subtype}`, [...(perFolder.get(`${p.className}/${p.subtype}`) ?? []), p.serial]);
    expect(perFolder.size).toBe(SYNTH_SUBTYPES.length);
    for (const serials of perFolder.values()) expect(serials).toEqual(serials.map((_, i) => String(i + 1).padStart(3, '0')));
    expect(new Set(places.map((p) => p.seed)).size).toBe(places.length);
    expect(synthFovPlace(7, 3)).toEqual(places[3]);
    expect(synthFovPlace(8, 3)).not.toEqual(places[3]);
  });
});

describe('halo scenes', () => {
  const size = 160;
  it('cytology is the default and gives the same bytes as before the scene option', () => {
    expect(resolveSynthOptions({ seed: 2 }).scene).toBe('cytology');
    expect(sameBytes(generateStack({ seed: 2, size: 96 }), generateStack({ seed: 2, size: 96, scene: 'cytology' }))).toBe(true);
    expect(errorOf(() => resolveSynthOptions({ seed: 1, scene: 'moon' as never })).message).toBe(
      "Expected one of 'cytology', 'chart', 'nuclei', 'overlap' for scene but received 'moon' (string)",
    );
  });

  it('chart: the whole chart is object at the slide depth, with ink bars and flat gaps wider than the blur', () => {
    const s = generateStack({ seed: 4, size, scene: 'chart', tilt: 2, noise: 0 });
    const { mask, depth, scene } = s.truth;
    const inChart = Array.from(mask).filter((m) => m === 1).length;
    expect(inChart).toBeGreaterThan(0.8 * size * size);
    // Truth depth follows the tilted surface (blocks of 32 px: within 0.2 plane at a tilt of 2 over 160 px).
    for (const [x, y] of [[20, 20], [80, 80], [140, 100]]) expect(Math.abs(depth[y * size + x] - surfaceDepth(scene.surface, x, y))).toBeLessThan(0.2);
    // A row through the first band of vertical bars has ink (dark) and gaps of >= 4 px at the paper level.
    const image = s.truth.image;
    const row = Math.round(size * 0.04) + 2;
    const values = Array.from({ length: size }, (_, x) => image[4 * (row * size + x) + 1]);
    expect(Math.min(...values)).toBeLessThan(100);
    let longestGap = 0;
    let run = 0;
    for (const v of values.slice(8, -8)) {
      run = v > 200 ? run + 1 : 0;
      longestGap = Math.max(longestGap, run);
    }
    expect(longestGap).toBeGreaterThanOrEqual(8);
  });

  it('nuclei: dark nuclei on pale sheets, truth depth at the nucleus centre, several planes thick', () => {
    const s = generateStack({ seed: 5, size: 384, scene: 'nuclei', noise: 0 });
    const { image, mask, depth } = s.truth;
    const n = 384 * 384;
    let dark = 0;
    let pale = 0;
    for (let i = 0; i < n; i++) {
      if (!mask[i]) continue;
      const g = image[4 * i + 1];
      if (g < 120) dark++;
      else if (g > 150) pale++;
    }
    expect(dark).toBeGreaterThan(500);
    expect(pale).toBeGreaterThan(3 * dark);
    // A thick nucleus stays visible (dark) over several planes: at its truth depth +-1 plane the
    // darkest pixel of the field is still far below the pale sheets.
    const darkest = (plane: Uint8Array) => {
      let min = 255;
      for (let i = 0; i < n; i++) min = Math.min(min, plane[4 * i + 1]);
      return min;
    };
    const mid = Math.round(depth.reduce((a, b) => a + b, 0) / n);
    for (const z of [mid - 1, mid, mid + 1]) expect(darkest(s.stack.planes[z])).toBeLessThan(110);
  });

  it('overlap: more cells than the cytology scene, so cells overlap', () => {
    const cells = (scene: 'cytology' | 'overlap') => generateStack({ seed: 6, size: 384, scene }).truth.scene.objects.filter((o) => o.kind === 'cell').length;
    expect(cells('overlap')).toBeGreaterThanOrEqual(30);
    expect(cells('overlap')).toBeGreaterThan(cells('cytology'));
  });
});
