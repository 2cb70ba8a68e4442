/**
 * Writes a FuseResult to disk: images, 16-bit maps and a stats JSON that documents their encodings.
 * Everything is encoded in memory first and then written atomically, so a failure leaves no
 * partial or half-set of files behind from the encoding stage.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { describeValue, expected, FocusFuseError } from '../core/errors.js';
import { fusionName } from '../core/options.js';
import type { FuseResult } from '../core/types.js';
import { checkWritable, writeFilesAtomic } from './atomic.js';
import { fusedEncoding, fusedPixels, type BitDepthChoice } from './fused-pixels.js';
import { inputFilesOf } from './tiff-pages.js';
import {
  CONFIDENCE_SCALE,
  depthScaleFor,
  encodeConfidence16,
  encodeConfidenceFloat,
  encodeDepth16,
  encodeDepthFloat,
  encodeDepthColor,
  encodeRgba,
  checkPngLevel,
  JPEG_QUALITY,
  outputFormatFor,
  type EncodeOptions,
} from './encode.js';

/** Where each output goes; leave a field out to skip that output. */
export interface ResultOutputs {
  /** All-in-focus image: .png, .jpg/.jpeg or .tif/.tiff (8 or 16 bits, see WriteResultOptions.bitDepth). */
  fused?: string;
  /** Smoothed depth: .png, 16-bit gray, value round(depth * 1000); or .tif/.tiff, 32-bit float, the depth itself. */
  depth?: string;
  /** Confidence: .png, 16-bit gray, value round(confidence * 65535); or .tif/.tiff, 32-bit float. */
  confidence?: string;
  /** Depth through viridis over 0..Z-1: .png, .jpg or .tif. */
  depthColor?: string;
  /** Stats, options, timings and the encodings above, as JSON. */
  json?: string;
}

export interface WriteResultOptions extends EncodeOptions {
  /** Warnings raised while loading (e.g. a single plane), recorded in the JSON. */
  warnings?: string[];
  /** Extra timings to record next to the engine's (e.g. `load`), in milliseconds. */
  timings?: Record<string, number>;
  /**
   * The output paths the JSON records; default the paths written. The batch records them relative
   * to the JSON, so an output tree stays valid when moved or mounted elsewhere.
   */
  recordedOutputs?: ResultOutputs;
  /** Bits of the fused image: 8, 16, or `auto` (default: 16 when the result has `image16` and the format is PNG or TIFF). */
  bitDepth?: BitDepthChoice;
  /** Stretch the fused image's samples from the stack's range (16-bit stacks; else the image's own) to the full range. Default false. */
  normalize?: boolean;
  /** How messages name each output, where the caller knows them by other names (the CLI: {@link OUTPUT_FLAGS}). Default: the keys (`fused`, `depth`, ...). */
  labels?: OutputLabels;
}

/** Names of the outputs in messages, by output key. */
export type OutputLabels = Partial<Record<keyof ResultOutputs, string>>;

/** The flag each output is given with on the command line: the CLI's labels in error messages. */
export const OUTPUT_FLAGS: Readonly<Record<keyof ResultOutputs, string>> = {
  fused: '-o/--output',
  depth: '--depth',
  confidence: '--confidence',
  depthColor: '--depth-color',
  json: '--json',
};

/** The keys of {@link ResultOutputs}, in the order messages list them. */
const OUTPUT_KEYS = Object.keys(OUTPUT_FLAGS) as (keyof ResultOutputs)[];

/**
 * Whether any output is asked for (a key set to a path).
 * @example hasOutputs({ fused: undefined }) // => false
 */
export function hasOutputs(outputs: ResultOutputs): boolean {
  return Object.values(outputs).some((path) => path !== undefined);
}

/**
 * Checks output paths before any work: known extensions, no two outputs on one path, and no output
 * overwriting an input plane. `labels` names the outputs in the messages (default their keys).
 * @example checkOutputs({ fused: 'fused.png', depth: 'depth.png' }); // ok
 * @example checkOutputs({ fused: 'x.bmp' }) // throws "Expected a file name ending in .png, ... for fused but received 'x.bmp' (string)"
 * @throws FocusFuseError BAD_OPTION naming the output and the path.
 */
export function checkOutputs(outputs: ResultOutputs, inputFiles: readonly string[] = [], labels: OutputLabels = {}): void {
  const seen = new Map<string, string>();
  const inputs = new Set(inputFiles.map(realFile));
  for (const [key, path] of Object.entries(outputs) as [keyof ResultOutputs, string | undefined][]) {
    if (path === undefined) continue;
    if (!(key in OUTPUT_FLAGS)) expected(`one of ${OUTPUT_KEYS.join(', ')}`, 'output name', key);
    const flag = labels[key] ?? key;
    if (typeof path !== 'string' || path.trim() === '') expected('a file path', flag, path);
    if (key === 'json') {
      if (!path.toLowerCase().endsWith('.json')) expected('a file name ending in .json', flag, path);
    } else {
      outputFormatFor(path, flag, key === 'depth' || key === 'confidence' ? ['png', 'tiff'] : undefined);
    }
    // Compared once links are followed: `-o link/z05.png` through a link to the planes' folder is plane z05.
    const full = realFile(path);
    const other = seen.get(full);
    if (other) throw new FocusFuseError('BAD_OPTION', `${other} and ${flag} both write ${path}; give each output its own file`);
    // One input file is the stack itself (a multi-page TIFF) or its only plane: "one of the planes" would mislead.
    if (inputs.has(full)) throw new FocusFuseError('BAD_OPTION', `${flag} ${path} is ${inputs.size === 1 ? 'the input file' : 'one of the input planes'}; refusing to overwrite it`);
    seen.set(full, flag);
  }
}

/**
 * The file a path names once symbolic links are followed: its real path, or, for a file not written
 * yet, its folder's real path and its name (the folder may not exist yet either: then the path as given).
 */
function realFile(path: string): string {
  const full = resolve(path);
  try {
    return realpathSync(full);
  } catch {
    // Not written yet: its folder's real path and its name.
  }
  try {
    return join(realpathSync(dirname(full)), basename(full));
  } catch {
    return full;
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
  const float = (path: string | undefined) => path !== undefined && outputFormatFor(path) === 'tiff';
  const fused = outputs.fused === undefined ? undefined : fusedEncoding(result, outputFormatFor(outputs.fused), options.bitDepth, options.normalize);
  return {
    formatVersion: 1,
    input: {
      name: meta?.name,
      width,
      height,
      planeCount,
      files: meta?.files,
      ...(meta?.multiPageTiff !== undefined ? { multiPageTiff: meta.multiPageTiff } : {}),
      cccid: meta?.cccid,
      zStepUm: meta?.zStepUm,
      ...(result.image16 && meta?.sampleRange ? { sampleRange: meta.sampleRange } : {}),
    },
    // The preset's name first (v1, v2, or custom for a mix), so a reader need not infer it from four options.
    options: { fusion: fusionName(result.options), ...result.options },
    backend: result.backend,
    timings: roundedTimings({ ...result.timings, ...options.timings }),
    stats: result.stats,
    alignment: result.alignment,
    depthFallback: result.depthFallback,
    warnings: options.warnings ?? [],
    outputs,
    format: {
      depth: {
        ...(float(outputs.depth)
          ? { encoding: '32-bit float grayscale TIFF', value: 'D', scale: 1, range: [0, planeCount - 1] }
          : { encoding: '16-bit grayscale PNG', value: `round(D * ${depthScale})`, scale: depthScale, range: [0, (planeCount - 1) * depthScale] }),
        unit: 'plane (multiply by zStepUm for micrometres)',
        origin: 'plane 0 = the first plane, input.files[0]',
        note: 'D is the smoothed sub-plane depth Ds',
      },
      confidence: float(outputs.confidence)
        ? { encoding: '32-bit float grayscale TIFF', value: 'C', scale: 1, range: [0, 1] }
        : { encoding: '16-bit grayscale PNG', value: `round(C * ${CONFIDENCE_SCALE})`, scale: CONFIDENCE_SCALE, range: [0, CONFIDENCE_SCALE] },
      depthColor: {
        colormap: 'viridis',
        range: [0, planeCount - 1],
        note: 'fixed range: plane 0 is dark purple, plane Z-1 yellow, whatever the data',
      },
      fused: {
        jpegQuality: JPEG_QUALITY,
        tiffCompression: 'lzw',
        alpha: 'kept only when not fully opaque',
        ...(fused && {
          bitDepth: fused.bitDepth,
          channels: fused.grey ? 'grey (the planes were grey)' : 'RGB',
          normalize: fused.normalizedFrom ? { from: fused.normalizedFrom, to: [0, 2 ** fused.bitDepth - 1], value: 'round((v - from[0]) * to[1] / (from[1] - from[0]))' } : null,
        }),
      },
    },
  };
}

/**
 * Encodes every requested output, then writes them all or nothing: each to a temp file, renamed
 * into place only once every one is written.
 * @example await writeResult(result, { fused: 'fused.png', depth: 'depth.png', json: 'stats.json' });
 * @returns The paths written.
 * @throws FocusFuseError BAD_OPTION "Expected X for Y but received Z" for a result that is not what
 *   fuse() returns, no output path or a bad one (nothing written); WRITE `cannot write <path>: <reason>`, with
 *   none of the outputs written.
 */
export async function writeResult(result: FuseResult, outputs: ResultOutputs, options: WriteResultOptions = {}): Promise<string[]> {
  checkResult(result);
  if (typeof outputs !== 'object' || outputs === null || Array.isArray(outputs)) expected('an object of output paths {fused, depth, confidence, depthColor, json}', 'outputs', outputs);
  checkOutputs(outputs, inputFilesOf(result.meta), options.labels);
  // Nothing to write is a caller's mistake (a misspelt key is caught above), not a silent success.
  if (!hasOutputs(outputs)) expected(`at least one output path (${OUTPUT_KEYS.join(', ')})`, 'outputs', outputs);
  if (options.pngLevel !== undefined) checkPngLevel(options.pngLevel);
  const { width, height, planeCount } = result;
  const encoding: EncodeOptions = { pngLevel: options.pngLevel };
  // Only the outputs asked for are encoded: each costs ~7 ms of a core per 384^2 FOV (docs/batch.md "Output cost").
  const encoded: [string, Promise<Uint8Array | string>][] = [];
  if (outputs.fused) {
    const format = outputFormatFor(outputs.fused);
    const fused = fusedEncoding(result, format, options.bitDepth, options.normalize);
    encoded.push([outputs.fused, encodeRgba(fusedPixels(result, fused), width, height, format, 'fused', fused.grey, encoding)]);
  }
  const float = (path: string) => outputFormatFor(path) === 'tiff';
  if (outputs.depth) {
    const depth = float(outputs.depth) ? encodeDepthFloat(result.depth, width, height) : encodeDepth16(result.depth, width, height, depthScaleFor(planeCount), encoding);
    encoded.push([outputs.depth, depth]);
  }
  if (outputs.confidence) {
    const confidence = float(outputs.confidence) ? encodeConfidenceFloat(result.confidence, width, height) : encodeConfidence16(result.confidence, width, height, encoding);
    encoded.push([outputs.confidence, confidence]);
  }
  if (outputs.depthColor) {
    encoded.push([outputs.depthColor, encodeDepthColor(result.depth, planeCount, width, height, outputFormatFor(outputs.depthColor), encoding)]);
  }
  if (outputs.json) {
    encoded.push([outputs.json, Promise.resolve(`${JSON.stringify(statsDocument(result, options.recordedOutputs ?? outputs, options), null, 2)}\n`)]);
  }
  const files = await Promise.all(encoded.map(async ([path, bytes]) => [path, await bytes] as const));
  // All or nothing: a stats JSON must never list an image that could not be written.
  await writeFilesAtomic(files);
  return files.map(([path]) => path);
}

/**
 * Checks that a library caller's result is one fuse() returned, in the shape the encoders read
 * (else a null result was a raw TypeError and a short image sharp's "memory area too small").
 * @example checkResult(null) // throws "Expected a FuseResult (what fuse() returns) for result but received null"
 * @throws FocusFuseError BAD_OPTION "Expected X for Y but received Z".
 */
export function checkResult(result: FuseResult): void {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) expected('a FuseResult (what fuse() returns)', 'result', result);
  const { width, height, planeCount } = result;
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
    throw new FocusFuseError('BAD_OPTION', `Expected positive integers for result.width and result.height but received ${describeValue(width)} and ${describeValue(height)}`);
  }
  if (!Number.isInteger(planeCount) || planeCount < 1) expected('a positive integer', 'result.planeCount', planeCount);
  const pixels = width * height;
  const rgba = `${pixels * 4} elements (width x height x 4 = ${width} x ${height} x 4)`;
  const map = `${pixels} elements (width x height = ${width} x ${height})`;
  if (!(result.image instanceof Uint8Array) || result.image.length !== pixels * 4) expected(`a Uint8Array of ${rgba}`, 'result.image', result.image);
  if (result.image16 !== undefined && (!(result.image16 instanceof Uint16Array) || result.image16.length !== pixels * 4)) expected(`a Uint16Array of ${rgba}`, 'result.image16', result.image16);
  for (const key of ['depth', 'confidence'] as const) {
    if (!(result[key] instanceof Float32Array) || result[key].length !== pixels) expected(`a Float32Array of ${map}`, `result.${key}`, result[key]);
  }
}

/**
 * Checks, before any work, that every output could be written (see {@link checkWritable}).
 * @example await checkOutputsWritable({ fused: '/proc/x.png' }); // throws `cannot write /proc/x.png: ...`
 * @throws FocusFuseError WRITE `cannot write <path>: <reason>`.
 */
export async function checkOutputsWritable(outputs: ResultOutputs): Promise<void> {
  // In turn, so the error names the first bad output in flag order whatever the timing.
  for (const path of Object.values(outputs)) if (typeof path === 'string') await checkWritable(path);
}
