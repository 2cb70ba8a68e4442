/**
 * Option defaults and the one validator every entry point (library, CLI, batch, bench) goes through,
 * so a bad option reads the same wherever it was given.
 */
import { expected } from './errors.js';
import type { AlignMode, AlignReference, BackendName, CompositeMode, DepthMode, FuseOptions, OnePlane, FusionPreset, Measure, ResolvedOptions } from './types.js';

export const MEASURES: readonly Measure[] = ['lapv', 'teng', 'wavelet', 'dlap', 'sml', 'glv', 'brenner', 'tenv'];
export const COMPOSITE_MODES: readonly CompositeMode[] = ['interpolate', 'nearest',
  'pyramid', 'select'];
export const DEPTH_MODES: readonly DepthMode[] = ['gaussian', 'edge-aware', 'histogram'];
/** Values of the `onePlane` option (src/core/halos.ts). */
export const ONE_PLANE_MODES: readonly OnePlane[] = ['auto', 'off'];
export const BACKENDS: readonly BackendName[] = ['cpu', 'cpu-reference', 'webgpu', 'auto'];
export const ALIGN_MODES: readonly AlignMode[] = ['none', 'translation', 'similarity', 'affine', 'auto'];
export const ALIGN_REFERENCES: readonly AlignReference[] = ['middle', 'sharpest'];

export const MAX_WINDOW = 32;
export const MAX_SIGMA = 64;
export const MAX_PLANES = 256;

/**
 * Noise floor tau of the confidence C = (Fmax - Fmean) / (Fmax + tau), per measure. Each measure has
 * its own scale (lapv is a variance of a second difference, teng a squared first difference, wavelet a
 * detail energy), so one tau cannot mean "noise" for all three. Each value is about 10x the median
 * Fmax that sensor + JPEG noise alone gives on flat background, so empty background scores near 0.
 *
 * Measured (CPU, window r = 4, 11 planes of 384x384): flat background RGB (225, 218, 232) plus Gaussian
 * luminance noise sigma 1.5/255, JPEG q 90 round trip (sharp's defaults), independent noise per plane;
 * the textured region is dense dark blobs 3..10 px across, sharp on plane 5 and Gaussian-blurred by
 * 1 px per plane of defocus. Median background Fmax: lapv 2.1e-4, teng 1.1e-3, wavelet 9.1e-5.
 * Median C, background / textured, with these taus:
 *   lapv    tau 2e-3: 0.038 / 0.874   (tau 1e-3: 0.070 / 0.882; 5e-4: 0.119 / 0.887)
 *   teng    tau 1e-2: 0.035 / 0.760   (tau 3e-3: 0.094 / 0.764; 1e-3: 0.184 / 0.766)
 *   wavelet tau 1e-3: 0.029 / 0.764   (tau 3e-4: 0.080 / 0.770; 1e-4: 0.164 / 0.771)
 * Variations (background / textured median C): noise 2.5/255: lapv 0.162 / 0.870, teng 0.077 / 0.759,
 * wavelet 0.083 / 0.763; JPEG q 80: 0.022 / 0.873, 0.032 / 0.761, 0.025 / 0.765; blobs 0.3x as dark:
 * textured 0.832 / 0.747 / 0.748; blur only 0.5 px per plane: textured 0.792 / 0.562 / 0.574
 * (neighbour planes are then nearly as sharp, whatever tau). lapv is the most noise-sensitive; raise
 * tau (option `tau`) for noisier data.
 * The five extra measures, same set-up (re-measured by bench/calibrate-tau.ts, which reproduces the
 * three above): median background Fmax dlap 2.5e-2, sml 1.2e-2, glv 2.6e-5, brenner 9.0e-5,
 * tenv 2.6e-4; tau is again about 10x that.
 */
export const DEFAULT_TAU: Readonly<Record<Measure, number>> = {
  lapv: 2e-3,
  teng: 1e-2,
  wavelet: 1e-3,
  dlap: 0.25,
  sml: 0.12,
  glv: 2.5e-4,
  brenner: 1e-3,
  tenv: 2.5e-3,
};

/** What a fusion preset sets: the options that make up the fusion's maths. */
export interface FusionSettings {
  measure: Measure;
  sigma: number;
  depthMode: DepthMode;
  composite: CompositeMode;
}

/**
 * The presets (option `fusion`): version 1, and the combination that beat it on every synthetic
 * scene of `bench metrics --modes` (depth RMSE, PSNR inside cells, halo figure, sharpness;
 * docs/fusion-v2.md), Tenengrad over the 9x9 window with a histogram over sigma 4.
 */
export const FUSION_PRESETS: Readonly<Record<FusionPreset, Readonly<FusionSettings>>> = {
  v1: { measure: 'lapv', sigma: 3, depthMode: 'gaussian', composite: 'interpolate' },
  v2: { measure: 'teng', sigma: 4, depthMode: 'histogram', composite: 'select' },
};
export const FUSIONS: readonly FusionPreset[] = ['v1', 'v2'];

/**
 * The preset whose settings these are, or undefined when they match none (the viewer shows "custom").
 * @example fusionPresetOf({ measure: 'teng', sigma: 4, depthMode: 'histogram', composite: 'select' }) // => 'v2'
 */
export function fusionPresetOf(settings: FusionSettings): FusionPreset | undefined {
  return FUSIONS.find((name) => {
    const preset = FUSION_PRESETS[name];
    return preset.measure === settings.measure && preset.sigma === settings.sigma && preset.depthMode === settings.depthMode && preset.composite === settings.composite;
  });
}

/**
 * The preset name to record with a set of options (stats.json, the batch manifest): the preset they
 * equal, or 'custom' for a mix of none.
 * @example fusionName({ measure: 'lapv', sigma: 2, depthMode: 'gaussian', composite: 'interpolate' }) // => 'custom'
 */
export function fusionName(settings: FusionSettings): FusionPreset | 'custom' {
  return fusionPresetOf(settings) ?? 'custom';
}

/** The preset the options not given come from: v2 since 2026-12-06 (README "Fusion v2"). */
export const DEFAULT_FUSION: FusionPreset = 'v2';

export const DEFAULT_OPTIONS = {
  fusion: DEFAULT_FUSION,
  ...FUSION_PRESETS[DEFAULT_FUSION],
  window: 4,
  onePlane: 'auto' as OnePlane,
  backend: 'cpu' as BackendName,
  keepFocus: false,
  align: 'none' as AlignMode,
  alignReference: 'middle' as AlignReference,
  alignCrop: false,
  alignMatchBrightness: true,
};

/** Checks `value` is one of `values` ("Expected one of 'a', 'b' for name but received ..."). */
export function oneOf<T extends string>(values: readonly T[], name: string, value: unknown): T {
  if (typeof value !== 'string' || !values.includes(value as T)) {
    expected(`one of ${values.map((v) => `'${v}'`).join(', ')}`, name, value);
  }
  return value as T;
}

/** Checks an integer in [min, max], with the uniform message. @example integerIn(0, 32, 'window', 4) */
export function integerIn(min: number, max: number, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    expected(`an integer between ${min} and ${max}`, name, value);
  }
  return value;
}

/** Checks a finite number in [min, max], with the uniform message. @example numberIn(0, 64, 'sigma', 3) */
export function numberIn(min: number, max: number, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    expected(`a number between ${min} and ${max}`, name, value);
  }
  return value;
}

/** The objects resolveOptions returned: {@link asResolvedOptions} takes them as they are. */
const fromResolveOptions = new WeakSet<object>();

/**
 * Options as the engines take them: `options` itself when resolveOptions made it (the usual case:
 * fuse() resolves once; the result's `options` stays the object passed), else resolved now. Every
 * public entry that takes options calls it (fuseCpu, fuseCpuFast, each backend's fuse and
 * fuseBatch, the WebGPU engine's in a page, in Dawn and in headless Chromium), so a library caller
 * may pass partial options (`{ measure: 'lapv' }`) or none anywhere and gets fuse()'s defaults and
 * messages (it costs ~1 µs).
 * @example const gpu = await createNodeWebGpuBackend(); await gpu.fuse(stack, { measure: 'lapv' }); // as asResolvedOptions({ measure: 'lapv' })
 */
export function asResolvedOptions(options: FuseOptions | ResolvedOptions | undefined): ResolvedOptions {
  return typeof options === 'object' && options !== null && fromResolveOptions.has(options) ? (options as ResolvedOptions) : resolveOptions(options);
}

/**
 * Validates options and fills in defaults. `labels` names the options in the messages where the
 * caller knows them by other names (the CLI passes its flags: "for --depth-mode"); keys otherwise.
 * @example resolveOptions({ measure: 'lapv', window: 2 }) // => { measure: 'lapv', window: 2, sigma: 4, depthMode: 'histogram', ... }
 * @example resolveOptions({ fusion: 'v2', sigma: 3 }) // => { measure: 'teng', sigma: 3, depthMode: 'histogram', composite: 'select', ... }
 * @throws FocusFuseError (code BAD_OPTION) with "Expected X for Y but received Z".
 */
export function resolveOptions(options: FuseOptions = {}, labels: Partial<Record<keyof FuseOptions, string>> = {}): ResolvedOptions {
  const label = (key: keyof FuseOptions) => labels[key] ?? key;
  // An array is an object too: its indices would be called unknown option names ('0').
  if (typeof options !== 'object' || options === null || Array.isArray(options)) expected('an options object', 'options', options);
  const known = new Set(['fusion', 'measure', 'window', 'sigma', 'composite', 'backend', 'tau', 'keepFocus', 'align', 'alignReference', 'alignCrop', 'alignMatchBrightness', 'depthMode', 'onePlane']);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) expected(`one of ${[...known].join(', ')}`, 'option name', key);
  }
  const preset = FUSION_PRESETS[oneOf(FUSIONS, label('fusion'), options.fusion ?? DEFAULT_FUSION)];
  const measure = oneOf(MEASURES, label('measure'), options.measure ?? preset.measure);
  const keepFocus = options.keepFocus ?? DEFAULT_OPTIONS.keepFocus;
  if (typeof keepFocus !== 'boolean') expected('a boolean', label('keepFocus'), keepFocus);
  const alignCrop = options.alignCrop ?? DEFAULT_OPTIONS.alignCrop;
  if (typeof alignCrop !== 'boolean') expected('a boolean', label('alignCrop'), alignCrop);
  const alignMatchBrightness = options.alignMatchBrightness ?? DEFAULT_OPTIONS.alignMatchBrightness;
  if (typeof alignMatchBrightness !== 'boolean') expected('a boolean', label('alignMatchBrightness'), alignMatchBrightness);
  const resolved: ResolvedOptions = {
    measure,
    window: integerIn(0, MAX_WINDOW, label('window'), options.window ?? DEFAULT_OPTIONS.window),
    sigma: numberIn(0, MAX_SIGMA, label('sigma'), options.sigma ?? preset.sigma),
    composite: oneOf(COMPOSITE_MODES, label('composite'), options.composite ?? preset.composite),
    depthMode: oneOf(DEPTH_MODES, label('depthMode'), options.depthMode ?? preset.depthMode),
    onePlane: oneOf(ONE_PLANE_MODES, label('onePlane'), options.onePlane ?? DEFAULT_OPTIONS.onePlane),
    backend: oneOf(BACKENDS, label('backend'), options.backend ?? DEFAULT_OPTIONS.backend),
    tau: numberIn(0, 1e6, label('tau'), options.tau ?? DEFAULT_TAU[measure]),
    keepFocus,
    align: oneOf(ALIGN_MODES, label('align'), options.align ?? DEFAULT_OPTIONS.align),
    alignReference: oneOf(ALIGN_REFERENCES, label('alignReference'), options.alignReference ?? DEFAULT_OPTIONS.alignReference),
    alignCrop,
    alignMatchBrightness,
  };
  fromResolveOptions.add(resolved);
  return resolved;
}
