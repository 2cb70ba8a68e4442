/**
 * A multi-page TIFF Z-stack (Fiji/ImageJ's export: one .tif, one page per plane) loads as the stack
 * its pages are, exactly as the same planes saved as separate PNGs: through loadStack and through the
 * built CLI (run `npm run build` first; `npm test` does). The TIFFs are built here with sharp
 * (raw pages of `pageHeight`), or by hand where pages must differ in size.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FocusFuseError } from '../src/core/errors.js';
import { shellQuote } from '../src/core/text.js';
import { decodeImage } from '../src/io/decode.js';
import { loadStack, type LoadStackOptions } from '../src/io/load-stack.js';
import { alignedPlaneName } from '../src/io/save-aligned.js';
import { writeResult } from '../src/io/write-result.js';
import { fuse } from '../src/fuse.js';
import { runCli } from './batch-fixtures.js';
import { handMadeTiff } from './tiff-fixtures.js';

const CLI = resolve('dist/cli.js');
const WIDTH = 40;
const HEIGHT = 32;
const PLANES = 5;

let root: string;
let counter = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'focusfuse-tiff-stack-'));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

async function folder(): Promise<string> {
  counter += 1;
  const dir = join(root, `${counter}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

interface Kind {
  label: string;
  channels: 1 | 3;
  wide: boolean;
}
const KINDS: Kind[] = [
  { label: '8-bit RGB', channels: 3, wide: false },
  { label: '8-bit grey', channels: 1, wide: false },
  { label: '16-bit grey', channels: 1, wide: true },
];

/**
 * PLANES planes of seeded noise, sharpest at z = 1 on the left and z = 3 on the right (so fusion has
 * a depth to find), as raw samples; 16-bit ones use 12 bits with odd low bits, so a lost bit shows.
 */
async function makePlanes(kind: Kind): Promise<(Uint8Array | Uint16Array)[]> {
  let seed = 4242;
  const noise = Uint8Array.from({ length: WIDTH * HEIGHT * kind.channels }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
  const planes: (Uint8Array | Uint16Array)[] = [];
  for (let z = 0; z < PLANES; z++) {
    const blur = async (sigma: number) => (sigma === 0 ? noise : new Uint8Array(await sharp(noise, { raw: { width: WIDTH, height: HEIGHT, channels: kind.channels } }).blur(sigma).raw().toBuffer()));
    const [left, right] = await Promise.all([blur(0.8 * Math.abs(z - 1)), blur(0.8 * Math.abs(z - 3))]);
    const plane = kind.wide ? new Uint16Array(noise.length) : new Uint8Array(noise.length);
    for (let i = 0; i < noise.length; i++) {
      const v = (Math.floor(i / kind.channels) % WIDTH < WIDTH / 2 ? left : right)[i];
      plane[i] = kind.wide ? v * 16 + (i % 7) : v;
    }
    planes.push(plane);
  }
  return planes;
}

function image(samples: Uint8Array | Uint16Array, channels: number, height = HEIGHT, pageHeight?: number): sharp.Sharp {
  const raw = { width: WIDTH, height, channels: channels as 1 | 3, ...(pageHeight ? { pageHeight } : {}) };
  const made = sharp(samples, { raw });
  if (samples instanceof Uint16Array) return made.toColourspace(channels === 1 ? 'grey16' : 'rgb16');
  return channels === 1 ? made.toColourspace('b-w') : made;
}

/** The planes as one multi-page TIFF (LZW, lossless), its page count checked. */
async function writeTiffStack(path: string, planes: (Uint8Array | Uint16Array)[], channels: number): Promise<string> {
  const all = planes[0] instanceof Uint16Array ? new Uint16Array(planes.length * planes[0].length) : new Uint8Array(planes.length * planes[0].length);
  planes.forEach((plane, z) => all.set(plane, z * plane.length));
  await image(all, channels, HEIGHT * planes.length, HEIGHT).tiff({ compression: 'lzw' }).toFile(path);
  const meta = await sharp(path).metadata();
  expect([meta.pages, meta.height, meta.channels]).toEqual([planes.length, HEIGHT, channels]);
  return path;
}

/** The planes as PNG files z0.png .. z4.png in `dir`. */
async function writePngPlanes(dir: string, planes: (Uint8Array | Uint16Array)[], channels: number): Promise<string[]> {
  return Promise.all(planes.map(async (plane, z) => {
    const path = join(dir, `z${z}.png`);
    await image(plane, channels).png().toFile(path);
    return path;
  }));
}

async function loadError(input: string | string[], options: LoadStackOptions = {}): Promise<FocusFuseError> {
  const error = await loadStack(input, options).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FocusFuseError);
  return error as FocusFuseError;
}

/** The same planes twice in a new folder: as one multi-page TIFF (stack.tif) and as PNG files (png/). */
async function tiffAndPngs(kind: (typeof KINDS)[number]): Promise<{ dir: string; tiff: string; pngDir: string }> {
  const dir = await folder();
  const planes = await makePlanes(kind);
  const tiff = await writeTiffStack(join(dir, 'stack.tif'), planes, kind.channels);
  const pngDir = join(dir, 'png');
  await mkdir(pngDir);
  await writePngPlanes(pngDir, planes, kind.channels);
  return { dir, tiff, pngDir };
}

describe('loadStack of a multi-page TIFF', () => {
  for (const kind of KINDS) {
    it(`reads a ${kind.label} TIFF's pages as the planes, exactly as the same planes in PNG files`, async () => {
      const { tiff, pngDir } = await tiffAndPngs(kind);
      for (const highBitDepth of [false, true]) {
        const warnings: string[] = [];
        const stack = await loadStack(tiff, { highBitDepth, onWarning: (m) => warnings.push(m) });
        const reference = await loadStack(pngDir, { highBitDepth });
        expect(warnings).toEqual([]);
        expect(stack.planes).toHaveLength(PLANES);
        expect(stack.planes).toEqual(reference.planes);
        expect(stack.planes[0]).toBeInstanceOf(highBitDepth && kind.wide ? Uint16Array : Uint8Array);
        expect('bitDepth' in stack ? stack.bitDepth : 8).toBe('bitDepth' in reference ? reference.bitDepth : 8);
        expect(stack.meta?.grey).toBe(reference.meta?.grey);
        expect(stack.meta).toMatchObject({ name: tiff, multiPageTiff: tiff, files: Array.from({ length: PLANES }, (_, z) => `${tiff} page ${z}`) });
        if (highBitDepth) expect(stack.meta?.sampleRange).toEqual(reference.meta?.sampleRange);
      }
    });
  }

  it('takes a folder holding one multi-page TIFF (beside notes and a focusfuse output) as that stack', async () => {
    const dir = await folder();
    const planes = await makePlanes(KINDS[0]);
    await writeTiffStack(join(dir, 'cells.tif'), planes, 3);
    await writeFile(join(dir, 'meta.json'), '{}');
    const warnings: string[] = [];
    const stack = await loadStack(dir, { onWarning: (m) => warnings.push(m) });
    expect(stack.planes).toHaveLength(PLANES);
    expect(stack.meta?.files?.[3]).toBe(`${join(dir, 'cells.tif')} page 3`);
    expect(warnings).toEqual([]);
  });

  it('refuses a multi-page TIFF among other planes, as files or in a folder, naming it and its pages', async () => {
    const dir = await folder();
    const planes = await makePlanes(KINDS[1]);
    const tiff = await writeTiffStack(join(dir, 'stack.tif'), planes, 1);
    const pngs = await writePngPlanes(dir, planes.slice(0, 2), 1);
    for (const input of [[pngs[0], tiff], dir]) {
      const error = await loadError(input);
      expect(error.code).toBe('AMBIGUOUS_INPUT');
      expect(error.file).toBe(tiff);
      expect(error.message).toMatch(/holds 5 pages, a Z-stack of its own, but comes with \d other plane files? \(z0\.png.*\); give it alone, or export one file per plane$/);
    }
    // A batch's FOV cannot be one TIFF: "give it alone" would mean nothing there.
    expect((await loadError(dir, { fuseAlone: false })).message).toMatch(/\(z0\.png, z1\.png\); export one file per plane$/);
  });

  it('refuses two multi-page TIFFs together, as files or in a folder, calling neither a plane file', async () => {
    const dir = await folder();
    const planes = await makePlanes(KINDS[1]);
    const tiffs = [await writeTiffStack(join(dir, 'a.tif'), planes, 1), await writeTiffStack(join(dir, 'b.tif'), planes.slice(0, 3), 1)];
    for (const input of [tiffs, dir]) {
      const error = await loadError(input);
      expect(error.code).toBe('AMBIGUOUS_INPUT');
      expect(error.message).toBe('2 multi-page TIFFs (a.tif, b.tif): each is a Z-stack of its own; fuse each on its own');
    }
    expect((await loadError(tiffs, { fuseAlone: false })).message).toBe('2 multi-page TIFFs (a.tif, b.tif): each is a Z-stack of its own; export one file per plane');
  });

  it('treats pages of different sizes like planes of different sizes, naming the page', async () => {
    const dir = await folder();
    const tiff = join(dir, 'mixed.tif');
    await writeFile(tiff, handMadeTiff([{ width: 20, height: 16, value: 40 }, { width: 20, height: 16, value: 90 }, { width: 18, height: 15, value: 140 }]));
    expect((await sharp(tiff).metadata()).pages).toBe(3);
    const error = await loadError(tiff);
    expect(error.code).toBe('SIZE_MISMATCH');
    expect(error.file).toBe(`${tiff} page 2`);
    expect(error.message).toContain(`is 18x15 but ${tiff} page 0 is 20x16`);
    const stack = await loadStack(tiff, { allowMixedSizes: true });
    expect(stack.planeSizes).toEqual([{ width: 20, height: 16 }, { width: 20, height: 16 }, { width: 18, height: 15 }]);
    expect(stack.planes[2][0]).toBe(140);
    const far = join(dir, 'far.tif');
    await writeFile(far, handMadeTiff([{ width: 20, height: 16, value: 40 }, { width: 8, height: 16, value: 90 }]));
    expect(await loadError(far, { allowMixedSizes: true })).toMatchObject({ code: 'SIZE_MISMATCH', file: `${far} page 1` });
  });

  it('refuses a hyperstack whose pages interleave channels or time points, takes a stack of one dimension', async () => {
    const dir = await folder();
    const pages = Array.from({ length: 4 }, (_, z) => ({ width: 6, height: 4, value: z * 50 }));
    const write = async (name: string, description: string, little = true) => {
      const path = join(dir, name);
      await writeFile(path, handMadeTiff(pages, description, little));
      return path;
    };
    const imagej = await write('hyper.tif', 'ImageJ=1.54f\nimages=4\nchannels=2\nslices=2\nhyperstack=true\nmode=composite\n');
    expect(await loadError(imagej)).toMatchObject({
      code: 'BAD_STACK',
      message: `${imagej}: is an ImageJ hyperstack of 2 channels x 2 slices, its 4 pages interleaved, not one Z-stack in page order; save one channel and time point as a stack of its own (Fiji: Image > Hyperstacks > Reduce Dimensionality)`,
    });
    const bigEndian = await write('hyper-mm.tif', 'ImageJ=1.54f\nimages=4\nslices=2\nframes=2\nhyperstack=true\n', false);
    expect((await loadError(bigEndian)).message).toContain('is an ImageJ hyperstack of 2 slices x 2 frames, its 4 pages interleaved');
    const ome = await write('ome.tif', '<?xml version="1.0"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"><Image><Pixels SizeC="1" SizeT="2" SizeZ="2" SizeX="6" SizeY="4"/></Image></OME>');
    expect(await loadError(ome)).toMatchObject({ code: 'BAD_STACK', file: ome });
    expect((await loadError(ome)).message).toContain('is an OME-TIFF of 2 Z planes in 4 pages (SizeC 1, SizeT 2)');
    // One dimension: slices, or frames only (Z-stacks are often saved as frames); an OME Z-stack.
    for (const [name, description] of [
      ['slices.tif', 'ImageJ=1.54f\nimages=4\nslices=4\nunit=micron\n'],
      ['frames.tif', 'ImageJ=1.54f\nimages=4\nframes=4\n'],
      ['omez.tif', '<OME><Image><Pixels SizeC="1" SizeT="1" SizeZ="4"/></Image></OME>'],
    ]) {
      const stack = await loadStack(await write(name, description));
      expect(stack.planes.map((p) => p[0])).toEqual([0, 50, 100, 150]);
    }
  });

  it('leaves reduced-resolution pages (thumbnails, NewSubfileType 1) out, in either byte order', async () => {
    const dir = await folder();
    const full = (value: number) => ({ width: 6, height: 4, value });
    const thumb = { width: 3, height: 2, value: 7, reduced: true };
    for (const little of [true, false]) {
      // A camera TIFF: the image, then its thumbnail. Alone it is one plane; beside others, a plane like them.
      const cameras = await Promise.all([10, 20, 30].map(async (value) => {
        const path = join(dir, `camera${value}-${little}.tif`);
        await writeFile(path, handMadeTiff([full(value), thumb], undefined, little));
        return path;
      }));
      const one = await loadStack(cameras[0]);
      expect([one.planes.length, one.width, one.height, one.planes[0][0], one.meta?.files, one.meta?.multiPageTiff]).toEqual([1, 6, 4, 10, [cameras[0]], undefined]);
      expect((await loadStack(cameras)).planes.map((p) => p[0])).toEqual([10, 20, 30]);
      // The thumbnail first: the one full-resolution page is page 1.
      const first = join(dir, `first-${little}.tif`);
      await writeFile(first, handMadeTiff([thumb, full(40)], undefined, little));
      const firstStack = await loadStack([first, cameras[1]]);
      expect([firstStack.width, firstStack.planes.map((p) => p[0])]).toEqual([6, [20, 40]]); // in name order: camera20, first
      // A stack with a thumbnail ahead of it and one among its pages: the planes keep the file's page numbers.
      const stack = join(dir, `stack-${little}.tif`);
      await writeFile(stack, handMadeTiff([thumb, full(0), full(50), thumb, full(100)], 'ImageJ=1.54f\nimages=3\nslices=3\n', little));
      const loaded = await loadStack(stack);
      expect(loaded.planes.map((p) => p[0])).toEqual([0, 50, 100]);
      expect(loaded.meta?.files).toEqual([1, 2, 4].map((page) => `${stack} page ${page}`));
      expect(await loadError([stack, cameras[0]])).toMatchObject({ code: 'AMBIGUOUS_INPUT', message: expect.stringContaining(`${stack}: holds 3 pages, a Z-stack of its own`) });
    }
  });

  it('refuses 32-bit and 64-bit samples (ImageJ 32-bit stacks), naming the file and how to convert it', async () => {
    const dir = await folder();
    const advice = 'which focusfuse does not read: it reads 8- and 16-bit integer samples; convert it to 16-bit first (Fiji: Image > Type > 16-bit';
    // Read as 16 bits, floats in 0..1 became black and 0..4095 white, 32-bit integers black: without a word.
    for (const [sample, value, pages, kind] of [
      ['float32', 0.5, 1, '32-bit floating-point'],
      ['float32', 0.5, 3, '32-bit floating-point'],
      ['float32', 3000, 1, '32-bit floating-point'],
      ['float32', 3000, 3, '32-bit floating-point'],
      ['int32', 3000, 3, '32-bit integer'],
      ['uint32', 3000, 1, '32-bit integer'],
      ['float64', 3000, 1, '64-bit floating-point'],
      ['float64', 0.5, 2, '64-bit floating-point'],
    ] as const) {
      const path = join(dir, `${sample}-${value}-${pages}.tif`);
      await writeFile(path, handMadeTiff(Array.from({ length: pages }, (_, z) => ({ width: 6, height: 4, value: (value * (z + 1)) / pages, sample })), undefined, false));
      const error = await loadError(path, { highBitDepth: true });
      expect([error.code, error.file], path).toEqual(['DECODE', path]);
      expect(error.message, path).toContain(`${path}: holds ${kind} samples`);
      expect(error.message, path).toContain(advice);
    }
    // Behind an 8-bit thumbnail (page 0, decoded fine) the planes are float pages: refused from the IFDs before they are decoded.
    const behind = join(dir, 'behind.tif');
    await writeFile(behind, handMadeTiff([{ width: 3, height: 2, value: 1, reduced: true }, ...[1, 2].map((value) => ({ width: 6, height: 4, value, sample: 'float32' as const }))]));
    expect(await loadError(behind)).toMatchObject({ code: 'DECODE', message: expect.stringContaining(`${behind}: holds 32-bit floating-point samples`) });
  });

  it('refuses more pages than planes are allowed', async () => {
    const dir = await folder();
    const tiff = join(dir, 'long.tif');
    await sharp(new Uint8Array(WIDTH * 257), { raw: { width: WIDTH, height: 257, channels: 1, pageHeight: 1 } }).tiff().toFile(tiff);
    expect(await loadError(tiff)).toMatchObject({ code: 'TOO_MANY_PLANES', file: tiff, message: `${tiff}: Expected at most 256 planes but received 257 pages` });
  });

  it('decodes a page asked for, and names a missing page or a bad page number', async () => {
    const dir = await folder();
    const tiff = await writeTiffStack(join(dir, 's.tif'), await makePlanes(KINDS[1]), 1);
    const bytes = await readFile(tiff);
    const page = await decodeImage(bytes, 's.tif page 3', { page: 3 });
    expect(page.pages).toBe(PLANES);
    expect(page.data).toEqual((await loadStack(tiff)).planes[3]);
    await expect(decodeImage(bytes, 's.tif page 9', { page: 9 })).rejects.toThrow('s.tif page 9: the file has no page 9 (pages count from 0)');
    await expect(decodeImage(bytes, 's.tif', { page: -1 })).rejects.toMatchObject({ code: 'BAD_OPTION', message: "s.tif: Expected a page number (an integer from 0) for page but received -1 (number)" });
  });

  it('never writes a result over the multi-page TIFF it came from', async () => {
    const dir = await folder();
    const tiff = await writeTiffStack(join(dir, 'stack.tif'), await makePlanes(KINDS[0]), 3);
    const before = await readFile(tiff);
    const result = await fuse(await loadStack(tiff), { backend: 'cpu' });
    await expect(writeResult(result, { depth: join(dir, 'depth.png'), fused: tiff })).rejects.toMatchObject({ code: 'BAD_OPTION', message: `fused ${tiff} is the input file; refusing to overwrite it` });
    expect(await readFile(tiff)).toEqual(before);
    expect(existsSync(join(dir, 'depth.png'))).toBe(false);
  });

  it('names aligned planes of a multi-page TIFF by file and page', () => {
    expect(alignedPlaneName({ files: ['a/s.tif page 0', 'a/s.tif page 1'], multiPageTiff: 'a/s.tif' }, 1)).toBe('s.page01.png');
    expect(alignedPlaneName({ files: ['a/x.jpg'] }, 0)).toBe('x.png');
  });
});

const cli = (...args: string[]) => runCli(args);

describe('focusfuse fuse of a multi-page TIFF', () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before this test`);
  });

  for (const kind of KINDS) {
    it(`fuses a ${kind.label} TIFF stack to the same bytes as its planes in PNG files`, async () => {
      const { dir, tiff, pngDir } = await tiffAndPngs(kind);
      const outputs = (name: string) => ['-o', join(dir, `${name}.png`), '--depth', join(dir, `${name}.depth.png`), '--json', join(dir, `${name}.json`), ...(kind.wide ? ['--bit-depth', '16'] : [])];
      const fromTiff = await cli('fuse', tiff, ...outputs('tiff'));
      const fromPngs = await cli('fuse', pngDir, ...outputs('pngs'));
      expect(fromTiff.stderr).toBe('');
      expect(fromTiff.code).toBe(0);
      expect(fromPngs.code).toBe(0);
      expect(fromTiff.stdout).toContain(`${WIDTH}x${HEIGHT}, ${PLANES} planes`);
      for (const suffix of ['png', 'depth.png']) expect(await readFile(join(dir, `tiff.${suffix}`))).toEqual(await readFile(join(dir, `pngs.${suffix}`)));
      const fused = await sharp(join(dir, 'tiff.png')).metadata();
      expect([fused.channels, fused.depth]).toEqual([kind.channels, kind.wide ? 'ushort' : 'uchar']);
      const stats = JSON.parse(await readFile(join(dir, 'tiff.json'), 'utf8'));
      expect(stats.input).toMatchObject({ name: tiff, planeCount: PLANES, multiPageTiff: tiff, files: Array.from({ length: PLANES }, (_, z) => `${tiff} page ${z}`) });
      expect(stats.warnings).toEqual([]);
    });
  }

  it('leaves a fused TIFF written beside the stack out of its folder, and never overwrites the stack', async () => {
    const dir = await folder();
    const tiff = await writeTiffStack(join(dir, 'stack.tif'), await makePlanes(KINDS[0]), 3);
    expect(await cli('fuse', dir, '-o', join(dir, 'fused.tif'))).toMatchObject({ code: 0, stderr: '' });
    const again = await cli('fuse', dir, '-o', join(dir, 'again.png'));
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`${PLANES} planes`);
    expect(again.stderr).toContain('left out 1 focusfuse output (never planes): fused.tif');
    const overwrite = await cli('fuse', tiff, '-o', tiff);
    expect(overwrite.code).toBe(2);
    expect(overwrite.stderr).toContain(`-o/--output ${tiff} is the input file; refusing to overwrite it`);
  });

  it('exits 2 naming a 32-bit float TIFF and how to convert it, writing nothing', async () => {
    const dir = await folder();
    const path = join(dir, 'float.tif');
    await writeFile(path, handMadeTiff([1, 2, 3].map((value) => ({ width: 6, height: 4, value: value / 4, sample: 'float32' as const }))));
    const run = await cli('fuse', path, '-o', join(dir, 'out.png'));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${path}: holds 32-bit floating-point samples (an ImageJ 32-bit image?), which focusfuse does not read`);
    expect(existsSync(join(dir, 'out.png'))).toBe(false);
  });

  it('exits 2 naming a multi-page TIFF given with other planes, ending with the command that fuses it alone', async () => {
    const dir = join(await folder(), "bob's stack");
    await mkdir(dir);
    const planes = await makePlanes(KINDS[0]);
    const tiff = await writeTiffStack(join(dir, 'stack.tif'), planes, 3);
    const [png] = await writePngPlanes(dir, planes.slice(0, 1), 3);
    const out = join(dir, 'out.png');
    for (const input of [[tiff, png], [dir]]) {
      const run = await cli('fuse', ...input, '-o', out, '--order', 'natural');
      expect(run.code).toBe(2);
      const [message, command] = run.stderr.trimEnd().split(', or fuse it alone: ');
      expect(message).toBe(`focusfuse: ${tiff}: holds ${PLANES} pages, a Z-stack of its own, but comes with 1 other plane file (z0.png); export one file per plane`);
      // The inputs become the TIFF; --order, about plane files, goes; the command pastes as it stands.
      expect(command).toBe(`node dist/cli.js fuse ${shellQuote(tiff)} -o ${shellQuote(out)}`);
      expect(existsSync(out)).toBe(false);
      const pasted = spawnSync('sh', ['-c', command], { encoding: 'utf8' });
      expect(pasted.stderr).toBe('');
      expect(pasted.status).toBe(0);
      expect(existsSync(out)).toBe(true);
      await rm(out);
    }
  });
});
