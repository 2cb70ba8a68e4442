import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FocusFuseError } from '../src/core/errors.js';
import { resolveOptions } from '../src/core/options.js';
import type { FuseResult } from '../src/core/types.js';
import { depthToColor, viridisLut } from '../src/io/colormap.js';
import { depthScaleFor, outputFormatFor, quantize16 } from '../src/io/encode.js';
import { outputTagOf } from '../src/io/output-tag.js';
import { checkOutputs, checkOutputsWritable, OUTPUT_FLAGS, writeResult } from '../src/io/write-result.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'focusfuse-io-write-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A hand-made result with a known depth ramp and confidence, independent of any engine. */
function fakeResult(width: number, height: number, planeCount: number, alpha = 255): FuseResult {
  const n = width * height;
  const image = new Uint8Array(n * 4);
  const depth = new Float32Array(n);
  const confidence = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    image.set([(i * 13) % 256, (i * 29 + 7) % 256, (i * 53 + 3) % 256, alpha], i * 4);
    depth[i] = ((planeCount - 1) * i) / Math.max(1, n - 1) + (i % 3) * 0.0004; // includes x.0004 to test rounding
    confidence[i] = (i % 7) / 7;
  }
  return {
    width,
    height,
    planeCount,
    image,
    depth,
    rawDepth: depth,
    confidence,
    stats: { focusCurve: Array(planeCount).fill(1), bestPlane: 3, depthHistogram: Array(planeCount).fill(0), depthMean: 5, depthStd: 1, confidenceMean: 0.5 },
    options: resolveOptions({}),
    backend: { name: 'cpu' },
    timings: { total: 12 },
    meta: { name: 'test stack', files: ['a/z0.png', 'a/z1.png'] },
  };
}

async function raw(path: string) {
  const { data, info } = await sharp(await readFile(path)).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  return { info, samples: new Uint16Array(data.buffer, data.byteOffset, data.length / 2), meta: await sharp(path).metadata() };
}

describe('colormap', () => {
  it('builds viridis from dark purple to yellow with rising lightness', () => {
    const lut = viridisLut();
    expect(lut).toHaveLength(256 * 4);
    expect([...lut.subarray(0, 4)]).toEqual([0x44, 0x01, 0x54, 255]); // viridis(0) = #440154
    expect([...lut.subarray(255 * 4, 256 * 4)]).toEqual([0xfd, 0xe7, 0x25, 255]); // viridis(1) = #fde725
    const luma = (i: number) => 0.299 * lut[i * 4] + 0.587 * lut[i * 4 + 1] + 0.114 * lut[i * 4 + 2];
    for (let i = 8; i < 256; i += 8) expect(luma(i)).toBeGreaterThan(luma(i - 8));
  });

  it('is, entry for entry, the viridis of d3-scale-chromatic (the inlined table)', async () => {
    const { interpolateViridis } = await import('d3-scale-chromatic');
    const lut = viridisLut();
    for (let i = 0; i < 256; i++) {
      const hex = interpolateViridis(i / 255);
      expect([...lut.subarray(i * 4, i * 4 + 3)], `entry ${i}`).toEqual([1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16)));
    }
  });

  it('maps the fixed range 0..Z-1 onto the table and writes into dst', () => {
    const lut = viridisLut();
    const entry = (i: number) => [...lut.subarray(i * 4, i * 4 + 4)];
    const dst = new Uint8Array(5 * 4);
    const out = depthToColor(new Float32Array([0, 10, 5, -1, 99]), 11, dst);
    expect(out).toBe(dst);
    expect([...out.subarray(0, 4)]).toEqual(entry(0));
    expect([...out.subarray(4, 8)]).toEqual(entry(255));
    expect([...out.subarray(8, 12)]).toEqual(entry(128)); // round(5 * 25.5) = 128
    expect([...out.subarray(12, 16)]).toEqual(entry(0));
    expect([...out.subarray(16, 20)]).toEqual(entry(255));
    expect([...depthToColor([0.7], 1)]).toEqual(entry(0));
  });
});

describe('encode helpers', () => {
  it('picks the format from the extension and rejects others clearly', () => {
    expect(outputFormatFor('x/fused.PNG')).toBe('png');
    expect(outputFormatFor('fused.jpeg')).toBe('jpeg');
    expect(outputFormatFor('a.b/fused.tif')).toBe('tiff');
    expect(() => outputFormatFor('fused.bmp', '-o/--output')).toThrow(
      "Expected a file name ending in .png, .jpg, .jpeg, .tif, .tiff for -o/--output but received 'fused.bmp' (string)",
    );
    expect(() => outputFormatFor('a.b/fused', '-o')).toThrow(FocusFuseError);
    expect(() => outputFormatFor('depth.tif', '--depth', ['png'])).toThrow('Expected a file name ending in .png for --depth');
  });

  it('quantizes with rounding and clamps to 16 bits', () => {
    expect([...quantize16([0, 1.2345, 1.2355, -0.2, 70, Number.NaN], 1000)]).toEqual([0, 1235, 1236, 0, 65535, 0]);
    expect(depthScaleFor(11)).toBe(1000);
    expect(depthScaleFor(66)).toBe(1000);
    expect(depthScaleFor(67)).toBe(100);
  });
});

describe('writeResult', () => {
  it('writes fused, 16-bit depth and confidence, depth colour and JSON, atomically', async () => {
    const dir = join(root, 'all');
    const result = fakeResult(7, 5, 11);
    const outputs = {
      fused: join(dir, 'fused.png'),
      depth: join(dir, 'depth.png'),
      confidence: join(dir, 'conf.png'),
      depthColor: join(dir, 'depth-color.png'),
      json: join(dir, 'stats.json'),
    };
    const written = await writeResult(result, outputs, { warnings: ['w1'], timings: { load: 3 } });
    expect(written.sort()).toEqual(Object.values(outputs).sort());
    expect((await readdir(dir)).sort()).toEqual(['conf.png', 'depth-color.png', 'depth.png', 'fused.png', 'stats.json']);

    const fused = await sharp(outputs.fused).raw().toBuffer({ resolveWithObject: true });
    expect(fused.info).toMatchObject({ width: 7, height: 5, channels: 3 }); // opaque: alpha dropped
    for (let i = 0; i < 35; i++) expect([...fused.data.subarray(i * 3, i * 3 + 3)]).toEqual([...result.image.subarray(i * 4, i * 4 + 3)]);

    const depth = await raw(outputs.depth);
    expect(depth.meta).toMatchObject({ format: 'png', depth: 'ushort', channels: 1, width: 7, height: 5 });
    expect([...depth.samples]).toEqual([...result.depth].map((d) => Math.round(d * 1000)));
    expect(Math.max(...depth.samples)).toBe(10_000);

    const confidence = await raw(outputs.confidence);
    expect(confidence.meta).toMatchObject({ format: 'png', depth: 'ushort', channels: 1 });
    expect([...confidence.samples]).toEqual([...result.confidence].map((c) => Math.round(c * 65535)));

    const color = await sharp(outputs.depthColor).raw().toBuffer();
    const expected = depthToColor(result.depth, 11);
    for (let i = 0; i < 35; i++) expect([...color.subarray(i * 3, i * 3 + 3)]).toEqual([...expected.subarray(i * 4, i * 4 + 3)]);

    const json = JSON.parse(await readFile(outputs.json, 'utf8'));
    expect(json.input).toMatchObject({ name: 'test stack', width: 7, height: 5, planeCount: 11, files: ['a/z0.png', 'a/z1.png'] });
    expect(json.stats).toEqual(result.stats);
    // The default options are the v2 preset's, and the document says so by name.
    expect(json.options).toEqual({ fusion: 'v2', ...result.options });
    expect(json.backend).toEqual({ name: 'cpu' });
    expect(json.timings).toEqual({ total: 12, load: 3 });
    expect(json.warnings).toEqual(['w1']);
    expect(json.format.depth).toMatchObject({ scale: 1000, value: 'round(D * 1000)', range: [0, 10_000] });
    expect(json.format.confidence).toMatchObject({ scale: 65535, value: 'round(C * 65535)' });
    expect(json.format.depthColor).toMatchObject({ colormap: 'viridis', range: [0, 10] });
  });

  it('writes lossless TIFF and JPEG fused images, keeping alpha only when it matters', async () => {
    const dir = join(root, 'formats');
    const result = fakeResult(6, 4, 3, 128);
    await writeResult(result, { fused: join(dir, 'f.tif'), depthColor: join(dir, 'c.jpg') });
    const tiff = await sharp(join(dir, 'f.tif')).raw().toBuffer({ resolveWithObject: true });
    expect(tiff.info.channels).toBe(4);
    expect([...tiff.data]).toEqual([...result.image]);
    expect(await sharp(join(dir, 'c.jpg')).metadata()).toMatchObject({ format: 'jpeg', width: 6, height: 4 });
    await writeResult(result, { fused: join(dir, 'f.jpg') });
    expect(await sharp(join(dir, 'f.jpg')).metadata()).toMatchObject({ format: 'jpeg', channels: 3 });
  });

  it('uses the coarser depth scale above 66 planes and says so in the JSON', async () => {
    const dir = join(root, 'deep');
    const result = fakeResult(4, 4, 200);
    await writeResult(result, { depth: join(dir, 'd.png'), json: join(dir, 's.json') });
    const depth = await raw(join(dir, 'd.png'));
    expect([...depth.samples]).toEqual([...result.depth].map((d) => Math.round(d * 100)));
    const json = JSON.parse(await readFile(join(dir, 's.json'), 'utf8'));
    expect(json.format.depth).toMatchObject({ scale: 100, range: [0, 19_900] });
  });

  it('tags every image output so a later run never takes it for a plane', async () => {
    const dir = join(root, 'tagged');
    const outputs = { fused: join(dir, 'f.jpg'), depth: join(dir, 'd.png'), confidence: join(dir, 'c.png'), depthColor: join(dir, 'dc.tif') };
    await writeResult(fakeResult(4, 3, 5), outputs);
    const tags = await Promise.all(Object.values(outputs).map(async (path) => outputTagOf(await sharp(path).metadata())));
    expect(tags).toEqual(['fused', 'depth', 'confidence', 'depth-color']);
    // The 32-bit float TIFF maps too, which are written without sharp.
    const floats = { depth: join(dir, 'd.tif'), confidence: join(dir, 'c.tiff') };
    const result = fakeResult(4, 3, 5);
    await writeResult(result, floats);
    for (const [kind, path] of Object.entries(floats)) {
      const meta = await sharp(path).metadata();
      expect(meta).toMatchObject({ format: 'tiff', depth: 'float', channels: 1, width: 4, height: 3 });
      expect(outputTagOf(meta)).toBe(kind);
      const data = await sharp(path).extractChannel(0).toColourspace('b-w').raw({ depth: 'float' }).toBuffer();
      const values = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
      expect([...values]).toEqual([...(kind === 'depth' ? result.depth : result.confidence)]);
    }
  });

  it('writes all outputs or none: an unwritable one leaves no other output, temp file or new folder', async () => {
    const dir = join(root, 'all-or-none');
    await mkdir(dir);
    await writeFile(join(dir, 'a-file'), 'x');
    const outputs = { fused: '/proc/focusfuse-x.png', depth: join(dir, 'new', 'd.png'), json: join(dir, 's.json') };
    const error = await writeResult(fakeResult(4, 3, 5), outputs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FocusFuseError);
    expect((error as FocusFuseError).code).toBe('WRITE');
    expect((error as Error).message).toMatch(/^cannot write \/proc\/focusfuse-x\.png: /);
    expect(await readdir(dir)).toEqual(['a-file']);

    // The same problems are found before any work, without creating anything.
    await expect(checkOutputsWritable(outputs)).rejects.toThrow(/^cannot write \/proc\/focusfuse-x\.png: the folder does not accept new files/);
    await expect(checkOutputsWritable({ fused: join(dir, 'a-file', 'x.png') })).rejects.toThrow(`cannot write ${join(dir, 'a-file', 'x.png')}: ${join(dir, 'a-file')} is a file, not a folder`);
    await expect(checkOutputsWritable({ depth: join(dir, 'deep', 'er', 'd.png'), json: join(dir, 's.json') })).resolves.toBeUndefined();
    expect(await readdir(dir)).toEqual(['a-file']);
  });

  it('names the file standing where a folder is needed, as checkOutputsWritable does, and writes nothing', async () => {
    const dir = join(root, 'through-a-file');
    await mkdir(dir);
    await writeFile(join(dir, 'a-file'), 'x');
    for (const depth of [join(dir, 'a-file', 'd.png'), join(dir, 'a-file', 'deeper', 'd.png')]) {
      const error = await writeResult(fakeResult(4, 3, 5), { fused: join(dir, 'ok.png'), depth }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FocusFuseError);
      expect((error as Error).message).toBe(`cannot write ${depth}: ${join(dir, 'a-file')} is a file, not a folder`);
      expect(await readdir(dir)).toEqual(['a-file']);
    }
  });

  it('refuses bad output names before writing anything', async () => {
    const dir = join(root, 'bad');
    const result = fakeResult(2, 2, 3);
    const cases: [Parameters<typeof writeResult>[1], string][] = [
      // A library caller sees its own option keys; the CLI passes its flags (OUTPUT_FLAGS) as labels.
      [{ fused: join(dir, 'f.png'), depth: join(dir, 'd.jpg') }, 'for depth but'],
      [{ fused: join(dir, 'f.webp') }, 'for fused but'],
      [{ fused: join(dir, 'f.png'), json: join(dir, 's.txt') }, 'ending in .json for json but'],
      [{ fused: join(dir, 'same.png'), depthColor: join(dir, 'same.png') }, 'fused and depthColor both write'],
      [{ fused: 'a/z1.png' }, 'is one of the input planes'],
    ];
    for (const [outputs, message] of cases) {
      const error = await writeResult(result, outputs).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FocusFuseError);
      expect((error as FocusFuseError).code).toBe('BAD_OPTION');
      expect((error as Error).message).toContain(message);
    }
    expect(() => checkOutputs({ depth: 'd.png', confidence: 'c.png' })).not.toThrow();
    expect(() => checkOutputs({ fused: 'x.bmp' }, [], OUTPUT_FLAGS)).toThrow(/for -o\/--output but received 'x\.bmp'/);
    expect(() => checkOutputs({ fused: 'x.png', depth: 'x.png' }, [], OUTPUT_FLAGS)).toThrow('-o/--output and --depth both write x.png');
    const labelled = await writeResult(result, { depth: join(dir, 'd.jpg') }, { labels: { depth: 'the depth map' } }).catch((e: unknown) => e);
    expect((labelled as Error).message).toContain('for the depth map but');
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
  });

  it('refuses to overwrite an input reached through a symbolic link, to a folder or to the file', async () => {
    const dir = join(root, 'linked');
    await mkdir(join(dir, 'planes'), { recursive: true });
    const planes = ['z0.png', 'z1.png'].map((name) => join(dir, 'planes', name));
    for (const plane of planes) await writeFile(plane, 'plane');
    await symlink(join(dir, 'planes'), join(dir, 'folder-link'));
    await symlink(planes[1], join(dir, 'file-link.png'));
    const result = { ...fakeResult(2, 2, 2), meta: { name: 'linked', files: planes } };
    for (const fused of [join(dir, 'folder-link', 'z1.png'), join(dir, 'file-link.png')]) {
      const error = await writeResult(result, { fused }).catch((e: unknown) => e);
      expect((error as Error).message).toBe(`fused ${fused} is one of the input planes; refusing to overwrite it`);
    }
    // The other way round: planes loaded through the link, the output named by the real path.
    const throughLink = { ...result, meta: { name: 'linked', files: planes.map((p) => p.replace('planes', 'folder-link')) } };
    await expect(writeResult(throughLink, { fused: planes[0] })).rejects.toThrow('is one of the input planes');
    expect(await readFile(planes[1], 'utf8')).toBe('plane');
    expect(() => checkOutputs({ fused: join(dir, 'folder-link', 'new.png'), depthColor: join(dir, 'planes', 'new.png') })).toThrow('fused and depthColor both write');
  });

  it('refuses a result that is not what fuse() returns with the uniform message, before writing anything', async () => {
    const dir = join(root, 'bad-result');
    const good = fakeResult(4, 3, 5);
    const outputs = { fused: join(dir, 'f.png'), depth: join(dir, 'd.png') };
    const cases: [unknown, unknown, string][] = [
      [null, outputs, 'Expected a FuseResult (what fuse() returns) for result but received null'],
      [{ ...good, image: good.image.subarray(10) }, outputs, 'Expected a Uint8Array of 48 elements (width x height x 4 = 4 x 3 x 4) for result.image but received a Uint8Array of 38 elements'],
      [{ ...good, depth: Array.from(good.depth) }, outputs, 'Expected a Float32Array of 12 elements (width x height = 4 x 3) for result.depth but received an array of 12 items'],
      [{ ...good, width: 0 }, outputs, 'Expected positive integers for result.width and result.height but received 0 (number) and 3 (number)'],
      [good, null, 'Expected an object of output paths {fused, depth, confidence, depthColor, json} for outputs but received null'],
      // No output asked for was a silent success that wrote nothing.
      [good, {}, 'Expected at least one output path (fused, depth, confidence, depthColor, json) for outputs but received an empty object'],
      [good, { fused: undefined }, 'Expected at least one output path (fused, depth, confidence, depthColor, json) for outputs but received an object {fused: undefined}'],
    ];
    for (const [result, outs, message] of cases) {
      const error = await writeResult(result as FuseResult, outs as Parameters<typeof writeResult>[1]).catch((e: unknown) => e);
      expect(error, message).toBeInstanceOf(FocusFuseError);
      expect((error as FocusFuseError).code).toBe('BAD_OPTION');
      expect((error as Error).message).toBe(message);
    }
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
  });
});
