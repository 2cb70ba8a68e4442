/**
 * Alignment in batch runs: the manifest records what the alignment stage did and its transforms,
 * and `auto` on a registered (CCCID-like) tree changes nothing.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../src/batch/run.js';
import { makeTree } from './batch-fixtures.js';

let work: string;
let root: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'focusfuse-batch-align-'));
  root = join(work, 'cccid');
  // CCCID size, the size the claim is about (tiny textureless fields have their own test in
  // test/align-recovery.test.ts).
  await makeTree(root, { n: 2, size: 384 });
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('batch alignment columns', () => {
  it('records none, auto (not applied) and the per-plane transforms of a forced similarity', async () => {
    const runs = {} as Record<string, Awaited<ReturnType<typeof runBatch>>>;
    for (const align of ['none', 'auto', 'similarity'] as const) {
      runs[align] = await runBatch({ root, out: join(work, align), fuse: { backend: 'cpu', align }, outputs: ['fused', 'json'] });
      expect(runs[align].failed).toBe(0);
    }
    const rows = async (align: string) => JSON.parse(await readFile(join(work, align, 'manifest.json'), 'utf8')).rows as Record<string, unknown>[];
    for (const row of await rows('none')) expect([row.align, row.align_transforms]).toEqual(['none', '']);
    for (const row of await rows("auto")) expect(row.align, JSON.stringify(row)).toBe("auto (not applied)");
    for (const row of await rows('similarity')) {
      expect(row.align).toBe('similarity');
      const planes = String(row.align_transforms).split(';');
      expect(planes).toHaveLength(Number(row.planes));
      for (const plane of planes) expect(plane.split(' ').map(Number)).toHaveLength(9);
      // A registered synthetic tree: every estimated transform is close to identity.
      expect(Number(row.align_max_px)).toBeLessThan(0.5);
    }
    // auto on a registered tree leaves the fused images byte-identical to none.
    const fusedOf = async (align: string, row: Record<string, unknown>) => readFile(join(work, align, `${row.fov}.fused.png`));
    for (const row of await rows('none')) expect((await fusedOf('auto', row)).equals(await fusedOf('none', row))).toBe(true);
  });
});
