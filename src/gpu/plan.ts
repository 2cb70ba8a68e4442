/**
 * Tiling of large stacks into horizontal bands. A band is processed as an image of its own, so its
 * artificial top and bottom edges clamp where the real image would not; the halo rows around the
 * kept rows absorb exactly that: measure stencil (up to 3 rows for the Haar levels) + window radius r
 * + smoothing radius. Every kept row then sees the same neighbourhood as in the untiled image, and
 * the result equals the untiled (CPU) one. At the real image edges a band needs no halo.
 * The `pyramid` and `select` composites add their halo and start each band on a multiple of 2^PYRAMID_LEVELS
 * rows, so the band's coarse levels sit on the image's decimation grid; the `histogram` depth likewise
 * on a multiple of HISTOGRAM_DECIMATION, for its coarse bins.
 */
import { gaussianRadius } from '../core/maths.js';
import { HISTOGRAM_DECIMATION, depthFilterSigma, histogramCoarseSize, histogramReach } from '../core/histogram.js';
import { PYRAMID_HALO, PYRAMID_LEVELS } from '../core/pyramid.js';
import { EDGE_SPATIAL_FACTOR, haloRadius } from '../core/edge-aware.js';
import { SELECT_HALO } from '../core/select.js';
import type { CompositeMode, DepthMode } from '../core/types.js';
import { FocusFuseError } from '../core/errors.js';
import { MEASURE_HALO_AFTER, SMOOTH_ACROSS, histogramLayers } from './kernels.js';

/** Rows [start, start + rows) of the image; rows [keptStart, keptEnd) of the band go to the output. */
export interface Band {
  start: number;
  rows: number;
  keptStart: number;
  keptEnd: number;
}

export interface BandPlanInput {
  width: number;
  height: number;
  planes: number;
  /** Energy channels of the measure (lapv 2, else 1): the largest binding is channels x planes layers. */
  channels: number;
  window: number;
  sigma: number;
  /** Depth mode (edge-aware needs a taller halo, see haloRows). Default `gaussian`. */
  depthMode?: DepthMode;
  /** Largest storage binding allowed, in bytes (device limit, or smaller to bound memory). */
  maxBindingBytes: number;
  /** Largest number of rows per band (dispatch-size limits). */
  maxRows?: number;
  /** Composite mode (default `interpolate`); `pyramid` and `select`: more halo, aligned band starts, and their RGBA pyramid is the largest binding. */
  composite?: CompositeMode;
}

/** Bytes per row and plane of the pyramid composite's largest binding: the reduce's rows pass, ceil(w / 2) vec4f. */
const pyramidRowBytes = (width: number): number => 16 * ((width + 1) >> 1);

/**
 * Rows of the edge-aware mode's band halo per unit of its spatial scale sigma_s: its recursive filter
 * has no finite support, and at 6 sigma_s the first iteration's weight has decayed below 1e-4.
 */
export const EDGE_HALO_SCALES = 6;

/**
 * Halo rows a band needs on each artificial edge for a given window and sigma. Exact for `gaussian`
 * and `histogram` (whose Gaussian is HISTOGRAM_SIGMA_FACTOR times wider, on a coarse grid: histogramReach).
 * For `edge-aware` approximate: the halo test's max filter (haloRadius) plus EDGE_HALO_SCALES sigma_s
 * rows of the recursive filter's decay; its one-plane fallback is decided per band (docs/fusion-v2.md).
 * The `pyramid` composite adds PYRAMID_HALO rows, `select` SELECT_HALO (the pyramid's and its energy's square).
 */
export function haloRows(window: number, sigma: number, depthMode: DepthMode = 'gaussian', compositeMode: CompositeMode = 'interpolate'): number {
  const composite = compositeMode === 'pyramid' ? PYRAMID_HALO : compositeMode === 'select' ? SELECT_HALO : 0;
  if (depthMode === 'edge-aware') return MEASURE_HALO_AFTER + window + haloRadius(window) + Math.ceil(EDGE_HALO_SCALES * EDGE_SPATIAL_FACTOR * sigma) + composite;
  const radius = gaussianRadius(depthFilterSigma(depthMode, sigma));
  return MEASURE_HALO_AFTER + window + (depthMode === 'histogram' ? histogramReach(radius) : radius) + composite;
}

/** Whether a composite mode builds the Laplacian pyramids (`pyramid`, and `select` on top of them). */
export function usesPyramid(composite: CompositeMode | undefined): boolean {
  return composite === 'pyramid' || composite === 'select';
}

/** Most workgroups per dispatch dimension every WebGPU device allows. */
const MAX_WORKGROUPS = 65535;

/**
 * Splits an image into as few bands as the binding limit allows.
 * @example planBands({ width: 384, height: 384, planes: 11, channels: 2, window: 4, sigma: 3, maxBindingBytes: 2 ** 27 })
 * // => [{ start: 0, rows: 384, keptStart: 0, keptEnd: 384 }]
 * @throws FocusFuseError (BACKEND) when even one row plus its halo does not fit.
 */
export function planBands(input: BandPlanInput): Band[] {
  const { width, height, planes, channels, maxBindingBytes } = input;
  const maxRows = input.maxRows ?? MAX_WORKGROUPS * SMOOTH_ACROSS;
  const pyramid = usesPyramid(input.composite);
  // The largest binding: the energy layers, the pyramid's rows pass, or the histogram's vec4f bins
  // (on the coarse grid: counted here per image row, twice what it needs).
  const histogram = input.depthMode === 'histogram' ? 16 * histogramCoarseSize(width) * histogramLayers(planes) : 0;
  const rowBytes = Math.max(planes * width * channels * 4, pyramid ? planes * pyramidRowBytes(width) : 0, histogram);
  const fit = Math.min(maxRows, Math.floor(maxBindingBytes / rowBytes));
  if (fit >= height) return [{ start: 0, rows: height, keptStart: 0, keptEnd: height }];
  const halo = haloRows(input.window, input.sigma, input.depthMode, input.composite);
  // Pyramid, histogram: the start moves up to their grid (powers of 2), by at most grid - 1 rows more.
  const grid = Math.max(pyramid ? 2 ** PYRAMID_LEVELS : 1, input.depthMode === 'histogram' ? HISTOGRAM_DECIMATION : 1);
  const keptPerBand = fit - 2 * halo - (grid - 1);
  if (keptPerBand < 1) {
    throw new FocusFuseError(
      'BACKEND',
      `Expected a band of at least ${2 * halo + 1} rows (halo ${halo}) to fit in ${maxBindingBytes} bytes per binding but received rows of ${rowBytes} bytes (${width} px x ${planes} planes x ${channels} channels): the image is too wide for the WebGPU engine`,
    );
  }
  const bands: Band[] = [];
  for (let kept = 0; kept < height; kept += keptPerBand) {
    const keptEndImage = Math.min(height, kept + keptPerBand);
    const start = Math.max(0, Math.floor((kept - halo) / grid) * grid);
    const end = Math.min(height, keptEndImage + halo);
    bands.push({ start, rows: end - start, keptStart: kept - start, keptEnd: keptEndImage - start });
  }
  return bands;
}
