/**
 * The page's line for a depth mode that showed one plane everywhere (`FuseResult.depthFallback`):
 * the CLI's reason (src/core/depth-fallback-text.ts) and, where the page has a switch for it, how to
 * fuse per pixel instead (a flat 3D relief is then the plane's, not a fault).
 */
import { depthFallbackText } from '../../core/depth-fallback-text.js';
import type { DepthFallback } from '../../core/types.js';

/**
 * @example fallbackLine({ reason: 'no-evidence', plane: 2 })
 * // => 'One plane shown (plane 2), by the edge-aware depth: no focus evidence above tau.'
 */
export function fallbackLine(fallback: DepthFallback): string {
  const { depthMode, why } = depthFallbackText(fallback);
  // Only the histogram depth's fallback has a control of its own (one plane: off).
  const hint = fallback.reason === 'halos' ? ' Set one plane to off to fuse per pixel.' : '';
  return `One plane shown (plane ${fallback.plane}), by the ${depthMode} depth: ${why}.${hint}`;
}
