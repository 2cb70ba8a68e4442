/**
 * The HTTP server behind `focusfuse view`. It binds 127.0.0.1 only (navigator.gpu needs a secure
 * context, which http://127.0.0.1 is) and answers a fixed allow-list of exact paths: the page's
 * three files, `/stacks.json`, one opaque URL per plane of the catalogued stacks and one per part of
 * each written result (`/results/<result>/<fused|depth|confidence|stats>`). No URL is ever
 * turned into a filesystem path, so `..`, encoded or not, cannot reach anything else. The Host
 * header must be a loopback name (127.0.0.1, localhost, [::1], any port), against DNS rebinding.
 * TIFF planes, which browsers cannot decode, are sent as PNG; 16-bit planes as 8-bit PNGs scaled from
 * the bits their stack uses (wide-planes.ts).
 */
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, isAbsolute, join, relative, resolve } from 'node:path';
import sharp from 'sharp';
import { isLoopbackHost } from './loopback-host.js';
import { buildCatalog, type Catalog, type CatalogHidden, type CatalogResult, type CatalogStack } from './catalog.js';
import { createWidePlaneReader, imageAsPng, isWidePlane } from './wide-planes.js';
import { readMapValues } from '../io/read-map.js';
import type { ViewerAssets } from './assets.js';

export interface ViewerServerOptions {
  /** The page's files (see loadViewerAssets). */
  assets: ViewerAssets;
  /** A stack or dataset folder to offer, if any. */
  folder?: string;
  /** The samples folder (each subfolder is one sample), if any. */
  samples?: string;
  /** Port; 0 (the default) picks a free one. */
  port?: number;
}

export interface ViewerServer {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  readonly port: number;
  readonly stacks: readonly CatalogStack[];
  /** Written results found under the folder, shown without fusing. */
  readonly results: readonly CatalogResult[];
  /** Image groups left out because they cannot be fused (outputs, ground truth, strays, single images). */
  readonly hidden: readonly CatalogHidden[];
  /** The page's URL opening one stack: `http://127.0.0.1:<port>/?stack=<id>`. */
  stackUrl(id: string): string;
  /** The page's URL opening one written result: `http://127.0.0.1:<port>/?result=<id>`. */
  resultUrl(id: string): string;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // blob: images are the exported PNGs; nothing is ever fetched from another origin.
  // 'wasm-unsafe-eval' lets the page compile the CPU fast path's module (bundled bytes, no eval of text).
  'content-security-policy': "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'",
};

const IMAGE_TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg' };
const TIFF_EXTENSIONS = ['.tif', '.tiff'];

/**
 * An 8-bit TIFF plane (or a page of a multi-page TIFF) as PNG, which every browser decodes
 * (lossless; fast compression: it only crosses the loopback).
 */
async function tiffAsPng(file: string, page = 0): Promise<Uint8Array> {
  return sharp(file, { page }).png({ compressionLevel: 1 }).toBuffer();
}

/** The bundled samples, each a root, less those inside the served folder (`view examples/samples` listed each twice). */
async function sampleRoots(samples: string | undefined, folder: string | undefined): Promise<Array<{ root: string; source: 'sample' }>> {
  if (!samples) return [];
  const entries = await readdir(samples, { withFileTypes: true });
  const served = (root: string) => {
    if (folder === undefined) return false;
    const path = relative(resolve(folder), resolve(root));
    return !path.startsWith('..') && !isAbsolute(path);
  };
  return entries.filter((e) => e.isDirectory()).map((e) => ({ root: join(samples, e.name), source: 'sample' as const })).filter(({ root }) => !served(root));
}

/**
 * Catalogues the folder and the samples, then serves the viewer on 127.0.0.1.
 * @example
 * const server = await startViewerServer({ assets: await loadViewerAssets(), folder: 'data/cccid' });
 * console.log(server.url); // http://127.0.0.1:40123/
 */
export async function startViewerServer(options: ViewerServerOptions): Promise<ViewerServer> {
  const roots = [...(options.folder ? [{ root: options.folder, source: 'folder' as const }] : []), ...(await sampleRoots(options.samples, options.folder))];
  const catalog: Catalog = await buildCatalog(roots);
  const listing = JSON.stringify({
    stacks: catalog.stacks.map(({ id, source, name, planes, files, zStepUm, error }) => ({ id, source, name, planes, files, zStepUm, error })),
    results: catalog.results,
    hidden: catalog.hidden,
  });
  const fixed = new Map<string, { type: string; body: string }>([
    ['/', { type: 'text/html; charset=utf-8', body: options.assets.html }],
    ['/index.html', { type: 'text/html; charset=utf-8', body: options.assets.html }],
    ['/viewer.css', { type: 'text/css; charset=utf-8', body: options.assets.css }],
    ['/viewer.js', { type: 'text/javascript; charset=utf-8', body: options.assets.script }],
    ['/stacks.json', { type: 'application/json; charset=utf-8', body: listing }],
  ]);

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!isLoopbackHost(request.headers.host)) return reply(response, 404, 'text/plain', 'not found');
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(response, 405, 'text/plain', 'method not allowed');
    // The query (?stack=...) is the page's business; only the path selects what is served.
    const path = (request.url ?? '').split('?')[0];
    const page = fixed.get(path);
    if (page) return reply(response, 200, page.type, page.body);
    const file = catalog.files.get(path);
    const part = catalog.resultFiles.get(path);
    if (!file && !part) return reply(response, 404, 'text/plain', 'not found');
    let body: { type: string; body: Uint8Array };
    try {
      body = file ? await planeBody(path, file) : await resultPartBody(part!);
    } catch {
      return reply(response, 404, 'text/plain', 'not found');
    }
    reply(response, 200, body.type, body.body);
  }

  // Each stack's files as one array, the key under which widePlane keeps a loaded stack.
  // A multi-page TIFF's planes share its one file, which loadStack reads as the stack of its pages.
  const stackFiles = new Map(catalog.stacks.map((stack) => [stack.id, [...new Set(stack.planes.map((url) => catalog.files.get(url)!))]]));
  const widePlane = createWidePlaneReader();

  /** The bytes the page gets for a plane's URL (`/stacks/<id>/<z>`) and file. */
  async function planeBody(url: string, file: string): Promise<{ type: string; body: Uint8Array }> {
    const extension = extname(file).toLowerCase();
    const tiff = TIFF_EXTENSIONS.includes(extension);
    if ((tiff || extension === '.png') && (await isWidePlane(file))) {
      const [, , id, z] = url.split('/');
      return { type: 'image/png', body: await widePlane(stackFiles.get(id)!, Number(z)) };
    }
    if (tiff) return { type: 'image/png', body: await tiffAsPng(file, catalog.pages.get(url)) };
    return { type: IMAGE_TYPES[extension] ?? 'application/octet-stream', body: await readFile(file) };
  }

  /**
   * A written result's part: the fused image as the page decodes it (JPEG and 8-bit PNG as they
   * are, TIFF and 16-bit PNG as 8-bit PNG, 16 bits scaled from the bits used: imageAsPng), a map as little-endian float32 values, the stats JSON as it is.
   */
  async function resultPartBody({ file, part, scale }: { file: string; part: string; scale: number }): Promise<{ type: string; body: Uint8Array }> {
    if (part === 'stats') return { type: 'application/json; charset=utf-8', body: await readFile(file) };
    if (part !== 'fused') {
      const { values } = await readMapValues(file, scale);
      return { type: 'application/octet-stream', body: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
    }
    const extension = extname(file).toLowerCase();
    if (!TIFF_EXTENSIONS.includes(extension) && !(await isWidePlane(file))) return { type: IMAGE_TYPES[extension] ?? 'application/octet-stream', body: await readFile(file) };
    return { type: 'image/png', body: await imageAsPng(file) };
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) reply(response, 500, 'text/plain', 'internal error');
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    port,
    stacks: catalog.stacks,
    results: catalog.results,
    hidden: catalog.hidden,
    stackUrl: (id) => `${url}?stack=${encodeURIComponent(id)}`,
    resultUrl: (id) => `${url}?result=${encodeURIComponent(id)}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function reply(response: ServerResponse, status: number, type: string, body: string | Uint8Array): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body) });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
