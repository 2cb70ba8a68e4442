/**
 * How the user started this CLI, so a command it prints for pasting (batch's resume hint) runs the
 * same way: `focusfuse` only when that name on the PATH is this very script; `npx focusfuse` under
 * npx (which puts node_modules/.bin on the PATH of its child only); else `node <script>`, the
 * README's way in a checkout, where `focusfuse` is not on the PATH.
 */
import { realpathSync } from 'node:fs';
import { basename, delimiter, isAbsolute, join, relative } from 'node:path';
import { shellQuote } from '../core/text.js';

export interface InvocationContext {
  /** The script Node runs (process.argv[1]). */
  script: string;
  cwd: string;
  /** The PATH variable. */
  path: string | undefined;
  /** npm's `npm_command` variable: `exec` under npx. */
  npmCommand: string | undefined;
}

/** The real file behind `path`, or undefined when there is none. */
function realFile(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The words that start this CLI as the user ran it.
 * @example invokedAs({ script: '/repo/dist/cli.js', cwd: '/repo', path: '/usr/bin', npmCommand: undefined }) // => 'node dist/cli.js'
 */
export function invokedAs(context: InvocationContext): string {
  if (context.npmCommand === 'exec' && basename(context.script) === 'focusfuse') return 'npx focusfuse';
  const script = realFile(context.script);
  const onPath = (context.path ?? '').split(delimiter).filter((dir) => isAbsolute(dir)).map((dir) => realFile(join(dir, 'focusfuse')));
  if (script && onPath.find((file) => file !== undefined) === script) return 'focusfuse';
  const fromCwd = relative(context.cwd, context.script);
  const shown = fromCwd !== '' && !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? fromCwd : context.script;
  return `node ${shellQuote(shown)}`;
}

/**
 * A command line to paste: this CLI as it was started, then `args` quoted for the shell.
 * @example commandLine(['batch', 'data', '--out', 'my out']) // => "node dist/cli.js batch data --out 'my out'" in a checkout
 */
export function commandLine(args: readonly string[]): string {
  const start = invokedAs({ script: process.argv[1] ?? 'focusfuse', cwd: process.cwd(), path: process.env.PATH, npmCommand: process.env.npm_command });
  return [start, ...args.map(shellQuote)].join(' ');
}
