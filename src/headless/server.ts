/**
 * The local HTTP server the headless page is loaded from and exchanges jobs with.
 *
 * Why a server at all: navigator.gpu only exists in a secure context, and http://127.0.0.1 is one
 * while about:blank and data: URLs are not. Why so strict: any local process can reach a loopback
 * port, so the server binds 127.0.0.1 only, answers a fixed allow-list of exact paths (never a
 * filesystem path derived from the URL), names jobs with unguessable ids, checks the Host header
 * (against DNS rebinding) and refuses result bodies larger than the job can produce.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FocusFuseError } from '../core/errors.js';

/** Path of the page's script; the HTML loads it as a module. */
export const PAGE_SCRIPT_PATH = '/focusfuse-page.js';

const PAGE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>focusfuse headless runtime</title>
<script type="module" src="${PAGE_SCRIPT_PATH}"></script></head><body></body></html>
`;

const JOB_PATH = /^\/job\/([0-9a-f]{32})\/(input|result)$/;

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  // 'wasm-unsafe-eval': the page bundle carries the CPU fast path's WebAssembly module.
  'content-security-policy': "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'",
};

interface Job {
  input: Uint8Array[];
  inputBytes: number;
  maxResultBytes: number;
  resolve(body: Uint8Array): void;
  reject(error: Error): void;
}

/** A job registered with the server: its id and the result body the page will post. */
export interface ServerJob {
  id: string;
  result: Promise<Uint8Array>;
}

export interface JobServer {
  /** `http://127.0.0.1:<port>/`, the page's URL. */
  readonly url: string;
  readonly address: AddressInfo;
  /** Registers a job's input chunks; the page fetches them from `/job/<id>/input`. */
  addJob(input: Uint8Array[], maxResultBytes: number): ServerJob;
  /** Forgets a job (its input and any pending result); a pending result promise is rejected. */
  dropJob(id: string, reason?: Error): void;
  close(): Promise<void>;
}

/**
 * Starts the server on 127.0.0.1 (port 0 picks a free one).
 * @example
 * const server = await startJobServer({ pageScript: bundleText });
 * await page.goto(server.url);
 */
export async function startJobServer(options: { pageScript: string | Uint8Array; port?: number }): Promise<JobServer> {
  const jobs = new Map<string, Job>();
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) reply(response, 500, 'text/plain', 'internal error');
      else response.destroy(error as Error);
    });
  });

  let host = '';
  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.headers.host !== host) return reply(response, 404, 'text/plain', 'not found');
    const path = request.url ?? '';
    if (request.method === 'GET' && path === '/') return reply(response, 200, 'text/html; charset=utf-8', PAGE_HTML);
    if (request.method === 'GET' && path === PAGE_SCRIPT_PATH) {
      return reply(response, 200, 'text/javascript; charset=utf-8', options.pageScript);
    }
    const match = JOB_PATH.exec(path);
    const job = match ? jobs.get(match[1]) : undefined;
    if (!match || !job) return reply(response, 404, 'text/plain', 'not found');
    if (match[2] === 'input' && request.method === 'GET') return sendInput(response, job);
    if (match[2] === 'result' && request.method === 'POST') return receiveResult(request, response, job);
    return reply(response, 405, 'text/plain', 'method not allowed');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  // The server and the browser's connections never keep Node running by themselves: the browser
  // process does while a job runs (LaunchedChromium.keepNodeAlive), and an idle runtime must not.
  server.unref();
  server.on('connection', (socket) => socket.unref());
  const address = server.address() as AddressInfo;
  host = `127.0.0.1:${address.port}`;

  const jobServer: JobServer = {
    url: `http://${host}/`,
    address,
    addJob(input, maxResultBytes) {
      const id = randomBytes(16).toString('hex');
      const result = new Promise<Uint8Array>((resolve, reject) => {
        jobs.set(id, { input, inputBytes: input.reduce((n, part) => n + part.byteLength, 0), maxResultBytes, resolve, reject });
      });
      // A job dropped before anyone awaits its result must not become an unhandled rejection.
      result.catch(() => undefined);
      return { id, result };
    },
    dropJob(id, reason) {
      const job = jobs.get(id);
      jobs.delete(id);
      job?.reject(reason ?? new FocusFuseError('BACKEND', 'headless job was dropped'));
    },
    async close() {
      for (const id of [...jobs.keys()]) jobServer.dropJob(id, new FocusFuseError('BACKEND', 'headless job server closed'));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return jobServer;
}

function reply(response: ServerResponse, status: number, type: string, body: string | Uint8Array): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** Streams the job's chunks as they are: the callers' plane arrays go to the socket uncopied. */
function sendInput(response: ServerResponse, job: Job): void {
  response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'application/octet-stream', 'content-length': job.inputBytes });
  // No waiting for 'drain': the chunks are already in memory and write() only queues references.
  for (const part of job.input) response.write(part);
  response.end();
}

/** Reads the posted result into one fresh buffer (offset 0, so float views need no copy). */
async function receiveResult(request: IncomingMessage, response: ServerResponse, job: Job): Promise<void> {
  const length = Number(request.headers['content-length']);
  if (!Number.isInteger(length) || length < 0) return reply(response, 411, 'text/plain', 'length required');
  if (length > job.maxResultBytes) {
    request.resume();
    return reply(response, 413, 'text/plain', 'result larger than the job can produce');
  }
  const body = new Uint8Array(length);
  let received = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    if (received + chunk.byteLength > length) return reply(response, 400, 'text/plain', 'body longer than content-length');
    body.set(chunk, received);
    received += chunk.byteLength;
  }
  if (received !== length) return reply(response, 400, 'text/plain', 'body shorter than content-length');
  job.resolve(body);
  reply(response, 204, 'text/plain', '');
}
