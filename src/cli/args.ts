/**
 * Shared command-line plumbing: every command is a small descriptor (name, summary, help, run) and
 * parses its flags through `parseCommandArgs`, so bad flags read the same everywhere.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { expected, FocusFuseError } from '../core/errors.js';
import type { FuseOptions } from '../core/types.js';
import { GPU_RUNTIMES, type GpuRuntimeName } from '../runtimes.js';

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
  try {
    const config: CommandArgsConfig<T> = { args: argv, options: { help: { type: 'boolean', short: 'h' }, ...options }, allowPositionals: true, strict: true };
    return parseArgs(config);
  } catch (error) {
    throw new FocusFuseError('BAD_OPTION', (error as Error).message);
  }
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
  measure: { type: 'string' },
  window: { type: 'string' },
  sigma: { type: 'string' },
  composite: { type: 'string' },
  'depth-mode': { type: 'string' },
  tau: { type: 'string' },
  backend: { type: 'string' },
  runtime: { type: 'string' },
  fallback: { type: 'string' },
  align: { type: 'string' },
  'align-reference': { type: 'string' },
  crop: { type: 'boolean' },
} as const;

export const FALLBACKS = ['none', 'cpu'] as const;

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
  return {
    options: {
      measure: v.measure as FuseOptions['measure'],
      window: numberFlag('--window', v.window),
      sigma: numberFlag('--sigma', v.sigma),
      composite: v.composite as FuseOptions['composite'],
      depthMode: v['depth-mode'] as FuseOptions['depthMode'],
      tau: numberFlag('--tau', v.tau),
      backend: (v.backend ?? defaultBackend) as FuseOptions['backend'],
      align: v.align as FuseOptions['align'],
      alignReference: v['align-reference'] as FuseOptions['alignReference'],
      alignCrop: v.crop,
    },
    runtime: choiceFlag('--runtime', GPU_RUNTIMES, v.runtime, 'headless'),
    fallback: choiceFlag('--fallback', FALLBACKS, v.fallback, 'none'),
  };
}
