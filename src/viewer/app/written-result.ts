/**
 * A written result (`fuse --json`, a `batch` FOV) as the page's FuseResult, read from the server's
 * result URLs: the fused image decoded as planes are, the maps as the float32 values the server
 * reads from the 16-bit PNG or float TIFF, and options, backend, stats and the one-plane fallback
 * from the stats JSON. Every view then draws it as it draws a live fusion; what was not written
 * (the unsmoothed depth, the focus measures) is not made up: no focus curve, and `rawDepth` is
 * the smoothed depth.
 */
import { FocusFuseError } from '../../core/errors.js';
import type { FuseResult } from '../../core/types.js';
import type { CatalogResult } from '../stacks.js';
import { decodeImageBlob } from './load.js';

async function fetchPart(result: CatalogResult, part: keyof CatalogResult['urls']): Promise<Response> {
  const response = await fetch(result.urls[part]);
  if (!response.ok) throw new FocusFuseError('NOT_FOUND', `HTTP ${response.status} fetching the ${part}`, result.files[part]);
  return response;
}

async function fetchMap(result: CatalogResult, part: 'depth' | 'confidence', pixels: number): Promise<Float32Array> {
  const values = new Float32Array(await (await fetchPart(result, part)).arrayBuffer());
  if (values.length !== pixels) throw new FocusFuseError('SIZE_MISMATCH', `holds ${values.length} values but the fused image has ${pixels} pixels`, result.files[part]);
  return values;
}

/**
 * Loads a served result for the views.
 * @example store.update({ result: await loadWrittenResult(served.results[0]) });
 */
export async function loadWrittenResult(result: CatalogResult): Promise<FuseResult> {
  const stats = (await (await fetchPart(result, 'stats')).json()) as Partial<FuseResult> & { input?: { name?: string; files?: string[] } };
  const fused = await decodeImageBlob(await (await fetchPart(result, 'fused')).blob(), result.files.fused);
  const pixels = fused.width * fused.height;
  const [depth, confidence] = await Promise.all([fetchMap(result, 'depth', pixels), fetchMap(result, 'confidence', pixels)]);
  return {
    width: fused.width,
    height: fused.height,
    planeCount: result.planeCount,
    image: fused.data,
    depth,
    rawDepth: depth,
    confidence,
    stats: stats.stats!,
    options: stats.options!,
    backend: stats.backend ?? { name: 'cpu' },
    timings: stats.timings ?? {},
    depthFallback: stats.depthFallback ?? undefined,
    meta: { name: result.name, files: stats.input?.files, zStepUm: result.zStepUm },
  };
}
