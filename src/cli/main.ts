#!/usr/bin/env node
/**
 * `focusfuse` command line: dispatches to one small module per command.
 * Exit codes: 0 ok, 1 unexpected failure (a bug: the stack trace is printed), 2 bad input or options.
 */
import { readFileSync } from 'node:fs';
import { FocusFuseError } from '../core/errors.js';
import type { Command } from './args.js';
import { batchCommand } from './batch.js';
import { benchCommand } from './bench.js';
import { fuseCommand } from './fuse.js';
import { infoCommand } from './info.js';
import { manifestCommand } from './manifest.js';
import { synthCommand } from './synth.js';
import { viewCommand } from './view.js';

const commands: Command[] = [fuseCommand, batchCommand, manifestCommand, synthCommand, infoCommand, viewCommand, benchCommand];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'focusfuse: focus fusion (extended depth of field) for microscope Z-stacks',
    '',
    'Usage: focusfuse <command> [options]    (focusfuse help <command> for details)',
    '       focusfuse --version',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Example:',
    '  focusfuse fuse "NILM/1. Superficial-Intermediate Cells" -o fused.png --depth-color depth-color.png',
  ].join('\n');
}

/** The package's version, from the package.json next to dist/ (the CLI is dist/cli.js). */
function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown (package.json not found next to dist/)';
  }
}

function unknownCommand(name: string): number {
  console.error(`focusfuse: unknown command '${name}' (commands: ${commands.map((c) => c.name).join(', ')})\n\n${usage()}`);
  return 2;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V' || name === '-v' || name === 'version') {
    console.log(version());
    return 0;
  }
  if (name === 'help') {
    // `focusfuse help fuse` is `focusfuse fuse --help`.
    const command = commands.find((c) => c.name === rest[0]);
    if (!command) return unknownCommand(rest[0]);
    console.log(command.help);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) return unknownCommand(name);
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help);
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof FocusFuseError) {
      console.error(`focusfuse: ${error.message}`);
      process.exitCode = 2;
    } else {
      console.error(error);
      process.exitCode = 1;
    }
  },
);
