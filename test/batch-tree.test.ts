/**
 * `focusfuse batch` on trees as users have them: clutter next to the planes (a truth folder, notes,
 * thumbnails), class and subtype folders that are symbolic links, selections that leave nothing,
 * `--exclude`, `--json-summary`, `--resume` with changed options, and `manifest merge` in a pipeline.
 * Real CLI processes on small generated trees.
 */
import { cp, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SynthManifestFov } from '../src/synth/layout.js';
import { fovId, makeTree, requireBuiltCli, runCli } from './batch-fixtures.js';

let work: string;
/** Every FOV fuses; around them: a `_truth/` mirror, stray files and a thumbnail per FOV. */
let cluttered: string;
let fovs: SynthManifestFov[];
let clutterCount: number;

const fast = ['--backend', 'cpu', '--outputs', 'fused', '--threads', '0'];

beforeAll(async () => {
  requireBuiltCli();
  work = await mkdtemp(join(tmpdir(), 'focusfuse-batch-tree-'));
  cluttered = join(work, 'cluttered');
  fovs = await makeTree(cluttered, { n: 6, size: 32 });
  // The synth truth folder under another name is no longer known to the scan: a `_truth/` folder.
  await rename(join(cluttered, 'ground-truth'), join(cluttered, '_truth'));
  await writeFile(join(cluttered, 'slides.zip'), 'PK');
  const subtypes = new Set(fovs.map((fov) => `${fov.className}/${fov.subtype}`));
  for (const subtype of subtypes) await writeFile(join(cluttered, subtype, 'overview.bmp'), 'BM');
  // A thumbnail per FOV: an image whose name is no plane name.
  for (const fov of fovs) await cp(join(cluttered, fov.files[0]), join(cluttered, fov.className, fov.subtype, `${fov.serial}_(${fov.cx},${fov.cy}).thumb.jpg`));
  clutterCount = 1 + subtypes.size + fovs.length; // + whatever _truth/ gives: counted from the manifest below
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const manifestOf = async (out: string) => JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));

describe('a tree where every FOV fuses but other files lie around', () => {
  it('exits 0 and says so in one warning line with a count, even with -q; the manifest lists every file', async () => {
    const out = join(work, 'out-cluttered');
    const run = await runCli(['batch', cluttered, '--out', out, ...fast, '-q']);
    expect(run.stderr).not.toMatch(/failed FOVs/);
    expect(run.code).toBe(0);
    const doc = await manifestOf(out);
    expect(doc.summary).toMatchObject({ fovs: fovs.length, ok: fovs.length, failed: 0 });
    expect(doc.problems.length).toBeGreaterThan(clutterCount); // the _truth/ folders too
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(3);
    const warning = lines.filter((line) => line.includes('not part of any FOV'));
    expect(warning).toHaveLength(1);
    expect(warning[0]).toContain(`${doc.problems.length} files or folders`);
    expect(warning[0]).toContain(`${fovs.length} images among them`);
    expect(warning[0]).toContain('manifest.json');
  });

  it('--exclude (repeatable, names at any level or paths from the root) leaves them out quietly', async () => {
    const out = join(work, 'out-excluded');
    const run = await runCli(['batch', cluttered, '--out', out, ...fast, '-q', '--exclude', '_truth', '--exclude', '*.bmp', '--exclude', 'slides.zip', '--exclude', '*.thumb.jpg']);
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('not part of any FOV');
    const doc = await manifestOf(out);
    expect(doc.problems).toEqual([]);
    expect(doc.summary.ok).toBe(fovs.length);
    // A glob with a slash matches from the root: a whole class, or one FOV by its id.
    const [first, second] = fovs;
    const some = await runCli(['batch', cluttered, '--out', join(work, 'out-excluded-2'), ...fast, '-q', '--exclude', '_truth', '--exclude', first.className, '--exclude', fovId(second)]);
    expect(some.code).toBe(0);
    const rows = (await manifestOf(join(work, 'out-excluded-2'))).rows.map((r: { fov: string }) => r.fov);
    expect(rows).not.toContain(fovId(second));
    expect(rows.some((id: string) => id.startsWith(`${first.className}/`))).toBe(false);
    expect(rows.length).toBeGreaterThan(0);
  });

  it('manifest merge after sharded runs exits 0 when every FOV is ok (the README pipeline)', async () => {
    const out = join(work, 'out-sharded');
    for (const shard of ['0/2', '1/2']) {
      const run = await runCli(['batch', cluttered, '--out', out, ...fast, '-q', '--shard', shard]);
      expect(run.code).toBe(0);
    }
    const merged = await runCli(['manifest', 'merge', out]);
    expect(merged.stdout).toContain(`${fovs.length} FOVs, ${fovs.length} ok, 0 failed`);
    expect(merged.code).toBe(0);
  });
});

describe('symbolic links', () => {
  it('follows class and subtype folders that are links (a dataset assembled from links)', async () => {
    const store = join(work, 'store');
    const linked = join(work, 'linked');
    const tree = await makeTree(store, { n: 4, size: 32, seed: 3 });
    await mkdir(linked);
    const [a, b] = tree;
    // One class as a link to its folder; one class a real folder whose subtype is a link.
    await symlink(join(store, a.className), join(linked, a.className), 'dir');
    await mkdir(join(linked, b.className));
    await symlink(join(store, b.className, b.subtype), join(linked, b.className, b.subtype), 'dir');
    const out = join(work, 'out-linked');
    const run = await runCli(['batch', linked, '--out', out, ...fast, '-q']);
    expect(run.code).toBe(0);
    const doc = await manifestOf(out);
    expect(doc.problems).toEqual([]);
    const expected = tree.filter((f) => f.className === a.className || (f.className === b.className && f.subtype === b.subtype)).map(fovId).sort();
    expect(doc.rows.map((r: { fov: string }) => r.fov).sort()).toEqual(expected);
    expect(doc.rows.every((r: { status: string }) => r.status === 'ok')).toBe(true);
  });
});

describe('a run that selects no field of view', () => {
  it.each([
    ['--only matching nothing', (root: string) => [root, '--only', 'ASC-H'], /--only 'ASC-H' matched none of the 6 fields of view \(ids look like '/],
    ['--exclude leaving no folder', (root: string) => [root, '--exclude', '*'], /no field of view found .*; --exclude '\*' left out \d+ files and folders/],
    ['--exclude leaving no FOV', (root: string) => [root, '--exclude', '*_(*)'], /--exclude '\*_\(\*\)' left out all 6 fields of view/],
    ['an empty shard', (root: string) => [root, '--shard', '7/8'], /--shard 7\/8 is empty: only 6 fields of view are selected, so use at most 6 shards/],
    ['a subtype folder given as the root', () => [join(cluttered, fovs[0].className, fovs[0].subtype)], /no field of view found .* it holds \d+ images itself: for one stack folder use focusfuse fuse/],
    ['an empty folder', () => [work + '/empty-root'], /no field of view found/],
  ])('%s: exits 2 with the reason and writes nothing', async (_name, args, reason) => {
    await mkdir(join(work, 'empty-root'), { recursive: true });
    const out = join(work, `never-${_name.replace(/\W+/g, '-')}`);
    const run = await runCli(['batch', ...args(cluttered), '--out', out, ...fast]);
    expect(run.stderr).toMatch(reason);
    expect(run.code).toBe(2);
    await expect(readFile(join(out, 'manifest.json'))).rejects.toThrow();
  });
});

describe('a dataset root given one level too high (a zip unpacked as X/CCCID/NILM/...)', () => {
  it('exits 2 naming the folder to give instead', async () => {
    const zip = join(work, 'zip-root');
    await makeTree(join(zip, 'CCCID'), { n: 2, size: 32, seed: 5 });
    const out = join(work, 'never-zip');
    const run = await runCli(['batch', zip, '--out', out, ...fast]);
    expect(run.stderr).toContain(`no field of view found (expected <CLASS>/<subtype>/<serial>_(<cx>,<cy>,<z>).jpg below it), but its folder 'CCCID' holds 2 fields of view: is it one level too high? Give ${join(zip, 'CCCID')}`);
    expect(run.code).toBe(2);
    await expect(readFile(join(out, 'manifest.json'))).rejects.toThrow();
  });
});

describe('scripting', () => {
  it('--json-summary prints one JSON object on stdout and nothing else', async () => {
    const out = join(work, 'out-json');
    const run = await runCli(['batch', cluttered, '--out', out, ...fast, '--exclude', '_truth', '--json-summary']);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ exitCode: 0, selected: fovs.length, fused: fovs.length, failed: 0, failures: [], manifest: { json: join(out, 'manifest.json'), csv: join(out, 'manifest.csv') } });
    expect(summary.notPartOfAnyFov).toBeGreaterThan(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(summary.notPartOfAnyFovOutsideSelection).toBe(0);
    // --only: the root's slides.zip lies outside the selection, counted apart.
    const only = JSON.parse((await runCli(['batch', cluttered, '--out', join(work, 'out-json-only'), ...fast, '--exclude', '_truth', '--only', fovs[0].className, '--json-summary'])).stdout);
    expect(only.notPartOfAnyFovOutsideSelection).toBeGreaterThan(0);
    expect(only.notPartOfAnyFov + only.notPartOfAnyFovOutsideSelection).toBe(summary.notPartOfAnyFov + summary.notPartOfAnyFovOutsideSelection);
  });

  it('--resume with other options than the run it resumes is refused, naming what changed; the same options resume', async () => {
    const out = join(work, 'out-resume');
    const first = await runCli(['batch', cluttered, '--out', out, ...fast, '-q', '--exclude', '_truth', '--measure', 'lapv']);
    expect(first.code).toBe(0);
    const before = await readFile(join(out, 'manifest.json'), 'utf8');
    const changed = await runCli(['batch', cluttered, '--out', out, ...fast, '-q', '--exclude', '_truth', '--resume', '--window', '2']);
    expect(changed.code).toBe(2);
    // tau followed the measure in both runs: not a change of its own.
    expect(changed.stderr).toMatch(/--resume: 6 fields of view were fused here with other settings \(this run vs the earlier one: --measure teng vs lapv, --window 2 vs 4\)/);
    expect(changed.stderr).toContain('without --resume');
    expect(await readFile(join(out, 'manifest.json'), 'utf8')).toBe(before);
    const same = await runCli(['batch', cluttered, '--out', out, ...fast, '-q', '--exclude', '_truth', '--resume', '--measure', 'lapv']);
    expect(same.code).toBe(0);
    expect(same.stderr).toContain(`0 fused, 0 failed, ${fovs.length} skipped`);
  });

  it('a refused --resume names the flags the user typed and both values (--tau, --depth-mode), and the preset flag of the earlier run', async () => {
    const out = join(work, 'out-resume-flags');
    const first = await runCli(['batch', cluttered, '--out', out, ...fast, '-q', '--exclude', '_truth', '--fusion', 'v1']);
    expect(first.code).toBe(0);
    const changed = await runCli(['batch', cluttered, '--out', out, ...fast, '-q', '--exclude', '_truth', '--resume', '--fusion', 'v1', '--tau', '0.005', '--depth-mode', 'histogram']);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toContain('(this run vs the earlier one: --tau 0.005 vs 0.002, --depth-mode histogram vs gaussian)');
    expect(changed.stderr).not.toContain('depthMode');
    const v2 = await runCli(['batch', cluttered, '--out', out, ...fast, '-q', '--exclude', '_truth', '--resume']);
    expect(v2.code).toBe(2);
    expect(v2.stderr).toContain('(this run vs the earlier one: --measure teng vs lapv, --sigma 4 vs 3, --composite select vs interpolate, --depth-mode histogram vs gaussian)');
    expect(v2.stderr).toContain("rerun with the earlier options (--fusion v1 gives that run's fusion preset)");
  });
});
