/**
 * Written results in the `focusfuse view` server, without a browser: a batch-style FOV (PNG maps,
 * names relative to the stats JSON) and a `fuse --json` result (TIFF maps, paths as typed) are
 * listed as results and served part by part (the maps as float32 values equal to what was
 * written); a stats JSON without its maps is noted, never guessed; the new URLs are an allow-list.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveOptions } from '../src/core/options.js';
import { toRgba8Stack } from '../src/core/stack.js';
import type { FuseResult, ZStack } from '../src/core/types.js';
import { fuseCpu } from '../src/cpu/pipeline.js';
import { writeResult } from '../src/io/write-result.js';
import { startViewerServer, type ViewerServer } from '../src/viewer/server.js';
import { folderNotes } from '../src/cli/view.js';

const ASSETS = { html: '<!doctype html><title>viewer</title>', css: 'body{}', script: 'console.log(1)' };

function get(port: number, path: string): Promise<{ status: number; type?: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A small stack with structure at several depths, fused by the CPU reference. */
function fusedStack(width: number, height: number, planes: number, bits: 8 | 12 = 8): FuseResult {
  const top = 2 ** bits - 1;
  const stack = {
    width,
    height,
    planes: Array.from({ length: planes }, (_, z) => {
      const rgba = bits === 8 ? new Uint8Array(width * height * 4) : new Uint16Array(width * height * 4);
      for (let i = 0; i < width * height; i++) {
        const x = i % width;
        const sharpHere = Math.floor((x * planes) / width) === z; // each column band is sharp on one plane
        const v = Math.round(((sharpHere ? ((i * 37) % 7) * 36 : 128) * top) / 255);
        rgba.set([v, v, (v + z) % top, bits === 8 ? 255 : 65535], i * 4);
      }
      return rgba;
    }),
    ...(bits === 8 ? {} : { bitDepth: bits }),
  };
  return fuseCpu(stack as ZStack, resolveOptions({}));
}

const floats = (body: Buffer) => new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.length));

describe('viewer server: written results', () => {
  let root: string;
  let server: ViewerServer;
  let batchResult: FuseResult;
  let fuseResult: FuseResult;
  let wideResult: FuseResult;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'focusfuse-view-results-'));
    // batch's layout: <out>/<CLASS>/<subtype>/<key>.<kind>.<ext>, names recorded relative to the JSON.
    const fov = join(root, 'NILM', 'cells');
    mkdirSync(fov, { recursive: true });
    batchResult = fusedStack(24, 16, 5);
    const stem = join(fov, '001_(1,2)');
    const paths = { fused: `${stem}.fused.png`, depth: `${stem}.depth.png`, confidence: `${stem}.confidence.png`, json: `${stem}.stats.json` };
    const recordedOutputs = Object.fromEntries(Object.entries(paths).map(([kind, path]) => [kind, path.slice(path.lastIndexOf('/') + 1)]));
    await writeResult(batchResult, paths, { recordedOutputs });
    // fuse --json with plain names and float TIFF maps, paths recorded as typed.
    mkdirSync(join(root, 'runs'));
    fuseResult = fusedStack(20, 12, 4);
    await writeResult(fuseResult, { fused: join(root, 'runs', 'bd.jpg'), depth: join(root, 'runs', 'bd-d.tif'), confidence: join(root, 'runs', 'bd-c.tif'), json: join(root, 'runs', 'bd.json') });
    // A stats JSON whose confidence was not written, and an unrelated JSON next to outputs.
    mkdirSync(join(root, 'partial'));
    await writeResult(fuseResult, { fused: join(root, 'partial', 'p.png'), depth: join(root, 'partial', 'p-d.png'), json: join(root, 'partial', 'p.json') });
    writeFileSync(join(root, 'partial', 'notes.json'), '{"not": "stats"}');
    // A 12-bit camera's stack: the fused image is written as a 16-bit PNG of 12-bit samples.
    mkdirSync(join(root, 'wide'));
    wideResult = fusedStack(16, 8, 3, 12);
    await writeResult(wideResult, { fused: join(root, 'wide', 'w.png'), depth: join(root, 'wide', 'w-d.png'), confidence: join(root, 'wide', 'w-c.png'), json: join(root, 'wide', 'w.json') });
    server = await startViewerServer({ assets: ASSETS, folder: root });
  });

  afterAll(async () => {
    await server?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('lists each result with a stats JSON and its three parts, and notes one that lacks a part', async () => {
    const listing = JSON.parse((await get(server.port, '/stacks.json')).body.toString());
    expect(listing.stacks).toEqual([]);
    expect(listing.results[2]).toMatchObject({ id: '2', name: 'wide/w', planeCount: 3 });
    expect(listing.results.slice(0, 2)).toEqual([
      {
        id: '0',
        source: 'folder',
        name: 'NILM/cells/001_(1,2)',
        planeCount: 5,
        urls: { fused: '/results/0/fused', depth: '/results/0/depth', confidence: '/results/0/confidence', stats: '/results/0/stats' },
        files: { fused: '001_(1,2).fused.png', depth: '001_(1,2).depth.png', confidence: '001_(1,2).confidence.png', stats: '001_(1,2).stats.json' },
      },
      {
        id: '1',
        source: 'folder',
        name: 'runs/bd',
        planeCount: 4,
        urls: { fused: '/results/1/fused', depth: '/results/1/depth', confidence: '/results/1/confidence', stats: '/results/1/stats' },
        files: { fused: 'bd.jpg', depth: 'bd-d.tif', confidence: 'bd-c.tif', stats: 'bd.json' },
      },
    ]);
    // The result's own files are the result, not "left out"; the partial one is named by its file, with what it lacks (its outputs with it).
    expect(listing.hidden).toEqual([
      { source: 'folder', name: 'partial', files: 3, reason: 'a stats JSON shown as a result only with the fused image, depth and confidence beside it: p.json lacks confidence' },
    ]);
  });

  it("view's left-out line: nothing a shown result holds (the quick start's depth-color), and fuse --json outputs named by file, not like the stack beside them", async () => {
    // The new user's folder: a stack s12/, `fuse s12 -o s12.png --json s12.json` (and another run) beside it,
    // and the README quick start's out/ (fused, depth, depth-color, confidence, stats).
    const mixed = mkdtempSync(join(tmpdir(), 'focusfuse-view-leftout-'));
    try {
      mkdirSync(join(mixed, 's12'));
      for (const z of [0, 1, 2]) await sharp(Buffer.alloc(8 * 8 * 3, 40 * z), { raw: { width: 8, height: 8, channels: 3 } }).png().toFile(join(mixed, 's12', `z${z}.png`));
      for (const run of ['s12', 's12-auto']) await writeResult(fuseResult, { fused: join(mixed, `${run}.png`), json: join(mixed, `${run}.json`) });
      const out = join(mixed, 'out');
      mkdirSync(out);
      const quick = { fused: 'fused.png', depth: 'depth.png', depthColor: 'depth-color.png', confidence: 'confidence.png', json: 'stats.json' };
      await writeResult(batchResult, Object.fromEntries(Object.entries(quick).map(([kind, name]) => [kind, join(out, name)])));
      const view = await startViewerServer({ assets: ASSETS, folder: mixed });
      try {
        expect([view.stacks.filter((s) => s.source === 'folder').map((s) => s.name), view.results.map((r) => r.name)]).toEqual([['s12'], ['out/stats']]);
        expect(folderNotes(mixed, view)).toEqual([
          `left out 1 group of files that cannot be fused: ${basename(mixed)} (2 stats JSONs shown as a result only with the fused image, depth and confidence beside them: s12-auto.json lacks depth and confidence, s12.json lacks depth and confidence)`,
        ]);
      } finally {
        await view.close();
      }
    } finally {
      rmSync(mixed, { recursive: true, force: true });
    }
  });

  it('serves the fused image as written and the maps as the float32 values written', async () => {
    const fused = await get(server.port, '/results/0/fused');
    expect([fused.status, fused.type]).toEqual([200, 'image/png']);
    const { data } = await sharp(fused.body).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(Buffer.compare(data, Buffer.from(batchResult.image))).toBe(0);
    const depth = floats((await get(server.port, '/results/0/depth')).body);
    const confidence = floats((await get(server.port, '/results/0/confidence')).body);
    expect([depth.length, confidence.length]).toEqual([24 * 16, 24 * 16]);
    // 16-bit PNG: round(D * 1000) and round(C * 65535).
    for (let i = 0; i < depth.length; i++) {
      expect(Math.abs(depth[i] - batchResult.depth[i]), `depth ${i}`).toBeLessThanOrEqual(0.0005 + 1e-6);
      expect(Math.abs(confidence[i] - batchResult.confidence[i]), `confidence ${i}`).toBeLessThanOrEqual(0.5 / 65535 + 1e-7);
    }
    expect(Math.max(...depth)).toBeGreaterThan(1); // not all one plane: the test would not see a wrong scale otherwise
    // Float TIFF maps: the values themselves; JPEG fused: the file as it is.
    expect(floats((await get(server.port, '/results/1/depth')).body)).toEqual(fuseResult.depth);
    expect(floats((await get(server.port, '/results/1/confidence')).body)).toEqual(fuseResult.confidence);
    const jpeg = await get(server.port, '/results/1/fused');
    expect([jpeg.status, jpeg.type]).toEqual([200, 'image/jpeg']);
    const stats = await get(server.port, '/results/1/stats');
    expect(JSON.parse(stats.body.toString())).toMatchObject({ formatVersion: 1, input: { planeCount: 4 }, stats: { bestPlane: fuseResult.stats.bestPlane } });
  });

  it('sends a 16-bit fused image as 8-bit PNG scaled from the bits its samples use, not near black', async () => {
    const wide = server.results.find((result) => result.name === 'wide/w')!;
    expect((await sharp(join(root, 'wide', 'w.png')).metadata()).depth, 'written as 16-bit').toBe('ushort');
    const png = await get(server.port, wide.urls.fused);
    expect([png.status, png.type]).toEqual([200, 'image/png']);
    const { data, info } = await sharp(png.body).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, (await sharp(png.body).metadata()).depth]).toEqual([16, 8, 'uchar']);
    const image16 = wideResult.image16!;
    const expected = toRgba8Stack({ width: 16, height: 8, planes: [image16], bitDepth: 12 }).planes[0];
    const rgb = (pixels: Uint8Array) => Array.from(pixels).filter((_, i) => i % 4 !== 3);
    expect(rgb(data)).toEqual(rgb(expected));
    expect(Math.max(...rgb(data))).toBeGreaterThan(200);
  });

  it('answers 404 to result URLs it did not list and to traversal attempts', async () => {
    const attempts = [
      '/results/3/fused',
      '/results/0/rawDepth',
      '/results/0/stats.json',
      '/results/0',
      '/results/0/fused/../depth',
      '/results/0/..%2f..%2fNILM/cells/001_(1,2).stats.json',
      '/NILM/cells/001_(1,2).fused.png',
      '/results/-1/fused',
      '/partial/p.png',
    ];
    // The parts it listed are answered (so the 404s below are the allow-list at work, not a missing route).
    for (const part of ['fused', 'depth', 'confidence', 'stats']) expect((await get(server.port, `/results/0/${part}`)).status, part).toBe(200);
    for (const path of attempts) expect((await get(server.port, path)).status, path).toBe(404);
  });
});
