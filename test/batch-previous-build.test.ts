/**
 * Output folders written by an earlier build (test/fixtures/batch-previous-build: its manifest has
 * the summary's `errors`/`warnings` next to `failed`, and no `fusion` preset name) still resume with
 * the same options: recording the preset's name did not change the resume fingerprint. The new
 * manifest then names the preset and counts what is not part of any FOV (`notPartOfAnyFov`, as
 * --json-summary names it) apart from the failed FOVs.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeManifests } from '../src/batch/manifest.js';
import { runBatch } from '../src/batch/run.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'batch-previous-build');
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'focusfuse-batch-previous-'));
  await cp(FIXTURE, work, { recursive: true });
  // The fixture's notes.txt now passes quietly (notes are no problem): a stray the scan reports.
  await writeFile(join(work, 'cccid', 'NILM', '1. Superficial-Intermediate Cells', 'overview.bmp'), 'BM');
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const manifest = async (out: string) => JSON.parse(await readFile(join(work, out, 'manifest.json'), 'utf8'));

describe('a batch output of the previous build', () => {
  it('has the old summary fields and no preset name (the fixture is what it claims)', async () => {
    const doc = await manifest('out');
    expect(doc.summary).toEqual({ fovs: 2, ok: 2, failed: 0, errors: 0, warnings: 1 });
    expect(doc.settings.options).not.toHaveProperty('fusion');
  });

  it.each([
    ['out', {}, 'v2'],
    ['out-v1', { fusion: 'v1' as const }, 'v1'],
  ])('%s resumes with the same options, every FOV kept; the manifest now names the preset (%j)', async (out, fuse, preset) => {
    const summary = await runBatch({ root: join(work, 'cccid'), out: join(work, out), fuse: { backend: 'cpu', ...fuse }, outputs: ['json'], cpuThreads: 0, resume: true });
    expect(summary).toMatchObject({ selected: 2, resumed: 2, fused: 0, failed: 0 });
    const doc = await manifest(out);
    expect(doc.settings.options.fusion).toBe(preset);
    expect(doc.summary).toEqual({ fovs: 2, ok: 2, failed: 0, notPartOfAnyFov: 1, unplacedImages: 0 });
    expect(doc.problems.map((p: { path: string }) => p.path)).toEqual(['NILM/1. Superficial-Intermediate Cells/overview.bmp']);
    expect(doc.runs.map((run: { fused: number; resumed: number }) => [run.fused, run.resumed])).toEqual([[2, 0], [0, 2]]);
    // Columns added since (depth_fallback) are empty in the rows kept from the earlier run, not 'undefined'.
    const csv = await readFile(join(work, out, 'manifest.csv'), 'utf8');
    expect(csv.split('\n')[0]).toContain('depth_fallback');
    expect(csv).not.toContain('undefined');
  });

  it('a version 1 run resumed under the v2 default is refused, naming the preset that finishes it', async () => {
    await expect(runBatch({ root: join(work, 'cccid'), out: join(work, 'out-v1'), fuse: { backend: 'cpu' }, outputs: ['json'], cpuThreads: 0, resume: true })).rejects.toThrow(
      /2 fields of view were fused here with other settings \(this run vs the earlier one: measure teng vs lapv, sigma 4 vs 3, composite select vs interpolate, depthMode histogram vs gaussian\); rerun with the earlier options \(fusion v1 gives/,
    );
  });

  it('a shard manifest of the previous build merges with one of this build (same settings, the preset name aside)', async () => {
    const out = join(work, 'sharded');
    for (const index of [0, 1]) await runBatch({ root: join(work, 'cccid'), out, fuse: { backend: 'cpu' }, outputs: ['json'], cpuThreads: 0, shard: { index, count: 2 } });
    // Shard 1 as the previous build wrote it: no preset name, the old summary fields; shard 0 with
    // the summary of the build after it (`problems: { errors, warnings }`).
    const path = join(out, 'manifest.shard-1-of-2.json');
    const old = JSON.parse(await readFile(path, 'utf8'));
    delete old.settings.options.fusion;
    old.summary = { fovs: 1, ok: 1, failed: 0, errors: 0, warnings: 1 };
    await writeFile(path, JSON.stringify(old));
    const middlePath = join(out, 'manifest.shard-0-of-2.json');
    const middle = JSON.parse(await readFile(middlePath, 'utf8'));
    middle.summary = { fovs: 1, ok: 1, failed: 0, problems: { errors: 0, warnings: 1 } };
    await writeFile(middlePath, JSON.stringify(middle));
    const merged = await mergeManifests({ outDir: out });
    expect(merged.rows.length).toBe(2);
    expect(merged.summary).toEqual({ fovs: 2, ok: 2, failed: 0, notPartOfAnyFov: 1, unplacedImages: 0 });
  });
});
