/**
 * The headless-Chromium WebGPU runtime, Node side (the page entry is page.ts, bundled separately).
 */
export { launchHeadlessRuntime, probeHeadless } from './runtime.js';
export type { HeadlessRuntime, HeadlessRuntimeOptions } from './runtime.js';
export { findChromium, CHROMIUM_FLAGS, CHROMIUM_CANDIDATES, CHROMIUM_NAMES, CHROMIUM_ENV_VARS } from './chromium.js';
export type { HeadlessAdapter } from './protocol.js';
