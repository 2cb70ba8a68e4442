/**
 * What batch prints for the user to paste after a stop: the CLI as it was started (not a bare
 * `focusfuse` that is not on the PATH of a checkout), arguments quoted for the shell; and the stop
 * signals' wording and exit statuses (130 Ctrl-C, 143 SIGTERM), a second signal included.
 */
import { EventEmitter } from 'node:events';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invokedAs } from '../src/cli/invocation.js';
import { onStopSignals } from '../src/cli/stop-signals.js';
import { shellQuote } from '../src/core/text.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'focusfuse-cli-stop-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('shellQuote', () => {
  it('leaves plain words bare and single-quotes the rest, a quote inside included', () => {
    expect(shellQuote('--out')).toBe('--out');
    expect(shellQuote('/data/fused,x=1')).toBe('/data/fused,x=1');
    expect(shellQuote('001_(13080,33214)')).toBe("'001_(13080,33214)'");
    expect(shellQuote('NILM/1. Superficial')).toBe("'NILM/1. Superficial'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('')).toBe("''");
  });
});

describe('invokedAs', () => {
  it('is node <script> in a checkout, relative to the folder the user is in', () => {
    const script = join(work, 'repo', 'dist', 'cli.js');
    expect(invokedAs({ script, cwd: join(work, 'repo'), path: '/usr/bin:/bin', npmCommand: undefined })).toBe('node dist/cli.js');
    expect(invokedAs({ script, cwd: '/elsewhere', path: '', npmCommand: undefined })).toBe(`node ${shellQuote(script)}`);
    expect(invokedAs({ script: '/opt/my tools/cli.js', cwd: '/elsewhere', path: '', npmCommand: undefined })).toBe("node '/opt/my tools/cli.js'");
  });

  it('is focusfuse only when that name on the PATH is this script, npx focusfuse under npx', async () => {
    const script = join(work, 'pkg-cli.js');
    await writeFile(script, '');
    const bin = join(work, 'bin');
    const other = join(work, 'other');
    await Promise.all([mkdir(bin), mkdir(other)]);
    await symlink(script, join(bin, 'focusfuse'));
    await writeFile(join(other, 'focusfuse'), '');
    const context = { script: join(bin, 'focusfuse'), cwd: '/elsewhere', npmCommand: undefined };
    expect(invokedAs({ ...context, path: bin })).toBe('focusfuse');
    // Another focusfuse comes first on the PATH: the bare name would run that one.
    expect(invokedAs({ ...context, path: `${other}:${bin}` })).toBe(`node ${join(bin, 'focusfuse')}`);
    expect(invokedAs({ ...context, path: '/usr/bin', npmCommand: 'exec' })).toBe('npx focusfuse');
  });
});

describe('onStopSignals', () => {
  function harness() {
    const source = new EventEmitter();
    const printed: string[] = [];
    const exits: number[] = [];
    const stop = onStopSignals({
      resumeHint: () => "node dist/cli.js batch data --out 'my out' --resume",
      print: (line) => printed.push(line),
      exit: (code) => exits.push(code),
      source: source as unknown as Pick<NodeJS.Process, 'on' | 'off'>,
    });
    return { source, printed, exits, stop };
  }

  it('Ctrl-C: stops gracefully with 130; a second one quits at once, saying how to resume', () => {
    const { source, printed, exits, stop } = harness();
    expect(stop.exitCode()).toBeUndefined();
    source.emit('SIGINT', 'SIGINT');
    expect(stop.signal.aborted).toBe(true);
    expect(stop.exitCode()).toBe(130);
    expect(printed).toEqual(['\nfocusfuse: stopping after the FOVs in progress (Ctrl-C again to quit at once)...']);
    source.emit('SIGINT', 'SIGINT');
    expect(exits).toEqual([130]);
    expect(printed.join('\n')).not.toContain('SIGINT');
    expect(printed[1]).toBe("focusfuse: Ctrl-C: quitting at once; finished FOVs are kept. To finish the job run: node dist/cli.js batch data --out 'my out' --resume");
    stop.dispose();
    expect(source.listenerCount('SIGINT') + source.listenerCount('SIGTERM')).toBe(0);
  });

  it('SIGTERM: 143, and no word of Ctrl-C', () => {
    const { source, printed, exits, stop } = harness();
    source.emit('SIGTERM', 'SIGTERM');
    expect(stop.exitCode()).toBe(143);
    source.emit('SIGTERM', 'SIGTERM');
    expect(exits).toEqual([143]);
    expect(printed.join('\n')).not.toContain('Ctrl-C');
    expect(printed[0]).toBe('\nfocusfuse: SIGTERM: stopping after the FOVs in progress (SIGTERM again to quit at once)...');
    expect(printed[1]).toMatch(/To finish the job run: node dist\/cli\.js batch .* --resume$/);
    stop.dispose();
  });
});
