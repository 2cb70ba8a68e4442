/**
 * Public data types shared by every backend, the CLI, the batch runner and the bench.
 * Browser-safe: no Node imports here.
 */
import type { AlignmentReport } from '../align/types.js';

/**
 * Focus measures: the three of maths version 1 (see README "The maths") and five more from the
 * shape-from-focus literature (diagonal Laplacian, sum-modified Laplacian, gray-level variance,
 * Brenner, Tenengrad variance; see src/cpu/measures-extra).
 */
export type Measure = 'lapv' | 'teng' | 'wavelet' | 'dlap' | 'sml' | 'glv' | 'brenner' | 'tenv';

/** How the all-in-focus image is built from the smoothed depth map. */
export type CompositeMode = 'interpolate' | 'nearest'
  | 'pyramid' // Laplacian-pyramid blending (src/core/pyramid.ts)
  | 'select'; // pyramid with the sharpest plane's fine detail (src/core/select.ts)

/** How the depth map is smoothed: `gaussian` (version 1), `edge-aware` or `histogram` (docs/fusion-v2.md). */
export type DepthMode = 'gaussian' | 'edge-aware' | 'histogram';
/** Whether the `histogram` depth may show one plane when all other evidence is its halos (src/core/halos.ts). */
export type OnePlane = 'auto' | 'off';

/**
 * A named set of defaults for the four options that make up a fusion's maths (measure, sigma,
 * depth mode, composite): `v1` is version 1, `v2` the combination the bench found best
 * (docs/fusion-v2.md). Options given explicitly override the preset's.
 */
export type FusionPreset = 'v1' | 'v2';

/** Which engine runs the maths. `auto` picks WebGPU when an adapter exists, else the CPU. */
export type BackendName = 'cpu' | 'cpu-reference' | 'webgpu' | 'auto';

/** Plane alignment (see docs/alignment.md): `none`, a motion model, or `auto` (similarity, applied only where significant). */
export type AlignMode = 'none' | 'translation' | 'similarity' | 'affine' | 'auto';

/** Which plane's frame the others are aligned into. */
export type AlignReference = 'middle' | 'sharpest';

/** Where a stack came from: filled in by the loaders, optional for library users. */
export interface StackMeta {
  /** Human-readable name used in errors and reports, e.g. `NILM/1. Superficial.../001_(3059,11012)`. */
  name?: string;
  /** One source path per plane, in plane order. */
  files?: string[];
  /** Set when the files follow the CCCID naming `<serial>_(<cx>,<cy>,<z>).jpg`. */
  cccid?: { serial: string; cx: number; cy: number; z: number[] };
  /** Distance between planes in micrometres, when known (CCCID: 1.0). */
  zStepUm?: number;
  /** Every plane was a grey image (R = G = B): the fused image is written grey. */
  grey?: boolean;
  /** Smallest and largest R, G, B sample over the stack (for `normalize`, see writeResult). */
  sampleRange?: [number, number];
}

/** One plane's samples: RGBA8 bytes, or RGBA16 for high-bit-depth cameras. */
export type PlaneArray = Uint8Array | Uint16Array;

/**
 * A Z-stack: `planes.length` images of `width` x `height` pixels, RGBA, row-major, plane 0 first
 * (plane order is focal order). `ZStack` alone is the 8-bit stack (RGBA8 planes) that every stage
 * takes; `ZStack<Uint16Array>` holds RGBA16 planes of `bitDepth`-bit samples, which {@link fuse}
 * and the CPU engine take too ({@link AnyZStack}). `ZStack<Uint8ClampedArray>` holds canvas pixels
 * (`ImageData.data`), which fuse() and validateStack take as RGBA8 (their input type is StackInput).
 * @example const canvas: ZStack<Uint8ClampedArray> = { width, height, planes: images.map((i) => i.data) };
 */
export interface ZStack<Plane extends PlaneArray | Uint8ClampedArray = Uint8Array> {
  width: number;
  height: number;
  planes: Plane[];
  /**
   * Significant bits of the samples: 8 for Uint8Array planes; 8..16 for Uint16Array planes (default 16),
   * e.g. 12 for a 12-bit camera whose values run to 4095. The focus measures see samples / (2^bitDepth - 1)
   * in [0, 1], so a 12-bit stack is measured like a full-range one (the confidence's τ stays meaningful).
   */
  bitDepth?: number;
  /**
   * Planes of different sizes (only accepted when aligning): plane z's pixels are the top-left
   * planeSizes[z] of its width x height buffer (rows still `width` pixels apart; the rest is padding).
   * Absent means every plane fills the whole buffer.
   */
  planeSizes?: { width: number; height: number }[];
  /**
   * The pixels every plane covers, per row: row y covers x in [covered[2y], covered[2y + 1]). Set by
   * alignment where moved planes leave part of the frame filled in from their edges (no crop); the
   * `histogram` depth's one-plane test judges the stack on these pixels only. Absent: every pixel.
   */
  covered?: Int32Array;
  meta?: StackMeta;
}

/** A stack of 8-bit or of 16-bit planes: what {@link fuse}, the engines and loadStack deal in. */
export type AnyZStack = ZStack<Uint8Array> | ZStack<Uint16Array>;

/** Options for {@link fuse}. Every field is optional; see {@link DEFAULT_OPTIONS}. */
export interface FuseOptions {
  /**
   * Preset of the measure, sigma, depth mode and composite that are not given: `v1` (lapv, sigma 3,
   * gaussian, interpolate: version 1) or `v2` (teng, sigma 4, histogram, select). Default `v2`.
   */
  fusion?: FusionPreset;
  /** Focus measure. Default: the `fusion` preset's (`teng` in v2, the default; `lapv` in v1). */
  measure?: Measure;
  /** Window radius r of the focus measure's box mean ((2r+1)^2 pixels). Default 4. */
  window?: number;
  /** Sigma in pixels of the confidence-weighted depth smoothing; 0 turns smoothing off. Default: the `fusion` preset's (4 in v2, the default; 3 in v1). */
  sigma?: number;
  /** Composite mode. Default: the `fusion` preset's (`select` in v2, the default; `interpolate` in v1). */
  composite?: CompositeMode;
  /** Depth mode: `gaussian` (version 1), `edge-aware` (halo-aware, edge-aware fill) or `histogram` (local mode of the depth). Default: the `fusion` preset's (`histogram` in v2, the default; `gaussian` in v1). */
  depthMode?: DepthMode;
  /**
   * `auto` (default): with the `histogram` depth, a stack whose every focus peak off one plane lies
   * beside stronger focus on that plane (a planar target, unstained cells' halos) shows that plane
   * itself (`result.depthFallback` says so); `off`: always the per-pixel fusion.
   */
  onePlane?: OnePlane;
  /** Engine. Default `cpu`. */
  backend?: BackendName;
  /** Noise floor tau of the confidence `(Fmax - Fmean) / (Fmax + tau)`. Default depends on the measure. */
  tau?: number;
  /** Also return the raw per-plane focus measures (Z float images). Default false. */
  keepFocus?: boolean;
  /** Plane alignment before the focus measures. Default `none`. */
  align?: AlignMode;
  /** Reference plane of the alignment. Default `middle`. */
  alignReference?: AlignReference;
  /** With alignment: crop the output to the area every plane covers. Default false. */
  alignCrop?: boolean;
  /** With alignment: match each plane's brightness and colour balance to the reference plane. Default true. */
  alignMatchBrightness?: boolean;
}

/** Options after validation and defaults: every field is present. */
export interface ResolvedOptions {
  measure: Measure;
  window: number;
  sigma: number;
  composite: CompositeMode;
  depthMode: DepthMode;
  onePlane: OnePlane;
  backend: BackendName;
  tau: number;
  keepFocus: boolean;
  align: AlignMode;
  alignReference: AlignReference;
  alignCrop: boolean;
  alignMatchBrightness: boolean;
}

/** Per-stack statistics. */
export interface StackStats {
  /** Mean focus measure of each plane over the whole image (length Z). */
  focusCurve: number[];
  /** Plane with the highest mean focus measure: the best single plane. */
  bestPlane: number;
  /** Pixel count per plane of the smoothed depth rounded to the nearest plane (length Z). */
  depthHistogram: number[];
  /** Mean and standard deviation of the smoothed depth, in planes. */
  depthMean: number;
  depthStd: number;
  /** Mean confidence over the image. */
  confidenceMean: number;
}

/**
 * Why a depth mode showed one plane everywhere. `edge-aware`: `inverted` (contrast inversion: most
 * evident pixels' focus curves dip between two peaks) or `no-evidence` (too few pixels above tau).
 * `histogram`: `halos` (every focus peak off the plane lies beside stronger focus on it: src/core/halos.ts);
 * the fused image is then that plane itself.
 */
export interface DepthFallback {
  reason: 'inverted' | 'no-evidence' | 'halos';
  plane: number;
}

/** What {@link fuse} returns. */
export interface FuseResult {
  width: number;
  height: number;
  /** Number of planes Z of the input. */
  planeCount: number;
  /** All-in-focus image, RGBA8 (from 16-bit planes: scaled from `bitDepth` bits, for display). */
  image: Uint8Array;
  /**
   * The all-in-focus image at full precision, RGBA16 holding the planes' own sample values: present
   * when the planes were Uint16Array and the engine kept them (the CPU engine without alignment).
   */
  image16?: Uint16Array;
  /** Smoothed sub-plane depth Ds in plane units (0 = first plane). */
  depth: Float32Array;
  /** Unsmoothed sub-plane depth D in plane units. */
  rawDepth: Float32Array;
  /** Confidence in [0, 1). */
  confidence: Float32Array;
  /**
   * With alignment: the planes the focus measures saw (registered into the reference frame and
   * brightness-matched; the input planes when `auto` left them untouched), for `--save-aligned`.
   * Not carried across the GPU runtimes' process boundaries.
   */
  aligned?: ZStack;
  /** Per-plane focus measures, only with `keepFocus: true`. */
  focus?: Float32Array[];
  stats: StackStats;
  /** The options actually used. */
  options: ResolvedOptions;
  /**
   * Which engine ran, and on what adapter. `runtime` for the CPU: 'wasm simd' (the fast path) or
   * 'TypeScript stages' (the reference: `cpu-reference`, options or 16-bit planes the fast path does
   * not cover, no WebAssembly SIMD, or a page whose CSP lacks 'wasm-unsafe-eval').
   */
  backend: { name: 'cpu' | 'webgpu'; runtime?: string; adapter?: string };
  /** Wall-clock milliseconds per stage, for the bench. */
  timings: Record<string, number>;
  meta?: StackMeta;
  /** Set when the depth mode showed one plane (`edge-aware`: on WebGPU, the first band that did; `histogram`: the whole stack). */
  depthFallback?: DepthFallback;
  /** The alignment stage's transforms, when `align` is not `none`. */
  alignment?: AlignmentReport;
}

/**
 * One engine of the maths. The CLI, batch runner and bench only talk to this interface,
 * so they never branch on the backend.
 */
export interface FusionBackend {
  readonly name: 'cpu' | 'webgpu';
  /** Whether fuse() honours `align` (runs the alignment stage); engines without it are refused aligning work. */
  readonly aligns?: boolean;
  /**
   * True when a WebGPU engine runs on a software adapter (SwiftShader, lavapipe, WARP...): the same
   * kernels, at CPU speed or below. In Node, backend `auto` then fuses on the CPU engine instead.
   */
  readonly software?: boolean;
  /** One line saying what runs the work, e.g. `cpu (reference, 1 thread)`. */
  describe(): string;
  /**
   * Engines that only take 8 bits convert 16-bit planes with toRgba8Stack (their result has no image16).
   * `options` as fuse() takes them (partial, or none) or as resolveOptions returned them: every
   * engine resolves them with asResolvedOptions, so both give fuse()'s defaults and messages.
   */
  fuse(stack: AnyZStack, options?: FuseOptions | ResolvedOptions): Promise<FuseResult>;
  dispose?(): Promise<void> | void;
}
