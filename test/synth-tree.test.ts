import { mkdtemp, readdir, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthCommand } from '../src/cli/synth.js';
import { FocusFuseError } from '../src/core/errors.js';
import { parseCccidName } from '../src/io/cccid.js';
import { decodeDepthPng, encodeDepthPng } from '../src/synth/depth-png.js';
import { generateStack } from '../src/synth/generate.js';
import { CCCID_CLASSES, MANIFEST_NAME } from '../src/synth/layout.js';
import { readSynthManifest, readSynthTruth } from '../src/synth/truth.js';
import { writeSynthTree } from '../src/synth/write-tree.js';

const SMALL = { size: 64, planes: 5 };
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'focusfuse-synth-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

async function rejection(promise: Promise<unknown>): Promise<FocusFuseError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FocusFuseError);
    return error as FocusFuseError;
  }
  throw new Error('expected a rejection');
}

/** Runs the CLI command with console output captured. */
async function runCli(argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(' '));
  try {
    return { code: await synthCommand.run(argv), out: lines.join('\n') };
  } finally {
    console.log = original;
  }
}

describe('depth PNG', () => {
  it('round-trips round(depth * 1000) as 16-bit gray', async () => {
    const depth = Float32Array.from([0, 0.0004, 1.2345, 10, 65.535, 70, -1]);
    const png = await encodeDepthPng(depth, 7, 1);
    const meta = await sharp(png).metadata();
    expect(meta.depth).toBe('ushort');
    expect(meta.channels).toBe(1);
    const back = await decodeDepthPng(png);
    expect(Array.from(back.depth)).toEqual([0, 0, 1.235, 10, 65.535, 65.535, 0].map((v) => Math.fround(v)));
  });
});

describe('writeSynthTree', () => {
  it('writes the CCCID layout, truth mirror and manifest exactly as listed', async () => {
    const out = join(scratch, 'tree');
    const manifest = await writeSynthTree(out, { n: 5, seed: 3, ...SMALL });
    expect(manifest.complete).toBe(true);
    expect(manifest.fovs).toHaveLength(5);
    expect(new Set(manifest.fovs.map((f) => f.className))).toEqual(new Set(CCCID_CLASSES));

    const listed = manifest.fovs.flatMap((f) => [...f.files, f.truth.image, f.truth.depth, f.truth.mask]);
    expect(await listFiles(out)).toEqual([...listed, MANIFEST_NAME].sort());
    expect(await readSynthManifest(out)).toEqual(manifest);

    for (const fov of manifest.fovs) {
      expect(fov.files).toHaveLength(5);
      fov.files.forEach((file, z) => {
        const [cls, subtype, name] = file.split('/');
        expect(cls).toBe(fov.className);
        expect(subtype).toMatch(/^\d+\. \S.* ?\S*$/);
        expect(name).toBe(`${fov.serial}_(${fov.cx},${fov.cy},${z}).jpg`);
        expect(parseCccidName(file)).toEqual({ serial: fov.serial, cx: fov.cx, cy: fov.cy, z });
      });
      expect(fov.truth.depth).toBe(`ground-truth/${fov.className}/${fov.subtype}/${fov.serial}_(${fov.cx},${fov.cy}).depth.png`);
    }
  });

  it('stores JPEG planes close to the rendered ones, and truth that reads back exactly', async () => {
    const out = join(scratch, 'tree');
    const manifest = await readSynthManifest(out);
    const fov = manifest.fovs[1];
    const synth = generateStack({ seed: fov.seed, profile: fov.profile, size: 64, planes: 5 });

    const jpeg = await readFile(join(out, fov.files[2]));
    const meta = await sharp(jpeg).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.chromaSubsampling).toBe('4:2:0');
    expect([meta.width, meta.height]).toEqual([64, 64]);
    const { data } = await sharp(jpeg).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    let diff = 0;
    for (let i = 0; i < data.length; i++) if (i % 4 !== 3) diff += Math.abs(data[i] - synth.stack.planes[2][i]);
    expect(diff / ((data.length * 3) / 4)).toBeLessThan(3);

    const truth = await readSynthTruth(out, fov);
    expect([truth.width, truth.height]).toEqual([64, 64]);
    expect(truth.image).toEqual(synth.truth.image);
    expect(truth.mask).toEqual(synth.truth.mask);
    for (let i = 0; i < truth.depth.length; i++) expect(Math.abs(truth.depth[i] - synth.truth.depth[i])).toBeLessThanOrEqual(0.0005 + 1e-6);
    const maskPng = await sharp(await readFile(join(out, fov.truth.mask))).metadata();
    expect([maskPng.channels, maskPng.depth]).toEqual([1, 'uchar']);
  });

  it('is deterministic, and FOV i is the same whatever n is', async () => {
    const a = join(scratch, 'det-a');
    const b = join(scratch, 'det-b');
    const c = join(scratch, 'det-c');
    const small = await writeSynthTree(a, { n: 2, seed: 9, ...SMALL });
    const large = await writeSynthTree(b, { n: 4, seed: 9, ...SMALL });
    const other = await writeSynthTree(c, { n: 2, seed: 10, ...SMALL });
    expect(large.fovs.slice(0, 2)).toEqual(small.fovs);
    for (const file of small.fovs.flatMap((f) => [...f.files, f.truth.image, f.truth.depth, f.truth.mask])) {
      expect(await readFile(join(b, file)), file).toEqual(await readFile(join(a, file)));
    }
    expect(other.fovs[0].files[0]).not.toBe(small.fovs[0].files[0]);
  });

  it('refuses a non-empty folder that is not a synth output, and touches nothing there', async () => {
    const user = join(scratch, 'user-data');
    await mkdir(user);
    await writeFile(join(user, 'notes.txt'), 'precious');
    const error = await rejection(writeSynthTree(user, { n: 1, ...SMALL }));
    expect(error.message).toContain('refusing');
    expect(await listFiles(user)).toEqual(['notes.txt']);
    expect(await readFile(join(user, 'notes.txt'), 'utf8')).toBe('precious');

    await writeFile(join(scratch, 'a-file'), 'x');
    expect((await rejection(writeSynthTree(join(scratch, 'a-file'), { n: 1, ...SMALL }))).message).toContain('Expected a folder');
  });

  it('rewrites an earlier synth output, removing only the files that run listed', async () => {
    const out = join(scratch, 'rerun');
    const removed: number[] = [];
    const first = await writeSynthTree(out, { n: 4, seed: 2, ...SMALL, onRemoved: (n) => removed.push(n) });
    await writeFile(join(out, 'NILM', 'my-notes.txt'), 'keep me');
    const second = await writeSynthTree(out, { n: 2, seed: 2, ...SMALL, onRemoved: (n) => removed.push(n) });
    expect(second.fovs).toEqual(first.fovs.slice(0, 2));
    // Told once, with the earlier run's FOVs this one removed (the first run removed none: no call).
    expect(removed).toEqual([2]);
    const listed = second.fovs.flatMap((f) => [...f.files, f.truth.image, f.truth.depth, f.truth.mask]);
    expect(await listFiles(out)).toEqual([...listed, MANIFEST_NAME, 'NILM/my-notes.txt'].sort());
    // Folders emptied by the smaller run are gone; the class folder holding the user's file stays.
    await expect(stat(join(out, 'SCC_etc'))).rejects.toThrow();
  });

  it('validates its options before writing anything', async () => {
    const out = join(scratch, 'bad');
    expect((await rejection(writeSynthTree(out, { n: 0 }))).message).toBe('Expected an integer between 1 and 100000 for n but received 0 (number)');
    expect((await rejection(writeSynthTree(out, { n: 1, quality: 101 }))).message).toContain('for quality');
    expect((await rejection(writeSynthTree(out, { n: 1, planes: 300 }))).message).toContain('for planes');
    await expect(stat(out)).rejects.toThrow();
  });
});

describe('focusfuse synth', () => {
  it('writes a dataset and says what it wrote', async () => {
    const out = join(scratch, 'cli');
    const { code, out: text } = await runCli(['--out', out, '--n', '3', '--seed', '4', '--size', '48', '--planes', '3', '--quality', '80', '--noise', '1', '--defocus', '2']);
    expect(code).toBe(0);
    expect(text).toContain('Wrote 3 FOVs of 3 planes 48x48');
    expect(text).toContain('NILM/1. Superficial-Intermediate Cells: 1 FOV');
    const manifest = await readSynthManifest(out);
    expect(manifest.options).toMatchObject({ n: 3, seed: 4, width: 48, height: 48, planes: 3, quality: 80, noise: 1, defocus: 2, tilt: 1 });
    expect(await listFiles(out)).toHaveLength(3 * 3 + 3 * 3 + 1);
    expect(text).not.toContain('Removed');
    // A smaller rerun says what it removed, rather than deleting the earlier FOVs silently.
    const again = await runCli(['--out', out, '--n', '1', '--seed', '4', '--size', '48', '--planes', '3']);
    expect(again.out).toContain(`Removed 2 FOVs of the earlier run into ${out} (this run's --n or --seed does not write them)`);
  });

  it('rejects bad flags with the uniform message', async () => {
    const out = join(scratch, 'cli-bad');
    const cases: [string[], string][] = [
      [['--n', '2'], "Expected a folder path for --out but received nothing"],
      [['--out', out, '--n', 'abc'], "Expected a number for --n but received 'abc' (string)"],
      [['--out', out, '--n', '0'], 'Expected an integer between 1 and 100000 for --n but received 0 (number)'],
      [['--out', out, '--seed', '1.5'], 'Expected an integer between 0 and 9007199254740991 for --seed but received 1.5 (number)'],
      [['--out', out, '--noise=-1'], 'Expected a number between 0 and 64 for --noise but received -1 (number)'],
      [['--out', out, 'extra'], "Expected no positional arguments (use --out <folder>) for synth but received 'extra' (string)"],
    ];
    for (const [argv, message] of cases) expect((await rejection(synthCommand.run(argv))).message).toBe(message);
    expect((await rejection(synthCommand.run(['--out', out, '--bogus']))).code).toBe('BAD_OPTION');
    await expect(stat(out)).rejects.toThrow();
  });

  it('has help with examples', () => {
    expect(synthCommand.name).toBe('synth');
    expect(synthCommand.help).toContain('Examples:');
    expect(synthCommand.help).toContain('--out');
  });
});
