/**
 * Exporting what the page shows as PNG files: the fused image, and the depth map through the same
 * viridis colormap as the depth view (the CLI's `--depth-color`).
 */
import type { FuseResult } from '../../core/types.js';
import { depthToColor } from '../../io/colormap.js';
import { rgbaCanvas } from './layers.js';

export type ExportKind = 'fused' | 'depth';

/**
 * Encodes a result's fused image or colour depth map as PNG.
 * @example const png = await resultPng(result, 'depth'); // Blob, image/png
 */
export function resultPng(result: FuseResult, kind: ExportKind): Promise<Blob> {
  const rgba = kind === 'fused' ? result.image : depthToColor(result.depth, result.planeCount);
  return rgbaCanvas(rgba, result.width, result.height).convertToBlob({ type: 'image/png' });
}

/**
 * A file name for an export: the stack's name made safe, plus the kind.
 * @example exportName('NILM/1. Cells/001_(1,2)', 'fused') // => 'NILM_1._Cells_001_(1,2)-fused.png'
 */
export function exportName(stackName: string | undefined, kind: ExportKind): string {
  const base = (stackName ?? 'stack').replace(/[^\w().,-]+/g, '_').replace(/^_+|_+$/g, '') || 'stack';
  return `${base}-${kind}.png`;
}

/**
 * Saves the PNG through the browser's download.
 * @example await downloadResultPng(result, 'fused', stack.meta?.name);
 */
export async function downloadResultPng(result: FuseResult, kind: ExportKind, stackName?: string): Promise<void> {
  const url = URL.createObjectURL(await resultPng(result, kind));
  const link = document.createElement('a');
  link.href = url;
  link.download = exportName(stackName, kind);
  link.click();
  // The download has taken its copy once click() returns to the event loop.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
