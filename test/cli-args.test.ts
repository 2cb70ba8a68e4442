/**
 * parseCommandArgs: flags the parser would reject in its own words (unknown, missing or dash-led
 * values) get the uniform messages, and a negative number is a value for the validator to judge.
 */
import { describe, expect, it } from 'vitest';
import { parseCommandArgs } from '../src/cli/args.js';

const FLAGS = { output: { type: 'string', short: 'o' }, window: { type: 'string' }, json: { type: 'string' }, quiet: { type: 'boolean', short: 'q' } } as const;

function refusal(argv: string[]): string {
  try {
    parseCommandArgs(argv, FLAGS);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`accepted ${argv.join(' ')}`);
}

describe('parseCommandArgs', () => {
  it('names an unknown flag and where the options are listed', () => {
    expect(refusal(['stack', '--z-step', '2'])).toBe("Unknown option '--z-step' (--help lists the options)");
    expect(refusal(['-x'])).toBe("Unknown option '-x' (--help lists the options)");
  });

  it('says a value is missing in the uniform form', () => {
    expect(refusal(['stack', '--window'])).toBe('Expected a value for --window but received nothing');
    expect(refusal(['stack', '-o'])).toBe('Expected a value for -o/--output but received nothing');
  });

  it('takes a negative number as the value, so the validator judges it', () => {
    const { values, positionals } = parseCommandArgs(['stack', '--window', '-1', '-o', 'f.png'], FLAGS);
    expect(values.window).toBe('-1');
    expect(values.output).toBe('f.png');
    expect(positionals).toEqual(['stack']);
    expect(parseCommandArgs(['--window', '-.5'], FLAGS).values.window).toBe('-.5');
  });

  it('refuses an option where a value belongs, and keeps "-" (stdout) as a value', () => {
    expect(refusal(['stack', '-o', '-q'])).toBe("Expected a value for -o/--output but received the option '-q' (write --output=-q if that is the value)");
    expect(parseCommandArgs(['stack', '--json', '-', '-q'], FLAGS).values).toMatchObject({ json: '-', quiet: true });
    // The suggestion is quoted for the shell where it needs to be.
    expect(refusal(['stack', '-o', '-my (1).png'])).toContain("(write '--output=-my (1).png' if that is the value)");
  });
});
