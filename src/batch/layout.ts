/**
 * Where a batch writes each FOV's files: the input tree mirrored under the output folder,
 * `<out>/<CLASS>/<subtype>/<serial>_(<cx>,<cy>).<kind>.<ext>`, next to a `.done.json` marker.
 */
import { join } from 'node:path';
import { expected } from '../core/errors.js';
import type { OutputFormat } from '../io/encode.js';
import type { ResultOutputs } from '../io/write-result.js';
import type { BatchFov } from './scan.js';

/** What `--outputs` can list. */
export const OUTPUT_KINDS = ['fused', 'depth', 'confidence', 'depth-color', 'json'] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];

export const DEFAULT_OUTPUT_KINDS: readonly OutputKind[] = ['fused', 'depth', 'confidence', 'json'];

/** Image formats `--format` can pick for the fused and depth-color images (the maps are always 16-bit PNG). */
export const IMAGE_FORMATS: readonly OutputFormat[] = ['png', 'jpeg', 'tiff'];

const EXTENSION: Readonly<Record<OutputFormat, string>> = { png: 'png', jpeg: 'jpg', tiff: 'tif' };

/** Suffix of the per-FOV marker, written last, that says all of a FOV's outputs are complete. */
export const DONE_SUFFIX = '.done.json';

/**
 * Parses `--outputs fused,depth,...` (order and duplicates do not matter).
 * @example parseOutputKinds('depth, fused') // => ['fused', 'depth']
 */
export function parseOutputKinds(text: string): OutputKind[] {
  const asked = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const kind of asked) {
    if (!OUTPUT_KINDS.includes(kind as OutputKind)) expected(`a comma-separated list of ${OUTPUT_KINDS.join(', ')}`, '--outputs', text);
  }
  if (asked.length === 0) expected(`a comma-separated list of ${OUTPUT_KINDS.join(', ')}`, '--outputs', text);
  return OUTPUT_KINDS.filter((kind) => asked.includes(kind));
}

/** The FOV's folder and file stem in the output tree. */
export function fovStem(outDir: string, fov: Pick<BatchFov, 'className' | 'subtype' | 'key'>): string {
  return join(outDir, fov.className, fov.subtype, fov.key);
}

/**
 * The output files of one FOV, as writeResult takes them.
 * @example fovOutputs('out', fov, ['fused', 'depth'], 'png') // => { fused: 'out/NILM/1. .../001_(1,2).fused.png', depth: '....depth.png' }
 */
export function fovOutputs(outDir: string, fov: Pick<BatchFov, 'className' | 'subtype' | 'key'>, kinds: readonly OutputKind[], format: OutputFormat): ResultOutputs {
  const stem = fovStem(outDir, fov);
  const ext = EXTENSION[format];
  const outputs: ResultOutputs = {};
  if (kinds.includes('fused')) outputs.fused = `${stem}.fused.${ext}`;
  if (kinds.includes('depth')) outputs.depth = `${stem}.depth.png`;
  if (kinds.includes('confidence')) outputs.confidence = `${stem}.confidence.png`;
  if (kinds.includes('depth-color')) outputs.depthColor = `${stem}.depth-color.${ext}`;
  if (kinds.includes('json')) outputs.json = `${stem}.stats.json`;
  return outputs;
}

/** Path of the FOV's done marker. */
export function donePath(outDir: string, fov: Pick<BatchFov, 'className' | 'subtype' | 'key'>): string {
  return `${fovStem(outDir, fov)}${DONE_SUFFIX}`;
}
