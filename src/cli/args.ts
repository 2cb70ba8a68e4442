/**
 * Shared command-line plumbing: every command is a small descriptor (name, summary, help, run) and
 * parses its flags through `parseCommandArgs`, so bad flags read the same everywhere.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { FocusFuseError } from '../core/errors.js';

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
