/**
 * `npm run bench`: the speed bench, the very code of `focusfuse bench speed` (bench/speed.ts), so
 * the two can never drift apart. Flags are those of `focusfuse bench speed --help`, e.g.
 *
 *   npm run bench -- --quick
 *   npm run bench -- --backends cpu,node --runs 5 --out bench-results
 */
import { FocusFuseError } from '../src/core/errors.js';
import { benchCommand } from '../src/cli/bench.js';

const argv = process.argv.slice(2);
// The CLI answers --help before running a command; this entry calls the command itself.
if (argv.includes('--help') || argv.includes('-h')) console.log(benchCommand.help);
else run(argv);

function run(argv: string[]): void {
  benchCommand.run(['speed', ...argv]).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof FocusFuseError ? `bench: ${error.message}` : error);
      process.exitCode = error instanceof FocusFuseError ? 2 : 1;
    },
  );
}
