/**
 * `focusfuse batch` on a generated CCCID tree with one of each kind of bad FOV planted: every bad
 * FOV is an error row with its reason, every stray or unconventional file is reported, the good
 * FOVs are fused exactly as `fuse` would, and the exit code says a FOV failed.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch, type BatchSummary } from '../src/batch/run.js';
import { resolveOptions } from '../src/core/options.js';
import { fuseCpuFast } from '../src/cpu/backend.js';
import { loadStack } from '../src/io/load-stack.js';
import { writeResult } from '../src/io/write-result.js';
import type { SynthManifestFov } from '../src/synth/layout.js';
import { fovId, makeTree, plantBadFovs, requireBuiltCli, runCli, type CliRun } from './batch-fixtures.js';

let work: string;
let root: string;
let fovs: SynthManifestFov[];
let planted: Awaited<ReturnType<typeof plantBadFovs>>;
let summary: BatchSummary;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'focusfuse-batch-robust-'));
  root = join(work, 'cccid');
  fovs = await makeTree(root, { n: 16, size: 64 });
  planted = await plantBadFovs(root, fovs);
  summary = await runBatch({ root, out: join(work, 'out'), fuse: { backend: 'cpu' }, outputs: ['fused', 'depth', 'depth-color', 'json'] });
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('batch --out', () => {
  it('is checked before anything is fused: an unwritable one is `cannot write`, exit 2', async () => {
    let opened = false;
    const error = await runBatch({ root, out: '/proc/focusfuse-out', fuse: { backend: 'webgpu' }, openRuntime: async () => {
      opened = true;
      throw new Error('no engine should be started');
    } }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('cannot write /proc/focusfuse-out/manifest.json: the folder does not accept new files (ENOENT)');
    expect(opened).toBe(false);
    const cli = await runCli(['batch', root, '--out', join(root, 'synth.json', 'out'), '--backend', 'cpu', '-q']);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toBe(`focusfuse: cannot write ${join(root, 'synth.json', 'out', 'manifest.json')}: ${join(root, 'synth.json')} is a file, not a folder\n`);
  });
});

describe('batch options', () => {
  it('refuses a bad thread count before any work or progress (no "0/N FOVs" line first)', async () => {
    const progress: unknown[] = [];
    const out = join(work, 'out-threads');
    const error = await runBatch({ root, out, fuse: { backend: 'cpu' }, cpuThreads: -1, onProgress: (p) => progress.push(p) }).catch((e: unknown) => e);
    // A library caller reads its option's key; the CLI passes its flags as labels (test/batch-pool.test.ts).
    expect((error as Error).message).toBe('Expected an integer between 0 and 1024 for cpuThreads but received -1 (number)');
    expect(progress).toEqual([]);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a GPU batch size that is not a positive integer (0 was taken as 1)', async () => {
    for (const gpuBatch of [0, -2, 2.5]) {
      const error = await runBatch({ root, out: join(work, 'out-gpu-batch'), fuse: { backend: 'cpu' }, gpuBatch }).catch((e: unknown) => e);
      expect((error as Error).message).toBe(`Expected an integer between 1 and 1024 for gpuBatch but received ${gpuBatch} (number)`);
    }
  });
});

describe('batch over a tree with planted bad FOVs', () => {
  it('reports every bad FOV with its reason and fuses all the good ones', () => {
    expect(summary.rows.length).toBe(fovs.length);
    for (const row of summary.rows) {
      const pattern = planted.expectedErrors.get(row.fov);
      if (pattern) {
        expect({ fov: row.fov, status: row.status }).toEqual({ fov: row.fov, status: 'error' });
        expect(row.error).toMatch(pattern);
      } else {
        expect({ fov: row.fov, status: row.status, error: row.error }).toEqual({ fov: row.fov, status: 'ok', error: '' });
        expect(row.planes).toBe(11);
        expect(row.focus_curve).toHaveLength(11);
        expect(row.best_plane).toBe(row.focus_curve.indexOf(Math.max(...row.focus_curve)));
      }
    }
    expect(summary.failed).toBe(planted.expectedErrors.size);
    expect(summary.fused).toBe(fovs.length - planted.expectedErrors.size);
  });

  it('with --align, still reports the FOV whose plane is far off in size (mixed sizes are for breathing)', async () => {
    const aligned = await runBatch({ root, out: join(work, 'out-align'), fuse: { backend: 'cpu', align: 'translation' }, outputs: ['json'] });
    const errors = new Map(aligned.rows.filter((row) => row.status === 'error').map((row) => [row.fov, row.error]));
    expect([...errors.keys()].sort()).toEqual([...planted.expectedErrors.keys()].sort());
    const mismatch = [...planted.expectedErrors].find(([, pattern]) => String(pattern).includes('32x32'))!;
    expect(errors.get(mismatch[0])).toMatch(/is 32x32 .* more than 25 % apart/);
  });

  it('reports stray files, unconventional names and the empty class folder, and nothing of ground-truth/ or synth.json', () => {
    const reported = summary.problems.map(({ path, level }) => ({ path, level }));
    expect(reported.sort((a, b) => a.path.localeCompare(b.path))).toEqual(
      [...planted.expectedProblems].sort((a, b) => a.path.localeCompare(b.path)),
    );
    const output = summary.problems.find((p) => p.path.endsWith('/fused.png'));
    expect(output?.reason, 'an earlier output is named as such, not as a misnamed plane').toBe('a focusfuse output (fused), never a plane; ignored');
  });

  it('writes a good FOV exactly as fuse + writeResult would', async () => {
    const good = fovs.find((fov) => !planted.expectedErrors.has(fovId(fov)))!;
    const stack = await loadStack(join(root, good.className, good.subtype), { fov: `${good.serial}_(${good.cx},${good.cy})` });
    // What fuse() does with backend cpu: the fast path (the batch's cpu engine and workers use it).
    const result = fuseCpuFast(stack, resolveOptions({}));
    const reference = join(work, 'reference');
    await writeResult(result, { fused: join(reference, 'fused.png'), depth: join(reference, 'depth.png') });
    const stem = join(work, 'out', good.className, good.subtype, `${good.serial}_(${good.cx},${good.cy})`);
    expect((await readFile(`${stem}.fused.png`)).equals(await readFile(join(reference, 'fused.png')))).toBe(true);
    expect((await readFile(`${stem}.depth.png`)).equals(await readFile(join(reference, 'depth.png')))).toBe(true);
    const color = await sharp(`${stem}.depth-color.png`).metadata();
    expect([color.width, color.height]).toEqual([64, 64]);
    const stats = JSON.parse(await readFile(`${stem}.stats.json`, 'utf8'));
    expect(stats.stats.bestPlane).toBe(result.stats.bestPlane);
  });

  it('writes a manifest with one row per FOV, in both CSV and JSON', async () => {
    const doc = JSON.parse(await readFile(join(work, 'out', 'manifest.json'), 'utf8'));
    expect(doc.rows.map((r: { fov: string }) => r.fov)).toEqual(summary.rows.map((r) => r.fov));
    // failed: FOVs; apart from them the files and folders not part of any FOV, and the images among them no FOV takes.
    expect(doc.summary).toEqual({ fovs: 16, ok: 8, failed: 8, notPartOfAnyFov: 6, unplacedImages: 2 });
    const csv = (await readFile(join(work, 'out', 'manifest.csv'), 'utf8')).trimEnd().split('\n');
    expect(csv[0].split(',')).toContain('status');
    expect(csv).toHaveLength(17);
    expect(csv.filter((line) => line.includes(',error,')).length).toBe(8);
  });
});

describe('focusfuse batch on the command line', () => {
  let cli: CliRun;
  beforeAll(async () => {
    requireBuiltCli();
    cli = await runCli(['batch', root, '--out', join(work, 'cli-out'), '--backend', 'cpu', '--only', 'NILM', '--outputs', 'fused', '--format', 'jpeg']);
  });

  it('exits 3 when a FOV failed, lists the failures, and counts the reported files in one line', () => {
    expect(cli.code).toBe(3);
    const nilm = fovs.filter((fov) => fov.className === 'NILM');
    const badNilm = nilm.filter((fov) => planted.expectedErrors.has(fovId(fov)));
    expect(badNilm.length).toBeGreaterThan(0);
    expect(cli.stderr).toContain(`${nilm.length - badNilm.length} fused, ${badNilm.length} failed`);
    for (const fov of badNilm) expect(cli.stderr).toContain(fovId(fov));
    const problems = cli.stderr.split('\n').filter((line) => line.includes('not part of any FOV'));
    expect(problems).toHaveLength(1);
    // --only NILM: the problems inside NILM are counted and listed, those elsewhere (slides.zip, ASC-US) only counted.
    const inside = planted.expectedProblems.filter((p) => p.path.startsWith('NILM/'));
    expect(inside.length).toBeGreaterThan(1);
    expect(problems[0]).toContain(`${inside.length} files or folders in the selection`);
    expect(problems[0]).toContain('2 images among them');
    expect(problems[0]).toContain(`${planted.expectedProblems.length - inside.length} files or folders outside the --only selection`);
  });

  it('writes only the FOVs --only selects, in the format asked for', async () => {
    const doc = JSON.parse(await readFile(join(work, 'cli-out', 'manifest.json'), 'utf8'));
    expect(doc.rows.every((r: { class: string }) => r.class === 'NILM')).toBe(true);
    const ok = doc.rows.find((r: { status: string }) => r.status === 'ok');
    const meta = await sharp(join(work, 'cli-out', ok.class, ok.subtype, `${ok.serial}_(${ok.cx},${ok.cy}).fused.jpg`)).metadata();
    expect(meta.format).toBe('jpeg');
  });

  it('rejects bad options before doing anything (exit 2)', async () => {
    const bad = await runCli(['batch', root, '--out', join(work, 'never'), '--shard', '3/3']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--shard');
    const outputs = await runCli(['batch', root, '--out', join(work, 'never'), '--outputs', 'fused,thumbnail']);
    expect(outputs.code).toBe(2);
    expect(outputs.stderr).toContain('--outputs');
  });
});
