/**
 * The scene of one synthetic field of view, as data: a tilted slide surface and the objects on it
 * (cells, neutrophils, debris), each at its own focal depth in plane units. Rendering is elsewhere
 * (rasterize.ts, generate.ts), so the scene can be inspected by tests and the bench.
 */
import type { Random } from './random.js';
import { STAIN, type CellProfile, type Rgb } from './profiles.js';

/** One harmonic of a wobbly contour: radius factor 1 + amplitude * cos(order * theta + phase). */
export interface Harmonic {
  order: number;
  amplitude: number;
  phase: number;
}

/** A closed blob: ellipse (radii rx, ry rotated by angle) with a harmonic wobble. */
export interface Shape {
  x: number;
  y: number;
  rx: number;
  ry: number;
  angle: number;
  harmonics: Harmonic[];
}

export interface Nucleus extends Shape {
  /** Optical density per RGB channel at full chromatin. */
  od: Rgb;
  /** Chromatin texture strength. */
  chromatin: number;
}

export type ObjectKind = 'cell' | 'neutrophil' | 'debris';

export interface SceneObject {
  kind: ObjectKind;
  /** Focal depth in plane units (fractional), where this object is sharpest. */
  depth: number;
  /** Cytoplasm outline; absent for debris. */
  body?: Shape;
  /** Cytoplasm optical density per RGB channel (times the local thickness). */
  cytoplasm: Rgb;
  nuclei: Nucleus[];
  /** Koilocytic clear zone radius around the first nucleus, 0 for none. */
  halo: number;
  /** A fold across the cell: unit normal (nx, ny) and offset from the centre, px. */
  fold?: { nx: number; ny: number; offset: number };
}

/** The slide plane: depth (planes) = center + tilt * (projection of the position on `angle`). */
export interface SlideSurface {
  center: number;
  /** Depth difference in planes between opposite corners along the tilt direction. */
  tilt: number;
  angle: number;
  width: number;
  height: number;
}

export interface Scene {
  surface: SlideSurface;
  objects: SceneObject[];
}

/**
 * True focal depth of the slide surface at pixel (x, y), in planes.
 * @example surfaceDepth(scene.surface, 0, 0) // depth of the top-left corner
 */
export function surfaceDepth(surface: SlideSurface, x: number, y: number): number {
  const c = Math.cos(surface.angle);
  const s = Math.sin(surface.angle);
  // Normalised so that the corner-to-corner difference along the tilt direction is exactly `tilt`.
  const along = ((x + 0.5) / surface.width - 0.5) * c + ((y + 0.5) / surface.height - 0.5) * s;
  return surface.center + (surface.tilt * along) / (Math.abs(c) + Math.abs(s));
}

export interface SceneOptions {
  width: number;
  height: number;
  planes: number;
  tilt: number;
  profile: CellProfile;
  /** Overrides the profile's cell count range (per field of this size, not per 384x384). */
  cells?: readonly [number, number];
}

function harmonics(rng: Random, irregularity: number): Harmonic[] {
  if (irregularity <= 0) return [];
  return [2, 3, 4, 5].map((order) => ({
    order,
    amplitude: (irregularity * rng.uniform(0.3, 1)) / Math.pow(order - 1, 0.7),
    phase: rng.uniform(0, 2 * Math.PI),
  }));
}

function jitter(rng: Random, color: Rgb, amount: number, scale = 1): Rgb {
  return color.map((c) => c * scale * rng.uniform(1 - amount, 1 + amount)) as unknown as Rgb;
}

function blob(rng: Random, x: number, y: number, radius: number, aspect: number, irregularity: number): Shape {
  return { x, y, rx: radius * aspect, ry: radius / aspect, angle: rng.uniform(0, Math.PI), harmonics: harmonics(rng, irregularity) };
}

function cytoplasmStain(rng: Random, profile: CellProfile): Rgb {
  const u = rng.next();
  const stain = u < profile.orange ? STAIN.orange : u < profile.orange + profile.pink ? STAIN.pink : STAIN.cyan;
  return jitter(rng, stain, 0.15, rng.uniform(0.65, 1.15));
}

function makeCell(rng: Random, profile: CellProfile, x: number, y: number, depth: number): SceneObject {
  const radius = rng.uniform(...profile.cellRadius);
  const body = blob(rng, x, y, radius, rng.uniform(0.8, 1.25), profile.irregularity);
  const nucleusRadius = Math.min(rng.uniform(...profile.nucleusRadius), radius * 0.7);
  // The nucleus sits near the middle; how far it may wander depends on the room the cytoplasm leaves.
  const room = Math.max(0, radius - nucleusRadius) * 0.3;
  const nx = x + rng.uniform(-room, room);
  const ny = y + rng.uniform(-room, room);
  const nucleusAt = (cx: number, cy: number): Nucleus => ({
    ...blob(rng, cx, cy, nucleusRadius * rng.uniform(0.9, 1.1), rng.uniform(0.85, 1.2), profile.nuclearIrregularity),
    od: jitter(rng, STAIN.nucleus, 0.1, profile.nuclearDensity * rng.uniform(0.85, 1.15)),
    chromatin: profile.chromatin * rng.uniform(0.7, 1.2),
  });
  const nuclei: Nucleus[] = [];
  if (rng.chance(profile.binucleate)) {
    const a = rng.uniform(0, Math.PI);
    const d = nucleusRadius * 1.1;
    nuclei.push(nucleusAt(nx + d * Math.cos(a), ny + d * Math.sin(a)), nucleusAt(nx - d * Math.cos(a), ny - d * Math.sin(a)));
  } else {
    nuclei.push(nucleusAt(nx, ny));
  }
  const halo = rng.chance(profile.halo) ? Math.min(nucleusRadius * rng.uniform(2.2, 3.2), radius * 0.75) : 0;
  const fold = radius > 25 && rng.chance(0.3)
    ? (() => {
        const a = rng.uniform(0, 2 * Math.PI);
        return { nx: Math.cos(a), ny: Math.sin(a), offset: rng.uniform(0.2, 0.6) * radius };
      })()
    : undefined;
  return { kind: 'cell', depth, body, cytoplasm: cytoplasmStain(rng, profile), nuclei, halo, fold };
}

function makeNeutrophil(rng: Random, x: number, y: number, depth: number): SceneObject {
  const radius = rng.uniform(5, 7);
  const lobes = rng.int(2, 4);
  const a0 = rng.uniform(0, 2 * Math.PI);
  const nuclei: Nucleus[] = [];
  for (let i = 0; i < lobes; i++) {
    // Lobes strung along an arc, like the segmented nucleus of a neutrophil.
    const a = a0 + (i - (lobes - 1) / 2) * 0.9;
    nuclei.push({
      ...blob(rng, x + 2.6 * Math.cos(a), y + 2.6 * Math.sin(a), rng.uniform(1.6, 2.2), rng.uniform(0.85, 1.2), 0),
      od: jitter(rng, STAIN.nucleus, 0.1, 1.3),
      chromatin: 0.2,
    });
  }
  return { kind: 'neutrophil', depth, body: blob(rng, x, y, radius, rng.uniform(0.9, 1.1), 0.05), cytoplasm: jitter(rng, STAIN.cyan, 0.1, 0.35), nuclei, halo: 0 };
}

function makeDebris(rng: Random, x: number, y: number, depth: number): SceneObject {
  const speck: Nucleus = {
    ...blob(rng, x, y, rng.uniform(0.9, 2.2), rng.uniform(0.7, 1.4), 0.15),
    od: jitter(rng, [0.55, 0.75, 0.85], 0.2, rng.uniform(0.7, 1.5)),
    chromatin: 0,
  };
  return { kind: 'debris', depth, cytoplasm: [0, 0, 0], nuclei: [speck], halo: 0 };
}

/** Depths objects may take: inside the stack, away from the first and last plane where possible. */
export function depthLimits(planes: number): [number, number] {
  return planes >= 3 ? [0.5, planes - 1.5] : [0, planes - 1];
}

/**
 * Draws a scene: the slide surface, isolated cells, clusters of overlapping cells at spread depths,
 * neutrophils and debris, all from `rng`.
 * @example const scene = createScene(createRandom(7), { width: 384, height: 384, planes: 11, tilt: 1, profile: PROFILES.superficial });
 */
export function createScene(rng: Random, options: SceneOptions): Scene {
  const { width, height, planes, profile } = options;
  const [low, high] = depthLimits(planes);
  const clampDepth = (d: number) => Math.min(high, Math.max(low, d));
  const span = planes - 1;
  // The whole tilted surface stays inside the stack: a stack can only show the depths it spans.
  const tilt = Math.min(options.tilt, span);
  const centerRoom = (span - tilt) / 2;
  const surface: SlideSurface = {
    center: span / 2 + rng.uniform(-1, 1) * Math.min(0.1 * span, centerRoom),
    tilt,
    angle: rng.uniform(0, 2 * Math.PI),
    width,
    height,
  };
  // Cells are not all flat on the glass: a smear is a few micrometres thick.
  const spread = 0.22 * span;
  const areaScale = (width * height) / (384 * 384);
  const perField = (range: readonly [number, number]) => Math.floor(rng.uniform(range[0], range[1] + 1) * areaScale);
  const cellCount = options.cells ? rng.int(options.cells[0], options.cells[1]) : perField(profile.cells);
  // Mostly inside the field, some cut by its edge, as in crops centred on cells of interest.
  const randomX = () => rng.uniform(0.02, 0.98) * width;
  const randomY = () => rng.uniform(0.02, 0.98) * height;
  const objects: SceneObject[] = [];

  let remaining = Math.max(0, cellCount);
  while (remaining > 0) {
    const x = randomX();
    const y = randomY();
    const base = surfaceDepth(surface, x, y) + rng.uniform(-spread, spread);
    if (remaining >= 3 && rng.chance(profile.clustered)) {
      // A cluster: cells piled up around one spot, each at its own depth within the clump.
      const size = Math.min(remaining, rng.int(3, 7));
      const reach = profile.cellRadius[1] * Math.sqrt(size) * 0.55;
      for (let i = 0; i < size; i++) {
        const depth = clampDepth(base * 0.7 + surface.center * 0.3 + rng.normal(0, 0.08 * span));
        objects.push(makeCell(rng, profile, x + rng.uniform(-reach, reach), y + rng.uniform(-reach, reach), depth));
      }
      remaining -= size;
    } else {
      objects.push(makeCell(rng, profile, x, y, clampDepth(base)));
      remaining -= 1;
    }
  }
  const neutrophils = perField(profile.neutrophils);
  for (let i = 0; i < neutrophils; i++) {
    const x = randomX();
    const y = randomY();
    objects.push(makeNeutrophil(rng, x, y, clampDepth(surfaceDepth(surface, x, y) + rng.uniform(-spread, spread))));
  }
  const debris = perField(profile.debris);
  for (let i = 0; i < debris; i++) {
    objects.push(makeDebris(rng, randomX(), randomY(), rng.uniform(low, high)));
  }
  return { surface, objects };
}
