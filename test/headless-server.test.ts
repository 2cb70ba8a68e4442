/**
 * The headless runtime's local server and binary transport, without a browser: what it serves,
 * what it refuses, and that a job survives the round trip through the container format bit for bit.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveOptions } from '../src/core/options.js';
import type { FuseResult, ZStack } from '../src/core/types.js';
import { fuseCpu } from '../src/cpu/index.js';
import {
  byteLengthOf,
  containerParts,
  inputJobParts,
  maxResultBytes,
  readContainer,
  readInputJob,
  readResultJob,
  resultJobParts,
} from '../src/headless/protocol.js';
import { PAGE_SCRIPT_PATH, startJobServer, type JobServer } from '../src/headless/server.js';
import { expectSameMaps } from './expect-helpers.js';

const PAGE_SCRIPT = 'globalThis.marker = 42;';

/** A raw HTTP request: fetch() would normalise `..` away before it reaches the server. */
function rawRequest(
  server: JobServer,
  path: string,
  options: { method?: string; host?: string; body?: Uint8Array } = {},
): Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.address.port,
        path,
        method: options.method ?? 'GET',
        headers: { host: options.host ?? `127.0.0.1:${server.address.port}`, ...(options.body ? { 'content-length': options.body.byteLength } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function randomStack(width: number, height: number, planeCount: number, seed: number, name: string): ZStack {
  let state = seed;
  const next = () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
    return (state >>> 0) & 0xff;
  };
  const planes = Array.from({ length: planeCount }, () => Uint8Array.from({ length: width * height * 4 }, next));
  return { width, height, planes, meta: { name } };
}

describe('job server', () => {
  let server: JobServer;
  beforeAll(async () => {
    server = await startJobServer({ pageScript: PAGE_SCRIPT });
  });
  afterAll(() => server.close());

  it('listens on 127.0.0.1 only, on an ephemeral port', () => {
    expect(server.address.address).toBe('127.0.0.1');
    expect(server.address.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.address.port}/`);
  });

  it('serves the page and its script', async () => {
    const page = await rawRequest(server, '/');
    expect(page.status).toBe(200);
    expect(page.body.toString()).toContain(`src="${PAGE_SCRIPT_PATH}"`);
    const script = await rawRequest(server, PAGE_SCRIPT_PATH);
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(script.body.toString()).toBe(PAGE_SCRIPT);
  });

  it.each([
    '/../package.json',
    '/../../../../etc/passwd',
    '/etc/passwd',
    '/%2e%2e/package.json',
    '/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
    '/..%2fpackage.json',
    '/focusfuse-page.js/../../package.json',
    '/focusfuse-page.js?x=1',
    '//etc/passwd',
    '/package.json',
    '/src/headless/server.ts',
    '/job/../package.json',
    '/job/00000000000000000000000000000000/input',
  ])('answers 404 to %s', async (path) => {
    const response = await rawRequest(server, path);
    expect(response.status).toBe(404);
    expect(response.body.toString()).not.toContain('"name"');
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const response = await rawRequest(server, '/', { host: 'evil.example:80' });
    expect(response.status).toBe(404);
  });

  it('serves a job input once registered, takes its result, and forgets it when dropped', async () => {
    const input = [Uint8Array.of(1, 2, 3), Uint8Array.of(4, 5)];
    const job = server.addJob(input, 16);
    expect(job.id).toMatch(/^[0-9a-f]{32}$/);
    const fetched = await rawRequest(server, `/job/${job.id}/input`);
    expect(fetched.status).toBe(200);
    expect([...fetched.body]).toEqual([1, 2, 3, 4, 5]);
    expect((await rawRequest(server, `/job/${job.id}/input`, { method: 'DELETE' })).status).toBe(405);

    const posted = await rawRequest(server, `/job/${job.id}/result`, { method: 'POST', body: Uint8Array.of(9, 8, 7) });
    expect(posted.status).toBe(204);
    expect([...(await job.result)]).toEqual([9, 8, 7]);

    server.dropJob(job.id);
    expect((await rawRequest(server, `/job/${job.id}/input`)).status).toBe(404);
  });

  it('refuses a result larger than the job can produce', async () => {
    const job = server.addJob([Uint8Array.of(1)], 4);
    const posted = await rawRequest(server, `/job/${job.id}/result`, { method: 'POST', body: new Uint8Array(5) });
    expect(posted.status).toBe(413);
    server.dropJob(job.id);
    await expect(job.result).rejects.toThrow(/dropped/);
  });
});

describe('binary container', () => {
  it('round-trips a header and sections, each section 8-byte aligned', () => {
    const sections = [Uint8Array.of(1, 2, 3), new Float32Array([1.5, -2.25]), new Uint8Array(0), Uint8Array.of(7)];
    const parts = containerParts<{ kind: string; sections: number[] }>({ kind: 'test' }, sections);
    const { header, sections: read } = readContainer<{ kind: string; sections: number[] }>(concat(parts));
    expect(header.kind).toBe('test');
    expect(read.map((s) => s.byteOffset % 8)).toEqual([0, 0, 0, 0]);
    expect([...read[0]]).toEqual([1, 2, 3]);
    expect([...new Float32Array(read[1].slice().buffer)]).toEqual([1.5, -2.25]);
    expect(read[2].byteLength).toBe(0);
    expect([...read[3]]).toEqual([7]);
  });

  it('rejects bytes that are not a container', () => {
    expect(() => readContainer(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8))).toThrow(/malformed job container/);
    const parts = containerParts<{ sections: number[] }>({}, [new Uint8Array(16)]);
    const bytes = concat(parts).subarray(0, 20);
    expect(() => readContainer(bytes)).toThrow(/malformed job container/);
  });

  it('carries a batch of stacks and their results (with focus planes) through unchanged', () => {
    const options = resolveOptions({ measure: 'teng', keepFocus: true });
    const stacks = [randomStack(7, 5, 3, 1, 'a'), randomStack(1, 1, 1, 2, 'b'), randomStack(13, 2, 2, 3, 'c')];
    const input = readInputJob(concat(inputJobParts(stacks, options)));
    expect(input.options).toEqual(options);
    expect(input.stacks.map((s) => [s.width, s.height, s.planes.length, s.meta?.name])).toEqual([
      [7, 5, 3, 'a'],
      [1, 1, 1, 'b'],
      [13, 2, 2, 'c'],
    ]);
    input.stacks.forEach((stack, i) => stack.planes.forEach((plane, z) => expect(plane).toEqual(stacks[i].planes[z])));

    const results: FuseResult[] = input.stacks.map((stack) => fuseCpu(stack, options));
    const failure = { name: 'b', message: 'boom' };
    const outcomes = [results[0], failure, results[2]];
    const page = { fetchMs: 1, decodeMs: 2, fuseMs: 3 };
    const body = concat(resultJobParts(outcomes, page));
    expect(body.byteLength).toBeLessThanOrEqual(maxResultBytes(stacks, options));
    const decoded = readResultJob(body, options, stacks.map((s) => s.meta));
    expect(decoded.page).toEqual(page);
    expect(decoded.outcomes[1]).toEqual(failure);
    for (const i of [0, 2]) {
      const got = decoded.outcomes[i] as FuseResult;
      expectSameMaps(got, results[i]);
      expect(got.meta).toBe(stacks[i].meta);
    }
  });
});

function concat(parts: Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(byteLengthOf(parts));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return bytes;
}
