/**
 * Synthetic misregistered stacks for the alignment tests, made the way a camera makes them: a
 * cytology-like scene rendered noise-free at twice the sensor's resolution, then each plane sensed
 * once through a known motion (every sensor pixel the mean of 4 x 4 point samples over its area)
 * plus sensor noise. So a moved plane has been resampled by nothing but the sensor, like a real one,
 * and the still stack went through the very same sensing: what separates them is the motion alone.
 */
import { affine, compose, invert, type Mat3 } from '../src/align/matrix.js';
import { warpPlane } from '../src/image/warp.js';
import type { ZStack } from '../src/core/types.js';
import { generateStack } from '../src/synth/generate.js';
import { createRandom } from '../src/synth/random.js';

/** Rendered pixels per sensor pixel, and point samples per sensor pixel along each axis. */
const SUPERSAMPLE = 2;
const SUB = 4;

export interface MovedStack {
  /** The planes as a drifting, breathing camera would give them. */
  moved: ZStack;
  /** The same planes without motion (each cut straight out of the rendered stack). */
  still: ZStack;
  /** Ground truth per plane: reference-frame pixel -> that plane's pixel (reference plane: identity). */
  truth: Mat3[];
  /** Inside-cell mask of the still frame (1 = object), for PSNR inside cells. */
  mask: Uint8Array;
  /** Noise-free all-in-focus truth of the still frame, RGBA8. */
  truthImage: Uint8Array;
  reference: number;
}

/** A similarity or affine about the frame centre, with a shift. */
export function motionAbout(cx: number, cy: number, m: { scale?: number; rotationDeg?: number; shear?: number; stretch?: number; dx?: number; dy?: number }): Mat3 {
  const s = m.scale ?? 1;
  const r = ((m.rotationDeg ?? 0) * Math.PI) / 180;
  const k = m.shear ?? 0;
  const t = m.stretch ?? 0;
  const linear = affine(s * Math.cos(r) * (1 + t), -s * Math.sin(r) + k, 0, s * Math.sin(r) + k, s * Math.cos(r) * (1 - t), 0);
  const toCentre = affine(1, 0, -cx, 0, 1, -cy);
  return compose(affine(1, 0, cx + (m.dx ?? 0), 0, 1, cy + (m.dy ?? 0)), compose(linear, toCentre));
}

/**
 * Senses a frame x frame field of a plane rendered at SUPERSAMPLE x resolution: sensor pixel p sees
 * the mean of the render over its area after `motion` (moved(p) = still(motion^-1 p)), plus noise.
 * `offset` is where the frame's origin sits in the render, in sensor pixels.
 */
function sense(rendered: Uint8Array, renderSize: number, motion: Mat3, frame: number, offset: number, noise: Float64Array | undefined): Uint8Array {
  // Point sample (i, j) of the SUB x SUB grid is at sensor position (i + 0.5) / SUB - 0.5.
  const toSensor = affine(1 / SUB, 0, 0.5 / SUB - 0.5, 0, 1 / SUB, 0.5 / SUB - 0.5);
  const s = SUPERSAMPLE;
  const toRender = affine(s, 0, s * offset + (s - 1) / 2, 0, s, s * offset + (s - 1) / 2);
  const n = frame * SUB;
  const points = warpPlane({ rgba: rendered, width: renderSize, height: renderSize, stride: renderSize }, compose(toRender, compose(invert(motion), toSensor)), n, n);
  const out = new Uint8Array(frame * frame * 4);
  for (let y = 0; y < frame; y++) {
    for (let x = 0; x < frame; x++) {
      for (let c = 0; c < 4; c++) {
        let sum = 0;
        for (let j = 0; j < SUB; j++) for (let i = 0; i < SUB; i++) sum += points[((y * SUB + j) * n + x * SUB + i) * 4 + c];
        const v = sum / (SUB * SUB) + (noise && c < 3 ? noise[(y * frame + x) * 3 + c] : 0);
        out[(y * frame + x) * 4 + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.floor(v + 0.5);
      }
    }
  }
  return out;
}

/**
 * A `planes`-plane stack of a `render` px field (in sensor pixels), of which each plane senses a
 * `frame` px field through a random per-plane motion within the ranges (scale +-6 %, shift
 * +-30 px, rotation +-2 degrees; affine adds +-1.5 % shear and stretch). The middle plane is the
 * reference and does not move. `defocus` is the blur sigma per plane in sensor pixels.
 */
export function movedStack(options: { seed: number; kind: 'similarity' | 'affine'; planes?: number; render?: number; frame?: number; noise?: number; defocus?: number }): MovedStack {
  const planes = options.planes ?? 5;
  const render = options.render ?? 256;
  const frame = options.frame ?? 160;
  const noise = options.noise ?? 2;
  const renderSize = render * SUPERSAMPLE;
  const { stack, truth: synthTruth } = generateStack({ seed: options.seed, size: renderSize, planes, noise: 0, defocus: (options.defocus ?? 1.2) * SUPERSAMPLE, tilt: 1 });
  const random = createRandom(options.seed * 7919 + 1);
  const uniform = (a: number) => random.uniform(-a, a);
  const noiseRandom = createRandom(options.seed * 7919 + 2);
  const reference = Math.floor((planes - 1) / 2);
  const c = (frame - 1) / 2;
  // The frame sits in the middle of the render: frame pixel p is render (sensor) pixel p + offset.
  const offset = (render - frame) / 2;
  const still0 = affine(1, 0, 0, 0, 1, 0);
  const truth: Mat3[] = [];
  const moved: Uint8Array[] = [];
  const still: Uint8Array[] = [];
  for (let z = 0; z < planes; z++) {
    const motion =
      z === reference
        ? still0
        : motionAbout(c, c, {
            scale: 1 + uniform(0.06),
            rotationDeg: uniform(2),
            dx: uniform(30),
            dy: uniform(30),
            ...(options.kind === 'affine' ? { shear: uniform(0.015), stretch: uniform(0.015) } : {}),
          });
    truth.push(motion);
    // The same sensor noise on the moved and the still plane: the comparison sees the motion only.
    const sensorNoise = noise > 0 ? Float64Array.from({ length: frame * frame * 3 }, () => noise * noiseRandom.normal()) : undefined;
    moved.push(sense(stack.planes[z], renderSize, motion, frame, offset, sensorNoise));
    still.push(z === reference ? moved[z] : sense(stack.planes[z], renderSize, still0, frame, offset, sensorNoise));
  }
  // Inside cells: sensor pixels whose whole area is object in the render.
  const mask = new Uint8Array(frame * frame);
  for (let y = 0; y < frame; y++) {
    for (let x = 0; x < frame; x++) {
      let all = 1;
      for (let j = 0; j < SUPERSAMPLE; j++) for (let i = 0; i < SUPERSAMPLE; i++) all &= synthTruth.mask[((y + offset) * SUPERSAMPLE + j) * renderSize + (x + offset) * SUPERSAMPLE + i];
      mask[y * frame + x] = all;
    }
  }
  const truthImage = sense(synthTruth.image, renderSize, still0, frame, offset, undefined);
  return { moved: { width: frame, height: frame, planes: moved }, still: { width: frame, height: frame, planes: still }, truth, mask, truthImage, reference };
}
