/**
 * The output tag read from a file's bytes (scanOutputTag) says what sharp's metadata says, the rule
 * since the tag exists: on every output focusfuse writes (the bytes decide those on their own) and
 * on foreign files, including ones that hold the tag's text where sharp does not read XMP from; and
 * the viewer page's reader (readFileOutputTag) says the same wherever the bytes decide.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { deflateSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuse } from '../src/fuse.js';
import { crc32, TAG_FIRST_BYTES } from '../src/io/output-tag-bytes.js';
import { outputTagXmp, readOutputTag, readOutputTagWithSharp, scanFileOutputTag } from '../src/io/output-tag.js';
import { writeResult } from '../src/io/write-result.js';
import { readFileOutputTag } from '../src/viewer/app/file-tags.js';
import { testStack } from './gpu-stacks.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'focusfuse-tag-bytes-'));
  await mkdir(join(root, 'foreign'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** What the byte scan, sharp and readOutputTag say of a file. */
async function readings(path: string) {
  const scan = await scanFileOutputTag(path).catch(() => 'unreadable' as const);
  return { scan: typeof scan === 'string' ? scan : scan.tag, sharp: await readOutputTagWithSharp(path), tag: await readOutputTag(path) };
}

const TAG_TEXT = 'focusfuse:output="fused"';

describe('the byte scan and sharp agree on every output focusfuse writes', () => {
  it('fused png/jpg/tif (8 and 16 bits), depth and confidence png and float tif, depth-color png/jpg/tif', { timeout: 60_000 }, async () => {
    // 256^2 of texture: a fused TIFF is past 64 KB, so libvips' directory and tag at its end are read where they are.
    const result = await fuse(testStack(256, 256, 4, { seed: 2 }), {});
    const at = (name: string) => join(root, 'ours', name);
    await writeResult(result, { fused: at('f.png'), depth: at('d.png'), confidence: at('c.png'), depthColor: at('dc.png'), json: at('s.json') });
    await writeResult(result, { fused: at('f.jpg'), depth: at('d.tif'), confidence: at('c.tif'), depthColor: at('dc.jpg') });
    await writeResult(result, { fused: at('f.tif'), depthColor: at('dc.tif') });
    await writeResult(result, { fused: at('f16.png') }, { bitDepth: 16 });
    await writeResult(result, { fused: at('f16.tif') }, { bitDepth: 16 });
    const kinds: Record<string, string> = { f: 'fused', f16: 'fused', d: 'depth', c: 'confidence', dc: 'depth-color' };
    for (const name of ['f.png', 'f.jpg', 'f.tif', 'f16.png', 'f16.tif', 'd.png', 'd.tif', 'c.png', 'c.tif', 'dc.png', 'dc.jpg', 'dc.tif']) {
      const kind = kinds[name.slice(0, name.indexOf('.'))];
      expect(await readings(at(name)), name).toEqual({ scan: kind, sharp: kind, tag: kind });
    }
    // libvips writes a TIFF's directory and XMP after the pixels: they are read where they are.
    expect((await readFile(at('f16.tif'))).indexOf(TAG_TEXT), 'a TIFF whose tag lies past the first read').toBeGreaterThan(TAG_FIRST_BYTES);
  });
});

describe('the byte scan and sharp agree on foreign files', () => {
  const pixels = Buffer.alloc(16 * 16 * 3, 90);
  const image = () => sharp(pixels, { raw: { width: 16, height: 16, channels: 3 } });

  /** Writes `bytes` as `name` under foreign/ and returns what each reader says. */
  async function foreign(name: string, bytes: Uint8Array) {
    const path = join(root, 'foreign', name);
    await writeFile(path, bytes);
    return readings(path);
  }

  it('untagged images and images with another XMP packet: decided by the bytes, untagged', async () => {
    const otherXmp = outputTagXmp('fused').replace('focusfuse:output="fused"', 'dc:title="plane 3"');
    for (const [name, bytes] of [
      ['plain.png', await image().png().toBuffer()],
      ['plain.jpg', await image().jpeg().toBuffer()],
      ['plain.tif', await image().tiff().toBuffer()],
      ['xmp.png', await image().withXmp(otherXmp).png().toBuffer()],
      ['xmp.jpg', await image().withXmp(otherXmp).jpeg().toBuffer()],
      ['xmp.tif', await image().withXmp(otherXmp).tiff().toBuffer()],
    ] as const) {
      expect(await foreign(name, bytes), name).toEqual({ scan: undefined, sharp: undefined, tag: undefined });
    }
  });

  it("the tag's text outside the XMP packet: in a PNG comment, a JPEG comment, a TIFF's or a stored PNG's pixels", async () => {
    const png = await image().png().toBuffer();
    const jpeg = await image().jpeg().toBuffer();
    const row = Buffer.from(TAG_TEXT.padEnd(24 * 3));
    const textPixels = sharp(row, { raw: { width: 24, height: 1, channels: 3 } });
    const cases: [string, Uint8Array][] = [
      ['comment.png', pngWith(png, 'before-IDAT', pngChunk('tEXt', `Comment\0${TAG_TEXT}`))],
      ['comment.jpg', jpegWith(jpeg, jpegSegment(0xfe, TAG_TEXT))],
      ['pixels.tif', await textPixels.tiff({ compression: 'none' }).toBuffer()],
      ['pixels.png', await textPixels.png({ compressionLevel: 0 }).toBuffer()],
    ];
    for (const [name, bytes] of cases) {
      expect(Buffer.from(bytes).includes(TAG_TEXT), `${name} holds the text`).toBe(true);
      expect(await foreign(name, bytes), name).toEqual({ scan: undefined, sharp: undefined, tag: undefined });
    }
  });

  it('XMP where libvips does not read it, or drops it: after the PNG pixels, in a PNG chunk with a bad CRC', async () => {
    const png = await image().png().toBuffer();
    const xmp = pngChunk('iTXt', `XML:com.adobe.xmp\0\0\0\0\0${outputTagXmp('fused')}`);
    expect(await foreign('after-idat.png', pngWith(png, 'before-IEND', xmp)), 'after IDAT').toEqual({ scan: undefined, sharp: undefined, tag: undefined });
    const bad = Buffer.from(xmp);
    bad[bad.length - 1] ^= 1;
    const scanned = await foreign('bad-crc.png', pngWith(png, 'before-IDAT', bad));
    expect(scanned, 'bad CRC').toEqual({ scan: 'undecided', sharp: undefined, tag: undefined });
  });

  it('an XMP packet that is not valid UTF-8, or holds a NUL byte: no text for sharp, so no tag', async () => {
    const png = await image().png().toBuffer();
    const jpeg = await image().jpeg().toBuffer();
    const latin1 = Buffer.from(outputTagXmp('fused'), 'latin1'); // the BOM becomes a lone 0xFF
    const withNul = Buffer.from(`${TAG_TEXT}\0`);
    const cases: [string, Uint8Array][] = [
      ['latin1.png', pngWith(png, 'before-IDAT', pngChunk('tEXt', Buffer.concat([Buffer.from('XML:com.adobe.xmp\0'), latin1])))],
      ['latin1.jpg', jpegWith(jpeg, jpegSegment(0xe1, Buffer.concat([Buffer.from('http://ns.adobe.com/xap/1.0/\0'), latin1])))],
      ['nul.jpg', jpegWith(jpeg, jpegSegment(0xe1, Buffer.concat([Buffer.from('http://ns.adobe.com/xap/1.0/\0'), withNul])))],
    ];
    for (const [name, bytes] of cases) {
      expect(await foreign(name, bytes), name).toEqual({ scan: undefined, sharp: undefined, tag: undefined });
    }
  });

  it('XMP the bytes leave to sharp: compressed, two packets, extended XMP, a header past 64 KB', async () => {
    const png = await image().png().toBuffer();
    const jpeg = await image().jpeg().toBuffer();
    const packet = (kind: string) => outputTagXmp('fused').replace('"fused"', `"${kind}"`);
    const compressed = pngChunk('iTXt', Buffer.concat([Buffer.from('XML:com.adobe.xmp\0\x01\x00\0\0'), deflateSync(packet('depth'))]));
    const two = Buffer.concat([pngChunk('iTXt', `XML:com.adobe.xmp\0\0\0\0\0${packet('depth')}`), pngChunk('tEXt', `XML:com.adobe.xmp\0${packet('confidence')}`)]);
    const xmpSegment = (kind: string) => jpegSegment(0xe1, `http://ns.adobe.com/xap/1.0/\0${packet(kind)}`);
    const filler = (bytes: number) => jpegSegment(0xe2, 'x'.repeat(bytes));
    const cases: [string, Uint8Array, string][] = [
      ['compressed.png', pngWith(png, 'before-IDAT', compressed), 'depth'],
      ['two.png', pngWith(png, 'before-IDAT', two), 'confidence'],
      ['two.jpg', jpegWith(jpeg, Buffer.concat([xmpSegment('depth'), xmpSegment('fused')])), 'depth'],
      ['extended.jpg', jpegWith(jpeg, jpegSegment(0xe1, `http://ns.adobe.com/xmp/extension/\0${packet('fused')}`)), 'fused'],
      ['long-header.jpg', jpegWith(jpeg, Buffer.concat([filler(60_000), filler(10_000), xmpSegment('fused')])), 'fused'],
    ];
    for (const [name, bytes, kind] of cases) {
      expect(await foreign(name, bytes), name).toEqual({ scan: 'undecided', sharp: kind, tag: kind });
    }
  });

  it('a header between 4 and 64 KB is read again in full and decided; other files are left to sharp', async () => {
    const jpeg = await image().jpeg().toBuffer();
    const longer = jpegWith(jpeg, Buffer.concat([jpegSegment(0xe2, 'x'.repeat(10_000)), jpegSegment(0xe1, `http://ns.adobe.com/xap/1.0/\0${outputTagXmp('depth')}`)]));
    expect(await foreign('10k-header.jpg', longer)).toEqual({ scan: 'depth', sharp: 'depth', tag: 'depth' });
    expect(await foreign('notes.png', Buffer.from(`not an image ${TAG_TEXT}`))).toEqual({ scan: 'undecided', sharp: undefined, tag: undefined });
    expect(await foreign('empty.jpg', new Uint8Array(0))).toEqual({ scan: 'undecided', sharp: undefined, tag: undefined });
    const png = await image().withXmp(outputTagXmp('fused')).png().toBuffer();
    expect(await foreign('cut.png', png.subarray(0, 60)), 'cut inside the XMP chunk').toEqual({ scan: 'undecided', sharp: undefined, tag: undefined });
    expect(await readings(join(root, 'foreign', 'missing.png'))).toEqual({ scan: 'unreadable', sharp: undefined, tag: undefined });
  });
});

describe("the viewer page's reader of files opened there", () => {
  // Over the files the suites above wrote (they run first, in order).
  it('says what the server says wherever the bytes decide, so a comment holding the tag text is no output', async () => {
    let decided = 0;
    for (const folder of ['ours', 'foreign']) {
      for (const name of await readdir(join(root, folder))) {
        const path = join(root, folder, name);
        const scan = await scanFileOutputTag(path);
        if (scan === 'undecided') continue;
        decided++;
        expect(await readFileOutputTag(new Blob([await readFile(path)])), name).toBe(scan.tag);
      }
    }
    expect(decided).toBeGreaterThan(20);
    // The page looked for the text anywhere in the first and last 64 KB.
    expect(await readFileOutputTag(new Blob([await readFile(join(root, 'foreign', 'comment.png'))]))).toBeUndefined();
  });
});

/** A PNG chunk of `type` holding `data` (UTF-8 text or bytes), CRC included. */
function pngChunk(type: string, data: string | Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), typeof data === 'string' ? Buffer.from(data) : data]);
  const chunk = Buffer.alloc(body.length + 8);
  chunk.writeUInt32BE(body.length - 4, 0);
  body.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(body), body.length + 4);
  return chunk;
}

/** `png` with `extra` chunks inserted before its first IDAT or before IEND. */
function pngWith(png: Buffer, where: 'before-IDAT' | 'before-IEND', extra: Buffer): Buffer {
  const at = png.indexOf(where === 'before-IDAT' ? 'IDAT' : 'IEND', 8, 'latin1') - 4;
  return Buffer.concat([png.subarray(0, at), extra, png.subarray(at)]);
}

/** A JPEG segment: marker, length, data (UTF-8 text or bytes). */
function jpegSegment(marker: number, data: string | Uint8Array): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

/** `jpeg` with `extra` segments right after its start marker. */
function jpegWith(jpeg: Buffer, extra: Buffer): Buffer {
  return Buffer.concat([jpeg.subarray(0, 2), extra, jpeg.subarray(2)]);
}
