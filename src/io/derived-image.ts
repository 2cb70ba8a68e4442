/**
 * Images focusfuse itself writes, known by their names alone: results, never planes. Browser-safe,
 * so the viewer (files dropped in a page) and `batch`'s scan (a tree on disk) agree on what they are.
 */

/**
 * `fuse`'s and `batch`'s outputs (`fused.png`, `001_(1,2).depth-color.png`, `x-confidence.tif`) and
 * `synth`'s ground truth (`.aif`, `.mask`, `.depth`).
 */
export const DERIVED_IMAGE = /(^|[._-])(fused|depth|depth-color|confidence|aif|mask)\.(png|jpe?g|tiff?)$/i;

/** Why such an image is left out, in the same words wherever it is reported. */
export const DERIVED_IMAGE_REASON = 'focusfuse outputs or ground truth, not planes';

/**
 * Whether a file name (no folder) names a focusfuse output or ground-truth image.
 * @example isDerivedImageName('001_(1,2).aif.png') // => true
 * @example isDerivedImageName('001_(1,2,0).jpg') // => false
 */
export function isDerivedImageName(name: string): boolean {
  return DERIVED_IMAGE.test(name);
}
