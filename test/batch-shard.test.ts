/**
 * `--shard i/n` and `focusfuse manifest merge`: n shards writing into one shared output folder
 * produce exactly the files and manifest of a single run; selection helpers are deterministic.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../src/batch/run.js';
import { globToRegExp, matchesOnly, parseShard, takeShard } from '../src/batch/select.js';
import { expectSameOutputs, makeTree, requireBuiltCli, runCli } from './batch-fixtures.js';

let work: string;
let root: string;

beforeAll(async () => {
  requireBuiltCli();
  work = await mkdtemp(join(tmpdir(), 'focusfuse-batch-shard-'));
  root = join(work, 'cccid');
  await makeTree(root, { n: 11, size: 48 });
  // One file the scan reports: every shard reports it, the merge must keep it once.
  await writeFile(join(root, 'NILM', 'stray.bin'), 'x');
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('sharded batch', () => {
  it('3 shards plus manifest merge equal one run over the whole tree', async () => {
    const single = join(work, 'single');
    const sharded = join(work, 'sharded');
    const options = { root, fuse: { backend: 'cpu' as const }, outputs: ['fused' as const, 'depth' as const, 'json' as const] };
    const whole = await runBatch({ ...options, out: single });
    expect(whole.fused).toBe(11);
    const counts: number[] = [];
    for (let index = 0; index < 3; index++) {
      const part = await runBatch({ ...options, out: sharded, shard: { index, count: 3 } });
      counts.push(part.selected);
    }
    expect(counts).toEqual([4, 4, 3]);
    const merged = await runCli(['manifest', 'merge', sharded]);
    expect(merged.code).toBe(0);
    expect(merged.stdout).toContain('11 FOVs, 11 ok, 0 failed');
    // The shard manifests are the only extra files.
    for (let index = 0; index < 3; index++) {
      for (const ext of ['json', 'csv']) await rm(join(sharded, `manifest.shard-${index}-of-3.${ext}`));
    }
    await expectSameOutputs(single, sharded, expect);
    const doc = JSON.parse(await readFile(join(sharded, 'manifest.json'), 'utf8'));
    expect(doc.problems).toHaveLength(1);
    expect(doc.runs).toHaveLength(3);
  });

  it('the CLI fusing on 2 worker threads writes exactly what the main-thread library run writes', async () => {
    const threaded = join(work, 'threaded');
    const run = await runCli(['batch', root, '--out', threaded, '--backend', 'cpu', '--threads', '2', '--outputs', 'fused,depth,json']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('2 worker threads');
    await expectSameOutputs(join(work, 'single'), threaded, expect);
  });

  it('merge refuses an incomplete set of shards, naming what is missing', async () => {
    const out = join(work, 'partial');
    await runBatch({ root, out, fuse: { backend: 'cpu' }, outputs: ['json'], shard: { index: 1, count: 2 } });
    const merged = await runCli(['manifest', 'merge', out]);
    expect(merged.code).toBe(2);
    expect(merged.stderr).toContain('shard 0 of 2 missing (no manifest.shard-0-of-2.json); run it, then merge again');
  });

  it('merge refuses shards of other settings, saying what differs', async () => {
    const out = join(work, 'mixed-settings');
    await runBatch({ root, out, fuse: { backend: 'cpu' }, outputs: ['json'], shard: { index: 0, count: 2 } });
    await runBatch({ root, out, fuse: { backend: 'cpu', sigma: 2 }, outputs: ['json'], shard: { index: 1, count: 2 } });
    const merged = await runCli(['manifest', 'merge', out]);
    expect(merged.code).toBe(2);
    expect(merged.stderr).toContain('was made with other settings than');
    expect(merged.stderr).toMatch(/\(this shard vs that one: sigma (2 vs 4|4 vs 2)\)\n$/);
  });
});

describe('selection', () => {
  it('parses --shard i/n and rejects anything else', () => {
    expect(parseShard('2/8')).toEqual({ index: 2, count: 8 });
    for (const bad of ['8/8', '1', '-1/2', 'a/b', '0/0']) expect(() => parseShard(bad), bad).toThrow(/--shard/);
  });

  it('deals items round-robin: shards are disjoint, balanced and cover the list', () => {
    const items = Array.from({ length: 23 }, (_, i) => `fov${i}`);
    const shards = [0, 1, 2, 3].map((index) => takeShard(items, { index, count: 4 }));
    expect(shards.map((s) => s.length)).toEqual([6, 6, 6, 5]);
    expect(shards.flat().sort()).toEqual([...items].sort());
  });

  it('matches --only globs on class, subtype and serial', () => {
    const id = 'SCC_etc/3. Others e.g. Adeno. Carcinoma/012_(400,-7)';
    const match = (glob: string) => matchesOnly(id, [globToRegExp(glob)]);
    expect(match('SCC_etc')).toBe(true);
    expect(match('SCC_*/3. *')).toBe(true);
    expect(match('**/012_*')).toBe(true);
    expect(match('*/*/012_(400,-7)')).toBe(true);
    expect(match('{HSIL,SCC_etc}/*/01?_*')).toBe(true);
    expect(match('SCC')).toBe(false);
    expect(match('*/012_*')).toBe(false);
    expect(match('SCC_etc/3. Others e_g_ Adeno_ Carcinoma')).toBe(false);
    expect(matchesOnly(id, [])).toBe(true);
  });
});
