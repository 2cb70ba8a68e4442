/**
 * Synthetic misregistered stacks for the alignment tests: a cytology-like stack rendered larger than
 * the frame, each plane then seen through a known transform, so the true alignment is known exactly.
 */
import { affine, compose, invert, type Mat3 } from '../src/align/matrix.js';
import { warpPlane } from '../src/align/warp.js';
import type { ZStack } from '../src/core/types.js';
import { generateStack } from '../src/synth/generate.js';
import { createRandom } from '../src/synth/random.js';

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
 * Renders `planes` planes of `render` px and cuts a `frame` px field out of each, through a random
 * per-plane motion within the ranges (scale +-6 %, shift +-30 px, rotation +-2 degrees; affine
 * adds +-1.5 % shear and stretch). The middle plane is the reference and does not move.
 */
export function movedStack(options: { seed: number; kind: 'similarity' | 'affine'; planes?: number; render?: number; frame?: number; noise?: number; defocus?: number }): MovedStack {
  const planes = options.planes ?? 5;
  const render = options.render ?? 256;
  const frame = options.frame ?? 160;
  const { stack, truth: synthTruth } = generateStack({ seed: options.seed, size: render, planes, noise: options.noise ?? 2, defocus: options.defocus ?? 1.2, tilt: 1 });
  const random = createRandom(options.seed * 7919 + 1);
  const uniform = (a: number) => random.uniform(-a, a);
  const reference = Math.floor((planes - 1) / 2);
  const c = (frame - 1) / 2;
  // The frame sits in the middle of the render: frame pixel p is render pixel p + offset.
  const offset = (render - frame) / 2;
  const toRender = affine(1, 0, offset, 0, 1, offset);
  const truth: Mat3[] = [];
  const moved: Uint8Array[] = [];
  const still: Uint8Array[] = [];
  for (let z = 0; z < planes; z++) {
    const motion =
      z === reference
        ? affine(1, 0, 0, 0, 1, 0)
        : motionAbout(c, c, {
            scale: 1 + uniform(0.06),
            rotationDeg: uniform(2),
            dx: uniform(30),
            dy: uniform(30),
            ...(options.kind === 'affine' ? { shear: uniform(0.015), stretch: uniform(0.015) } : {}),
          });
    truth.push(motion);
    const view = { rgba: stack.planes[z], width: render, height: render, stride: render };
    // moved(p) = still(motion^-1 p): aligning with `motion` gives the still plane back.
    moved.push(warpPlane(view, compose(toRender, invert(motion)), frame, frame));
    still.push(warpPlane(view, toRender, frame, frame));
  }
  const mask = new Uint8Array(frame * frame);
  for (let y = 0; y < frame; y++) for (let x = 0; x < frame; x++) mask[y * frame + x] = synthTruth.mask[(y + offset) * render + x + offset];
  const truthImage = warpPlane({ rgba: synthTruth.image, width: render, height: render, stride: render }, toRender, frame, frame);
  return { moved: { width: frame, height: frame, planes: moved }, still: { width: frame, height: frame, planes: still }, truth, mask, truthImage, reference };
}
