/**
 * The page's line for a depth mode that showed one plane everywhere (`FuseResult.depthFallback`):
 * what the user sees first (which plane, and that the depth map and 3D relief are flat because of
 * it, not by a fault), then, where the page has a switch for it, how to fuse per pixel instead, and
 * last why, in the CLI's words (src/core/depth-fallback-text.ts). In that order because the line is
 * one line high (its space is kept, so the layout never jumps): on a narrow page the end of it is
 * cut off, and the whole line is its tooltip.
 */
import { depthFallbackText } from '../../core/depth-fallback-text.js';
import type { DepthFallback } from '../../core/types.js';

/**
 * @example fallbackLine({ reason: 'no-evidence', plane: 2 })
 * // => 'One plane shown (plane 2), so the depth map and the 3D relief are flat. Why: by the edge-aware depth, no focus evidence above tau.'
 */
export function fallbackLine(fallback: DepthFallback): string {
  const { depthMode, why } = depthFallbackText(fallback);
  // Only the histogram depth's fallback has a control of its own (one plane: off).
  const hint = fallback.reason === 'halos' ? ' Set one plane to off to fuse per pixel.' : '';
  return `One plane shown (plane ${fallback.plane}), so the depth map and the 3D relief are flat.${hint} Why: by the ${depthMode} depth, ${why}.`;
}
