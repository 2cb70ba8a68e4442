/**
 * The batch scan on trees that hold results next to the data: ground truth and outputs known by
 * their names (the same names the viewer leaves out), and an earlier batch run's output folder.
 */
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemsLine } from '../src/batch/progress.js';
import { runBatch } from '../src/batch/run.js';
import { scanDataset } from '../src/batch/scan.js';
import { findStacks } from '../src/viewer/stacks.js';
import { makeTree } from './batch-fixtures.js';

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'focusfuse-batch-scan-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function touch(path: string, text = 'x'): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
}

describe('images named as focusfuse outputs or ground truth', () => {
  it('are warnings with that reason, as the viewer says, not "rename it" errors', async () => {
    const root = join(work, 'truth-by-name');
    const names = ['001_(1,2).aif.png', '001_(1,2).mask.png', '001_(1,2).depth.png', '002_(3,4).fused.jpg'];
    for (const name of names) await touch(join(root, '_truth', 'NILM', name));
    await touch(join(root, '_truth', 'NILM', 'IMG_0042.jpg'));
    const { problems } = await scanDataset(root);
    for (const name of names) {
      const problem = problems.find((p) => p.path === `_truth/NILM/${name}`);
      expect(problem, name).toMatchObject({ level: 'warning' });
      expect(problem!.reason).toContain('focusfuse outputs or ground truth');
      expect(problem!.reason).not.toMatch(/rename/);
    }
    // A name that is neither a plane nor a result stays an error: it may be data left unfused.
    expect(problems.find((p) => p.path === '_truth/NILM/IMG_0042.jpg')).toMatchObject({ level: 'error', reason: expect.stringMatching(/rename/) });
    const viewer = findStacks(names.map((name) => `_truth/NILM/${name}`));
    expect(viewer.hidden.map((h) => h.reason)).toEqual(['focusfuse outputs or ground truth, not planes']);
  });
});

describe('an earlier batch output folder inside the dataset', () => {
  it('is left out and listed apart, not reported as stray files; a folder with another manifest.json is scanned', async () => {
    const root = join(work, 'earlier-output');
    await touch(join(root, 'fused', 'manifest.json'), JSON.stringify({ formatVersion: 1, generator: 'focusfuse batch', rows: [] }));
    await touch(join(root, 'fused', 'manifest.csv'), 'fov,status\n');
    await touch(join(root, 'fused', 'NILM', 'A', '001_(1,2).fused.png'));
    await touch(join(root, 'shards', 'manifest.shard-0-of-2.json'), JSON.stringify({ generator: 'focusfuse batch' }));
    await touch(join(root, 'shards', 'NILM', 'A', '001_(1,2).stats.json'), '{}');
    await touch(join(root, 'other', 'manifest.json'), JSON.stringify({ name: 'not ours' }));
    const scan = await scanDataset(root);
    expect(scan.earlierOutputs).toEqual(['fused', 'shards']);
    expect(scan.problems.filter((p) => /^(fused|shards)(\/|$)/.test(p.path))).toEqual([]);
    expect(scan.problems.some((p) => p.path.startsWith('other'))).toBe(true);
  });

  it('a later run with another --out says so in one note', async () => {
    const root = join(work, 'rerun');
    await makeTree(root, { n: 1, size: 32 });
    await touch(join(root, 'fused', 'manifest.json'), JSON.stringify({ generator: 'focusfuse batch' }));
    await touch(join(root, 'fused', 'manifest.csv'), 'fov,status\n');
    const warnings: string[] = [];
    const summary = await runBatch({ root, out: join(root, 'fused-2'), fuse: { backend: 'cpu' }, outputs: ['fused'], cpuThreads: 0, warn: (m) => warnings.push(m) });
    expect(summary.failed).toBe(0);
    expect(summary.problems.filter((p) => p.path.startsWith('fused'))).toEqual([]);
    expect(warnings.filter((w) => w.includes("'fused'"))).toEqual([expect.stringContaining('an earlier batch output')]);
  });
});

describe('--out inside the dataset', () => {
  it('is refused where it holds fields of view (a class or subtype folder), below a class folder and in the truth, before anything is written; a new folder at the top is fine', async () => {
    const root = join(work, 'out-inside');
    const fovs = await makeTree(root, { n: 4, size: 32 });
    const [fov] = fovs;
    const options = { root, fuse: { backend: 'cpu' as const }, outputs: ['fused' as const], cpuThreads: 0 };
    const inClass = fovs.filter((f) => f.className === fov.className).length;
    for (const out of [join(root, fov.className), join(root, fov.className, fov.subtype)]) {
      const error = await runBatch({ ...options, out }).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(new RegExp(`^out ${out.replace(/[.()]/g, '\\$&')} lies inside the dataset and holds \\d+ fields? of view of it \\(${fov.className}/`));
      expect(await readdir(out)).not.toContain('manifest.json');
    }
    expect(inClass).toBeGreaterThan(0);
    // Below a class folder (a later run would read the outputs as a subtype's strays) and synth's truth: refused too.
    for (const [out, message] of [
      [join(root, fov.className, 'new'), `lies inside the dataset's folder ${fov.className}, where a later run would take its outputs for data`],
      [join(root, 'ground-truth'), "is inside the dataset's ground-truth, focusfuse synth's truth"],
    ]) {
      await expect(runBatch({ ...options, out })).rejects.toThrow(message);
    }
    const fresh = await runBatch({ ...options, out: join(root, 'fused') });
    expect(fresh.fused).toBe(fovs.length);
    // Its own earlier output is not data: a second run into it is not refused.
    expect((await runBatch({ ...options, out: join(root, 'fused'), resume: true })).failed).toBe(0);
  });
});

describe('--only', () => {
  it('warns about the problems inside the selection and only counts those elsewhere in the tree', async () => {
    const root = join(work, 'only');
    const [fov] = await makeTree(root, { n: 1, size: 32 });
    await touch(join(root, fov.className, fov.subtype, 'overview.bmp'));
    await mkdir(join(root, 'ZZZ', 'B'), { recursive: true });
    await symlink(join(root, 'nowhere.jpg'), join(root, 'ZZZ', 'B', 'broken.jpg'));
    await touch(join(root, 'slides.zip'));
    await touch(join(root, 'ZZZ', 'B', 'overview.bmp'));
    const options = { root, fuse: { backend: 'cpu' as const }, outputs: ['fused' as const], cpuThreads: 0 };
    const all = await runBatch({ ...options, out: join(work, 'only-all') });
    expect(all.problems.some((p) => p.path.startsWith('ZZZ/'))).toBe(true);
    expect(all.problemsOutside).toBe(0);

    const only = await runBatch({ ...options, out: join(work, 'only-one'), only: [fov.className] });
    expect(only.problems.map((p) => p.path)).toEqual([`${fov.className}/${fov.subtype}/overview.bmp`]);
    expect(only.problemsOutside).toBe(all.problems.length - 1);
    const line = problemsLine(only);
    expect(line).toContain('1 file or folder in the selection is not part of any FOV');
    expect(line).toContain(`${only.problemsOutside} files or folders outside the --only selection`);
    expect(line).not.toContain('ZZZ');

    const subtypeOnly = await runBatch({ ...options, out: join(work, 'only-fov'), only: [`${fov.className}/${fov.subtype}/${fov.serial}_*`] });
    expect(subtypeOnly.problems.map((p) => p.path)).toEqual([`${fov.className}/${fov.subtype}/overview.bmp`]);
  });
});
