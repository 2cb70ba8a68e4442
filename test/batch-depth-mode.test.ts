/**
 * Depth mode in batch runs: the manifest records `depthMode` only when it is not version 1's (so
 * manifests and resume fingerprints of earlier runs still match), and `--resume` with another mode
 * is refused (as any other settings change is: docs/batch.md) instead of mixing modes in one tree.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { runBatch } from '../src/batch/run.js';
import { loadStack } from '../src/io/load-stack.js';
import { makeTree } from './batch-fixtures.js';

let work: string;
let root: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'focusfuse-batch-depth-'));
  root = join(work, 'cccid');
  await makeTree(root, { n: 1, size: 96 });
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('batch --depth-mode', () => {
  it('records edge-aware in the settings, leaves gaussian out, and refuses to resume with another mode', async () => {
    const out = join(work, 'out');
    const settings = async () => JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')).settings.options as Record<string, unknown>;
    const v1 = await runBatch({ root, out, fuse: { backend: 'cpu', fusion: 'v1' }, outputs: ['json'] });
    expect(v1.failed).toBe(0);
    expect(await settings()).not.toHaveProperty('depthMode');
    expect((await settings()).fusion).toBe('v1');
    // A run of the version 1 default, resumed under the v2 default: refused, naming the flag that finishes it.
    await expect(runBatch({ root, out, fuse: { backend: 'cpu' }, outputs: ['json'], resume: true })).rejects.toThrow(
      // A library caller is told the option keys it passed (the CLI passes its flags instead).
      /other settings \(this run vs the earlier one: measure teng vs lapv, sigma 4 vs 3, composite select vs interpolate, depthMode histogram vs gaussian\); rerun with the earlier options \(fusion v1 gives that run's fusion preset\)/,
    );
    await expect(runBatch({ root, out, fuse: { backend: 'cpu', fusion: 'v1', depthMode: 'edge-aware' }, outputs: ['json'], resume: true })).rejects.toThrow(
      /--resume: 1 field of view was fused here with other settings \(this run vs the earlier one: depthMode edge-aware vs gaussian\); rerun with the earlier options to finish/,
    );
    expect(await settings()).not.toHaveProperty('depthMode');
    const edge = await runBatch({ root, out, fuse: { backend: 'cpu', fusion: 'v1', depthMode: 'edge-aware' }, outputs: ['json'] });
    expect(edge.resumed).toBe(0);
    expect((await settings()).depthMode).toBe('edge-aware');
    expect((await settings()).fusion).toBe('custom'); // v1 with another depth mode is neither preset
    const again = await runBatch({ root, out, fuse: { backend: 'cpu', fusion: 'v1', depthMode: 'edge-aware' }, outputs: ['json'], resume: true });
    expect(again.resumed).toBe(1);
  });
  it('records --one-plane off (leaves the default auto out, so earlier runs still resume) and refuses to resume with the other', async () => {
    const out = join(work, 'out-one-plane');
    const settings = async () => JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')).settings.options as Record<string, unknown>;
    await runBatch({ root, out, fuse: { backend: 'cpu' }, outputs: ['json'] });
    expect(await settings()).not.toHaveProperty('onePlane');
    await expect(runBatch({ root, out, fuse: { backend: 'cpu', onePlane: 'off' }, outputs: ['json'], resume: true })).rejects.toThrow(/this run vs the earlier one: onePlane off vs auto/);
    const off = await runBatch({ root, out, fuse: { backend: 'cpu', onePlane: 'off' }, outputs: ['json'] });
    expect(off.failed).toBe(0);
    expect((await settings()).onePlane).toBe('off');
    expect((await runBatch({ root, out, fuse: { backend: 'cpu', onePlane: 'off' }, outputs: ['json'], resume: true })).resumed).toBe(1);
  });
  it('names the FOVs a depth mode showed as one plane (manifest column depth_fallback)', async () => {
    // A CCCID-named FOV of the planar tools wall (a 200 x 200 crop), which the one-plane test shows as plane 0.
    const tools = await loadStack(join(import.meta.dirname, 'fixtures/real/tools'));
    const dir = join(work, 'planar', 'NILM', '1. Wall');
    await mkdir(dir, { recursive: true });
    await Promise.all(
      tools.planes.map((plane, z) =>
        sharp(plane, { raw: { width: tools.width, height: tools.height, channels: 4 } }).extract({ left: 200, top: 50, width: 200, height: 200 }).removeAlpha().png().toFile(join(dir, `001_(10,20,${z}).png`)),
      ),
    );
    const out = join(work, 'out-planar');
    await runBatch({ root: join(work, 'planar'), out, fuse: { backend: 'cpu' }, outputs: ['json'] });
    const column = async () => (JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')).rows as { depth_fallback: string }[]).map((r) => r.depth_fallback);
    expect(await column()).toEqual(['halos 0']);
    expect(await readFile(join(out, 'manifest.csv'), 'utf8')).toMatch(/^fov,.*,depth_fallback,.*\n.*,halos 0,/);
    await runBatch({ root: join(work, 'planar'), out, fuse: { backend: 'cpu', onePlane: 'off' }, outputs: ['json'] });
    expect(await column()).toEqual(['']);
  });
});
