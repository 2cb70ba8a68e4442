/**
 * Synthetic Z-stacks with ground truth, browser-safe part (no file system). The Node side lives in
 * write-tree.ts (CCCID tree writer), truth.ts (truth reader) and depth-png.ts (depth PNG codec).
 */
export { generateStack, resolveSynthOptions, SYNTH_DEFAULTS } from './generate.js';
export type { SynthOptions, ResolvedSynthOptions, SynthStack, SynthTruth } from './generate.js';
export { PROFILES } from './profiles.js';
export type { ProfileName, CellProfile } from './profiles.js';
export { createRandom, hashSeed } from './random.js';
export type { Random } from './random.js';
export { surfaceDepth } from './scene.js';
export type { Scene, SceneObject, Nucleus, Shape, SlideSurface } from './scene.js';
export { CCCID_CLASSES, SYNTH_SUBTYPES, synthFovPlace, planePath, truthStem, MANIFEST_NAME, TRUTH_FOLDER, DEPTH_PNG_SCALE } from './layout.js';
export type { SynthFovPlace, SynthManifest, SynthManifestFov, SynthSubtype, CccidClass } from './layout.js';
export { SYNTH_SCENES } from './halo-scenes.js';
export type { SynthScene } from './halo-scenes.js';
