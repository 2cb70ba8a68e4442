/**
 * The viewer's 3D relief mesh (src/viewer/app/relief-mesh.ts): where the depth has no support
 * (confidence ~0) it is flattened to the depth of the supported area around it instead of drawing
 * the noise as spikes; supported depth is kept.
 */
import { describe, expect, it } from 'vitest';
import { reliefHeight, reliefMesh, VERTEX_FLOATS } from '../src/viewer/app/relief-mesh.js';
import { random } from './gpu-stacks.js';

const [W, H, Z] = [64, 48, 11];

/** A supported square (depth 7, confidence 0.8) on unsupported background with noise depth 0..10. */
function scene(): { depth: Float32Array; confidence: Float32Array } {
  const rng = random(3);
  const depth = new Float32Array(W * H);
  const confidence = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const inside = x >= 16 && x < 48 && y >= 12 && y < 36;
      depth[y * W + x] = inside ? 7 : 10 * rng();
      confidence[y * W + x] = inside ? 0.8 : 0.02 * rng();
    }
  }
  return { depth, confidence };
}

const heights = (vertices: Float32Array) => Array.from({ length: vertices.length / VERTEX_FLOATS }, (_, v) => vertices[v * VERTEX_FLOATS + 2]);

describe('relief mesh', () => {
  it('flattens unsupported depth to the supported depth around it: no spikes', () => {
    const { depth, confidence } = scene();
    const h = heights(reliefMesh(depth, W, H, Z, confidence).vertices);
    const target = reliefHeight(7, Z);
    for (const value of h) expect(Math.abs(value - target)).toBeLessThan(1e-6);
  });

  it('without confidence, draws the noise (what the flattening removes)', () => {
    const { depth } = scene();
    const h = heights(reliefMesh(depth, W, H, Z).vertices);
    const spread = Math.max(...h) - Math.min(...h);
    expect(spread).toBeGreaterThan(reliefHeight(5, Z));
  });

  it('keeps supported depth that varies, and stays finite when nothing is supported', () => {
    const depth = Float32Array.from({ length: W * H }, (_, i) => (i % W) / (W - 1) * 10);
    const h = heights(reliefMesh(depth, W, H, Z, new Float32Array(W * H).fill(0.5)).vertices);
    expect(Math.min(...h)).toBeCloseTo(0, 6);
    expect(Math.max(...h)).toBeCloseTo(reliefHeight(10, Z), 6);
    const none = heights(reliefMesh(depth, W, H, Z, new Float32Array(W * H)).vertices);
    expect(none.every(Number.isFinite)).toBe(true);
  });
});
