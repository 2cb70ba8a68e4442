/**
 * Writes a FuseResult to disk: images, 16-bit maps and a stats JSON that documents their encodings.
 * Everything is encoded in memory first and then written atomically, so a failure leaves no
 * partial or half-set of files behind from the encoding stage.
 */
import { resolve } from 'node:path';
import { expected, FocusFuseError } from '../core/errors.js';
import type { FuseResult } from '../core/types.js';
import { writeFileAtomic } from './atomic.js';
import {
  CONFIDENCE_SCALE,
  depthScaleFor,
  encodeConfidence16,
  encodeDepth16,
  encodeDepthColor,
  encodeRgba,
  JPEG_QUALITY,
  outputFormatFor,
} from './encode.js';

/** Where each output goes; leave a field out to skip that output. */
export interface ResultOutputs {
  /** All-in-focus image: .png, .jpg/.jpeg or .tif/.tiff. */
  fused?: string;
  /** Smoothed depth, 16-bit gray PNG, value round(depth * 1000). */
  depth?: string;
  /** Confidence, 16-bit gray PNG, value round(confidence * 65535). */
  confidence?: string;
  /** Depth through viridis over 0..Z-1: .png, .jpg or .tif. */
  depthColor?: string;
  /** Stats, options, timings and the encodings above, as JSON. */
  json?: string;
}

export interface WriteResultOptions {
  /** Warnings raised while loading (e.g. a single plane), recorded in the JSON. */
  warnings?: string[];
  /** Extra timings to record next to the engine's (e.g. `load`), in milliseconds. */
  timings?: Record<string, number>;
  /**
   * The output paths the JSON records; default the paths written. The batch records them relative
   * to the JSON, so an output tree stays valid when moved or mounted elsewhere.
   */
  recordedOutputs?: ResultOutputs;
}

/** The flag each output is given with on the command line, used in error messages. */
export const OUTPUT_FLAGS: Readonly<Record<keyof ResultOutputs, string>> = {
  fused: '-o/--output',
  depth: '--depth',
  confidence: '--confidence',
  depthColor: '--depth-color',
  json: '--json',
};

/**
 * Checks output paths before any work: known extensions, no two outputs on one path, and no output
 * overwriting an input plane.
 * @example checkOutputs({ fused: 'fused.png', depth: 'depth.png' }); // ok
 * @throws FocusFuseError BAD_OPTION naming the flag and the path.
 */
export function checkOutputs(outputs: ResultOutputs, inputFiles: readonly string[] = []): void {
  const seen = new Map<string, string>();
  const inputs = new Set(inputFiles.map((f) => resolve(f)));
  for (const [key, path] of Object.entries(outputs) as [keyof ResultOutputs, string | undefined][]) {
    if (path === undefined) continue;
    const flag = OUTPUT_FLAGS[key];
    if (!flag) expected(`one of ${Object.keys(OUTPUT_FLAGS).join(', ')}`, 'output name', key);
    if (typeof path !== 'string' || path.trim() === '') expected('a file path', flag, path);
    if (key === 'json') {
      if (!path.toLowerCase().endsWith('.json')) expected('a file name ending in .json', flag, path);
    } else {
      outputFormatFor(path, flag, key === 'depth' || key === 'confidence' ? ['png'] : undefined);
    }
    const full = resolve(path);
    const other = seen.get(full);
    if (other) throw new FocusFuseError('BAD_OPTION', `${other} and ${flag} both write ${path}; give each output its own file`);
    if (inputs.has(full)) throw new FocusFuseError('BAD_OPTION', `${flag} ${path} is one of the input planes; refusing to overwrite it`);
    seen.set(full, flag);
  }
}

/** Microsecond resolution is all a wall clock can honestly give; more digits are noise. */
function roundedTimings(timings: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(timings).map(([stage, ms]) => [stage, Math.round(ms * 1000) / 1000]));
}

/**
 * The stats JSON document: what was fused, how, how long it took, and how to read the PNG maps.
 * @example const doc = statsDocument(result, { fused: 'fused.png', depth: 'depth.png' });
 */
export function statsDocument(result: FuseResult, outputs: ResultOutputs = {}, options: WriteResultOptions = {}) {
  const { width, height, planeCount, meta } = result;
  const depthScale = depthScaleFor(planeCount);
  return {
    formatVersion: 1,
    input: {
      name: meta?.name,
      width,
      height,
      planeCount,
      files: meta?.files,
      cccid: meta?.cccid,
      zStepUm: meta?.zStepUm,
    },
    options: result.options,
    backend: result.backend,
    timings: roundedTimings({ ...result.timings, ...options.timings }),
    stats: result.stats,
    alignment: result.alignment,
    depthFallback: result.depthFallback,
    warnings: options.warnings ?? [],
    outputs,
    format: {
      depth: {
        encoding: '16-bit grayscale PNG',
        value: `round(D * ${depthScale})`,
        scale: depthScale,
        unit: 'plane (multiply by zStepUm for micrometres)',
        origin: 'plane 0 = the first plane, input.files[0]',
        range: [0, (planeCount - 1) * depthScale],
        note: 'D is the smoothed sub-plane depth Ds',
      },
      confidence: {
        encoding: '16-bit grayscale PNG',
        value: `round(C * ${CONFIDENCE_SCALE})`,
        scale: CONFIDENCE_SCALE,
        range: [0, CONFIDENCE_SCALE],
      },
      depthColor: {
        colormap: 'viridis',
        range: [0, planeCount - 1],
        note: 'fixed range: plane 0 is dark purple, plane Z-1 yellow, whatever the data',
      },
      fused: { jpegQuality: JPEG_QUALITY, tiffCompression: 'lzw', alpha: 'kept only when not fully opaque' },
    },
  };
}

/**
 * Encodes every requested output, then writes each atomically (temp file + rename).
 * @example await writeResult(result, { fused: 'fused.png', depth: 'depth.png', json: 'stats.json' });
 * @returns The paths written.
 */
export async function writeResult(result: FuseResult, outputs: ResultOutputs, options: WriteResultOptions = {}): Promise<string[]> {
  checkOutputs(outputs, result.meta?.files);
  const { width, height, planeCount } = result;
  const encoded: [string, Promise<Uint8Array | string>][] = [];
  if (outputs.fused) encoded.push([outputs.fused, encodeRgba(result.image, width, height, outputFormatFor(outputs.fused))]);
  if (outputs.depth) encoded.push([outputs.depth, encodeDepth16(result.depth, width, height, depthScaleFor(planeCount))]);
  if (outputs.confidence) encoded.push([outputs.confidence, encodeConfidence16(result.confidence, width, height)]);
  if (outputs.depthColor) {
    encoded.push([outputs.depthColor, encodeDepthColor(result.depth, planeCount, width, height, outputFormatFor(outputs.depthColor))]);
  }
  if (outputs.json) {
    encoded.push([outputs.json, Promise.resolve(`${JSON.stringify(statsDocument(result, options.recordedOutputs ?? outputs, options), null, 2)}\n`)]);
  }
  const files = await Promise.all(encoded.map(async ([path, bytes]) => [path, await bytes] as const));
  // Each file is atomic on its own, so they go out together: each of a file's ~5 file-system round
  // trips waits for a turn of the event loop, which a batch fusing on the main thread gives about
  // once per FOV, so writing the files in turn made a FOV's write take several FOVs' time.
  // Settled, not raced: the caller hears of a failure only once no write is left running.
  const written = await Promise.allSettled(files.map(([path, bytes]) => writeFileAtomic(path, bytes)));
  const failed = written.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return files.map(([path]) => path);
}
