/**
 * The viewer page in real headless Chromium (Debian's chromium, SwiftShader WebGPU), served by the
 * `focusfuse view` server from the sources:
 * - a generated stack (PNG planes, CCCID names with z 0..10) is decoded in the page exactly as in
 *   Node, fused on the page's WebGPU, and read back: it must meet the parity bar (test/gpu-harness.ts) against
 *   fuseCpu in Node;
 * - the focus slider, view switching, blending, pixel picking and the 3D relief change what is
 *   drawn (screenshot checks that fail on a blank or unchanged canvas);
 * - a planar stack (a crop of the real tools stack) is shown as its in-focus plane by the v2 default
 *   (the one-plane test), and the page says so in words; with one plane off it fuses per pixel;
 * - a file that is not an image shows an error and the page keeps working;
 * - without navigator.gpu the page says so and fuses on the CPU fast path (wasm simd, bit-identical to
 *   fuseCpuFast in Node); examples/browser does too.
 * Where chromium is missing the suite skips locally but FAILS under CI=true.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Browser, ElementHandle, Page } from 'puppeteer-core';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { COMPOSITE_MODES, DEPTH_MODES, MEASURES, ONE_PLANE_MODES, resolveOptions } from '../src/core/options.js';
import type { FuseResult, ZStack } from '../src/core/types.js';
import { fuseCpu, fuseCpuFast } from '../src/cpu/index.js';
import { findChromium, launchChromium, type LaunchedChromium } from '../src/headless/chromium.js';
import { loadStack } from '../src/io/load-stack.js';
import { writeResult } from '../src/io/write-result.js';
import { outputTagXmp } from '../src/io/output-tag.js';
import { viridisLut } from '../src/io/colormap.js';
import { generateStack } from '../src/synth/generate.js';
import { bundleForBrowser, loadViewerAssets } from '../src/viewer/assets.js';
import { startViewerServer, type ViewerServer } from '../src/viewer/server.js';
import type { ViewerReadBack, ViewerSummary } from '../src/viewer/app/test-api.js';
import { assertParity, parity } from './gpu-harness.js';

const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
const HAS_CHROMIUM = (() => {
  try {
    return Boolean(findChromium());
  } catch {
    return false;
  }
})();
const SIZE = 80;
const PLANES = 11;

let folder: string;
let nodeStack: ZStack;
let written: FuseResult;
let server: ViewerServer;
let browser: Browser;
let chromium: LaunchedChromium;

/**
 * The headless runtime's Chromium and flags, plus SwiftShader GL for the compositor: with the
 * default GL, 2D canvases are drawn (getImageData sees them) but never reach a screenshot.
 */
function launchForScreenshots(): Promise<LaunchedChromium> {
  return launchChromium({ extraArgs: ['--use-gl=angle', '--use-angle=swiftshader'] });
}

declare const focusfuseViewer: { summary(): ViewerSummary; readBack(): ViewerReadBack | undefined; exportPng(kind: 'fused' | 'depth'): Promise<string | undefined> };

async function writeStack(dir: string, format: 'png' | 'tiff' = 'png'): Promise<void> {
  const { stack } = generateStack({ seed: 11, size: SIZE, planes: PLANES });
  await mkdir(dir, { recursive: true });
  await Promise.all(
    stack.planes.map(async (plane, z) => {
      const rgb = sharp(plane, { raw: { width: SIZE, height: SIZE, channels: 4 } }).removeAlpha();
      const file = await (format === 'png' ? rgb.png() : rgb.tiff({ compression: 'lzw' })).toBuffer();
      writeFileSync(join(dir, `007_(120,340,${z}).${format === 'png' ? 'png' : 'tif'}`), file);
    }),
  );
}

/** The real tools stack (planar, in focus on plane 0) cropped to 200x200 at (200, 50), as PNG planes. */
async function writeToolsCrop(dir: string): Promise<void> {
  const tools = join(import.meta.dirname, 'fixtures/real/tools');
  await mkdir(dir, { recursive: true });
  for (const name of readdirSync(tools).filter((file) => file.endsWith('.png'))) {
    writeFileSync(join(dir, name), await sharp(join(tools, name)).extract({ left: 200, top: 50, width: 200, height: 200 }).png().toBuffer());
  }
}

function floats(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

function bytes(b64: string): Uint8Array {
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

/** The page's result as a FuseResult-shaped object for the parity measures. */
function pageResult(read: ViewerReadBack, cpu: FuseResult): FuseResult {
  return { ...cpu, image: bytes(read.image), depth: floats(read.depth), rawDepth: floats(read.rawDepth), confidence: floats(read.confidence), focus: read.focus.map(floats) };
}

/** Waits for the page's status; an unexpected error fails at once, with the page's message. */
async function waitForStatus(page: Page, status: string): Promise<ViewerSummary> {
  await page.waitForFunction(
    (want) => {
      const now = (globalThis as { focusfuseViewer?: typeof focusfuseViewer }).focusfuseViewer?.summary().status;
      return now === want || now === 'error';
    },
    { timeout: 45_000 },
    status,
  );
  const summary = await page.evaluate(() => focusfuseViewer.summary());
  expect(summary.status, summary.error).toBe(status);
  return summary;
}

/** An element's screenshot as RGB pixels. */
async function shot(element: ElementHandle): Promise<{ data: Uint8Array; width: number; height: number }> {
  const png = await element.screenshot({ type: 'png' });
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function stdDev(pixels: Uint8Array): number {
  let sum = 0;
  let sum2 = 0;
  for (const v of pixels) {
    sum += v;
    sum2 += v * v;
  }
  const mean = sum / pixels.length;
  return Math.sqrt(Math.max(0, sum2 / pixels.length - mean * mean));
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** Share of non-black pixels within a few levels of some viridis entry. */
function viridisShare(rgb: Uint8Array): number {
  const lut = viridisLut();
  let lit = 0;
  let near = 0;
  for (let i = 0; i < rgb.length; i += 3) {
    if (rgb[i] + rgb[i + 1] + rgb[i + 2] < 30) continue;
    lit++;
    for (let l = 0; l < lut.length; l += 4) {
      if (Math.abs(rgb[i] - lut[l]) + Math.abs(rgb[i + 1] - lut[l + 1]) + Math.abs(rgb[i + 2] - lut[l + 2]) <= 12) {
        near++;
        break;
      }
    }
  }
  return lit ? near / lit : 0;
}

describe.skipIf(!HAS_CHROMIUM && !IN_CI)('viewer page in headless Chromium', () => {
  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'focusfuse-viewer-'));
    await writeStack(join(folder, 'NILM', 'cells'));
    await writeStack(join(folder, 'TIFF', 'cells'), 'tiff');
    await writeToolsCrop(join(folder, 'tools'));
    // Two files: a single image is not offered as a stack.
    writeFileSync(join(folder, 'broken.png'), Buffer.from('this is not a PNG at all'));
    writeFileSync(join(folder, 'broken2.png'), Buffer.from('nor is this'));
    nodeStack = await loadStack(join(folder, 'NILM', 'cells'));
    // A batch's written result of that stack (its layout: <out>/<CLASS>/<subtype>/<key>.<kind>.png).
    written = fuseCpu(nodeStack, resolveOptions({}));
    const stem = join(folder, 'out', 'NILM', 'cells', '007_(120,340)');
    await mkdir(join(folder, 'out', 'NILM', 'cells'), { recursive: true });
    const outputs = { fused: `${stem}.fused.png`, depth: `${stem}.depth.png`, confidence: `${stem}.confidence.png`, json: `${stem}.stats.json` };
    await writeResult(written, outputs, { recordedOutputs: Object.fromEntries(Object.entries(outputs).map(([kind, path]) => [kind, basename(path)])) });
    server = await startViewerServer({ assets: await loadViewerAssets(), folder });
    chromium = await launchForScreenshots();
    browser = chromium.browser;
  });

  afterAll(async () => {
    await chromium?.close();
    await server?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  const pageErrors: string[] = [];
  afterEach(() => {
    expect(pageErrors.splice(0), 'uncaught errors in the page').toEqual([]);
  });

  /**
   * Opens a served stack. `engine` (default webgpu, the page's engine these tests check against the
   * CPU; auto would decline SwiftShader, a software adapter) is the page's `?engine=`.
   */
  async function openPage(options: { withoutWebGpu?: boolean; stack?: string; engine?: 'auto' | 'webgpu' | 'cpu' } = {}): Promise<Page> {
    const page = await browser.newPage();
    // An uncaught exception in the page fails the test that caused it (see afterEach).
    page.on('pageerror', (error) => pageErrors.push(error instanceof Error ? error.message : String(error)));
    // FOCUSFUSE_VIEWER_DEBUG=1 echoes the page's console, for debugging a failure.
    page.on('console', (message) => process.env.FOCUSFUSE_VIEWER_DEBUG && console.log(`page: ${message.text()}`));
    await page.setViewport({ width: 1100, height: 640 });
    if (options.withoutWebGpu) {
      await page.evaluateOnNewDocument(() => {
        delete (Navigator.prototype as { gpu?: unknown }).gpu;
      });
    }
    const stack = server.stacks.find((s) => s.source === 'folder' && s.name.startsWith(options.stack ?? 'NILM/cells'));
    expect(stack, JSON.stringify(server.stacks.map((s) => s.name))).toBeDefined();
    await page.goto(`${server.stackUrl(stack!.id)}&engine=${options.engine ?? 'webgpu'}`);
    return page;
  }

  it('fuses the stack on WebGPU and matches the CPU reference within the parity bar', async () => {
    const page = await openPage();
    const summary = await waitForStatus(page, 'fused');
    expect(summary.backend).toBe('webgpu');
    expect(summary.planeCount).toBe(PLANES);
    const read = (await page.evaluate(() => focusfuseViewer.readBack()))!;
    // Decoding in the page (createImageBitmap + canvas) gives the bytes sharp gives, plane by plane in z order.
    read.planes.forEach((plane, z) => expect(Buffer.compare(Buffer.from(bytes(plane)), Buffer.from(nodeStack.planes[z])), `plane ${z}`).toBe(0));
    const cpu = fuseCpu(nodeStack, resolveOptions({ keepFocus: true }));
    assertParity(parity(cpu, pageResult(read, cpu)), 'page WebGPU vs Node CPU');
    await page.close();
  });

  it('refits the image when the window is resized (it stayed at the old fit, cut off or in a corner)', async () => {
    const page = await openPage();
    await waitForStatus(page, 'fused');
    const fitsBox = async () => {
      const { camera } = await page.evaluate(() => focusfuseViewer.summary());
      const box = await page.$eval('#view-0', (el) => ({ width: el.clientWidth, height: el.clientHeight }));
      const [w, h] = [camera.scale * nodeStack.width, camera.scale * nodeStack.height];
      // Inside the box, centred, touching it on one side.
      expect(camera.x).toBeGreaterThanOrEqual(-0.5);
      expect(camera.y).toBeGreaterThanOrEqual(-0.5);
      expect(Math.abs(camera.x + w / 2 - box.width / 2)).toBeLessThan(1);
      expect(Math.abs(camera.y + h / 2 - box.height / 2)).toBeLessThan(1);
      expect(Math.min(box.width - w, box.height - h)).toBeLessThan(1);
      return camera.scale;
    };
    const wide = await fitsBox();
    await page.setViewport({ width: 800, height: 520 });
    await page.waitForFunction((scale) => focusfuseViewer.summary().camera.scale !== scale, {}, wide);
    expect(await fitsBox()).toBeLessThan(wide);
    await page.close();
  });

  it('offers every composite and depth mode, and fuses with the pyramid composite like the CPU', async () => {
    const page = await openPage();
    const summary = await waitForStatus(page, 'fused');
    expect(summary.offered.composite).toEqual([...COMPOSITE_MODES]);
    expect(summary.offered.depthMode).toEqual([...DEPTH_MODES]);
    await page.select('#composite', 'pyramid');
    await page.waitForFunction(() => {
      const s = focusfuseViewer.summary();
      return s.status === 'fused' && s.composite === 'pyramid';
    });
    const cpu = fuseCpu(nodeStack, resolveOptions({ composite: 'pyramid', keepFocus: true }));
    assertParity(parity(cpu, pageResult((await page.evaluate(() => focusfuseViewer.readBack()))!, cpu)), 'pyramid composite in the page');
    await page.close();
  });

  it('starts on the default (v2) preset, sets the four fusion controls from the v1 preset, fuses like the CPU, and shows custom once they differ', async () => {
    const page = await openPage();
    const first = await waitForStatus(page, 'fused');
    const presetShown = () => page.$eval('#fusion', (select) => (select as HTMLSelectElement).value);
    expect(await presetShown()).toBe('v2');
    expect([first.measure, first.sigma, first.depthMode, first.composite]).toEqual(['teng', 4, 'histogram', 'select']);
    expect(await page.$eval('#sigma', (input) => (input as HTMLInputElement).value)).toBe('4');
    await page.select('#fusion', 'v1');
    await page.waitForFunction(() => {
      const s = focusfuseViewer.summary();
      return s.status === 'fused' && s.composite === 'interpolate';
    });
    const shown = await page.evaluate(() => focusfuseViewer.summary());
    expect([shown.measure, shown.sigma, shown.depthMode, shown.composite]).toEqual(['lapv', 3, 'gaussian', 'interpolate']);
    const cpu = fuseCpu(nodeStack, resolveOptions({ fusion: 'v1', keepFocus: true }));
    assertParity(parity(cpu, pageResult((await page.evaluate(() => focusfuseViewer.readBack()))!, cpu)), 'v1 preset in the page');
    await page.select('#composite', 'select');
    expect(await presetShown()).toBe('custom');
    await page.close();
  });

  it('offers every measure and re-fuses live when the measure changes, and exports the PNGs it shows', async () => {
    const page = await openPage();
    await waitForStatus(page, 'fused');
    expect(await page.$$eval('#measure option', (options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual([...MEASURES]);
    expect(await page.$eval('#measure', (select) => (select as HTMLSelectElement).value)).toBe('teng');
    // teng, and one of the five measures beyond maths version 1's three.
    for (const measure of ['brenner', 'teng'] as const) {
      await page.select('#measure', measure);
      await page.waitForFunction((want) => {
        const s = focusfuseViewer.summary();
        return s.status === 'fused' && s.measure === want;
      }, {}, measure);
      const cpu = fuseCpu(nodeStack, resolveOptions({ measure, keepFocus: true }));
      assertParity(parity(cpu, pageResult((await page.evaluate(() => focusfuseViewer.readBack()))!, cpu)), `${measure} after a live change`);
    }
    const fusedPng = Buffer.from((await page.evaluate(() => focusfuseViewer.exportPng('fused')))!, 'base64');
    const { data, info } = await sharp(fusedPng).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([SIZE, SIZE]);
    const read = (await page.evaluate(() => focusfuseViewer.readBack()))!;
    expect(Buffer.compare(data, Buffer.from(bytes(read.image))), 'exported PNG = the fused image').toBe(0);
    const depthPng = await sharp(Buffer.from((await page.evaluate(() => focusfuseViewer.exportPng('depth')))!, 'base64')).metadata();
    expect([depthPng.format, depthPng.width]).toEqual(['png', SIZE]);
    await page.close();
  });

  it('redraws on the focus slider, view switching, blending, pixel picking and in the 3D relief', async () => {
    const page = await openPage();
    await waitForStatus(page, 'fused');
    const left = (await page.$('#view-0'))!;
    const planeShot = await shot(left);
    expect(stdDev(planeShot.data), 'the plane view is blank').toBeGreaterThan(8);

    await page.focus('body');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    const before = (await page.evaluate(() => focusfuseViewer.summary())).plane;
    await page.keyboard.press('PageDown');
    expect((await page.evaluate(() => focusfuseViewer.summary())).plane).toBe(before - 1);
    await page.$eval('#plane', (el) => {
      (el as HTMLInputElement).value = '0';
      el.dispatchEvent(new Event('input'));
    });
    const planeZero = await shot(left);
    expect(meanAbsDiff(planeShot.data, planeZero.data), 'moving the focus did not change the plane view').toBeGreaterThan(0.5);

    await page.select('figure[data-view="0"] select.layer', 'depth');
    const depthShot = await shot(left);
    expect(stdDev(depthShot.data), 'the depth view is blank').toBeGreaterThan(4);
    expect(viridisShare(depthShot.data), 'the depth view is not drawn through viridis').toBeGreaterThan(0.95);

    await page.select('figure[data-view="0"] select.overlay', 'fused');
    const blendShot = await shot(left);
    expect(meanAbsDiff(depthShot.data, blendShot.data), 'blending in the fused image changed nothing').toBeGreaterThan(2);

    // Panning the left view moves the right one too: one camera for both.
    const right = (await page.$('#view-1'))!;
    const rightBefore = await shot(right);
    const box = (await left.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2 + 30, { steps: 4 });
    await page.mouse.up();
    expect(meanAbsDiff(rightBefore.data, (await shot(right)).data), 'panning the left view did not move the right one').toBeGreaterThan(1);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel({ deltaY: -300 });
    expect((await page.evaluate(() => focusfuseViewer.summary())).camera.scale).toBeGreaterThan(1);
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForFunction(() => document.getElementById('probe')!.textContent!.includes('depth'));
    expect(stdDev((await shot((await page.$('#plot'))!)).data), 'the focus curve is blank').toBeGreaterThan(8);

    await page.select('figure[data-view="1"] select.layer', 'relief');
    const relief = (await page.$('#view-3d'))!;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const reliefShot = await shot(relief);
    expect(stdDev(reliefShot.data), 'the 3D view is blank').toBeGreaterThan(8);
    const rbox = (await relief.boundingBox())!;
    await page.mouse.move(rbox.x + rbox.width / 2, rbox.y + rbox.height / 2);
    await page.mouse.down();
    await page.mouse.move(rbox.x + rbox.width / 2 + 120, rbox.y + rbox.height / 2 + 40, { steps: 5 });
    await page.mouse.up();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const orbited = await shot(relief);
    expect(meanAbsDiff(reliefShot.data, orbited.data), 'orbiting did not move the 3D view').toBeGreaterThan(1);
    // The focal plane is drawn in the relief: moving the focus moves it.
    await page.$eval('#plane', (el) => {
      (el as HTMLInputElement).value = String(Number((el as HTMLInputElement).max));
      el.dispatchEvent(new Event('input'));
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(meanAbsDiff(orbited.data, (await shot(relief)).data), 'moving the focus did not move the focal plane in 3D').toBeGreaterThan(0.5);
    await page.close();
  });

  it('says when the depth mode shows one plane (a planar crop of tools), and fuses per pixel with one plane off', async () => {
    // The crop is one the engines show as plane 0 (test/gpu-halos.test.ts checks the page's engine decides as the CPU does).
    const tools = await loadStack(join(folder, 'tools'));
    expect(fuseCpuFast(tools, resolveOptions({})).depthFallback).toEqual({ reason: 'halos', plane: 0 });
    const page = await openPage({ stack: 'tools' });
    const shown = await waitForStatus(page, 'fused');
    expect([shown.onePlane, shown.depthFallback]).toEqual(['auto', { reason: 'halos', plane: 0 }]);
    expect(await page.$$eval('#one-plane option', (options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual([...ONE_PLANE_MODES]);
    const line = () => page.$eval('#depth-fallback', (el) => ((el as HTMLElement).hidden ? 'hidden' : el.textContent));
    const text =
      'One plane shown (plane 0), so the depth map and the 3D relief are flat. Set one plane to off to fuse per pixel. Why: by the histogram depth, every focus peak off plane 0 lies beside stronger focus on plane 0 (its halos).';
    expect(await line()).toBe(text);
    expect(await page.$eval('#depth-fallback', (el) => (el as HTMLElement).title), 'the whole line as its tooltip').toBe(text);
    // The views stay where they are when the line comes and goes (its space is kept).
    const viewsTop = () => page.$eval('main', (el) => el.getBoundingClientRect().top);
    const topWithLine = await viewsTop();
    expect((await page.evaluate(() => focusfuseViewer.readBack()))!.image).toBe(Buffer.from(tools.planes[0]).toString('base64'));

    await page.select('#one-plane', 'off');
    await page.waitForFunction(() => {
      const s = focusfuseViewer.summary();
      return s.status === 'fused' && s.onePlane === 'off';
    });
    expect((await page.evaluate(() => focusfuseViewer.summary())).depthFallback).toBeUndefined();
    expect(await line()).toBe('hidden');
    expect(await viewsTop(), 'the views jumped when the one-plane line went').toBe(topWithLine);
    expect(floats((await page.evaluate(() => focusfuseViewer.readBack()))!.depth).some((d) => d !== 0), 'fused per pixel: not plane 0 everywhere').toBe(true);
    // One plane is not part of a preset: the page still shows v2.
    expect(await page.$eval('#fusion', (select) => (select as HTMLSelectElement).value)).toBe('v2');
    // Only the histogram depth has the test: with another depth mode the select is disabled.
    const disabled = () => page.$eval('#one-plane', (select) => (select as HTMLSelectElement).disabled);
    expect(await disabled()).toBe(false);
    await page.select('#depth-mode', 'gaussian');
    expect(await disabled()).toBe(true);
    await page.close();
  });

  it('shows a written result without fusing: the fused image, the depth map and the 3D relief as written', async () => {
    const page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    await page.setViewport({ width: 1100, height: 640 });
    expect(server.results.map((r) => r.name)).toEqual(['out/NILM/cells/007_(120,340)']);
    await page.goto(server.resultUrl(server.results[0].id));
    // Shown as written, not fused here: so the wait for `fused` below waits for the stack's own fusion.
    const summary = await waitForStatus(page, 'written');
    expect([summary.planeCount, summary.name, summary.backend, summary.measure]).toEqual([PLANES, 'out/NILM/cells/007_(120,340)', 'cpu', written.options.measure]);
    const read = (await page.evaluate(() => focusfuseViewer.readBack()))!;
    expect(read.planes, 'no planes: nothing fused').toEqual([]);
    expect(Buffer.compare(Buffer.from(bytes(read.image)), Buffer.from(written.image)), 'the fused image as written').toBe(0);
    const depth = floats(read.depth);
    const confidence = floats(read.confidence);
    for (let i = 0; i < depth.length; i++) {
      expect(Math.abs(depth[i] - written.depth[i]), `depth ${i}`).toBeLessThanOrEqual(0.0005 + 1e-6);
      expect(Math.abs(confidence[i] - written.confidence[i]), `confidence ${i}`).toBeLessThanOrEqual(0.5 / 65535 + 1e-7);
    }
    // Nothing to re-fuse: the fusion controls are disabled, and said why.
    expect(await page.$eval('#measure', (select) => select.matches(':disabled'))).toBe(true);
    expect(await page.$eval('#timing', (el) => el.textContent)).toMatch(/^written result \(fused on the CPU\), shown as written/);
    // The badge and notice say what is shown, which files, and that nothing is fused (not the engine's "fuses on the CPU").
    const text = (selector: string) => page.$eval(selector, (el) => ((el as HTMLElement).hidden ? 'hidden' : el.textContent));
    expect(await text('#engine')).toBe('written result (not fused here)');
    expect(await text('#notice')).toBe(
      'Showing a written result: 007_(120,340).fused.png, 007_(120,340).depth.png and 007_(120,340).confidence.png as described by 007_(120,340).stats.json; nothing is fused here (choose a stack to fuse).',
    );
    // What a click gives, said before the first click.
    expect(await text('#probe')).toBe('click a pixel for its depth and confidence (a written result: no focus curve)');
    // No planes to show: the focal plane is not offered in any list, and the left view shows the depth map, through viridis.
    const planeOffered = () => page.$$eval('figure.view select', (selects) => selects.map((select) => !(select as HTMLSelectElement).querySelector<HTMLOptionElement>('option[value="plane"]')!.disabled));
    expect(await planeOffered()).toEqual([false, false, false, false]);
    expect(await page.$eval('figure[data-view="0"] select.layer', (select) => (select as HTMLSelectElement).value)).toBe('depth');
    const depthShot = await shot((await page.$('#view-0'))!);
    expect(stdDev(depthShot.data), 'the depth view is blank').toBeGreaterThan(4);
    expect(viridisShare(depthShot.data), 'the depth view is not drawn through viridis').toBeGreaterThan(0.95);
    // No planes: the focus slider is disabled and says why (it only moves the 3D relief's focal plane).
    expect(await page.$eval('#plane', (el) => (el as HTMLInputElement).disabled)).toBe(true);
    expect(await text('#plane-label')).toBe("no planes (a written result): the slider moves the 3D relief's focal plane");
    // A click reads the written depth and confidence at the pixel (there is no focus curve to draw).
    const box = (await (await page.$('#view-0'))!.boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForFunction(() => document.getElementById('probe')!.textContent!.includes('written result'));
    const probe = (await page.$eval('#probe', (el) => el.textContent))!;
    const [, px, py] = /^\((\d+), (\d+)\)/.exec(probe)!.map(Number);
    const at = py * SIZE + px;
    expect(probe).toBe(`(${px}, ${py}): depth ${depth[at].toFixed(2)}, confidence ${confidence[at].toFixed(2)} (a written result: no focus curve)`);
    // The relief from the written depth, and its focal plane moves with the slider over the written plane count.
    await page.select('figure[data-view="1"] select.layer', 'relief');
    const relief = (await page.$('#view-3d'))!;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const reliefShot = await shot(relief);
    expect(stdDev(reliefShot.data), 'the 3D view is blank').toBeGreaterThan(8);
    expect(await page.$eval('#plane', (el) => (el as HTMLInputElement).max)).toBe(String(PLANES - 1));
    expect(await page.$eval('#plane', (el) => (el as HTMLInputElement).disabled)).toBe(false);
    await page.$eval('#plane', (el) => {
      (el as HTMLInputElement).value = '0';
      el.dispatchEvent(new Event('input'));
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(meanAbsDiff(reliefShot.data, (await shot(relief)).data), 'moving the focus did not move the focal plane in 3D').toBeGreaterThan(0.5);
    expect(await text('#plane-label')).toMatch(/^3D relief cut at plane 0 of 0–\d+.* \(a written result: no planes\)$/);
    // Back on a stack, the controls work again.
    const stackOption = await page.$$eval('#stack-select option', (options) => options.find((o) => o.textContent!.startsWith('NILM/cells'))!.getAttribute('value')!);
    await page.select('#stack-select', stackOption);
    await waitForStatus(page, 'fused');
    expect(await page.$eval('#measure', (select) => select.matches(':disabled'))).toBe(false);
    // ... the engine is named again (auto declines SwiftShader), and the focal plane is offered and back in the left view.
    expect(await text('#engine')).toMatch(/^CPU \(wasm simd; software WebGPU adapter declined\)$/);
    expect(await text('#notice')).toMatch(/^Engine auto: .* so the page fuses on the CPU/);
    expect(await planeOffered()).toEqual([true, true, true, true]);
    expect(await page.$eval('figure[data-view="0"] select.layer', (select) => (select as HTMLSelectElement).value)).toBe('plane');
    await page.close();
  });

  it('opens a TIFF stack (served as PNG) with the same planes and result as the PNG one', async () => {
    const page = await openPage({ stack: 'TIFF/cells' });
    const summary = await waitForStatus(page, 'fused');
    expect(summary.planeCount).toBe(PLANES);
    const read = (await page.evaluate(() => focusfuseViewer.readBack()))!;
    read.planes.forEach((plane, z) => expect(Buffer.compare(Buffer.from(bytes(plane)), Buffer.from(nodeStack.planes[z])), `plane ${z}`).toBe(0));
    await page.close();
  });

  it('shows an error for a file that is not an image and keeps working', async () => {
    const page = await openPage();
    await waitForStatus(page, 'fused');
    const input = (await page.$('#open-files')) as ElementHandle<HTMLInputElement>;
    // With notes (passed over quietly) and a plane saved under a wrong name (named in the notice).
    const extras = mkdtempSync(join(tmpdir(), 'focusfuse-viewer-extras-'));
    for (const name of ['meta.json', '007_(120,340,3).png.bak']) writeFileSync(join(extras, name), 'x');
    await input.uploadFile(join(folder, 'broken.png'), join(extras, 'meta.json'), join(extras, '007_(120,340,3).png.bak'));
    const summary = await waitForStatus(page, 'error');
    expect(summary.error).toMatch(/broken\.png: could not be decoded/);
    expect(await page.$eval('#notice', (el) => !(el as HTMLElement).hidden && el.textContent)).toBe('Left out 1 file that is not JPEG or PNG: 007_(120,340,3).png.bak.');
    expect(await page.$eval('#error', (el) => !(el as HTMLElement).hidden && el.textContent)).toMatch(/broken\.png/);
    const optionFor = (label: string) =>
      page.$$eval('#stack-select option', (options, want) => options.find((o) => o.textContent!.startsWith(want))?.getAttribute('value'), label);
    await page.select('#stack-select', (await optionFor('NILM/cells'))!);
    expect((await waitForStatus(page, 'fused')).planeCount).toBe(PLANES);
    // The same bad file served from the folder: the page says which file, and still works after.
    await page.select('#stack-select', (await optionFor(basename(folder)))!);
    expect((await waitForStatus(page, 'error')).error).toMatch(/broken2?\.png: could not be decoded/);
    await page.close();
    rmSync(extras, { recursive: true, force: true });
  });

  it('leaves out a focusfuse output opened with planes, by its tag whatever its name, as fuse does', async () => {
    const page = await openPage();
    await waitForStatus(page, 'fused');
    const opened = mkdtempSync(join(tmpdir(), 'focusfuse-viewer-opened-'));
    const planes = [0, 1, 2].map((z) => join(opened, `z${z + 1}.png`));
    for (const [z, file] of planes.entries()) await sharp(nodeStack.planes[z], { raw: { width: SIZE, height: SIZE, channels: 4 } }).png().toFile(file);
    // Written as fuse writes its outputs (tagged), under a plain name that sorts among the planes.
    const output = join(opened, 'z0.png');
    await sharp(written.image, { raw: { width: SIZE, height: SIZE, channels: 4 } }).withXmp(outputTagXmp('fused')).png().toFile(output);
    await expect(loadStack(opened)).resolves.toMatchObject({ planes: { length: 3 } });
    const input = (await page.$('#open-files')) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(output, ...planes);
    await page.waitForFunction(() => {
      const s = focusfuseViewer.summary();
      return s.status === 'fused' && s.name === 'opened files';
    });
    expect((await page.evaluate(() => focusfuseViewer.summary())).planeCount).toBe(3);
    expect(await page.$eval('#notice', (el) => !(el as HTMLElement).hidden && el.textContent)).toBe('Left out 1 focusfuse output (never planes): z0.png.');
    // Opened alone, it is said to be an output, not a plane.
    await input.uploadFile(output);
    expect((await waitForStatus(page, 'error')).error).toBe('the file opened is a focusfuse output, not a plane');
    await page.close();
    rmSync(opened, { recursive: true, force: true });
  });

  it('says plainly when WebGPU is missing and fuses on the CPU fast path (wasm simd: the very bytes Node computes)', async () => {
    const page = await openPage({ withoutWebGpu: true, engine: 'auto' });
    const summary = await waitForStatus(page, 'fused');
    expect(summary.backend).toBe('cpu');
    expect(await page.$eval('#notice', (el) => !(el as HTMLElement).hidden && el.textContent)).toMatch(/WebGPU is not available: .*Fusing on the CPU \(WebAssembly SIMD\)/);
    const read = (await page.evaluate(() => focusfuseViewer.readBack()))!;
    const cpu = fuseCpuFast(nodeStack, resolveOptions({ keepFocus: true }));
    expect(cpu.backend.runtime).toBe('wasm simd');
    expect(Buffer.compare(Buffer.from(bytes(read.image)), Buffer.from(cpu.image))).toBe(0);
    expect(floats(read.depth)).toEqual(cpu.depth);
    await page.close();
  });

  it('engine auto declines the software adapter (SwiftShader here) and fuses on the CPU fast path, saying so; webgpu still uses it', async () => {
    const page = await openPage({ engine: 'auto' });
    const summary = await waitForStatus(page, 'fused');
    expect(summary.backend, 'auto fused on SwiftShader').toBe('cpu');
    expect(await page.$eval('#engine', (el) => el.textContent)).toBe('CPU (wasm simd; software WebGPU adapter declined)');
    expect(await page.$eval('#notice', (el) => !(el as HTMLElement).hidden && el.textContent)).toMatch(
      /^Engine auto: the WebGPU adapter is a software one \(webgpu \(browser, .*swiftshader.*\)\), slower than the cpu engine, so the page fuses on the CPU \(WebAssembly SIMD\)/i,
    );
    const cpu = fuseCpuFast(nodeStack, resolveOptions({ keepFocus: true }));
    const read = (await page.evaluate(() => focusfuseViewer.readBack()))!;
    expect(Buffer.compare(Buffer.from(bytes(read.image)), Buffer.from(cpu.image)), 'the very bytes Node computes').toBe(0);
    expect(floats(read.depth)).toEqual(cpu.depth);
    // The 3D relief renders on its own WebGPU device whatever the engine.
    await page.select('figure[data-view="1"] select.layer', 'relief');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(stdDev((await shot((await page.$('#view-3d'))!)).data), 'the 3D view is blank').toBeGreaterThan(8);
    // Asked for explicitly, the software adapter is used: the page re-fuses on it.
    await page.select('#engine-choice', 'webgpu');
    await page.waitForFunction(() => {
      const s = focusfuseViewer.summary();
      return s.status === 'fused' && s.backend === 'webgpu';
    });
    expect(await page.$eval('#engine', (el) => el.textContent)).toMatch(/^webgpu \(browser, .*software\)$/);
    expect(await page.$eval('#notice', (el) => (el as HTMLElement).hidden)).toBe(true);
    const gpu = fuseCpu(nodeStack, resolveOptions({ keepFocus: true }));
    assertParity(parity(gpu, pageResult((await page.evaluate(() => focusfuseViewer.readBack()))!, gpu)), 'webgpu chosen in the page');
    await page.close();
  });

  it('examples/browser fuses a chosen stack with the library bundle', async () => {
    // The example page as written, with the library bundled from the sources at the path it imports.
    const files = new Map<string, { type: string; body: string | Buffer }>([
      ['/examples/browser/', { type: 'text/html', body: readFileSync('examples/browser/index.html') }],
      ['/examples/browser/main.js', { type: 'text/javascript', body: readFileSync('examples/browser/main.js') }],
      ['/dist/browser/focusfuse.js', { type: 'text/javascript', body: await bundleForBrowser('src/index.ts') }],
    ]);
    const site = createServer((request, response) => {
      const file = files.get(request.url ?? '');
      response.writeHead(file ? 200 : 404, { 'content-type': file?.type ?? 'text/plain' });
      response.end(file?.body ?? 'not found');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    try {
      // With the page's WebGPU (SwiftShader here: a software adapter, which auto leaves for the CPU
      // fast path, as the CLI and the viewer do), then without WebGPU at all: the CPU fast path too.
      for (const withoutWebGpu of [false, true]) {
        const page = await browser.newPage();
        page.on('pageerror', (error) => pageErrors.push(String(error)));
        if (withoutWebGpu) await page.evaluateOnNewDocument(() => delete (Navigator.prototype as { gpu?: unknown }).gpu);
        await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/examples/browser/`);
        const stackDir = join(folder, 'NILM', 'cells');
        const input = (await page.$('#files')) as ElementHandle<HTMLInputElement>;
        await input.uploadFile(...readdirSync(stackDir).map((name) => join(stackDir, name)));
        await page.waitForFunction(() => /fused on|error/.test(document.getElementById('status')!.textContent!), { timeout: 60_000 });
        expect(await page.$eval('#status', (el) => el.textContent)).toMatch(/^fused on cpu, wasm simd;/);
        // The adapter is there and software: auto declined it, webgpu takes it.
        if (!withoutWebGpu) {
          // A string, not a function: the test runner would rewrite a function's import().
          const engines = (await page.evaluate(`(async () => {
            const { fuse } = await import('/dist/browser/focusfuse.js');
            const planes = [1, 2, 3].map((z) => Uint8Array.from({ length: 16 * 16 * 4 }, (_, i) => (i % 4 === 3 ? 255 : (i * 7 * z) % 251)));
            const names = async (backend) => {
              const { name, adapter } = (await fuse({ width: 16, height: 16, planes }, { backend })).backend;
              return (name + ' ' + (adapter ?? '')).trim();
            };
            return { auto: await names('auto'), webgpu: await names('webgpu') };
          })()`)) as { auto: string; webgpu: string };
          expect(engines.auto).toBe('cpu');
          expect(engines.webgpu).toMatch(/^webgpu .*software/);
        }
        const fused = await page.$eval('#fused', (canvas) => {
          const c = canvas as HTMLCanvasElement;
          return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
        });
        const cpu = fuseCpu(nodeStack, resolveOptions({}));
        expect(fused.length).toBe(cpu.image.length);
        const close = fused.filter((v, i) => Math.abs(v - cpu.image[i]) <= 1).length / fused.length;
        expect(close, 'example fused image vs fuseCpu, share within 1 level').toBeGreaterThanOrEqual(0.999);
        // The page's wasm is the very module Node runs: the same bytes as fuseCpuFast.
        expect(Buffer.compare(Buffer.from(fused), Buffer.from(fuseCpuFast(nodeStack, resolveOptions({})).image))).toBe(0);
        await page.close();
      }
    } finally {
      site.closeAllConnections();
      await new Promise((resolve) => site.close(resolve));
    }
  });
});
