import { copyFile, link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FocusFuseError } from '../src/core/errors.js';
import { decodeImage, decodePlane } from '../src/io/decode.js';
import { encodeDepthColor, encodeRgba } from '../src/io/encode.js';
import { loadStack } from '../src/io/load-stack.js';

let root: string;
let counter = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'focusfuse-io-load-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh empty folder under the test root; `name` may contain spaces and dots like CCCID's. */
async function folder(name = 'stack'): Promise<string> {
  counter += 1;
  const dir = join(root, `${counter}`, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

type Format = 'png' | 'jpeg' | 'tiff';

/** Writes raw samples (Uint8Array = 8-bit, Uint16Array = 16-bit) as an image file. */
async function writeImage(path: string, samples: Uint8Array | Uint16Array, width: number, height: number, channels: 1 | 2 | 3 | 4, format: Format) {
  let image = sharp(samples, { raw: { width, height, channels } });
  if (samples instanceof Uint16Array) image = image.toColourspace(channels <= 2 ? 'grey16' : 'rgb16');
  if (format === 'png') image = image.png();
  else if (format === 'jpeg') image = image.jpeg({ quality: 95 });
  else image = image.tiff({ compression: 'lzw' }); // sharp's TIFF default is lossy JPEG
  await image.toFile(path);
}

/** A 4x2 8-bit pattern with every channel different, so channel mix-ups show. */
function pattern8(channels: number): Uint8Array {
  return Uint8Array.from({ length: 8 * channels }, (_, i) => (i * 37 + 11) % 256);
}

/** 16-bit samples, including some where round(v / 257) and libvips' own v >> 8 disagree (129, 200). */
const WIDE = [0, 129, 200, 257, 383, 32767, 32896, 65279, 65535, 1000, 40000, 51400];
function pattern16(channels: number): Uint16Array {
  return Uint16Array.from({ length: 8 * channels }, (_, i) => WIDE[i % WIDE.length]);
}

/** The RGBA the decoder must produce from samples with `channels` channels (gray expands to RGB). */
function expectedRgba(samples: ArrayLike<number>, channels: number, divisor: number, opaque = 255): number[] {
  const out: number[] = [];
  for (let p = 0; p < samples.length / channels; p++) {
    const s = (c: number) => Math.round(samples[p * channels + c] / divisor);
    const gray = channels <= 2;
    out.push(s(0), gray ? s(0) : s(1), gray ? s(0) : s(2));
    out.push(channels === 2 ? s(1) : channels === 4 ? s(3) : opaque);
  }
  return out;
}

async function loadError(input: string | string[], options: Parameters<typeof loadStack>[1] = {}): Promise<FocusFuseError> {
  try {
    await loadStack(input, options);
  } catch (error) {
    expect(error).toBeInstanceOf(FocusFuseError);
    return error as FocusFuseError;
  }
  throw new Error('expected loadStack to fail');
}

/** Writes n small CCCID planes (flat gray, value 10*z) into dir and returns their paths in z order. */
async function writeCccidPlanes(dir: string, zs: number[], { serial = '001', cx = 3059, cy = 11012, size = 8 } = {}): Promise<string[]> {
  return Promise.all(
    zs.map(async (z) => {
      const path = join(dir, `${serial}_(${cx},${cy},${z}).png`);
      await writeImage(path, new Uint8Array(size * size * 3).fill(10 * z), size, size, 3, 'png');
      return path;
    }),
  );
}

describe('decodePlane', () => {
  for (const format of ['png', 'tiff'] as const) {
    for (const channels of [1, 2, 3, 4] as const) {
      it(`decodes 8-bit ${format} with ${channels} channel(s) exactly to RGBA8`, async () => {
        const path = join(await folder(), `p.${format}`);
        const samples = pattern8(channels);
        await writeImage(path, samples, 4, 2, channels, format);
        const plane = await decodePlane(path);
        expect(plane).toMatchObject({ width: 4, height: 2, format, bitDepth: 8 });
        expect([...plane.data]).toEqual(expectedRgba(samples, channels, 1));
      });

      it(`decodes 16-bit ${format} with ${channels} channel(s) exactly to RGBA16, or to RGBA8 by round(v / 257)`, async () => {
        const path = join(await folder(), `p.${format}`);
        const samples = pattern16(channels);
        await writeImage(path, samples, 4, 2, channels, format);
        const plane = await decodePlane(path);
        expect(plane).toMatchObject({ width: 4, height: 2, format, bitDepth: 16, grey: channels <= 2 });
        expect(plane.data).toBeInstanceOf(Uint16Array);
        expect([...plane.data]).toEqual(expectedRgba(samples, channels, 1, 65535));
        // The samples reach 16 bits, so the 8-bit stack (loadStack's default) is round(v / 257).
        const stack = await loadStack([path]);
        expect([...stack.planes[0]]).toEqual(expectedRgba(samples, channels, 257));
        const wide = await loadStack([path], { highBitDepth: true });
        expect(wide.bitDepth).toBe(16);
        expect([...wide.planes[0]]).toEqual([...plane.data]);
      });
    }
  }

  it('decodes a JPEG close to its source colours', async () => {
    const path = join(await folder(), 'p.jpg');
    const width = 16;
    const height = 16;
    const rgb = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) rgb.set([200, 120, 40], i * 3);
    await writeImage(path, rgb, width, height, 3, 'jpeg');
    const plane = await decodePlane(path);
    expect(plane).toMatchObject({ width, height, format: 'jpeg', bitDepth: 8 });
    for (let i = 0; i < width * height; i++) {
      const [r, g, b, a] = plane.data.subarray(i * 4, i * 4 + 4);
      expect(Math.max(Math.abs(r - 200), Math.abs(g - 120), Math.abs(b - 40))).toBeLessThanOrEqual(3);
      expect(a).toBe(255);
    }
  });

  it('rejects garbage, empty and unsupported files with DECODE naming the file', async () => {
    const dir = await folder();
    const garbage = join(dir, 'garbage.png');
    await writeFile(garbage, 'this is not an image at all');
    const empty = join(dir, 'empty.png');
    await writeFile(empty, '');
    const webp = join(dir, 'plane.webp');
    await sharp({ create: { width: 4, height: 4, channels: 3, background: '#808080' } }).webp().toFile(webp);
    const cases: [string, RegExp][] = [
      [garbage, /not a JPEG, PNG or TIFF image/],
      [empty, /the file is empty/],
      [webp, /unsupported image format 'webp'/],
    ];
    for (const [path, message] of cases) {
      const error = await decodePlane(path).then(
        () => undefined,
        (e: unknown) => e as FocusFuseError,
      );
      expect(error, path).toBeInstanceOf(FocusFuseError);
      expect(error!.code).toBe('DECODE');
      expect(error!.file).toBe(path);
      expect(error!.message).toMatch(message);
      expect(error!.message.startsWith(`${path}: `)).toBe(true);
    }
    const missing = await decodePlane(join(dir, 'missing.png')).catch((e: FocusFuseError) => e);
    expect(missing).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('loadStack', () => {
  it('loads a CCCID folder (spaces and dots in its name) in numeric z order with metadata', async () => {
    const dir = await folder('1. Superficial-Intermediate Cells');
    const files = await writeCccidPlanes(dir, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const stack = await loadStack(dir);
    expect(stack.width).toBe(8);
    expect(stack.height).toBe(8);
    expect(stack.planes.map((p) => p[0])).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(stack.meta).toEqual({
      name: join(dir, '001_(3059,11012)'),
      files,
      cccid: { serial: '001', cx: 3059, cy: 11012, z: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
      zStepUm: 1,
    });
  });

  it('orders a list of files naturally, or as given with order "given"', async () => {
    const dir = await folder();
    const paths = await Promise.all(
      [10, 2, 1].map(async (n) => {
        const path = join(dir, `z${n}.png`);
        await writeImage(path, new Uint8Array(4 * 3).fill(n), 2, 2, 3, 'png');
        return path;
      }),
    );
    const natural = await loadStack(paths);
    expect(natural.planes.map((p) => p[0])).toEqual([1, 2, 10]);
    expect(natural.meta?.cccid).toBeUndefined();
    const given = await loadStack(paths, { order: 'given' });
    expect(given.planes.map((p) => p[0])).toEqual([10, 2, 1]);
    expect(given.meta?.files).toEqual(paths);
  });

  it('passes over hidden and temp files, notes and metadata quietly, and names any other non-image', async () => {
    const dir = await folder();
    await writeCccidPlanes(dir, [0, 1]);
    await writeFile(join(dir, '.DS_Store'), 'x');
    await writeFile(join(dir, '.001_(3059,11012,2).png.123.1.tmp'), 'x');
    // What the bundled samples carry, and other notes a user keeps beside the planes.
    for (const name of ['notes.txt', 'meta.json', 'ATTRIBUTION.md', 'scan.csv', 'Thumbs.db', 'README']) await writeFile(join(dir, name), 'x');
    const quiet: string[] = [];
    const stack = await loadStack(dir, { onWarning: (m) => quiet.push(m) });
    expect(stack.planes).toHaveLength(2);
    expect(quiet).toEqual([]);
    // A plane saved under a wrong name, or in a format focusfuse does not read, is never dropped silently.
    await writeFile(join(dir, '001_(3059,11012,2).jpeg.bak'), 'x');
    await writeFile(join(dir, 'z03.bmp'), 'x');
    const warnings: string[] = [];
    await loadStack(dir, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([`${dir}: ignored 2 files that are not JPEG, PNG or TIFF: 001_(3059,11012,2).jpeg.bak, z03.bmp`]);
  });

  it('refuses a file given twice, however it is spelled or linked; a copy is another file', async () => {
    const dir = await folder();
    await writeCccidPlanes(dir, [0, 1]);
    const [a, b] = ['001_(3059,11012,0).png', '001_(3059,11012,1).png'].map((name) => join(dir, name));
    const twice = await loadError([a, b, a]);
    expect(twice.code).toBe('BAD_STACK');
    expect(twice.message).toBe(`${a}: is given twice (inputs 1 and 3); each plane must be a different file`);
    const relative = `${dir}/../${basename(dir)}/./001_(3059,11012,0).png`; // another spelling of a
    expect((await loadError([a, relative])).message).toBe(`${relative}: is given as '${a}' and '${relative}' (inputs 1 and 2); each plane must be a different file`);
    await symlink(b, join(dir, 'soft.png'));
    await link(a, join(dir, 'hard.png'));
    expect((await loadError([a, b, join(dir, 'soft.png')])).message).toContain(`is given as '${b}' and '${join(dir, 'soft.png')}', the same file through a link (inputs 2 and 3)`);
    expect((await loadError([join(dir, 'hard.png'), b, a])).message).toContain('the same file through a link (inputs 1 and 3)');
    await copyFile(a, join(dir, 'copy.png'));
    expect((await loadStack([a, join(dir, 'copy.png')], { order: 'given' })).planes).toHaveLength(2);
  });

  describe('which files are planes (README "Which files are planes")', () => {
    /** Writes a real focusfuse output (tagged in its metadata) of the given kind. */
    async function writeOutput(path: string, kind: 'fused' | 'depth-color', size = 8): Promise<void> {
      const bytes = kind === 'fused' ? await encodeRgba(new Uint8Array(size * size * 4).fill(200), size, size, 'png', 'fused') : await encodeDepthColor(new Float32Array(size * size).fill(3), 11, size, size, 'png');
      await writeFile(path, bytes);
    }

    it('leaves earlier outputs and stray images out of a CCCID folder, naming them', async () => {
      const dir = await folder();
      await writeCccidPlanes(dir, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      await writeOutput(join(dir, 'fused.png'), 'fused');
      await writeOutput(join(dir, 'depth-color.png'), 'depth-color');
      await writeImage(join(dir, 'thumbnail.png'), new Uint8Array(8 * 8 * 3).fill(7), 8, 8, 3, 'png');
      const warnings: string[] = [];
      const stack = await loadStack(dir, { onWarning: (m) => warnings.push(m) });
      expect(stack.planes.map((p) => p[0])).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
      expect(stack.meta?.cccid?.z).toHaveLength(11);
      expect(warnings).toEqual([
        `${dir}: left out 2 focusfuse outputs (never planes): depth-color.png, fused.png`,
        `${dir}: left out 1 image without a CCCID name beside the CCCID planes: thumbnail.png`,
      ]);
    });

    it('never takes a tagged output as a plane, in a natural-order folder or as a given file', async () => {
      const dir = await folder();
      const planes = await Promise.all(
        [0, 1, 2].map(async (z) => {
          const path = join(dir, `z${z}.png`);
          await writeImage(path, new Uint8Array(8 * 8 * 3).fill(z + 1), 8, 8, 3, 'png');
          return path;
        }),
      );
      const fused = join(dir, 'z3-fused.png'); // a name that natural sort would put after the planes
      await writeOutput(fused, 'fused');
      const warnings: string[] = [];
      const stack = await loadStack(dir, { onWarning: (m) => warnings.push(m) });
      expect(stack.meta?.files).toEqual(planes);
      expect(warnings).toEqual([`${dir}: left out 1 focusfuse output (never planes): z3-fused.png`]);
      const given = await loadError([...planes, fused], { order: 'given' });
      expect(given.code).toBe('AMBIGUOUS_INPUT');
      expect(given.message).toBe(`${fused}: is a focusfuse output (fused), not a plane; leave it out of the planes`);
    });

    it('refuses a mix that cannot be ordered safely, saying what to do', async () => {
      const dir = await folder();
      await writeCccidPlanes(dir, [0, 1]);
      for (const name of ['a.png', 'b.png']) await writeImage(join(dir, name), new Uint8Array(8 * 8 * 3), 8, 8, 3, 'png');
      const error = await loadError(dir);
      expect(error.code).toBe('AMBIGUOUS_INPUT');
      expect(error.message).toBe(
        `${dir}: holds 2 CCCID-named planes <serial>_(<cx>,<cy>,<z>) and 2 other images (a.png, b.png), so which are the planes is unclear: move the other images out of the folder, or give the planes as files (with --order natural or given for non-CCCID names)`,
      );
      // Asked for explicitly, natural order takes them all.
      expect((await loadStack(dir, { order: 'natural' })).planes).toHaveLength(4);
    });
  });

  it('selects one field of view with fov, and refuses several without it', async () => {
    const dir = await folder('2. Koilocytes');
    await writeCccidPlanes(dir, [0, 1, 2]);
    await writeCccidPlanes(dir, [0, 1], { serial: '002', cx: 5, cy: -7 });
    const error = await loadError(dir);
    expect(error.code).toBe('AMBIGUOUS_INPUT');
    expect(error.message).toContain('001_(3059,11012) (3 planes)');
    expect(error.message).toContain('002_(5,-7) (2 planes)');
    expect(error.message).toContain('--fov');
    const stack = await loadStack(dir, { fov: '002_(5,-7)' });
    expect(stack.planes).toHaveLength(2);
    expect(stack.meta?.cccid).toMatchObject({ serial: '002', cx: 5, cy: -7, z: [0, 1] });
    const wrong = await loadError(dir, { fov: '003_(1,1)' });
    expect(wrong.code).toBe('NOT_FOUND');
    expect(wrong.message).toContain('002_(5,-7)');
    expect((await loadError(dir, { fov: 'nonsense' })).code).toBe('BAD_OPTION');
  });

  it('warns about a single plane and returns it', async () => {
    const dir = await folder();
    await writeCccidPlanes(dir, [0]);
    const warnings: string[] = [];
    const stack = await loadStack(dir, { onWarning: (m) => warnings.push(m) });
    expect(stack.planes).toHaveLength(1);
    expect(warnings.join('\n')).toMatch(/only one plane/);
  });

  it('reports an empty folder, a folder without images and a missing path', async () => {
    const empty = await folder();
    const error = await loadError(empty);
    expect(error.code).toBe('NO_IMAGES');
    expect(error.file).toBe(empty);
    const parent = await folder('dataset');
    await mkdir(join(parent, 'NILM'));
    await writeFile(join(parent, 'readme.txt'), 'x');
    const nested = await loadError(parent);
    expect(nested.code).toBe('NO_IMAGES');
    expect(nested.message).toContain('1 subfolder');
    expect(await loadError([])).toMatchObject({ code: 'NO_IMAGES' });
    const missing = join(empty, 'nope');
    expect(await loadError(missing)).toMatchObject({ code: 'NOT_FOUND', file: missing });
  });

  it('refuses bytes or a stack given for paths, by type and size, pointing to what takes them', async () => {
    const bytes = Buffer.alloc(13260, 0xff);
    const message = `Expected a path or a list of paths for loadStack input but received a Buffer of 13260 bytes (decodeImage decodes bytes)`;
    const asInput = (input: unknown) => loadError(input as string);
    expect(await asInput(bytes)).toMatchObject({ code: 'BAD_OPTION', message });
    expect((await asInput([bytes, bytes])).message).toBe(message.replace('received a Buffer', 'received a list whose item 0 is a Buffer'));
    expect((await asInput({ width: 1 })).message).toBe('Expected a path or a list of paths for loadStack input but received an object {width}');
    expect((await asInput({ width: 1, height: 1, planes: [] })).message).toMatch(/received an object \{width, height, planes\} \(fuse takes a ZStack\)$/);
    await expect(decodeImage(null as unknown as Uint8Array, 'x.jpg')).rejects.toMatchObject({
      code: 'BAD_OPTION',
      file: 'x.jpg',
      message: 'x.jpg: Expected image bytes (a Uint8Array, Buffer or ArrayBuffer) for decodeImage input but received null',
    });
  });

  it('names what came with a folder among several inputs (a flag value taken for an input)', async () => {
    const dir = await folder();
    const error = await loadError([dir, '99999']);
    expect(error.code).toBe('BAD_OPTION');
    expect(error.file).toBe(dir);
    expect(error.message).toContain("is a folder, given with 1 other input ('99999'); give either one folder or a list of image files");
  });

  it('reports mixed sizes naming both files and sizes', async () => {
    const dir = await folder();
    const [first] = await writeCccidPlanes(dir, [0, 1]);
    const odd = join(dir, '001_(3059,11012,2).png');
    await writeImage(odd, new Uint8Array(9 * 8 * 3), 9, 8, 3, 'png');
    const error = await loadError(dir);
    expect(error.code).toBe('SIZE_MISMATCH');
    expect(error.file).toBe(odd);
    expect(error.message).toContain('9x8');
    expect(error.message).toContain(`${first} is 8x8`);
  });

  it('accepts mixed sizes for alignment, padded, but not a plane far off in size', async () => {
    const dir = await folder();
    await writeCccidPlanes(dir, [0, 1], { size: 40 });
    const near = join(dir, '001_(3059,11012,2).png');
    await writeImage(near, new Uint8Array(44 * 38 * 3), 44, 38, 3, 'png');
    const stack = await loadStack(dir, { allowMixedSizes: true });
    expect([stack.width, stack.height]).toEqual([44, 40]);
    expect(stack.planeSizes).toEqual([{ width: 40, height: 40 }, { width: 40, height: 40 }, { width: 44, height: 38 }]);
    // A 32 px plane among 40 px ones (x 1.25 and more) is a broken file, not focus breathing.
    const far = join(dir, '001_(3059,11012,3).png');
    await writeImage(far, new Uint8Array(31 * 40 * 3), 31, 40, 3, 'png');
    const error = await loadError(dir, { allowMixedSizes: true });
    expect(error.code).toBe('SIZE_MISMATCH');
    expect(error.file).toBe(far);
    expect(error.message).toMatch(/31x40 .* more than 25 % apart/);
  });

  it('suggests --align for mixed sizes only where alignment would take them', async () => {
    const dir = await folder();
    await writeCccidPlanes(dir, [0, 1], { size: 40 });
    const near = join(dir, '001_(3059,11012,2).png');
    await writeImage(near, new Uint8Array(44 * 38 * 3), 44, 38, 3, 'png');
    expect((await loadError(dir)).message).toMatch(/is 44x38 .*; every plane must have the same size \(unregistered stacks: fuse with --align auto or similarity, which accept mixed sizes\)$/);
    // 31 px among 40 px ones: --align refuses it too, so the message says what it likely is instead.
    await writeImage(near, new Uint8Array(31 * 40 * 3), 31, 40, 3, 'png');
    const far = await loadError(dir);
    expect(far.code).toBe('SIZE_MISMATCH');
    expect(far.message).toMatch(/is 31x40 but .* is 40x40: more than 25 % apart, which alignment does not take for focus breathing either \(a truncated or wrong file\?\)$/);
    expect(far.message).not.toContain('--align');
  });

  it('reports gaps and duplicates in z before decoding anything', async () => {
    const gap = await folder();
    await writeCccidPlanes(gap, [0, 1, 3]);
    await writeFile(join(gap, '001_(3059,11012,0).png'), 'garbage that must never be decoded');
    const gapError = await loadError(gap);
    expect(gapError.code).toBe('Z_ORDER');
    expect(gapError.message).toContain('z=2 is missing between 001_(3059,11012,1).png and 001_(3059,11012,3).png');

    const dup = await folder();
    await writeCccidPlanes(dup, [0, 1]);
    await writeFile(join(dup, '001_(3059,11012,1).jpg'), 'x');
    const dupError = await loadError(dup);
    expect(dupError.code).toBe('Z_ORDER');
    expect(dupError.message).toMatch(/duplicate z: 001_\(3059,11012,1\)\.(jpg|png) and 001_\(3059,11012,1\)\.(jpg|png) both claim z=1 \(remove or rename one\)/);
  });

  it('reports an undecodable plane and a truncated JPEG naming the file', async () => {
    const dir = await folder();
    await writeCccidPlanes(dir, [0, 2]);
    const garbage = join(dir, '001_(3059,11012,1).png');
    await writeFile(garbage, 'garbage');
    const error = await loadError(dir);
    expect(error).toMatchObject({ code: 'DECODE', file: garbage });
    expect(error.message).toContain('not a JPEG, PNG or TIFF');

    const cut = await folder();
    const noise = Uint8Array.from({ length: 384 * 384 * 3 }, (_, i) => (i * 7919 + (i >> 7) * 31) % 251);
    const full = join(cut, 'z0.jpg');
    await writeImage(full, noise, 384, 384, 3, 'jpeg');
    const bytes = await readFile(full);
    const truncated = join(cut, 'z1.jpg');
    await writeFile(truncated, bytes.subarray(0, bytes.length >> 1));
    const truncatedError = await loadError(cut);
    expect(truncatedError).toMatchObject({ code: 'DECODE', file: truncated });
    expect(truncatedError.message).toMatch(/truncated/);
  });

  it('refuses a JPEG whose data is damaged mid-file (pixels lost), accepts one with a harmless warning', async () => {
    const noise = Uint8Array.from({ length: 384 * 384 * 3 }, (_, i) => (i * 7919 + (i >> 7) * 31) % 251);
    const bytes = new Uint8Array(await sharp(noise, { raw: { width: 384, height: 384, channels: 3 } }).jpeg({ quality: 80 }).toBuffer());
    // Zeros over 4000 bytes of the entropy-coded data: the end marker is still there, so only the
    // decoder's warning ("premature end of data segment") tells that pixels are made up.
    const damaged = bytes.slice();
    damaged.fill(0, 2000, 6000);
    await expect(decodeImage(damaged, 'damaged.jpg')).rejects.toMatchObject({ code: 'DECODE', file: 'damaged.jpg', message: expect.stringMatching(/corrupt image data \(.*premature end of data segment\)/) });
    // Extraneous bytes before the end marker: libjpeg warns, nothing is lost, the pixels are the good file's.
    const padded = new Uint8Array([...bytes.subarray(0, bytes.length - 2), 0x00, 0x00, 0x00, 0xff, 0xd9]);
    const [a, b] = await Promise.all([decodeImage(bytes, 'good.jpg'), decodeImage(padded, 'padded.jpg')]);
    expect(Buffer.compare(Buffer.from(b.data), Buffer.from(a.data))).toBe(0);
  });

  it('names the first failing plane in z order and counts the others', async () => {
    const dir = await folder();
    await writeCccidPlanes(dir, [0]);
    for (const z of [1, 2, 3]) await writeFile(join(dir, `001_(3059,11012,${z}).png`), 'garbage');
    const error = await loadError(dir);
    expect(error.file).toBe(join(dir, '001_(3059,11012,1).png'));
    expect(error.message).toContain('and 2 more files failed');
  });

  it('refuses more than 256 planes', async () => {
    const dir = await folder();
    // Names only: the plane count is checked before anything is decoded.
    await Promise.all(Array.from({ length: 257 }, (_, z) => writeFile(join(dir, `001_(1,2,${z}).png`), 'x')));
    const error = await loadError(dir);
    expect(error.code).toBe('TOO_MANY_PLANES');
    expect(error.message).toContain('at most 256 planes but received 257');
  });
});
