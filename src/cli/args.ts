/**
 * Shared command-line plumbing: every command is a small descriptor (name, summary, help, run) and
 * parses its flags through `parseCommandArgs`, so bad flags read the same everywhere.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { expected, FocusFuseError } from '../core/errors.js';
import { shellQuote } from '../core/text.js';
import type { FuseOptions } from '../core/types.js';
import { resolveOptions } from '../core/options.js';
import { GPU_RUNTIMES, type GpuRuntimeName } from '../runtimes.js';
import { checkPngLevel, outputFormatFor } from '../io/encode.js';
import type { ResultOutputs } from '../io/write-result.js';

export interface Command {
  name: string;
  /** One line for `focusfuse --help`. */
  summary: string;
  /** Full `--help` text, with examples. */
  help: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;
type CommandArgsConfig<T extends Options> = { args: string[]; options: T & { help: { type: 'boolean'; short: 'h' } }; allowPositionals: true; strict: true };
export type ParsedCommandArgs<T extends Options> = ReturnType<typeof parseArgs<CommandArgsConfig<T>>>;

/**
 * Parses argv with node:util parseArgs (strict), turning its errors into FocusFuseError BAD_OPTION.
 * @example const { values, positionals } = parseCommandArgs(argv, { out: { type: 'string', short: 'o' } });
 */
export function parseCommandArgs<T extends Options>(argv: string[], options: T): ParsedCommandArgs<T> {
  const args = checkFlags(argv, { help: { type: 'boolean', short: 'h' }, ...options });
  let parsed: ParsedCommandArgs<T>;
  try {
    const config: CommandArgsConfig<T> = { args, options: { help: { type: 'boolean', short: 'h' }, ...options }, allowPositionals: true, strict: true };
    parsed = parseArgs(config);
  } catch (error) {
    throw new FocusFuseError('BAD_OPTION', (error as Error).message);
  }
  rejectRepeatedFlags(args, options);
  return parsed;
}

/** A flag as the user wrote it, with its other spelling: "-o/--output". */
function flagName(options: Options, name: string): string {
  return options[name]?.short ? `-${options[name].short}/--${name}` : `--${name}`;
}

/**
 * Catches what parseArgs would report in its own words (unknown flag, missing value) and says it in
 * the uniform form; a negative number after a value flag (`--shift -2`) is taken as its value, so the
 * validator, not the parser, judges it. Returns argv with such values attached (`--shift=-2`).
 */
function checkFlags(argv: string[], options: Options): string[] {
  const { tokens } = parseArgs({ args: argv, options, allowPositionals: true, strict: false, tokens: true });
  const args = [...argv];
  const attached = new Set<number>();
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = options[token.name];
    if (!spec) throw new FocusFuseError('BAD_OPTION', `Unknown option '${token.rawName}' (--help lists the options)`);
    if (spec.type !== 'string' || token.inlineValue) continue;
    const flag = flagName(options, token.name);
    if (token.value === undefined) throw new FocusFuseError('BAD_OPTION', `Expected a value for ${flag} but received nothing`);
    if (token.value.length < 2 || !token.value.startsWith('-')) continue; // '-' is stdout (--json -)
    if (!/^-\.?\d/.test(token.value) || argv[token.index] !== token.rawName) {
      throw new FocusFuseError('BAD_OPTION', `Expected a value for ${flag} but received the option '${token.value}' (write ${shellQuote(`--${token.name}=${token.value}`)} if that is the value)`);
    }
    args[token.index] = `--${token.name}=${token.value}`;
    attached.add(token.index + 1);
  }
  return args.filter((_, i) => !attached.has(i));
}

/**
 * A value flag given twice (`-o a.png -o b.png`) would silently keep the last one: refuse it,
 * unless the flag is meant to repeat (`multiple`).
 */
function rejectRepeatedFlags(argv: string[], options: Options): void {
  const { tokens } = parseArgs({ args: argv, options, allowPositionals: true, strict: false, tokens: true });
  const seen = new Map<string, string[]>();
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = options[token.name];
    if (!spec || spec.type !== 'string' || spec.multiple) continue;
    seen.set(token.name, [...(seen.get(token.name) ?? []), token.value ?? '']);
  }
  for (const [name, values] of seen) {
    if (values.length < 2) continue;
    const short = options[name].short ? `-${options[name].short}/` : '';
    throw new FocusFuseError('BAD_OPTION', `${short}--${name} was given ${values.length} times (${values.map((v) => `'${v}'`).join(', ')}); give it once`);
  }
}

/** The error for a flag that would change nothing in this combination of flags. */
export function pointlessFlag(flag: string, why: string): never {
  throw new FocusFuseError('BAD_OPTION', `${flag} does nothing ${why}`);
}

/** Why an alignment flag does nothing when --align is `align` (undefined or none), for {@link pointlessFlag}. */
export function withoutAlign(align: string | undefined): string {
  return `without --align (it ${align === 'none' ? 'is none' : 'defaults to none'}): add --align <translation|similarity|affine|auto>, or leave the flag out`;
}

/**
 * Converts a numeric flag, failing with the uniform message.
 * @example numberFlag('--window', '4') // => 4
 */
export function numberFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) {
    throw new FocusFuseError('BAD_OPTION', `Expected a number for ${flag} but received '${value}' (string)`);
  }
  return n;
}

/**
 * An integer flag in min..max (at least `min` when max is absent), with the uniform message; the
 * value is named as a number, as the library's own validators name it ("received -2 (number)"),
 * so a range error reads the same from every command.
 * @example integerFlag('--port', '8080', 0, 65535) // => 8080; integerFlag('--n', '0', 1, 100) throws "... for --n but received 0 (number)"
 */
export function integerFlag(flag: string, value: string | undefined, min: number, max?: number): number | undefined {
  const n = numberFlag(flag, value);
  if (n === undefined || (Number.isInteger(n) && n >= min && (max === undefined || n <= max))) return n;
  const what = max !== undefined ? `an integer between ${min} and ${max}` : min === 1 ? 'a positive integer' : `an integer of at least ${min}`;
  return expected(what, flag, n);
}

/**
 * A number flag in min..max, with the uniform message (see {@link integerFlag}).
 * @example rangeFlag('--noise', '2.5', 0, 64) // => 2.5
 */
export function rangeFlag(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  const n = numberFlag(flag, value);
  if (n === undefined || (n >= min && n <= max)) return n;
  return expected(`a number between ${min} and ${max}`, flag, n);
}

/**
 * `--png-level` of fuse and batch: the zlib level 0..9 of PNG outputs, undefined when absent.
 * @example pngLevelFlag('1') // => 1; pngLevelFlag('12') throws "Expected an integer between 0 and 9 for --png-level but received 12 (number)"
 */
export function pngLevelFlag(value: string | undefined): number | undefined {
  const level = numberFlag('--png-level', value);
  return level === undefined ? undefined : checkPngLevel(level, '--png-level');
}

/**
 * `--png-level` where no output is a PNG (fuse `-o x.jpg` alone, batch `--format jpeg --outputs
 * fused,json`) would change nothing: refused, as the other pointless flags are.
 * @example requirePngOutput(9, { fused: 'x.jpg' }, 'without a .png output') // throws "--png-level does nothing without a .png output..."
 */
export function requirePngOutput(level: number | undefined, outputs: ResultOutputs, why: string): void {
  if (level === undefined) return;
  const paths = [outputs.fused, outputs.depth, outputs.confidence, outputs.depthColor];
  if (!paths.some((path) => path !== undefined && outputFormatFor(path) === 'png')) pointlessFlag('--png-level', `${why}: it sets the zlib level of PNG outputs; leave the flag out`);
}

/**
 * Checks a flag against its allowed values, with the uniform message; `fallback` when absent.
 * @example choiceFlag('--order', ['auto', 'given'], undefined, 'auto') // => 'auto'
 */
export function choiceFlag<T extends string>(flag: string, choices: readonly T[], value: string | undefined, fallback: T): T {
  if (value === undefined) return fallback;
  if (!choices.includes(value as T)) expected(`one of ${choices.map((c) => `'${c}'`).join(', ')}`, flag, value);
  return value as T;
}

/** Flags of every command that fuses (fuse, batch): the fusion options and where the work runs. */
export const FUSION_FLAGS = {
  fusion: { type: 'string' },
  measure: { type: 'string' },
  window: { type: 'string' },
  sigma: { type: 'string' },
  composite: { type: 'string' },
  'depth-mode': { type: 'string' },
  'one-plane': { type: 'string' },
  tau: { type: 'string' },
  backend: { type: 'string' },
  runtime: { type: 'string' },
  fallback: { type: 'string' },
  align: { type: 'string' },
  'align-reference': { type: 'string' },
  crop: { type: 'boolean' },
  'match-brightness': { type: 'boolean' },
  'no-match-brightness': { type: 'boolean' },
} as const;

export const FALLBACKS = ['none', 'cpu'] as const;

/**
 * The flag of each fuse() option: how messages about an option name it to a CLI user (the validator's
 * "for --depth-mode", the batch resume refusal's "--depth-mode histogram vs gaussian"). Typed
 * against FUSION_FLAGS, so a flag named here is one the parser takes.
 */
export const OPTION_FLAGS: Readonly<Partial<Record<keyof FuseOptions, `--${keyof typeof FUSION_FLAGS}`>>> = {
  fusion: '--fusion',
  measure: '--measure',
  window: '--window',
  sigma: '--sigma',
  composite: '--composite',
  depthMode: '--depth-mode',
  onePlane: '--one-plane',
  tau: '--tau',
  backend: '--backend',
  align: '--align',
  alignReference: '--align-reference',
  alignCrop: '--crop',
  alignMatchBrightness: '--match-brightness',
};

type FusionFlagValues = { [K in keyof typeof FUSION_FLAGS]?: (typeof FUSION_FLAGS)[K]['type'] extends 'boolean' ? boolean : string };

/**
 * Turns the FUSION_FLAGS values into fuse() options plus the GPU runtime and fallback; fuse()'s own
 * validator checks the values (resolveOptions), so messages match the library's.
 * @example const { options, runtime } = fusionFromFlags(values, 'cpu');
 */
export function fusionFromFlags(
  v: FusionFlagValues,
  defaultBackend: NonNullable<FuseOptions['backend']>,
): { options: FuseOptions; runtime: GpuRuntimeName; fallback: (typeof FALLBACKS)[number] } {
  if (v.align === undefined || v.align === 'none') {
    const without = withoutAlign(v.align);
    if (v.crop) pointlessFlag('--crop', without);
    if (v['align-reference'] !== undefined) pointlessFlag('--align-reference', without);
    if (v['match-brightness']) pointlessFlag('--match-brightness', without);
    if (v['no-match-brightness']) pointlessFlag('--no-match-brightness', without);
  }
  const backend = v.backend ?? defaultBackend;
  if (backend === 'cpu' || backend === 'cpu-reference') {
    const onCpu = `with --backend ${backend}${v.backend === undefined ? ' (the default)' : ''}: it is for webgpu; add --backend webgpu or auto, or leave the flag out`;
    if (v.runtime !== undefined) pointlessFlag('--runtime', onCpu);
    if (v.fallback !== undefined) pointlessFlag('--fallback', onCpu);
  }
  const options: FuseOptions = {
    fusion: v.fusion as FuseOptions['fusion'],
    measure: v.measure as FuseOptions['measure'],
    window: numberFlag('--window', v.window),
    sigma: numberFlag('--sigma', v.sigma),
    composite: v.composite as FuseOptions['composite'],
    depthMode: v['depth-mode'] as FuseOptions['depthMode'],
    onePlane: v['one-plane'] as FuseOptions['onePlane'],
    tau: numberFlag('--tau', v.tau),
    backend: (v.backend ?? defaultBackend) as FuseOptions['backend'],
    align: v.align as FuseOptions['align'],
    alignReference: v['align-reference'] as FuseOptions['alignReference'],
    alignCrop: v.crop,
    alignMatchBrightness: v['no-match-brightness'] ? false : v['match-brightness'],
  };
  // Checked here, so that a bad value is named by its flag ("for --depth-mode"), not its key.
  const resolved = resolveOptions(options, OPTION_FLAGS);
  if (v['one-plane'] !== undefined && resolved.depthMode !== 'histogram') {
    pointlessFlag('--one-plane', `with --depth-mode ${resolved.depthMode}: only the histogram depth has the one-plane test (edge-aware's own fallbacks have no switch); leave the flag out`);
  }
  return {
    options,
    runtime: choiceFlag('--runtime', GPU_RUNTIMES, v.runtime, 'headless'),
    fallback: choiceFlag('--fallback', FALLBACKS, v.fallback, 'none'),
  };
}
