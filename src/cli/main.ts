#!/usr/bin/env node
/**
 * `focusfuse` command line: dispatches to one small module per command.
 * Exit codes: 0 ok, 1 unexpected failure (a bug: the stack trace is printed), 2 bad input or options.
 */
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
    'Usage: focusfuse <command> [options]    (focusfuse <command> --help for details)',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Example:',
    '  focusfuse fuse "NILM/1. Superficial-Intermediate Cells" -o fused.png --depth-color depth.png',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(process.env.npm_package_version ?? '0.1.0');
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`focusfuse: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
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
