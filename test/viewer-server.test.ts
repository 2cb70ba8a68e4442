/**
 * The `focusfuse view` server and stack discovery, without a browser: it binds 127.0.0.1, serves
 * the page, `/stacks.json` and the catalogued planes, and nothing else (traversal attempts, raw or
 * encoded, and other Host headers get 404); stacks are found and ordered the way the CLI orders them.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { viewCommand } from '../src/cli/view.js';
import { startViewerServer, type ViewerServer } from '../src/viewer/server.js';
import { groupStacks } from '../src/viewer/stacks.js';

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

  it('reports a gap in z instead of ordering around it', () => {
    const [stack] = groupStacks(['s_(1,2,0).jpg', 's_(1,2,1).jpg', 's_(1,2,3).jpg']);
    expect(stack.error).toMatch(/gap in z: z=2 is missing/);
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
    expect((await get(server.port, '/', `evil.example:${server.port}`)).status, 'foreign Host header').toBe(404);
  });

  it('the view command rejects bad arguments before serving anything', async () => {
    await expect(viewCommand.run([join(root, 'missing'), '--no-open'])).rejects.toThrow(/no such folder/);
    await expect(viewCommand.run([join(root, 'secret.txt'), '--no-open'])).rejects.toThrow(/is not a folder/);
    await expect(viewCommand.run(['--port', '70000', '--no-open'])).rejects.toThrow(/Expected an integer between 0 and 65535 for --port/);
    await expect(viewCommand.run(['a', 'b'])).rejects.toThrow(/at most one folder/);
  });
});
