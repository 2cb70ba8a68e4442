/**
 * `globalThis.focusfuseViewer`: what a test (or a curious user in the console) can read from the
 * page without scraping pixels: the status and the last result's arrays as base64, so a Node test
 * can compare them with the CPU reference.
 */
import { resultPng, type ExportKind } from './export.js';
import type { DepthFallback } from '../../core/types.js';
import { planeCountOf, type Store } from './state.js';

/** Base64 of any typed array's bytes (chunked: String.fromCharCode takes a bounded argument list). */
function base64(array: ArrayBufferView): string {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

export interface ViewerSummary {
  /** The page's status (ViewerState's): `fused` for a stack fused here, `written` for a written result shown as written. */
  status: string;
  error?: string;
  plane: number;
  planeCount: number;
  backend?: string;
  /** The focus measure of the shown result. */
  measure?: string;
  /** The composite mode of the shown result. */
  composite?: string;
  /** The depth mode and smoothing sigma of the shown result. */
  depthMode?: string;
  sigma?: number;
  /** The one-plane option of the shown result, and the depth mode's fallback to one plane, if it took it. */
  onePlane?: string;
  depthFallback?: DepthFallback;
  /** The composite and depth modes the page offers. */
  offered: { composite: string[]; depthMode: string[] };
  name?: string;
  camera: { scale: number; x: number; y: number };
}

export interface ViewerReadBack {
  width: number;
  height: number;
  planeCount: number;
  backend: string;
  /** Base64 of the RGBA8 planes as decoded in the page (none for a written result), the fused image, and the float32 maps. */
  planes: string[];
  image: string;
  depth: string;
  rawDepth: string;
  confidence: string;
  focus: string[];
}

/**
 * Installs the API on globalThis.
 * @example exposeTestApi(store); // then in DevTools: focusfuseViewer.summary()
 */
export function exposeTestApi(store: Store): void {
  const api = {
    summary(): ViewerSummary {
      const { status, error, plane, stack, result, camera } = store.get();
      return {
        status,
        error,
        plane,
        planeCount: planeCountOf({ stack, result }),
        backend: result?.backend.name,
        measure: result?.options.measure,
        composite: result?.options.composite,
        depthMode: result?.options.depthMode,
        sigma: result?.options.sigma,
        onePlane: result?.options.onePlane,
        depthFallback: result?.depthFallback,
        offered: {
          composite: Array.from(document.querySelectorAll<HTMLOptionElement>('#composite option'), (o) => o.value),
          depthMode: Array.from(document.querySelectorAll<HTMLOptionElement>('#depth-mode option'), (o) => o.value),
        },
        name: stack?.meta?.name ?? result?.meta?.name,
        camera: { scale: camera.scale, x: camera.x, y: camera.y },
      };
    },
    /** The PNG an export button would download, as base64. */
    async exportPng(kind: ExportKind): Promise<string | undefined> {
      const { result } = store.get();
      return result && base64(new Uint8Array(await (await resultPng(result, kind)).arrayBuffer()));
    },
    readBack(): ViewerReadBack | undefined {
      const { stack, result } = store.get();
      if (!result) return undefined;
      return {
        width: result.width,
        height: result.height,
        planeCount: result.planeCount,
        backend: result.backend.name,
        planes: stack?.planes.map(base64) ?? [],
        image: base64(result.image),
        depth: base64(result.depth),
        rawDepth: base64(result.rawDepth),
        confidence: base64(result.confidence),
        focus: (result.focus ?? []).map(base64),
      };
    },
  };
  (globalThis as unknown as { focusfuseViewer: typeof api }).focusfuseViewer = api;
}
