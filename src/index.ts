/**
 * focusfuse: browser-safe public API. Nothing here imports from `node:`.
 */
export { fuse, setWebGpuResolver } from './fuse.js';
export type { BackendResolver } from './fuse.js';
export { resolveOptions, DEFAULT_OPTIONS, DEFAULT_TAU, MEASURES, COMPOSITE_MODES, BACKENDS } from './core/options.js';
export { validateStack } from './core/stack.js';
export { FocusFuseError } from './core/errors.js';
export type * from './core/types.js';
export * from './cpu/index.js';
