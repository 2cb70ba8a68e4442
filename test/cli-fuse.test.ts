/**
 * End-to-end tests of `focusfuse fuse` through the built CLI (run `npm run build` first; `npm test`
 * does). Stacks are built here with sharp so the expected depth is known by construction.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = resolve('dist/cli.js');
const WIDTH = 48;
const HEIGHT = 40;
/** The left half is in focus at z=2, the right half at z=10: lexical order (0,1,10,2,..) would swap them. */
const SHARP_LEFT = 2;
const SHARP_RIGHT = 10;
const PLANES = 11;

let root: string;
let stackDir: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** A high-contrast random checkerboard: plenty of detail for every focus measure. */
function texture(): Uint8Array {
  const rgb = new Uint8Array(WIDTH * HEIGHT * 3);
  let seed = 12345;
  const cells = new Map<number, number>();
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const cell = (y >> 1) * 1000 + (x >> 1);
      if (!cells.has(cell)) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        cells.set(cell, seed >>> 31 ? 230 : 30);
      }
      const v = cells.get(cell)!;
      rgb.set([v, (v * 3) >> 2, v >> 1], (y * WIDTH + x) * 3);
    }
  }
  return rgb;
}

/** Blurs with a Gaussian of sigma (none when 0) through sharp. */
async function blurred(rgb: Uint8Array, sigma: number): Promise<Uint8Array> {
  const image = sharp(rgb, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } });
  if (sigma === 0) return rgb;
  return new Uint8Array(await image.blur(sigma).raw().toBuffer());
}

/** Writes plane z of the two-depth stack as a CCCID JPEG, left half from `left`, right half from `right`. */
async function writePlane(dir: string, z: number, source: Uint8Array, name = `001_(3059,11012,${z}).jpg`): Promise<string> {
  const [left, right] = await Promise.all([blurred(source, 0.9 * Math.abs(z - SHARP_LEFT)), blurred(source, 0.9 * Math.abs(z - SHARP_RIGHT))]);
  const plane = new Uint8Array(WIDTH * HEIGHT * 3);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const i = (y * WIDTH + x) * 3;
      plane.set((x < WIDTH / 2 ? left : right).subarray(i, i + 3), i);
    }
  }
  const path = join(dir, name);
  await sharp(plane, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).jpeg({ quality: 95 }).toFile(path);
  return path;
}

async function gray16(path: string): Promise<{ samples: Uint16Array; meta: sharp.Metadata }> {
  const data = await sharp(path).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
  return { samples: new Uint16Array(data.buffer, data.byteOffset, data.length / 2), meta: await sharp(path).metadata() };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

/** A fresh output folder path (not created: the CLI must create it, or must not when input is bad). */
let outCounter = 0;
function outDir(): string {
  outCounter += 1;
  return join(root, `out-${outCounter}`);
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before this test`);
  root = await mkdtemp(join(tmpdir(), 'focusfuse-cli-fuse-'));
  stackDir = join(root, 'NILM', '1. Superficial-Intermediate Cells');
  await mkdir(stackDir, { recursive: true });
  const source = texture();
  // Written in a shuffled order so the listing order cannot be what sorts them.
  for (const z of [7, 10, 0, 3, 9, 1, 5, 2, 8, 6, 4]) await writePlane(stackDir, z, source);
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('focusfuse fuse', () => {
  it('says what alignment did: auto on the bundled registered sample is cleared by the glance', async () => {
    const sample = join('examples', 'samples', 'cccid-synth', 'NILM', '1. Superficial-Intermediate Cells');
    const run = await cli('fuse', sample, '-o', join(outDir(), 'fused.png'), '--align', 'auto');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/align auto: nothing applied, largest move \d+\.\d+ px \(plane \d+, standard error \d+\.\d+ px\), fused image \d+\.\d+ px RMS \(threshold 0\.5\), decided on a preview of the planes \(luma block means\), no registration needed \(estimate \d+ ms, warp 0 ms\)/);
  });

  it('fuses with --depth-mode edge-aware and says so', async () => {
    const out = outDir();
    const run = await cli('fuse', stackDir, '-o', join(out, 'fused.png'), '--depth', join(out, 'depth.png'), '--fusion', 'v1', '--depth-mode', 'edge-aware');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/lapv r=4 sigma=3 interpolate edge-aware on cpu, TypeScript stages/);
    const v1 = await cli('fuse', stackDir, '-o', join(out, 'v1.png'), '--depth', join(out, 'v1-depth.png'), '--fusion', 'v1');
    expect(v1.stdout).not.toMatch(/edge-aware/);
    // A flat stack has no evidence: one plane, and the summary says why.
    const flat = await cli('fuse', stackDir, '-o', join(out, 'flat.png'), '--fusion', 'v1', '--depth-mode', 'edge-aware', '--tau', '1000');
    expect(flat.stdout).toMatch(/edge-aware depth: no focus evidence above tau, so plane \d+ everywhere/);
    expect(await readFile(join(out, 'depth.png'))).not.toEqual(await readFile(join(out, 'v1-depth.png')));
  });

  it('shows the in-focus plane of a planar stack and says why; --one-plane off fuses per pixel', async () => {
    const out = outDir();
    const tools = join('test', 'fixtures', 'real', 'tools');
    const shown = await cli('fuse', tools, '-o', join(out, 'shown.png'), '--depth', join(out, 'shown-depth.png'));
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/histogram depth: every focus peak off plane 0 lies beside stronger focus on plane 0 \(its halos\), so the image is plane 0 itself/);
    const raw = (path: string) => sharp(path).raw().toBuffer();
    expect(await raw(join(out, 'shown.png'))).toEqual(await raw(join(tools, 'z00.png')));
    const off = await cli('fuse', tools, '-o', join(out, 'off.png'), '--one-plane', 'off');
    expect(off.code).toBe(0);
    expect(off.stdout).toMatch(/select histogram \(one-plane off\) on cpu/);
    expect(off.stdout).not.toMatch(/so the image is plane/);
    expect(await raw(join(out, 'off.png'))).not.toEqual(await raw(join(tools, 'z00.png')));
    const bad = await cli('fuse', tools, '-o', join(out, 'bad.png'), '--one-plane', 'never');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Expected one of 'auto', 'off' for --one-plane but received 'never'");
    // Where it would do nothing (another depth mode), the flag is an error, as such flags are.
    const pointless = await cli('fuse', tools, '-o', join(out, 'pointless.png'), '--fusion', 'v1', '--one-plane', 'off');
    expect(pointless.code).toBe(2);
    expect(pointless.stderr).toContain('--one-plane does nothing with --depth-mode gaussian: only the histogram depth has the one-plane test');
  });

  it('fuses with the v2 preset by default, version 1 with --fusion v1, and a flag given with a preset wins', async () => {
    const out = outDir();
    // --json records the preset's name with the options it resolved to (custom for a mix).
    const fusionOf = async (name: string) => JSON.parse(await readFile(join(out, `${name}.json`), 'utf8')).options.fusion;
    const v2 = await cli('fuse', stackDir, '-o', join(out, 'v2.png'), '--json', join(out, 'v2.json'));
    expect(v2.code).toBe(0);
    expect(v2.stdout).toMatch(/; fusion v2: teng r=4 sigma=4 select histogram on cpu/);
    expect(await fusionOf('v2')).toBe('v2');
    const v1 = await cli('fuse', stackDir, '-o', join(out, 'v1.png'), '--fusion', 'v1', '--json', join(out, 'v1.json'));
    expect(v1.stdout).toMatch(/; fusion v1: lapv r=4 sigma=3 interpolate gaussian on cpu/);
    expect(await fusionOf('v1')).toBe('v1');
    const mixed = await cli('fuse', stackDir, '-o', join(out, 'mixed.png'), '--fusion', 'v1', '--composite', 'select', '--sigma', '2', '--json', join(out, 'mixed.json'));
    // The summary names a mix as --json does, with every setting (gaussian too: no preset implies it).
    expect(mixed.stdout).toMatch(/; fusion custom: lapv r=4 sigma=2 select gaussian on cpu/);
    expect(await fusionOf('mixed')).toBe('custom');
    const gaussian = await cli('fuse', stackDir, '-o', join(out, 'gaussian.png'), '--depth-mode', 'gaussian', '--json', join(out, 'gaussian.json'));
    expect(gaussian.stdout).toMatch(/; fusion custom: teng r=4 sigma=4 select gaussian on cpu/);
    expect(await fusionOf('gaussian')).toBe('custom');
    expect(await readFile(join(out, 'v2.png'))).not.toEqual(await readFile(join(out, 'v1.png')));
  });

  it('--backend cpu runs the fast path (wasm simd) and --backend cpu-reference the TypeScript stages, within the parity bar', async () => {
    const out = outDir();
    const fast = await cli('fuse', stackDir, '-o', join(out, 'fast.png'), '--depth', join(out, 'fast-depth.tiff'));
    expect(fast.code).toBe(0);
    expect(fast.stdout).toMatch(/teng r=4 sigma=4 select histogram on cpu, wasm simd\n/);
    const ref = await cli('fuse', stackDir, '-o', join(out, 'ref.png'), '--depth', join(out, 'ref-depth.tiff'), '--backend', 'cpu-reference');
    expect(ref.code).toBe(0);
    expect(ref.stdout).toMatch(/teng r=4 sigma=4 select histogram on cpu, TypeScript stages\n/);
    const [a, b] = await Promise.all(['fast.png', 'ref.png'].map((f) => sharp(join(out, f)).raw().toBuffer()));
    let off = 0;
    for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > 1) off++;
    expect(off / a.length).toBeLessThan(0.001);
    const bad = await cli('fuse', stackDir, '-o', join(out, 'x.png'), '--backend', 'cpu-fast');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/Expected one of 'cpu', 'cpu-reference', 'webgpu', 'auto' for --backend but received 'cpu-fast'/);
  });

  it('fuses a CCCID folder into all outputs with the documented encodings', async () => {
    const out = outDir();
    const files = {
      fused: join(out, 'fused.png'),
      depth: join(out, 'depth.png'),
      confidence: join(out, 'conf.png'),
      color: join(out, 'depth-color.png'),
      json: join(out, 'stats.json'),
    };
    const run = await cli('fuse', stackDir, '-o', files.fused, '--depth', files.depth, '--confidence', files.confidence, '--depth-color', files.color, '--json', files.json);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('48x40, 11 planes');
    expect(run.stdout).toContain('001_(3059,11012)');
    // Atomic writes leave no temp files behind.
    expect((await readdir(out)).sort()).toEqual(['conf.png', 'depth-color.png', 'depth.png', 'fused.png', 'stats.json']);

    expect(await sharp(files.fused).metadata()).toMatchObject({ format: 'png', width: WIDTH, height: HEIGHT, depth: 'uchar' });
    expect(await sharp(files.color).metadata()).toMatchObject({ format: 'png', width: WIDTH, height: HEIGHT, depth: 'uchar' });

    const json = JSON.parse(await readFile(files.json, 'utf8'));
    expect(json.input).toMatchObject({ width: WIDTH, height: HEIGHT, planeCount: PLANES, zStepUm: 1 });
    expect(json.input.cccid.z).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(json.input.files.map((f: string) => f.slice(f.lastIndexOf('(')))).toEqual(json.input.cccid.z.map((z: number) => `(3059,11012,${z}).jpg`));
    expect(json.backend.name).toBe('cpu');
    expect(json.options).toMatchObject({ measure: 'teng', window: 4, sigma: 4, depthMode: 'histogram', composite: 'select' });
    expect(json.format.depth.scale).toBe(1000);
    expect(json.timings.load).toBeGreaterThan(0);

    const depth = await gray16(files.depth);
    expect(depth.meta).toMatchObject({ format: 'png', depth: 'ushort', channels: 1, width: WIDTH, height: HEIGHT });
    const planesOf = [...depth.samples].map((v) => v / 1000);
    expect(Math.max(...planesOf)).toBeLessThanOrEqual(PLANES - 1);
    // The PNG holds round(D * 1000), so its mean matches the JSON's mean depth to within rounding.
    const mean = planesOf.reduce((a, b) => a + b, 0) / planesOf.length;
    expect(Math.abs(mean - json.stats.depthMean)).toBeLessThan(0.001);
    const histogram = Array(PLANES).fill(0);
    for (const d of planesOf) histogram[Math.round(d)] += 1;
    histogram.forEach((count, z) => expect(Math.abs(count - json.stats.depthHistogram[z]), `plane ${z}`).toBeLessThanOrEqual(2));

    // Away from the seam, each half is found at the plane where it was made sharp.
    const column = (x0: number, x1: number) => planesOf.filter((_, i) => i % WIDTH >= x0 && i % WIDTH < x1);
    expect(Math.abs(median(column(4, 14)) - SHARP_LEFT)).toBeLessThan(0.5);
    expect(Math.abs(median(column(34, 44)) - SHARP_RIGHT)).toBeLessThan(0.5);

    const confidence = await gray16(files.confidence);
    expect(confidence.meta).toMatchObject({ depth: 'ushort', channels: 1 });
    const confMean = [...confidence.samples].reduce((a, b) => a + b, 0) / confidence.samples.length / 65535;
    expect(Math.abs(confMean - json.stats.confidenceMean)).toBeLessThan(0.001);
    expect(json.stats.confidenceMean).toBeGreaterThan(0);
  });

  it('writes the fused image as JPEG or TIFF by extension, and --quiet prints nothing', async () => {
    const out = outDir();
    const run = await cli('fuse', stackDir, '-o', join(out, 'fused.jpg'), '--depth-color', join(out, 'c.tif'), '--measure', 'teng', '--window', '2', '--quiet');
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await sharp(join(out, 'fused.jpg')).metadata()).toMatchObject({ format: 'jpeg', width: WIDTH, height: HEIGHT });
    expect(await sharp(join(out, 'c.tif')).metadata()).toMatchObject({ format: 'tiff', width: WIDTH, height: HEIGHT });
  });

  it('takes a list of files and warns that a single plane is returned as it is', async () => {
    const dir = join(root, 'single');
    await mkdir(dir);
    const plane = join(dir, 'only.png');
    const pixels = Uint8Array.from({ length: 9 * 7 * 3 }, (_, i) => (i * 41) % 256);
    await sharp(pixels, { raw: { width: 9, height: 7, channels: 3 } }).png().toFile(plane);
    const out = outDir();
    const run = await cli('fuse', plane, '-o', join(out, 'fused.png'), '--depth', join(out, 'depth.png'));
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning: .*only one plane/);
    const fused = await sharp(join(out, 'fused.png')).raw().toBuffer();
    expect([...fused]).toEqual([...pixels]);
    expect(Math.max(...(await gray16(join(out, 'depth.png'))).samples)).toBe(0);
  });

  it('fuses stacks of a `focusfuse synth` CCCID tree close to their ground-truth depth', async () => {
    const tree = join(root, 'synth');
    const synth = await cli('synth', '--out', tree, '--n', '2', '--size', '160', '--seed', '5', '--quiet');
    expect(synth.code, synth.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(join(tree, 'synth.json'), 'utf8'));
    const dataset = await cli('fuse', tree, '-o', join(outDir(), 'f.png'));
    expect(dataset.code).toBe(2);
    expect(dataset.stderr).toContain('subfolders');
    for (const fov of manifest.fovs) {
      expect(fov.maskCoverage, 'the synthetic field must hold cells for this test to mean anything').toBeGreaterThan(0.1);
      const out = outDir();
      const run = await cli('fuse', join(tree, fov.className, fov.subtype), '--depth', join(out, 'depth.png'), '--quiet');
      expect(run.code, run.stderr).toBe(0);
      const depth = (await gray16(join(out, 'depth.png'))).samples;
      const truth = (await gray16(join(tree, fov.truth.depth))).samples;
      const mask = await sharp(join(tree, fov.truth.mask)).extractChannel(0).raw().toBuffer();
      const errors = [...depth].flatMap((d, i) => (mask[i] > 0 ? [Math.abs(d - truth[i]) / manifest.depthScale] : []));
      expect(median(errors), `${fov.className}/${fov.subtype}`).toBeLessThan(0.5);
    }
  });

  it('leaves earlier outputs saved beside the planes out of the stack, with a warning naming them', async () => {
    const dir = join(root, 'with-outputs');
    await mkdir(dir);
    for (const name of await readdir(stackDir)) await copyFile(join(stackDir, name), join(dir, name));
    const before = await cli('fuse', dir, '-o', join(dir, 'fused.png'), '--depth-color', join(dir, 'depth-color.png'), '-q');
    expect(before.code, before.stderr).toBe(0);
    const again = await cli('fuse', dir, '-o', join(dir, 'fused-again.png'));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toBe(`focusfuse: warning: ${dir}: left out 2 focusfuse outputs (never planes): depth-color.png, fused.png\n`);
    expect(again.stdout).toContain('11 planes');
    expect(Buffer.compare(await sharp(join(dir, 'fused-again.png')).raw().toBuffer(), await sharp(join(dir, 'fused.png')).raw().toBuffer())).toBe(0);
  });

  it('checks every output can be written before any work, and then writes none (exit 2)', async () => {
    const out = outDir();
    const run = await cli('fuse', stackDir, '-o', '/proc/focusfuse-x.png', '--depth', join(out, 'd.png'), '--json', join(out, 's.json'));
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('focusfuse: cannot write /proc/focusfuse-x.png: the folder does not accept new files (ENOENT)\n');
    expect(existsSync(out)).toBe(false);
  });

  it('prints help with examples', async () => {
    const run = await cli('fuse', '--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: focusfuse fuse');
    expect(run.stdout).toContain('Examples:');
    expect(run.stdout).toContain('round(depth * 1000)');
  });

  describe('bad input exits 2, names the problem and writes nothing', () => {
    /** Makes a folder with the given CCCID z planes (decodable, same source texture). */
    async function cccidFolder(name: string, zs: number[]): Promise<string> {
      const dir = join(root, 'bad', name);
      await mkdir(dir, { recursive: true });
      const source = texture();
      for (const z of zs) await writePlane(dir, z, source);
      return dir;
    }

    async function expectRefused(args: string[], message: RegExp | string, mentions?: string) {
      const out = outDir();
      const fused = join(out, 'fused.png');
      const json = join(out, 'stats.json');
      const run = await cli('fuse', ...args.map((a) => a.replace('$OUT', out)), '-o', fused, '--json', json);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(typeof message === 'string' ? new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : message);
      if (mentions) expect(run.stderr).toContain(mentions);
      expect(existsSync(fused)).toBe(false);
      expect(existsSync(json)).toBe(false);
      expect(existsSync(out)).toBe(false);
    }

    it('a gap in z', async () => {
      const dir = await cccidFolder('gap', [0, 1, 3]);
      await expectRefused([dir], 'z=2 is missing between 001_(3059,11012,1).jpg and 001_(3059,11012,3).jpg');
    });

    it('a duplicate z', async () => {
      const dir = await cccidFolder('dup', [0, 1]);
      await writeFile(join(dir, '001_(3059,11012,1).png'), await readFile(join(dir, '001_(3059,11012,1).jpg')));
      await expectRefused([dir], 'both claim z=1');
    });

    it('mixed sizes', async () => {
      const dir = await cccidFolder('sizes', [0, 1]);
      const odd = join(dir, '001_(3059,11012,2).jpg');
      await sharp({ create: { width: 20, height: 10, channels: 3, background: '#808080' } }).jpeg().toFile(odd);
      await expectRefused([dir], 'is 20x10 but', odd);
    });

    it('an undecodable file and a truncated JPEG', async () => {
      const dir = await cccidFolder('garbage', [0, 2]);
      const garbage = join(dir, '001_(3059,11012,1).jpg');
      await writeFile(garbage, 'not a jpeg');
      await expectRefused([dir], 'not a JPEG, PNG or TIFF image', garbage);
      const cut = await cccidFolder('truncated', [0, 1, 2]);
      const victim = join(cut, '001_(3059,11012,1).jpg');
      const bytes = await readFile(victim);
      await writeFile(victim, bytes.subarray(0, bytes.length >> 1));
      await expectRefused([cut], 'truncated', victim);
    });

    it('no images, a missing path, several fields of view, too many planes', async () => {
      const empty = join(root, 'bad', 'empty');
      await mkdir(empty, { recursive: true });
      await expectRefused([empty], 'no JPEG, PNG or TIFF images', empty);
      // A folder of BMPs: the error names them (notes pass quietly, as everywhere).
      const bmps = join(root, 'bad', 'bmps');
      await mkdir(bmps, { recursive: true });
      for (const name of ['z0.bmp', 'z1.bmp', 'notes.txt']) await writeFile(join(bmps, name), 'x');
      await expectRefused([bmps], 'no JPEG, PNG or TIFF images in this folder; it has 2 other files: z0.bmp, z1.bmp', bmps);
      await expectRefused([join(root, 'missing')], 'no such file or folder', join(root, 'missing'));
      const two = await cccidFolder('two-fovs', [0, 1]);
      await writePlane(two, 0, texture(), '002_(1,2,0).jpg');
      await expectRefused([two], "--fov '001_(3059,11012)'"); // quoted for the shell
      const many = join(root, 'bad', 'many');
      await mkdir(many, { recursive: true });
      await Promise.all(Array.from({ length: 257 }, (_, z) => writeFile(join(many, `001_(1,2,${z}).jpg`), 'x')));
      await expectRefused([many], 'Expected at most 256 planes but received 257');
    });

    it('bad options and output names, before any decoding', async () => {
      await expectRefused([stackDir, '--window', '99'], 'Expected an integer between 0 and 32 for --window but received 99 (number)');
      await expectRefused([stackDir, '--measure', 'sobel'], "for --measure but received 'sobel'");
      await expectRefused([stackDir, '--depth-mode', 'bilateral'], "Expected one of 'gaussian', 'edge-aware', 'histogram' for --depth-mode but received 'bilateral'");
      await expectRefused([stackDir, '--fusion', 'v3'], "Expected one of 'v1', 'v2' for --fusion but received 'v3'");
      await expectRefused([stackDir, '--order', 'zigzag'], "for --order but received 'zigzag'");
      await expectRefused([stackDir, '--sigma', 'x'], "Expected a number for --sigma but received 'x'");
      await expectRefused([stackDir, '--depth', '$OUT/depth.jpg'], 'ending in .png, .tif, .tiff for --depth');
      await expectRefused([stackDir, '--depth-color', '$OUT/c.bmp'], 'for --depth-color');
      await expectRefused([stackDir, '--bogus'], "Unknown option '--bogus'");
      await expectRefused([stackDir, '--fov', '009_(1,1)'], 'no field of view 009_(1,1); available: 001_(3059,11012) (11 planes)');
    });

    it('no input, no output, or an output over an input plane', async () => {
      const none = await cli('fuse', '-o', join(outDir(), 'f.png'));
      expect(none.code).toBe(2);
      expect(none.stderr).toContain('for input but received nothing');
      const noOutput = await cli('fuse', stackDir);
      expect(noOutput.code).toBe(2);
      expect(noOutput.stderr).toContain('at least one output');
      const dir = await cccidFolder('overwrite', [0, 1]);
      const target = join(dir, '001_(3059,11012,0).jpg');
      const before = await readFile(target);
      const run = await cli('fuse', dir, '-o', target);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('is one of the input planes');
      expect(Buffer.compare(await readFile(target), before)).toBe(0);
    });
  });
});
