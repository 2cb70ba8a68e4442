/**
 * The `focusfuse view` server and stack discovery, without a browser: it binds 127.0.0.1, serves
 * the page, `/stacks.json` and the catalogued planes, and nothing else (traversal attempts, raw or
 * encoded, and other Host headers get 404); stacks are found and ordered the way the CLI orders them.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { FocusFuseError } from '../src/core/errors.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { folderNotes, viewCommand } from '../src/cli/view.js';
import { startViewerServer, type ViewerServer } from '../src/viewer/server.js';
import sharp from 'sharp';
import { isLoopbackHost } from '../src/viewer/loopback-host.js';
import { findStacks, groupStacks } from '../src/viewer/stacks.js';
import { loadStack, significantBits } from '../src/io/load-stack.js';
import { outputTagXmp, type OutputTagKind } from '../src/io/output-tag.js';
import { handMadeTiff } from './tiff-fixtures.js';
import { unsupportedSamples } from '../src/io/decode.js';

const ASSETS = { html: '<!doctype html><title>viewer</title>', css: 'body{}', script: 'console.log(1)' };

/** A raw GET: node:http sends the path as given (fetch would normalise `..` away). */
function get(port: number, path: string, host = `127.0.0.1:${port}`): Promise<{ status: number; type?: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('groupStacks', () => {
  it('orders CCCID planes by z numerically, other names naturally, one stack per FOV and folder', () => {
    const cccid = [10, 2, 0, 1, 9, 3, 4, 5, 6, 7, 8].map((z) => `A/s/001_(5,6,${z}).jpg`);
    const stacks = groupStacks([...cccid, 'A/s/002_(7,8,1).jpg', 'A/s/002_(7,8,0).jpg', 'B/z10.png', 'B/z2.png', 'B/z1.png', 'B/notes.txt', 'B/.hidden.png', 'C/x.tif']);
    expect(stacks.map((s) => s.name)).toEqual(['A/s/001_(5,6)', 'A/s/002_(7,8)', 'B']);
    expect(stacks[0].files).toEqual(Array.from({ length: 11 }, (_, z) => `A/s/001_(5,6,${z}).jpg`));
    expect(stacks[0].zStepUm).toBe(1);
    expect(stacks[2].files).toEqual(['B/z1.png', 'B/z2.png', 'B/z10.png']);
    expect(stacks[2].zStepUm).toBeUndefined();
  });

  it('leaves out focusfuse outputs, ground truth, strays next to CCCID planes and single images, saying why', () => {
    const cccid = [0, 1, 2].map((z) => `A/001_(5,6,${z}).jpg`);
    const { stacks, hidden } = findStacks([
      ...cccid,
      'A/fused.png',
      'A/001_(5,6).depth-color.png',
      'A/thumb.jpg',
      'T/001_(5,6).aif.png',
      'T/001_(5,6).depth.png',
      'T/001_(5,6).mask.png',
      'one/only.png',
      'B/z1.png',
      'B/z2.png',
      'B/x-confidence.tif',
    ]);
    expect(stacks.map((stack) => [stack.name, stack.files])).toEqual([
      ['A/001_(5,6)', cccid],
      ['B', ['B/z1.png', 'B/z2.png']],
    ]);
    expect(hidden).toEqual([
      { name: 'A', files: ['A/fused.png', 'A/001_(5,6).depth-color.png'], reason: 'focusfuse outputs or ground truth, not planes' },
      { name: 'A', files: ['A/thumb.jpg'], reason: 'not CCCID planes, next to CCCID fields of view' },
      { name: 'T', files: ['T/001_(5,6).aif.png', 'T/001_(5,6).depth.png', 'T/001_(5,6).mask.png'], reason: 'focusfuse outputs or ground truth, not planes' },
      { name: 'one', files: ['one/only.png'], reason: 'a single image is not a focal stack' },
    ]);
    // TIFF only where asked for (the server converts it; the page cannot decode it).
    expect(findStacks(['C/z1.tif', 'C/z2.tif']).stacks).toEqual([]);
    expect(findStacks(['C/z1.tif', 'C/z2.tif'], ['.tif']).stacks).toEqual([{ name: 'C', files: ['C/z1.tif', 'C/z2.tif'] }]);
  });

  it('reports a gap in z instead of ordering around it', () => {
    const [stack] = groupStacks(['s_(1,2,0).jpg', 's_(1,2,1).jpg', 's_(1,2,3).jpg']);
    expect(stack.error).toMatch(/gap in z: z=2 is missing/);
  });
});

describe('isLoopbackHost', () => {
  it('accepts loopback names on any port and nothing else', () => {
    for (const host of ['127.0.0.1:8080', '127.0.0.1', 'localhost:9000', 'LocalHost:1', 'localhost', '[::1]:9000', '[::1]']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of [undefined, '', 'evil.example', 'evil.example:8080', 'localhost.evil.example', '127.0.0.1.nip.io:80', 'a.localhost', '[::2]:80', '127.0.0.2:80', 'localhost:0', 'localhost:65536', 'localhost:', 'localhost:80:80', '0.0.0.0:80']) {
      expect(isLoopbackHost(host), String(host)).toBe(false);
    }
  });
});

describe('viewer server', () => {
  let root: string;
  let server: ViewerServer;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'focusfuse-view-server-'));
    const data = join(root, 'data');
    mkdirSync(join(data, 'NILM', 'cells'), { recursive: true });
    mkdirSync(join(data, 'ground-truth', 'NILM'), { recursive: true });
    for (const z of [0, 1, 2]) writeFileSync(join(data, 'NILM', 'cells', `001_(1,2,${z}).jpg`), `plane ${z}`);
    writeFileSync(join(data, 'ground-truth', 'NILM', '001_(1,2).aif.png'), 'truth');
    writeFileSync(join(root, 'secret.txt'), 'secret');
    writeFileSync(join(data, 'notes.txt'), 'not an image');
    server = await startViewerServer({ assets: ASSETS, folder: data });
  });

  afterAll(async () => {
    await server?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('serves the page on 127.0.0.1 and lists the stacks, ground truth left out', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const page = await get(server.port, '/?stack=0');
    expect([page.status, page.body.toString()]).toEqual([200, ASSETS.html]);
    expect((await get(server.port, '/viewer.js')).body.toString()).toBe(ASSETS.script);
    const listing = JSON.parse((await get(server.port, '/stacks.json')).body.toString());
    expect(listing.stacks).toHaveLength(1);
    expect(listing.stacks[0]).toMatchObject({ name: 'NILM/cells/001_(1,2)', files: ['001_(1,2,0).jpg', '001_(1,2,1).jpg', '001_(1,2,2).jpg'], zStepUm: 1 });
    const plane = await get(server.port, listing.stacks[0].planes[2]);
    expect([plane.status, plane.type, plane.body.toString()]).toEqual([200, 'image/jpeg', 'plane 2']);
  });

  it('lists a bundled sample once when the folder served holds it (view examples/samples)', async () => {
    const samples = join(root, 'samples');
    mkdirSync(join(samples, 'one'), { recursive: true });
    for (const z of [0, 1]) writeFileSync(join(samples, 'one', `z${z}.jpg`), `plane ${z}`);
    for (const folder of [samples, join(samples, 'one')]) {
      const view = await startViewerServer({ assets: ASSETS, folder, samples });
      try {
        const listing = JSON.parse((await get(view.port, '/stacks.json')).body.toString());
        expect(listing.stacks.map((s: { source: string }) => s.source)).toEqual(['folder']);
      } finally {
        await view.close();
      }
    }
    const elsewhere = await startViewerServer({ assets: ASSETS, folder: join(root, 'data'), samples });
    try {
      const listing = JSON.parse((await get(elsewhere.port, '/stacks.json')).body.toString());
      expect(listing.stacks.map((s: { source: string }) => s.source)).toEqual(['folder', 'sample']);
    } finally {
      await elsewhere.close();
    }
  });

  it('answers 404 to anything outside its allow-list', async () => {
    const attempts = [
      '/../secret.txt',
      '/stacks/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/stacks/0/..%2f..%2fsecret.txt',
      '/notes.txt',
      '/NILM/cells/001_(1,2,0).jpg',
      '/stacks/0/3',
      '/stacks/1/0',
      '/ground-truth/NILM/001_(1,2).aif.png',
      '//etc/passwd',
      '/src/viewer/server.ts',
    ];
    for (const path of attempts) expect((await get(server.port, path)).status, path).toBe(404);
    for (const host of [`evil.example:${server.port}`, `localhost.evil.example:${server.port}`, '127.0.0.1.nip.io']) {
      expect((await get(server.port, '/', host)).status, `Host: ${host}`).toBe(404);
    }
  });

  it('answers under localhost and [::1], and through a port forward (another port in Host), bound to 127.0.0.1 only', async () => {
    for (const host of [`localhost:${server.port}`, 'localhost:9000', `[::1]:${server.port}`, '127.0.0.1:9000', 'localhost']) {
      const page = await get(server.port, '/', host);
      expect([page.status, page.body.toString()], host).toEqual([200, ASSETS.html]);
      expect((await get(server.port, '/stacks.json', host)).status, host).toBe(200);
    }
    await expect(new Promise((resolve, reject) => request({ host: '::1', port: server.port, path: '/' }, resolve).on('error', reject).end())).rejects.toThrow(
      /ECONNREFUSED|EADDRNOTAVAIL|ENETUNREACH/,
    );
  });

  it('the view command rejects bad arguments before serving anything', async () => {
    await expect(viewCommand.run([join(root, 'missing'), '--no-open'])).rejects.toThrow(/no such folder/);
    await expect(viewCommand.run([join(root, 'secret.txt'), '--no-open'])).rejects.toThrow(/is not a folder/);
    await expect(viewCommand.run(['--port', '70000', '--no-open'])).rejects.toThrow(/Expected an integer between 0 and 65535 for --port/);
    await expect(viewCommand.run(['a', 'b'])).rejects.toThrow(/at most one folder/);
  });

  it('a port in use is one clean line naming the port and what to do, exit 2 (not a Node stack trace)', async () => {
    const busy = server.port;
    const error = await viewCommand.run(['--port', String(busy), '--no-open']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FocusFuseError);
    expect((error as Error).message).toBe(`port ${busy} on 127.0.0.1 is in use (another focusfuse view?); give another --port, or --port 0 for a free one`);
    // What the user sees: main.ts prints a FocusFuseError as one line and exits 2.
    const run = await new Promise<{ code: number; stderr: string }>((done) =>
      execFile(process.execPath, [resolve('dist/cli.js'), 'view', '--port', String(busy), '--no-open'], { encoding: 'utf8' }, (e, _out, stderr) =>
        done({ code: e ? Number(e.code) : 0, stderr }),
      ),
    );
    expect(run).toEqual({ code: 2, stderr: `focusfuse: ${(error as Error).message}\n` });
  });
});

/** Page z of the test's multi-page TIFFs (5x3 grey; -1: every page, 3 of 8 bits, 2 of 16 bits using 12), as written. */
const fijiPage8 = (z: number): number[] => (z < 0 ? [0, 1, 2].flatMap(fijiPage8) : Array.from({ length: 15 }, (_, i) => (i * 17 + z * 60) % 256));
const fijiPage16 = (z: number): number[] => (z < 0 ? [0, 1].flatMap(fijiPage16) : Array.from({ length: 15 }, (_, i) => (i * 271 + z * 1000) % 4096));

describe('viewer server: what it offers', () => {
  let root: string;
  let server: ViewerServer;
  let tiffPlanes: Buffer[];
  let camera12: Uint16Array[];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'focusfuse-view-offer-'));
    const cells = join(root, 'NILM', 'cells');
    mkdirSync(cells, { recursive: true });
    for (const z of [0, 1, 2]) writeFileSync(join(cells, `001_(1,2,${z}).jpg`), `plane ${z}`);
    // A fused run's outputs and a thumbnail next to the planes, truth under another folder name, a lone image.
    for (const name of ['fused.png', 'depth.png', '001_(1,2).depth-color.png', 'thumbnail.jpg']) writeFileSync(join(cells, name), 'not a plane');
    mkdirSync(join(root, '_truth', 'NILM', 'cells'), { recursive: true });
    for (const kind of ['aif', 'depth', 'mask']) writeFileSync(join(root, '_truth', 'NILM', 'cells', `001_(1,2).${kind}.png`), 'truth');
    mkdirSync(join(root, 'notes'));
    writeFileSync(join(root, 'notes', 'figure.png'), 'figure');
    // Notes and metadata pass quietly; a plane saved under a wrong name is named (folderFileKind).
    for (const name of ['meta.json', 'ATTRIBUTION.md', 'notes.txt', 'Thumbs.db']) writeFileSync(join(cells, name), 'x');
    writeFileSync(join(cells, '001_(1,2,3).jpg.bak'), 'plane 3');
    // A TIFF stack: 16-bit grey, as microscope cameras write it.
    mkdirSync(join(root, 'tiff'));
    tiffPlanes = [];
    for (const z of [0, 1]) {
      // A Uint16Array, so sharp takes 16-bit samples (a Buffer would be read as bytes); the test below recomputes them.
      const pixels = Uint16Array.from({ length: 24 }, (_, i) => (i * 2000 + z * 700) % 65536);
      const tiff = await sharp(pixels, { raw: { width: 6, height: 4, channels: 1 } }).toColourspace('grey16').tiff({ compression: 'lzw' }).toBuffer(); // sharp's default, JPEG, would make it 8-bit
      writeFileSync(join(root, 'tiff', `z${z}.tif`), tiff);
      tiffPlanes.push(tiff);
    }
    // Fiji/ImageJ stacks: one multi-page TIFF each, 8-bit grey, and 16-bit grey using 12 bits.
    mkdirSync(join(root, 'fiji'));
    await sharp(Uint8Array.from(fijiPage8(-1)), { raw: { width: 5, height: 3 * 3, channels: 1, pageHeight: 3 } }).toColourspace('b-w').tiff({ compression: 'lzw' }).toFile(join(root, 'fiji', 'cells.tif'));
    await sharp(Uint16Array.from(fijiPage16(-1)), { raw: { width: 5, height: 2 * 3, channels: 1, pageHeight: 3 } }).toColourspace('grey16').tiff({ compression: 'lzw' }).toFile(join(root, 'fiji', 'cells16.tif'));
    // A hyperstack of 2 channels x 2 slices: its pages interleave them, so it is listed with the problem.
    writeFileSync(join(root, 'fiji', 'hyper.tif'), handMadeTiff([0, 1, 2, 3].map((z) => ({ width: 4, height: 2, value: z })), 'ImageJ=1.54f\nimages=4\nchannels=2\nslices=2\nhyperstack=true\n', false));
    // The same with its description after 1.2 MB of pixels: the catalog reads the IFDs wherever they are, as fuse does.
    writeFileSync(join(root, 'fiji', 'hyperlarge.tif'), handMadeTiff([0, 1, 2, 3].map((z) => ({ width: 600, height: 500, value: z })), 'ImageJ=1.54f\nimages=4\nchannels=2\nslices=2\nhyperstack=true\n'));
    // A 32-bit float stack (ImageJ's 32-bit type): listed with fuse's refusal.
    writeFileSync(join(root, 'fiji', 'float.tif'), handMadeTiff([1, 2].map((z) => ({ width: 4, height: 2, value: z / 4, sample: 'float32' as const }))));
    // Single-page 32-bit float TIFFs, one per plane: listed with fuse's refusal, naming the first.
    mkdirSync(join(root, 'float32'));
    for (const z of [0, 1]) writeFileSync(join(root, 'float32', `z${z}.tif`), handMadeTiff([{ width: 4, height: 2, value: z / 2, sample: 'float32' }]));
    // Thumbnails (reduced-resolution pages) ahead of and among the planes: left out, the planes keep their pages.
    const thumb = { width: 2, height: 1, value: 255, reduced: true };
    writeFileSync(join(root, 'fiji', 'thumbs.tif'), handMadeTiff([thumb, { width: 5, height: 3, value: 10 }, thumb, { width: 5, height: 3, value: 20 }], undefined, false));
    // A 12-bit camera's PNG stack: RGB samples up to 4095 in 16-bit files.
    mkdirSync(join(root, 'camera12'));
    camera12 = [];
    for (const z of [0, 1, 2]) {
      const samples = Uint16Array.from({ length: 8 * 2 * 3 }, (_, i) => (i * 83 + z * 29) % 4096);
      camera12.push(samples);
      await sharp(samples, { raw: { width: 8, height: 2, channels: 3 } }).toColourspace('rgb16').png().toFile(join(root, 'camera12', `z${z}.png`));
    }
    server = await startViewerServer({ assets: ASSETS, folder: root });
  });

  afterAll(async () => {
    await server?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** A served plane decoded as the page sees it: 8-bit samples, `channels` per pixel. */
  async function servedPlane(url: string): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
    const plane = await get(server.port, url);
    expect([plane.status, plane.type]).toEqual([200, 'image/png']);
    const metadata = await sharp(plane.body).metadata();
    expect([metadata.format, metadata.depth], 'an 8-bit PNG, which browsers decode without losing bits').toEqual(['png', 'uchar']);
    const { data, info } = await sharp(plane.body).raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: info.channels };
  }

  it('lists only the stacks it can fuse, and what it left out with the reason', async () => {
    const listing = JSON.parse((await get(server.port, '/stacks.json')).body.toString());
    expect(listing.stacks.map((stack: { name: string }) => stack.name)).toEqual([
      'NILM/cells/001_(1,2)',
      'camera12',
      'fiji/cells.tif',
      'fiji/cells16.tif',
      'fiji/float.tif',
      'fiji/hyper.tif',
      'fiji/hyperlarge.tif',
      'fiji/thumbs.tif',
      'float32',
      'tiff',
    ]);
    const hyperstack = 'is an ImageJ hyperstack of 2 channels x 2 slices, its 4 pages interleaved, not one Z-stack in page order; save one channel and time point as a stack of its own (Fiji: Image > Hyperstacks > Reduce Dimensionality)';
    expect(listing.stacks.filter((stack: { error?: string }) => stack.error).map((stack: { name: string; error: string }) => [stack.name, stack.error])).toEqual([
      ['fiji/float.tif', unsupportedSamples('float')],
      ['fiji/hyper.tif', hyperstack],
      ['fiji/hyperlarge.tif', hyperstack],
      ['float32', `z0.tif: ${unsupportedSamples('float')}`],
    ]);
    // Listed with their files and their error, but no plane URLs (they answered 404).
    for (const stack of listing.stacks.filter((s: { error?: string }) => s.error)) expect([stack.name, stack.files.length > 0, stack.planes]).toEqual([stack.name, true, []]);
    expect(listing.stacks[0].files).toEqual(['001_(1,2,0).jpg', '001_(1,2,1).jpg', '001_(1,2,2).jpg']);
    expect(listing.hidden).toEqual([
      { source: 'folder', name: 'NILM/cells', files: 3, reason: 'focusfuse outputs or ground truth, not planes' },
      { source: 'folder', name: 'NILM/cells', files: 1, reason: 'not CCCID planes, next to CCCID fields of view' },
      { source: 'folder', name: 'NILM/cells', files: 1, reason: 'not JPEG, PNG or TIFF: 001_(1,2,3).jpg.bak' },
      { source: 'folder', name: '_truth/NILM/cells', files: 3, reason: 'focusfuse outputs or ground truth, not planes' },
      { source: 'folder', name: 'notes', files: 1, reason: 'a single image is not a focal stack' },
    ]);
  });

  it('sends 16-bit TIFF planes as 8-bit PNG, scaled from the bits the stack uses', async () => {
    const stack = server.stacks.find((s) => s.name === 'tiff')!;
    expect(stack.files).toEqual(['z0.tif', 'z1.tif']);
    const samples = tiffPlanes.map((_, z) => Array.from({ length: 24 }, (_, i) => (i * 2000 + z * 700) % 65536)); // as written above
    const top = 2 ** significantBits(Math.max(...samples.map((plane) => Math.max(...plane)))) - 1;
    for (const [z, url] of stack.planes.entries()) {
      const png = await servedPlane(url);
      expect([png.width, png.height]).toEqual([6, 4]);
      const grey = Array.from({ length: 24 }, (_, i) => png.data[i * png.channels]);
      expect(grey, `plane ${z}`).toEqual(samples[z].map((v) => Math.round((v * 255) / top)));
    }
  });

  it('offers a multi-page TIFF as the stack of its pages, each page a plane, 16 bits scaled as fuse does', async () => {
    const eight = server.stacks.find((s) => s.name === 'fiji/cells.tif')!;
    expect(eight.files).toEqual(['cells.tif page 0', 'cells.tif page 1', 'cells.tif page 2']);
    for (const [z, url] of eight.planes.entries()) {
      const png = await servedPlane(url);
      expect([png.width, png.height]).toEqual([5, 3]);
      expect(Array.from({ length: 15 }, (_, i) => png.data[i * png.channels]), `page ${z}`).toEqual(fijiPage8(z));
    }
    const thumbs = server.stacks.find((s) => s.name === 'fiji/thumbs.tif')!;
    expect(thumbs.files).toEqual(['thumbs.tif page 1', 'thumbs.tif page 3']);
    for (const [z, url] of thumbs.planes.entries()) {
      const png = await servedPlane(url);
      expect([png.width, png.height, png.data[0]], `plane ${z}`).toEqual([5, 3, [10, 20][z]]);
    }
    const wide = server.stacks.find((s) => s.name === 'fiji/cells16.tif')!;
    expect(wide.planes).toHaveLength(2);
    const top = 2 ** significantBits(Math.max(...fijiPage16(-1))) - 1;
    for (const [z, url] of wide.planes.entries()) {
      const png = await servedPlane(url);
      expect(Array.from({ length: 15 }, (_, i) => png.data[i * png.channels]), `page ${z}`).toEqual(fijiPage16(z).map((v) => Math.round((v * 255) / top)));
    }
  });

  it('sends a 12-bit PNG stack at full 8-bit range, not as the 16 levels its high bytes hold', async () => {
    const stack = server.stacks.find((s) => s.name === 'camera12')!;
    for (const [z, url] of stack.planes.entries()) {
      const png = await servedPlane(url);
      const rgb = Array.from({ length: 16 * 3 }, (_, i) => png.data[Math.floor(i / 3) * png.channels + (i % 3)]);
      expect(rgb, `plane ${z}`).toEqual(Array.from(camera12[z], (v) => Math.round((v * 255) / 4095)));
      expect(new Set(rgb).size).toBeGreaterThan(16);
    }
  });

});

describe('viewer server: focusfuse outputs by their tag, as fuse tells them', () => {
  let root: string;
  let server: ViewerServer;

  /** A tiny image as focusfuse writes its outputs: tagged in its XMP, whatever its name. */
  async function writeImage(path: string, seed: number, tag?: OutputTagKind): Promise<void> {
    const pixels = Buffer.from(Array.from({ length: 8 * 8 * 3 }, (_, i) => (i * 7 + seed * 31) % 256));
    const image = sharp(pixels, { raw: { width: 8, height: 8, channels: 3 } });
    await (tag ? image.withXmp(outputTagXmp(tag)) : image).toFile(path);
  }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'focusfuse-view-tagged-'));
    // The new user's folder: only fuse outputs, under plain names (fuse: "holds only focusfuse outputs").
    mkdirSync(join(root, 'outputs'));
    for (const [i, name] of ['bd.png', 'neg.png', 'o4.png', 'o5.png', 'o6.tif'].entries()) await writeImage(join(root, 'outputs', name), i, i === 3 ? 'depth' : 'fused');
    // Planes with a fused image and a depth map saved next to them under plain names.
    mkdirSync(join(root, 'mixed'));
    for (const z of [1, 2, 3]) await writeImage(join(root, 'mixed', `z${z}.png`), z);
    await writeImage(join(root, 'mixed', 'all-in-focus.png'), 9, 'fused');
    await writeImage(join(root, 'mixed', 'z4.tif'), 8, 'depth-color');
    server = await startViewerServer({ assets: ASSETS, folder: root });
  });

  afterAll(async () => {
    await server?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('offers no stack of outputs with plain names, and only the planes of a folder that mixes them', async () => {
    const listing = JSON.parse((await get(server.port, '/stacks.json')).body.toString());
    expect(listing.stacks.map((stack: { name: string; files: string[] }) => [stack.name, stack.files])).toEqual([['mixed', ['z1.png', 'z2.png', 'z3.png']]]);
    expect(listing.hidden).toEqual([
      { source: 'folder', name: 'mixed', files: 2, reason: 'focusfuse outputs or ground truth, not planes' },
      { source: 'folder', name: 'outputs', files: 5, reason: 'focusfuse outputs or ground truth, not planes' },
    ]);
    // The same rule as fuse's: it refuses the one folder and takes the same planes from the other.
    await expect(loadStack(join(root, 'outputs'))).rejects.toThrow(/holds only focusfuse outputs/);
    const mixed = await loadStack(join(root, 'mixed'), { onWarning: () => {} });
    expect(mixed.meta?.files?.map((file) => file.slice(file.lastIndexOf('/') + 1))).toEqual(listing.stacks[0].files);
  });

  it('view says, for a folder of outputs only, that it shows nothing, what it left out, and how to write outputs it shows', async () => {
    const outputs = join(root, 'outputs');
    const only = await startViewerServer({ assets: ASSETS, folder: outputs });
    try {
      expect(folderNotes(outputs, only)).toEqual([
        `no JPEG, PNG or TIFF stacks and no written results under ${outputs}; the page lists the samples only`,
        'left out 1 group of files that cannot be fused: outputs (focusfuse outputs or ground truth, not planes)',
        'the viewer shows a written result from its stats JSON with the fused image, depth and confidence beside it: write them with fuse --json (and --depth, --confidence), or use batch, which writes all four',
      ]);
      // A folder with a stack: no such hint.
      expect(folderNotes(root, server).at(-1)).toMatch(/^left out 2 groups/);
    } finally {
      await only.close();
    }
  });
});
