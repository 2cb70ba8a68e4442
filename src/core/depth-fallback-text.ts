/**
 * Why a depth mode showed one plane everywhere (`FuseResult.depthFallback`), in words: one wording
 * for the CLI's fuse summary and the viewer's line. Browser-safe: no Node imports.
 */
import type { DepthFallback } from './types.js';

export interface DepthFallbackText {
  /** The depth mode that fell back to one plane. */
  depthMode: 'histogram' | 'edge-aware';
  /** Why, as a clause. */
  why: string;
  /** What was shown instead of the per-pixel fusion, as a clause. */
  shown: string;
}

/**
 * The parts of the sentence that explains a depth fallback (see DepthFallback in src/core/types.ts).
 * @example depthFallbackText({ reason: 'no-evidence', plane: 2 })
 * // => { depthMode: 'edge-aware', why: 'no focus evidence above tau', shown: 'plane 2 everywhere' }
 */
export function depthFallbackText({ reason, plane }: DepthFallback): DepthFallbackText {
  if (reason === 'halos') {
    return {
      depthMode: 'histogram',
      why: `every focus peak off plane ${plane} lies beside stronger focus on plane ${plane} (its halos)`,
      shown: `the image is plane ${plane} itself`,
    };
  }
  const why = reason === 'inverted' ? 'contrast inverted (focus curves dip between two peaks)' : 'no focus evidence above tau';
  return { depthMode: 'edge-aware', why, shown: `plane ${plane} everywhere` };
}
