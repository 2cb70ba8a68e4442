/**
 * High bit depth (README "High bit depth"): 12- and 16-bit stacks keep their precision through the CPU
 * engine (the focus measures see samples / (2^bitDepth - 1)), the fused image comes out with its
 * 16-bit samples, and the depth agrees with the 8-bit result of the same scene. Stacks are built here
 * in float (a ramp plus texture, blurred by distance to each half's focus plane) and quantised.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveOptions } from '../src/core/options.js';
import { toRgba8Stack, validateStack } from '../src/core/stack.js';
import type { AnyZStack, FuseResult, ZStack } from '../src/core/types.js';
import { fuseCpu } from '../src/cpu/backend.js';
import { fuse } from '../src/index.js';
import { loadStack } from '../src/io/load-stack.js';
import { errorOf } from './expect-helpers.js';
import { random } from './gpu-stacks.js';

const W = 64;
const H = 48;
const Z = 9;
/** Left half sharp at plane 2, right half at plane 6. */
const focusOf = (x: number) => (x < W / 2 ? 2 : 6);

function gaussian1d(values: Float64Array, w: number, h: number, sigma: number, horizontal: boolean): Float64Array {
  if (sigma < 1e-6) return values.slice();
  const r = Math.ceil(3 * sigma);
  const taps = Array.from({ length: 2 * r + 1 }, (_, k) => Math.exp(-((k - r) ** 2) / (2 * sigma * sigma)));
  const total = taps.reduce((a, b) => a + b, 0);
  const out = new Float64Array(values.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0;
      for (let k = -r; k <= r; k++) {
        const xx = horizontal ? Math.min(w - 1, Math.max(0, x + k)) : x;
        const yy = horizontal ? y : Math.min(h - 1, Math.max(0, y + k));
        sum += taps[k + r] * values[yy * w + xx];
      }
      out[y * w + x] = sum / total;
    }
  }
  return out;
}

/** The scene in [0, 1]: a slow ramp (many distinct levels) plus a fine random texture (focus detail). */
function scene(): Float64Array {
  const r = random(7);
  const out = new Float64Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out[y * W + x] = 0.1 + 0.6 * ((x + y * W) / (W * H)) + 0.25 * r();
  return out;
}

/** Planes in float: each half blurred by 0.8 px per plane of distance from its focus plane. */
function floatPlanes(): Float64Array[] {
  const base = scene();
  return Array.from({ length: Z }, (_, z) => {
    const out = new Float64Array(W * H);
    for (const half of [0, 1]) {
      const sigma = 0.8 * Math.abs(z - (half === 0 ? 2 : 6));
      const blurred = gaussian1d(gaussian1d(base, W, H, sigma, true), W, H, sigma, false);
      for (let i = 0; i < W * H; i++) if ((i % W < W / 2 ? 0 : 1) === half) out[i] = blurred[i];
    }
    return out;
  });
}

/** Grey RGBA planes with samples round(v * top), in the array type that holds them. */
function quantised(planes: Float64Array[], top: number): AnyZStack {
  const make = top > 255 ? (n: number) => new Uint16Array(n) : (n: number) => new Uint8Array(n);
  const out = planes.map((plane) => {
    const rgba = make(W * H * 4);
    for (let i = 0; i < W * H; i++) {
      const v = Math.round(plane[i] * top);
      rgba.set([v, v, v, top], i * 4);
    }
    return rgba;
  });
  return { width: W, height: H, planes: out, ...(top > 255 ? { bitDepth: Math.ceil(Math.log2(top + 1)) } : {}) } as AnyZStack;
}

const distinct = (rgba: ArrayLike<number>) => new Set(Array.from({ length: rgba.length / 4 }, (_, i) => rgba[i * 4])).size;

/** Share of pixels away from the seam (x within 6 px of it left out) whose depth differs by < `tol`. */
function agreement(a: Float32Array, b: Float32Array, tol: number): number {
  let n = 0;
  let ok = 0;
  for (let i = 0; i < a.length; i++) {
    if (Math.abs((i % W) - W / 2) < 6) continue;
    n += 1;
    if (Math.abs(a[i] - b[i]) < tol) ok += 1;
  }
  return ok / n;
}

describe('16- and 12-bit stacks on the CPU engine', () => {
  const planes = floatPlanes();
  const options = resolveOptions({});
  let eight: FuseResult;
  let full: FuseResult;
  let twelve: FuseResult;
  beforeAll(() => {
    eight = fuseCpu(quantised(planes, 255), options);
    full = fuseCpu(quantised(planes, 65535), options);
    twelve = fuseCpu(quantised(planes, 4095), options);
  });

  it('keeps more than 1000 distinct levels in the fused image (image16), where 8 bits keep at most 256', () => {
    expect(full.image16).toBeInstanceOf(Uint16Array);
    expect(twelve.image16).toBeInstanceOf(Uint16Array);
    expect(distinct(full.image16!)).toBeGreaterThan(1000);
    expect(distinct(twelve.image16!)).toBeGreaterThan(1000);
    expect(Math.max(...twelve.image16!.filter((_, i) => i % 4 !== 3))).toBeLessThanOrEqual(4095);
    expect(distinct(eight.image)).toBeLessThanOrEqual(256);
    expect(eight.image16).toBeUndefined();
    // image is the 8-bit view of image16, scaled from the stack's bits (4095 -> 255).
    twelve.image.forEach((v, i) => {
      if (i % 4 !== 3) expect(Math.abs(v - (twelve.image16![i] * 255) / 4095)).toBeLessThanOrEqual(0.5 + 1e-9);
    });
  });

  it('finds the same depth as the 8-bit stack, and each half at its focus plane', () => {
    expect(agreement(full.depth, eight.depth, 0.1)).toBeGreaterThan(0.98);
    expect(agreement(twelve.depth, eight.depth, 0.1)).toBeGreaterThan(0.98);
    expect(agreement(twelve.depth, full.depth, 0.05)).toBeGreaterThan(0.99);
    const truth = Float32Array.from({ length: W * H }, (_, i) => focusOf(i % W));
    expect(agreement(full.depth, truth, 0.5)).toBeGreaterThan(0.95);
  });

  it('keeps 16 bits with the edge-aware depth and the pyramid composite, at the 8-bit depth', () => {
    const v2 = resolveOptions({ depthMode: 'edge-aware', composite: 'pyramid' });
    const eightV2 = fuseCpu(quantised(planes, 255), v2);
    const twelveV2 = fuseCpu(quantised(planes, 4095), v2);
    expect(twelveV2.image16).toBeInstanceOf(Uint16Array);
    expect(distinct(twelveV2.image16!)).toBeGreaterThan(1000);
    expect(Math.max(...twelveV2.image16!.filter((_, i) => i % 4 !== 3))).toBeLessThanOrEqual(4095);
    // The guide's luma steps are scaled by the stack's bits: the same edges stop the filter.
    expect(agreement(twelveV2.depth, eightV2.depth, 0.1)).toBeGreaterThan(0.98);
    // The pyramid's 16-bit output, scaled to 8 bits, is the 8-bit output within a level or two.
    let far = 0;
    twelveV2.image.forEach((v, i) => {
      if (Math.abs(v - eightV2.image[i]) > 2) far++;
    });
    expect(far / twelveV2.image.length).toBeLessThan(0.01);
  });

  it('measures a 12-bit stack like a full-range one: the confidence does not collapse', () => {
    expect(twelve.stats.confidenceMean).toBeGreaterThan(0.9 * full.stats.confidenceMean);
    // What dividing 12-bit samples by 257 did before: 16 grey levels, and a confidence far lower.
    const crushed = fuseCpu(toRgba8Stack({ ...(quantised(planes, 4095) as ZStack<Uint16Array>), bitDepth: 16 }), options);
    expect(distinct(crushed.image)).toBeLessThanOrEqual(17);
    expect(crushed.stats.confidenceMean).toBeLessThan(0.5 * twelve.stats.confidenceMean);
  });

  it('is taken by the public fuse() too, and validated', async () => {
    const stack = quantised(planes, 4095);
    const result = await fuse(stack, { backend: 'cpu' });
    expect([...result.image16!]).toEqual([...twelve.image16!]);
    const mixed = { width: W, height: H, planes: [stack.planes[0], new Uint8Array(W * H * 4)] } as unknown as AnyZStack;
    expect(errorOf(() => validateStack(mixed)).message).toContain('Expected a Uint16Array (RGBA16, like plane 0) of 12288 elements (width x height x 4 = 64 x 48 x 4) for plane 1 but received a Uint8Array of 12288 elements');
    expect(errorOf(() => validateStack({ ...stack, bitDepth: 17 } as AnyZStack)).message).toContain('Expected an integer between 8 and 16 for bitDepth (the planes are RGBA16: Uint16Array) but received 17 (number)');
  });

  it('keeps 16 bits when align auto applies nothing (a registered stack): what align none gives, with the report', () => {
    const stack = quantised(planes, 4095);
    const auto = fuseCpu(stack, resolveOptions({ align: 'auto' }));
    expect(auto.alignment?.applied).toBe(false);
    expect(auto.image16).toBeInstanceOf(Uint16Array);
    expect([...auto.image16!]).toEqual([...twelve.image16!]);
    expect([...auto.depth]).toEqual([...twelve.depth]);
  });

  it('fuses at 8 bits when aligning (a documented limitation), scaled from the stack bits', () => {
    const aligned = fuseCpu(quantised(planes, 4095), resolveOptions({ align: 'translation' }));
    expect(aligned.image16).toBeUndefined();
    expect(distinct(aligned.image)).toBeGreaterThan(100);
  });
});

describe('focusfuse fuse on 16-bit files', () => {
  const CLI = resolve('dist/cli.js');
  let root: string;
  let dir: string;

  function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((done) => {
      execFile(process.execPath, [CLI, ...args], { encoding: 'utf8' }, (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
    });
  }

  async function samples16(path: string) {
    const { data, info } = await sharp(path).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
    return { info, values: new Uint16Array(data.buffer, data.byteOffset, data.length / 2), meta: await sharp(path).metadata() };
  }

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before this test`);
    root = await mkdtemp(join(tmpdir(), 'focusfuse-bit-depth-'));
    dir = join(root, 'camera-12bit');
    await mkdir(dir);
    // A 12-bit camera's planes in 16-bit grey PNGs (values 0..4095).
    const stack = quantised(floatPlanes(), 4095) as ZStack<Uint16Array>;
    await Promise.all(
      stack.planes.map((rgba, z) => {
        const grey = Uint16Array.from({ length: W * H }, (_, i) => rgba[i * 4]);
        return sharp(grey, { raw: { width: W, height: H, channels: 1 } }).toColourspace('grey16').png().toFile(join(dir, `z${z}.png`));
      }),
    );
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('writes a 16-bit grey fused PNG, a float TIFF depth, and says so in the JSON', async () => {
    const out = join(root, 'out');
    const run = await cli('fuse', dir, '-o', join(out, 'fused.png'), '--depth', join(out, 'depth.tif'), '--depth-color', join(out, 'c.png'), '--json', join(out, 's.json'), '-q');
    expect(run, run.stderr).toMatchObject({ code: 0, stderr: '' });
    const fused = await samples16(join(out, 'fused.png'));
    expect(fused.meta).toMatchObject({ format: 'png', depth: 'ushort', channels: 1 });
    expect(new Set(fused.values).size).toBeGreaterThan(1000);
    expect(Math.max(...fused.values)).toBeLessThanOrEqual(4095);

    const depth = await sharp(join(out, 'depth.tif')).extractChannel(0).toColourspace('b-w').raw({ depth: 'float' }).toBuffer();
    const d = new Float32Array(depth.buffer.slice(depth.byteOffset, depth.byteOffset + depth.length));
    expect(d.length).toBe(W * H);
    const json = JSON.parse(await readFile(join(out, 's.json'), 'utf8'));
    expect(Math.abs(d.reduce((a, b) => a + b, 0) / d.length - json.stats.depthMean)).toBeLessThan(1e-4);
    expect(d.some((v) => v !== Math.round(v * 1000) / 1000)).toBe(true); // not quantised like the PNG
    expect(json.format.depth).toMatchObject({ encoding: '32-bit float grayscale TIFF', value: 'D' });
    expect(json.format.fused).toMatchObject({ bitDepth: 16, normalize: null });
    expect(json.input.sampleRange[1]).toBeLessThanOrEqual(4095);
  });

  it('says the sample depth in the summary: 16-bit (12 used) for a 12-bit camera', async () => {
    const run = await cli('fuse', dir, '-o', join(root, 'out-summary', 'fused.png'));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.split('\n')[0]).toContain(`${W}x${H}, ${Z} planes, 16-bit (12 used); `);
  });

  it('stretches the stack range to 16 bits with --normalize, writes 8 bits on request or to JPEG', async () => {
    const out = join(root, 'out-normalized');
    const run = await cli('fuse', dir, '-o', join(out, 'fused.tif'), '--normalize', '--json', join(out, 's.json'), '-q');
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(await readFile(join(out, 's.json'), 'utf8'));
    const [lo, hi] = json.input.sampleRange;
    expect(json.format.fused.normalize).toMatchObject({ from: [lo, hi], to: [0, 65535] });
    const fused = await samples16(join(out, 'fused.tif'));
    expect(fused.meta).toMatchObject({ format: 'tiff', depth: 'ushort', channels: 1 });
    expect(Math.max(...fused.values)).toBeGreaterThan(40000);

    const eight = await cli('fuse', dir, '-o', join(out, 'f8.png'), '--bit-depth', '8', '-q');
    expect(eight.code, eight.stderr).toBe(0);
    expect(await sharp(join(out, 'f8.png')).metadata()).toMatchObject({ depth: 'uchar', channels: 1 });
    const jpeg = await cli('fuse', dir, '-o', join(out, 'f.jpg'), '-q');
    expect(jpeg.code, jpeg.stderr).toBe(0);
    expect(await sharp(join(out, 'f.jpg')).metadata()).toMatchObject({ depth: 'uchar' });
    const refused = await cli('fuse', dir, '-o', join(out, 'g.jpg'), '--bit-depth', '16');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Expected a .png or .tif output for --bit-depth 16 (JPEG holds 8 bits) for -o/--output');
    expect(existsSync(join(out, 'g.jpg'))).toBe(false);
  });

  it('keeps 16 bits and does not warn when --align auto finds the planes registered', async () => {
    const out = join(root, 'out-auto');
    const run = await cli('fuse', dir, '-o', join(out, 'fused.png'), '--align', 'auto');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('fused at 8 bits');
    expect(run.stdout).toContain('align auto: nothing applied');
    expect(await sharp(join(out, 'fused.png')).metadata()).toMatchObject({ depth: 'ushort' });
  });

  it('scales 8-bit files among 12-bit ones to 12 bits, with a warning: the depth the all-12-bit stack finds', async () => {
    const mixed = join(root, 'mixed');
    await mkdir(mixed);
    const twelve = quantised(floatPlanes(), 4095) as ZStack<Uint16Array>;
    await Promise.all(
      twelve.planes.map((rgba, z) => {
        const grey = Uint16Array.from({ length: W * H }, (_, i) => rgba[i * 4]);
        // Every other plane exported at 8 bits: round(v * 255 / 4095).
        if (z % 2) return sharp(Uint8Array.from(grey, (v) => Math.round((v * 255) / 4095)), { raw: { width: W, height: H, channels: 1 } }).png().toFile(join(mixed, `z${z}.png`));
        return sharp(grey, { raw: { width: W, height: H, channels: 1 } }).toColourspace('grey16').png().toFile(join(mixed, `z${z}.png`));
      }),
    );
    const warnings: string[] = [];
    const stack = (await loadStack(mixed, { highBitDepth: true, onWarning: (w) => warnings.push(w) })) as ZStack<Uint16Array>;
    expect(stack.bitDepth).toBe(12);
    expect(warnings).toEqual([expect.stringContaining(`4 planes of 9 are 8-bit files among 16-bit ones (z1.png, z3.png, z5.png, z7.png); scaled to the 16-bit files' 12 bits (0..255 to 0..4095)`)]);
    expect(Math.max(...stack.planes[1].filter((_, i) => i % 4 !== 3))).toBeLessThanOrEqual(4095);
    // Alpha stays opaque (65535): scaled with R, G, B it made the fused 16-bit file mostly transparent.
    expect(new Set(stack.planes[1].filter((_, i) => i % 4 === 3))).toEqual(new Set([65535]));
    const all12 = fuseCpu((await loadStack(dir, { highBitDepth: true })) as ZStack<Uint16Array>, resolveOptions({}));
    const result = fuseCpu(stack, resolveOptions({}));
    expect(agreement(result.depth, all12.depth, 0.1)).toBeGreaterThan(0.95);
    expect(new Set(result.image16!.filter((_, i) => i % 4 === 3))).toEqual(new Set([65535]));
  });

  it('warns when the stack is fused at 8 bits (alignment)', async () => {
    const out = join(root, 'out-aligned');
    const run = await cli('fuse', dir, '-o', join(out, 'fused.png'), '--align', 'translation');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('its 16-bit planes were fused at 8 bits (alignment resamples 8-bit planes; --backend cpu without --align keeps 16 bits)');
    expect(await sharp(join(out, 'fused.png')).metadata()).toMatchObject({ depth: 'uchar' });
    expect((await loadStack(dir, { highBitDepth: true })).bitDepth).toBe(12);
  });
});
