/// <reference types="@webgpu/types" preserve="true" />
// Kept in the emitted index.d.ts (preserve): the public types name GPUDevice and friends, so a consumer needs them too.
/**
 * focusfuse: browser-safe public API. Nothing here imports from `node:`.
 */
export { fuse, setWebGpuResolver } from './fuse.js';
export type { BackendResolver } from './fuse.js';
export { resolveOptions, DEFAULT_OPTIONS, DEFAULT_TAU, MEASURES, COMPOSITE_MODES, BACKENDS } from './core/options.js';
export { DEPTH_MODES, FUSIONS, FUSION_PRESETS, DEFAULT_FUSION, fusionPresetOf } from './core/options.js';
export type { FusionSettings } from './core/options.js';
export { isWideStack, sampleMax, toRgba8Stack, validateStack } from './core/stack.js';
export type { StackInput } from './core/stack.js';
export { FocusFuseError } from './core/errors.js';
export type * from './core/types.js';
export * from './cpu/index.js';
export { createWebGpuBackend, describeAdapter, requestFusionDevice } from './gpu/index.js';
export type { WebGpuBackend, WebGpuBackendOptions, AdapterDescription } from './gpu/index.js';
export { navigatorGpuBackend } from './navigator-gpu.js';
export { MATHS_VERSION, gaussianKernel, roundHalfUp } from './core/maths.js';
export { generateStack, SYNTH_DEFAULTS } from './synth/generate.js';
export type { SynthOptions, SynthStack, SynthTruth } from './synth/generate.js';
export { depthToColor, viridisLut } from './io/colormap.js';
export { parseCccidName, naturalCompare, groupByFov, orderPlanes } from './io/cccid.js';
export { alignStack, registerPair, AUTO_THRESHOLD_PX } from './align/index.js';
export { warpPlane } from './image/index.js';
export type { AlignmentReport, AutoStep, PlaneAlignment, MotionModel, AlignOptions, AlignedStack } from './align/index.js';
