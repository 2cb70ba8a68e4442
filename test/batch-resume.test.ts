/**
 * Interrupting `focusfuse batch`: SIGKILL in the middle, then `--resume`, must end with exactly the
 * files of an uninterrupted run and no partial ones; Ctrl-C (SIGINT) stops cleanly, keeps the
 * finished FOVs and says how to resume.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../src/batch/run.js';
import { CLI, expectSameOutputs, listFiles, makeTree, requireBuiltCli, runCli } from './batch-fixtures.js';

const FOVS = 24;
let work: string;
let root: string;

beforeAll(async () => {
  requireBuiltCli();
  work = await mkdtemp(join(tmpdir(), 'focusfuse-batch-resume-'));
  root = join(work, 'cccid');
  await makeTree(root, { n: FOVS, size: 128 });
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const doneMarkers = async (out: string) => (await listFiles(out).catch(() => [] as string[])).filter((f) => f.endsWith('.done.json'));

/** Sends `signal` to the child once `count` FOVs are done; resolves how many were done then. */
function signalAfter(child: ChildProcess, out: string, count: number, signal: NodeJS.Signals): Promise<number> {
  return new Promise((resolve) => {
    const poll = async () => {
      const done = (await doneMarkers(out)).length;
      if (done >= count || child.exitCode !== null) {
        child.kill(signal);
        resolve(done);
      } else setTimeout(poll, 2);
    };
    void poll();
  });
}

describe('batch interrupted and resumed', () => {
  const args = (out: string) => ['batch', root, '--out', out, '--backend', 'cpu', '--concurrency', '1', '--outputs', 'fused,depth,confidence,depth-color,json'];

  it('after SIGKILL, --resume finishes with outputs identical to an uninterrupted run and nothing partial', async () => {
    const whole = join(work, 'whole');
    const first = await runCli(args(whole));
    expect(first.code).toBe(0);

    const killed = join(work, 'killed');
    let doneAtKill: Promise<number> | undefined;
    const run = await runCli(args(killed), { onSpawn: (child) => (doneAtKill = signalAfter(child, killed, 3, 'SIGKILL')) });
    expect(run.signal).toBe('SIGKILL');
    expect(await doneAtKill!).toBeGreaterThanOrEqual(3);
    // Counted after the process is gone: a FOV may finish between the signal and the kill landing.
    const done = (await doneMarkers(killed)).length;
    expect(done).toBeGreaterThanOrEqual(3);
    expect(done).toBeLessThan(FOVS);
    // Killed before the end: no manifest yet, and whatever image it left must be whole.
    expect(await listFiles(killed)).not.toContain('manifest.json');
    for (const file of (await listFiles(killed)).filter((f) => f.endsWith('.png') && !f.split('/').pop()!.startsWith('.'))) {
      await expect(sharp(join(killed, file)).stats(), file).resolves.toBeDefined();
    }

    const resumed = await runCli([...args(killed), '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`${FOVS - done} fused, 0 failed, ${done} skipped`));
    await expectSameOutputs(whole, killed, expect);
    expect((await listFiles(killed)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('Ctrl-C stops cleanly: finished FOVs kept, manifest written, exit 130 with the resume command', async () => {
    const out = join(work, 'interrupted');
    let doneAtSignal: Promise<number> | undefined;
    const run = await runCli(args(out), { onSpawn: (child) => (doneAtSignal = signalAfter(child, out, 2, 'SIGINT')) });
    expect(await doneAtSignal!).toBeLessThan(FOVS);
    expect(run.code).toBe(130);
    // The hint runs as this test ran the CLI (node dist/cli.js from the checkout): focusfuse is not on its PATH.
    expect(run.stderr).toContain(`To finish the job run:\n  node ${relative(process.cwd(), CLI)} ${args(out).join(' ')} --resume`);
    const doc = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect(doc.runs[0].interrupted).toBe(true);
    expect(doc.rows.length).toBeLessThan(FOVS);
    expect(doc.rows.length).toBe((await doneMarkers(out)).length);
    const names = (await readdir(out, { recursive: true })).map(String);
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
    // The resumed run's manifest lists both runs: the interrupted one, then its own.
    const resumed = await runCli([...args(out), '--resume']);
    expect(resumed.code).toBe(0);
    const after = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect(after.runs.map((r: { interrupted: boolean; resumed: number }) => [r.interrupted, r.resumed])).toEqual([
      [true, 0],
      [false, doc.rows.length],
    ]);
    expect(after.rows).toHaveLength(FOVS);
  });

  it('a rerun without --resume says how many finished FOVs it fuses again', async () => {
    const out = join(work, 'rerun');
    const run = async (fuse: { measure?: 'lapv' } = {}) => {
      const notes: string[] = [];
      await runBatch({ root, out, fuse: { backend: 'cpu', ...fuse }, outputs: ['json'], cpuThreads: 0, labels: { resume: '--resume' }, log: (m) => notes.push(m) });
      return notes;
    };
    expect(await run()).toEqual([]);
    expect(await run()).toEqual([`${FOVS} FOVs of an earlier run are in ${out}; fusing them again (add --resume to keep them)`]);
    // Other settings: --resume would refuse, so it is not offered.
    expect(await run({ measure: 'lapv' })).toEqual([`${FOVS} FOVs of an earlier run are in ${out}; fusing them again with these settings (that run had others)`]);
  });

  it('SIGTERM stops the same way with exit 143, without a word of Ctrl-C', async () => {
    const out = join(work, 'terminated');
    const run = await runCli(args(out), { onSpawn: (child) => void signalAfter(child, out, 2, 'SIGTERM') });
    expect(run.code).toBe(143);
    expect(run.stderr).toContain('SIGTERM: stopping after the FOVs in progress');
    expect(run.stderr).not.toContain('Ctrl-C');
    expect(run.stderr).toMatch(/To finish the job run:\n {2}node .* --resume\n/);
  });
});
