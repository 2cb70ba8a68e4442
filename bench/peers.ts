/**
 * Peer programs run side by side with focusfuse on the same stacks: enfuse in its focus-stacking
 * settings when it is installed, plus any `--peer 'name=command {in} {out}'`. A peer reads the plane
 * files ({in}: the paths, shell-quoted, plane order) and writes one image ({out}: a .tif path). Its
 * wall time includes its own decode and encode, as a user running it would see.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { FocusFuseError } from '../src/core/errors.js';

const run = promisify(execFile);

export interface Peer {
  name: string;
  /** Shell command with `{in}` and `{out}` placeholders. */
  command: string;
  /** Whether it can run here; `reason` says why not. */
  available: boolean;
  reason?: string;
}

/** enfuse's focus-stacking settings: only local contrast decides, one source pixel per output pixel. */
export const ENFUSE_COMMAND = 'enfuse --exposure-weight=0 --saturation-weight=0 --contrast-weight=1 --hard-mask --output={out} {in}';

/** Longest a peer may take on one stack before it counts as failed. */
const PEER_TIMEOUT_MS = 10 * 60_000;

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Parses `name=command {in} {out}`.
 * @example parsePeer("fiji=./stack.sh {in} {out}") // { name: 'fiji', command: './stack.sh {in} {out}', available: true }
 * @throws FocusFuseError BAD_OPTION when the name or a placeholder is missing.
 */
export function parsePeer(spec: string): Peer {
  const eq = spec.indexOf('=');
  const name = eq > 0 ? spec.slice(0, eq).trim() : '';
  const command = spec.slice(eq + 1).trim();
  if (!/^[\w.-]+$/.test(name) || !command.includes('{in}') || !command.includes('{out}')) {
    throw new FocusFuseError('BAD_OPTION', `Expected 'name=command {in} {out}' (name of letters, digits, . _ -) for --peer but received '${spec}'`);
  }
  return { name, command, available: true };
}

/**
 * The enfuse peer, marked unavailable with the reason when `enfuse` does not run here.
 * @example const enfuse = await enfusePeer(); enfuse.available; // false without the Debian package
 */
export async function enfusePeer(): Promise<Peer> {
  try {
    const { stdout } = await run('enfuse', ['--version']);
    return { name: `enfuse ${stdout.split('\n')[0].replace(/^enfuse\s*/i, '').trim()}`.trim(), command: ENFUSE_COMMAND, available: true };
  } catch {
    return { name: 'enfuse', command: ENFUSE_COMMAND, available: false, reason: 'not installed (Debian package enfuse)' };
  }
}

/** What a peer made of one stack. */
export interface PeerOutput {
  /** RGBA8, the stack's size. */
  image: Uint8Array;
  /** Wall time of the command, ms. */
  ms: number;
}

/**
 * Writes the JPEG planes to a temporary folder, runs the peer and reads its output back.
 * @example const out = await runPeer(peer, jpegs, 384, 384); out.ms;
 * @throws Error when the command fails or writes an image of another size.
 */
export async function runPeer(peer: Peer, jpegs: readonly Buffer[], width: number, height: number): Promise<PeerOutput> {
  const dir = await mkdtemp(join(tmpdir(), 'focusfuse-peer-'));
  try {
    const inputs = await Promise.all(
      jpegs.map(async (bytes, z) => {
        const path = join(dir, `plane_${String(z).padStart(3, '0')}.jpg`);
        await writeFile(path, bytes);
        return path;
      }),
    );
    const out = join(dir, 'fused.tif');
    const command = peer.command.replaceAll('{in}', inputs.map(quote).join(' ')).replaceAll('{out}', quote(out));
    const t0 = performance.now();
    try {
      await run('/bin/sh', ['-c', command], { timeout: PEER_TIMEOUT_MS, maxBuffer: 16 << 20 });
    } catch (error) {
      throw new Error(`peer '${peer.name}' failed: ${(error as Error).message.split('\n').slice(0, 3).join(' ')}`);
    }
    const ms = performance.now() - t0;
    const { data, info } = await sharp(out).toColourspace('srgb').ensureAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.width !== width || info.height !== height) {
      throw new Error(`peer '${peer.name}' wrote ${info.width}x${info.height}, expected ${width}x${height}`);
    }
    return { image: new Uint8Array(data.buffer, data.byteOffset, data.length), ms };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
