/**
 * Synthetic test cases for the accuracy bench: a generated stack (src/synth), its planes round-tripped
 * through JPEG at the case's quality exactly as `focusfuse synth` writes them (4:2:0), and its truth.
 */
import sharp from 'sharp';
import type { ZStack } from '../src/core/types.js';
import { generateStack } from '../src/synth/generate.js';
import type { SynthScene } from '../src/synth/halo-scenes.js';
import type { Truth } from './score.js';

/** One point of the accuracy grid, without the fusion settings. */
export interface SynthCondition {
  /** Sensor noise sigma, 8-bit levels. */
  noise: number;
  /** JPEG quality 1..100. */
  quality: number;
  /** Defocus blur growth, px of Gaussian sigma per plane. */
  defocus: number;
}

export interface SynthCase {
  condition: SynthCondition;
  seed: number;
  /** The decoded JPEG planes: what a backend fuses. */
  stack: ZStack;
  /** The JPEG files' bytes, plane order: what a peer program reads. */
  jpegs: Buffer[];
  truth: Truth;
}

/**
 * Generates one case. Same seed, size and planes with another condition gives the very same cells.
 * @example const c = await synthCase({ noise: 2, quality: 90, defocus: 1.2 }, { seed: 1, size: 128, planes: 7 });
 */
export async function synthCase(condition: SynthCondition, shape: { seed: number; size: number; planes: number; scene?: SynthScene }): Promise<SynthCase> {
  const { stack, truth } = generateStack({ seed: shape.seed, size: shape.size, planes: shape.planes, noise: condition.noise, defocus: condition.defocus, scene: shape.scene });
  const { width, height } = stack;
  const jpegs = await Promise.all(
    stack.planes.map((plane) => sharp(plane, { raw: { width, height, channels: 4 } }).removeAlpha().jpeg({ quality: condition.quality, chromaSubsampling: '4:2:0' }).toBuffer()),
  );
  const planes = await Promise.all(
    jpegs.map(async (jpeg) => {
      const raw = await sharp(jpeg).ensureAlpha().raw().toBuffer();
      return new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
    }),
  );
  return {
    condition,
    seed: shape.seed,
    stack: { width, height, planes, meta: { name: `synth seed ${shape.seed} noise ${condition.noise} q${condition.quality} defocus ${condition.defocus}` } },
    jpegs,
    truth: { width, height, image: truth.image, depth: truth.depth, mask: truth.mask },
  };
}
