/**
 * The images the 2D views draw, as canvases ready for drawImage: each focal plane, the fused image,
 * the depth map through viridis (the library's depthToColor, so the page matches `--depth-color`)
 * and the confidence as gray. Built once per stack or per result, not per frame.
 */
import type { FuseResult, ZStack } from '../../core/types.js';
import { depthToColor } from '../../io/colormap.js';
import type { LayerName } from './state.js';

/**
 * Wraps RGBA8 pixels in a canvas (copied: the canvas never aliases the caller's array).
 * @example context.drawImage(rgbaCanvas(result.image, result.width, result.height), 0, 0);
 */
export function rgbaCanvas(rgba: Uint8Array, width: number, height: number): OffscreenCanvas {
  const canvas = new OffscreenCanvas(width, height);
  const pixels = new ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, width * height * 4).slice(), width, height);
  canvas.getContext('2d')!.putImageData(pixels, 0, 0);
  return canvas;
}

/**
 * Confidence [0, 1) as opaque gray RGBA8: black = no plane stands out, white = one clearly wins.
 * @example const gray = confidenceToGray(result.confidence); // Uint8Array, 4 bytes per pixel
 */
export function confidenceToGray(confidence: Float32Array, dst = new Uint8Array(confidence.length * 4)): Uint8Array {
  for (let i = 0; i < confidence.length; i++) {
    const v = Math.round(Math.min(1, Math.max(0, confidence[i])) * 255);
    dst[i * 4] = dst[i * 4 + 1] = dst[i * 4 + 2] = v;
    dst[i * 4 + 3] = 255;
  }
  return dst;
}

export interface LayerCache {
  /** The canvas of a layer, or undefined while there is nothing to show (no stack, not fused yet). */
  get(layer: LayerName, plane: number): OffscreenCanvas | undefined;
  setStack(stack: ZStack | undefined): void;
  setResult(result: FuseResult | undefined): void;
}

/**
 * Creates the cache; planes are wrapped lazily, the first time each is shown.
 * @example const layers = createLayerCache(); layers.setStack(stack); layers.get('plane', 3);
 */
export function createLayerCache(): LayerCache {
  let stack: ZStack | undefined;
  let planes: Array<OffscreenCanvas | undefined> = [];
  let derived: Partial<Record<'fused' | 'depth' | 'confidence', OffscreenCanvas>> = {};
  return {
    get(layer, plane) {
      if (layer !== 'plane') return derived[layer];
      if (!stack || plane < 0 || plane >= stack.planes.length) return undefined;
      planes[plane] ??= rgbaCanvas(stack.planes[plane], stack.width, stack.height);
      return planes[plane];
    },
    setStack(next) {
      stack = next;
      planes = [];
      derived = {};
    },
    setResult(result) {
      if (!result) {
        derived = {};
        return;
      }
      const { width, height } = result;
      derived = {
        fused: rgbaCanvas(result.image, width, height),
        depth: rgbaCanvas(depthToColor(result.depth, result.planeCount), width, height),
        confidence: rgbaCanvas(confidenceToGray(result.confidence), width, height),
      };
    },
  };
}
