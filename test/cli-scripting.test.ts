/**
 * The command line as scripts and new users meet it, through real CLI processes: `--json -`,
 * flags given twice or doing nothing in their combination, `help <command>`, `--version`, counts
 * in words, the progress ETA, and `bench` (--limit spread over sources, --align, misplaced flags).
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgress, outcomeLine } from '../src/batch/progress.js';
import type { BatchSummary } from '../src/batch/run.js';
import { requireBuiltCli, runCli } from './batch-fixtures.js';

const SAMPLE = resolve('examples/samples/cccid-synth/NILM/1. Superficial-Intermediate Cells');
let work: string;

beforeAll(async () => {
  requireBuiltCli();
  work = await mkdtemp(join(tmpdir(), 'focusfuse-cli-scripting-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('fuse --json -', () => {
  it('writes the stats document to stdout and nothing else; the summary goes to stderr', async () => {
    const out = join(work, 'json-stdout');
    await mkdir(out);
    const run = await runCli(['fuse', SAMPLE, '--json', '-', '-o', join(out, 'fused.png')]);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.input.planeCount).toBe(11);
    expect(doc.stats.focusCurve).toHaveLength(11);
    expect(doc.outputs).toEqual({ fused: join(out, 'fused.png') });
    expect(run.stderr).toContain('11 planes;');
    expect(run.stderr).toContain('(stdout)');
    expect(await readdir(out)).toEqual(['fused.png']);
  });

  it('is an output on its own, and -q keeps the JSON', async () => {
    const run = await runCli(['fuse', SAMPLE, '--json', '-', '-q']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).stats.bestPlane).toBeGreaterThanOrEqual(0);
    expect(run.stderr).toBe('');
  });
});

describe('flags that would be ignored are errors (exit 2, nothing written)', () => {
  it.each([
    [['-o', '$OUT/a.png', '-o', '$OUT/b.png'], "-o/--output was given 2 times ('$OUT/a.png', '$OUT/b.png'); give it once"],
    [['-o', '$OUT/a.png', '--window', '2', '--window', '3'], '--window was given 2 times'],
    [['-o', '$OUT/a.png', '--crop'], '--crop does nothing without --align (it defaults to none)'],
    [['-o', '$OUT/a.png', '--align', 'none', '--crop'], '--crop does nothing without --align (it is none)'],
    [['-o', '$OUT/a.png', '--align-reference', 'sharpest'], '--align-reference does nothing without --align'],
    [['-o', '$OUT/a.png', '--runtime', 'node'], '--runtime does nothing with --backend cpu (the default)'],
    [['-o', '$OUT/a.png', '--backend', 'cpu', '--fallback', 'cpu'], '--fallback does nothing with --backend cpu: it is for webgpu'],
    [['-o', '$OUT/a.jpg', '--png-level', '3'], '--png-level does nothing without a .png output'],
    [['-o', '$OUT/a.tif', '--confidence', '$OUT/c.tif', '--png-level', '3'], '--png-level does nothing without a .png output'],
    [['--depth', '$OUT/d.png', '--bit-depth', '16', '--normalize'], '--bit-depth does nothing without -o/--output'],
    [['--depth', '$OUT/d.png', '--normalize'], '--normalize does nothing without -o/--output'],
  ])('fuse %j', async (args, message) => {
    const out = join(work, `refused-${Math.random().toString(36).slice(2)}`);
    const run = await runCli(['fuse', SAMPLE, ...args.map((a) => a.replace('$OUT', out))]);
    expect(run.stderr).toContain(message.replaceAll('$OUT', out));
    expect(run.code).toBe(2);
    await expect(readdir(out)).rejects.toThrow();
  });

  it('batch refuses --crop without --align too', async () => {
    const run = await runCli(['batch', resolve('examples/samples/cccid-synth'), '--out', join(work, 'never'), '--crop']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--crop does nothing without --align');
  });

  it('batch refuses --png-level only where no output is a PNG (a depth map still is one)', async () => {
    const root = resolve('examples/samples/cccid-synth');
    const never = join(work, 'never-png');
    const run = await runCli(['batch', root, '--out', never, '--format', 'jpeg', '--outputs', 'fused,json', '--png-level', '9']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--png-level does nothing with --format jpeg and --outputs fused,json, which write no PNG');
    await expect(readdir(never)).rejects.toThrow();
    const depth = await runCli(['batch', root, '--out', join(work, 'jpeg-and-depth'), '--format', 'jpeg', '--outputs', 'fused,depth', '--png-level', '9', '-q']);
    expect(depth.code).toBe(0);
  });
});

describe('help, version and wording', () => {
  it('focusfuse help <command> prints that command\'s help; an unknown one exits 2', async () => {
    const [help, flag] = await Promise.all([runCli(['help', 'fuse']), runCli(['fuse', '--help'])]);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe(flag.stdout);
    expect(help.stdout).toMatch(/^Usage: focusfuse fuse/);
    const unknown = await runCli(['help', 'fusion']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'fusion' (commands: fuse, batch");
  });

  it('-V, -v and --version print the package version', async () => {
    const { version } = JSON.parse(await readFile('package.json', 'utf8'));
    for (const flag of ['-V', '-v', '--version']) {
      const run = await runCli([flag]);
      expect({ flag, code: run.code, stdout: run.stdout }).toEqual({ flag, code: 0, stdout: `${version}\n` });
    }
  });

  it('a missing input says "received nothing", and counts of one read in the singular', async () => {
    const none = await runCli(['batch', '--out', join(work, 'never')]);
    expect(none.stderr).toContain('Expected a dataset folder for focusfuse batch but received nothing');
    const single = join(work, 'single');
    await mkdir(single);
    await cp(join(SAMPLE, '001_(34165,1221,5).jpg'), join(single, '001_(34165,1221,5).jpg'));
    await writeFile(join(single, 'notes.txt'), 'x');
    await writeFile(join(single, 'plane.bmp'), 'x');
    const run = await runCli(['fuse', single, '-o', join(single, 'fused.png')]);
    expect(run.code).toBe(0);
    // notes.txt passes quietly (notes and metadata beside the planes are no news).
    expect(run.stderr).toContain('ignored 1 file that is not JPEG, PNG or TIFF: plane.bmp\n');
    expect(run.stdout).toContain('1 plane;');
    expect(run.stdout).not.toContain('1 planes');
  });

  it('the progress bar shows an ETA it knows, never cli-progress\'s "NFs"', async () => {
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    let text = '';
    stream.on('data', (d) => (text += d));
    const progress = createProgress({ tty: true, stream: stream as unknown as NodeJS.WriteStream });
    progress.update({ total: 5, done: 0, failed: 0 });
    await new Promise((r) => setTimeout(r, 120));
    progress.update({ total: 5, done: 1, failed: 0 });
    progress.stop();
    expect(text).toContain('ETA ?');
    expect(text).not.toMatch(/NFs|INF|NULL/);
    expect(text).toMatch(/ETA \d+s/);
  });
});

describe('batch progress stopped twice (before the summary, and on the way out after Ctrl-C)', () => {
  it('prints its last count once, and nothing for updates after it stopped', () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (d) => (text += d));
    const progress = createProgress({ tty: false, stream: stream as unknown as NodeJS.WriteStream, everySeconds: 3600 });
    progress.update({ total: 12, done: 0, failed: 0 });
    progress.update({ total: 12, done: 6, failed: 0 });
    progress.stop();
    progress.update({ total: 12, done: 7, failed: 0 }); // a FOV that finished while the run wound down
    progress.stop();
    expect(text.match(/FOVs, 0 failed/g)).toHaveLength(2); // the first count, then 6/12 once
    expect(text).toMatch(/^0\/12 FOVs.*\n6\/12 FOVs[^\n]*\n$/);
  });
});

describe('batch progress with nothing left to fuse', () => {
  it('prints no 0/0 bar or line (a resumed run that had finished: the summary says so)', () => {
    for (const tty of [true, false]) {
      const stream = Object.assign(new PassThrough(), { isTTY: tty, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
      let text = '';
      stream.on('data', (d) => (text += d));
      const progress = createProgress({ tty, stream: stream as unknown as NodeJS.WriteStream });
      progress.update({ total: 0, done: 0, failed: 0 });
      progress.stop();
      expect(text, tty ? 'terminal' : 'lines').toBe('');
    }
  });
});

describe('batch progress while a WebGPU runtime starts', () => {
  it('says what it is doing on its own line, before any bar or count', () => {
    for (const tty of [true, false]) {
      const stream = Object.assign(new PassThrough(), { isTTY: tty, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
      let text = '';
      stream.on('data', (d) => (text += d));
      const progress = createProgress({ tty, stream: stream as unknown as NodeJS.WriteStream });
      progress.update({ total: 5, done: 0, failed: 0, starting: 'checking for a WebGPU adapter' });
      expect(text, tty ? 'terminal' : 'lines').toBe('checking for a WebGPU adapter...\n');
      progress.update({ total: 5, done: 0, failed: 0 });
      progress.stop();
    }
  });
});

describe('batch end line', () => {
  const base: BatchSummary = {
    selected: 8, fused: 8, resumed: 0, failed: 0, notReached: 0, resume: false, problems: [], problemsOutside: 0, interrupted: false,
    elapsedMs: 1400, engineStartMs: 0, engine: 'cpu (wasm simd), 2 worker threads', manifest: ['out/manifest.json'], rows: [],
  };

  it('names skipped FOVs only when resuming or when there are some, and says when nothing was left to fuse', () => {
    expect(outcomeLine(base)).toBe('8 FOVs: 8 fused, 0 failed in 1.4s (5.71 FOV/s) on cpu (wasm simd), 2 worker threads');
    expect(outcomeLine({ ...base, fused: 6, failed: 2 })).toBe('8 FOVs: 6 fused, 2 failed in 1.4s (4.29 FOV/s) on cpu (wasm simd), 2 worker threads');
    expect(outcomeLine({ ...base, resume: true })).toBe('8 FOVs: 8 fused, 0 failed, 0 skipped (done before, --resume) in 1.4s (5.71 FOV/s) on cpu (wasm simd), 2 worker threads');
    expect(outcomeLine({ ...base, resume: true, fused: 3, resumed: 5, elapsedMs: 600 })).toBe('8 FOVs: 3 fused, 0 failed, 5 skipped (done before, --resume) in 0.6s (5.00 FOV/s) on cpu (wasm simd), 2 worker threads');
    expect(outcomeLine({ ...base, resume: true, fused: 0, resumed: 8, engine: 'none (nothing to fuse)' })).toBe('8 FOVs: 0 fused, 0 failed, 8 skipped (done before, --resume); nothing left to fuse');
    expect(outcomeLine({ ...base, fused: 2, notReached: 6, interrupted: true })).toBe('8 FOVs: 2 fused, 0 failed, 6 not reached in 1.4s (1.43 FOV/s) on cpu (wasm simd), 2 worker threads');
    expect(outcomeLine({ ...base, selected: 1, fused: 1 })).toMatch(/^1 FOV: 1 fused, 0 failed in/);
  });
});

/** A tiny stack of `planes` textured PNGs, sharpest in the middle; `sizes` per plane when they differ. */
async function writeStack(dir: string, planes: number, seed: number, sizes?: number[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const side = 40;
  const raw = Buffer.alloc(side * side);
  let s = seed;
  for (let i = 0; i < raw.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    raw[i] = s >>> 31 ? 220 : 40;
  }
  for (let z = 0; z < planes; z++) {
    const blur = 0.3 + Math.abs(z - (planes >> 1));
    let image = sharp(raw, { raw: { width: side, height: side, channels: 1 } }).blur(blur);
    const size = sizes?.[z] ?? side;
    if (size !== side) image = sharp(await image.png().toBuffer()).resize(size, size);
    await image.png().toFile(join(dir, `z${String(z).padStart(2, '0')}.png`));
  }
}

describe('focusfuse bench on real-like folders', () => {
  let tree: string;
  beforeAll(async () => {
    tree = join(work, 'real');
    // Three stacks from source "alpha", one from "beta": --limit 2 must take one of each.
    for (const [name, seed] of [['alpha/a1', 1], ['alpha/a2', 2], ['alpha/a3', 3], ['beta/b1', 4]] as const) await writeStack(join(tree, name), 5, seed);
  });

  it('--limit spreads over the sources', { timeout: 60_000 }, async () => {
    const out = join(work, 'bench-limit');
    const run = await runCli(['bench', 'metrics', tree, '--limit', '2', '--measures', 'lapv,teng', '--no-enfuse', '-q', '--out', out]);
    expect(run.code).toBe(0);
    const [name] = await readdir(out);
    const json = JSON.parse(await readFile(join(out, name, 'results.json'), 'utf8'));
    expect(json.fovs.map((f: { id: string }) => f.id)).toEqual(['alpha/a1', 'beta/b1']);
    expect(run.stdout).toContain('2 stacks under');
  });

  it('--align registers a stack whose planes change size (focus breathing) instead of skipping it', { timeout: 60_000 }, async () => {
    const breathing = join(work, 'breathing');
    await writeStack(join(breathing, 'src', 'smear'), 5, 9, [40, 41, 42, 43, 44]);
    const plain = await runCli(['bench', 'metrics', breathing, '--measures', 'lapv', '--no-enfuse', '-q']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/Skipped src\/smear: .*\d+x\d+/);
    const aligned = await runCli(['bench', 'metrics', breathing, '--measures', 'lapv', '--no-enfuse', '-q', '--align', 'similarity']);
    expect(aligned.code).toBe(0);
    expect(aligned.stdout).not.toContain('Skipped');
    expect(aligned.stdout).toContain('1 stack under');
    expect(aligned.stdout).toContain('Aligned (--align similarity, CPU) before fusing');
  });

  it.each([
    [['bench', 'speed', '--align', 'auto'], '--align does nothing in bench speed: it is an option of bench metrics'],
    [['bench', 'metrics', '--limit', '3'], '--limit does nothing in bench metrics without a folder: it is an option of bench metrics <folder>'],
    [['bench', 'metrics', '--runs', '3'], '--runs does nothing in bench metrics without a folder: it is an option of bench speed'],
    [['bench', 'metrics', '--align', 'sideways'], "for --align but received 'sideways'"],
  ])('%j exits 2', async (args, message) => {
    const run = await runCli(args);
    expect(run.stderr).toContain(message);
    expect(run.code).toBe(2);
  });
});
