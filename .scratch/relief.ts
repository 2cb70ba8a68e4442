// Screenshots of the viewer: depth map and 3D relief with the v1 and the v2 preset (docs picture).
import sharp from 'sharp';
import { launchChromium } from '../src/headless/chromium.js';
import { loadViewerAssets } from '../src/viewer/assets.js';
import { startViewerServer } from '../src/viewer/server.js';

declare const focusfuseViewer: { summary(): { status: string; composite?: string; measure?: string; error?: string } };
const [folder, match, out] = process.argv.slice(2);
const server = await startViewerServer({ assets: await loadViewerAssets(), folder });
const chromium = await launchChromium({ extraArgs: ['--use-gl=angle', '--use-angle=swiftshader'] });
try {
  const page = await chromium.browser.newPage();
  page.on('console', (m) => console.log('page:', m.text()));
  await page.setViewport({ width: 1100, height: 640 });
  const stack = server.stacks.find((s) => s.name.includes(match));
  if (!stack) throw new Error(`no stack ${match}: ${server.stacks.map((s) => s.name).join(', ')}`);
  await page.goto(server.stackUrl(stack.id));
  const fused = (composite: string) => page.waitForFunction((want) => { const s = focusfuseViewer.summary(); return (s.status === 'fused' && s.composite === want) || s.status === 'error'; }, { timeout: 120_000 }, composite);
  await page.waitForFunction(() => focusfuseViewer.summary().status === 'fused', { timeout: 120_000 });
  await page.select('figure.view[data-view="0"] select.layer', 'depth');
  await page.select('figure.view[data-view="1"] select.layer', 'relief');
  const shots: Buffer[] = [];
  for (const [preset, composite] of [['v1', 'interpolate'], ['v2', 'select']]) {
    await page.select('#fusion', preset);
    await fused(composite);
    console.log(preset, JSON.stringify(await page.evaluate(() => focusfuseViewer.summary())));
    await new Promise((r) => setTimeout(r, 1500));
    const views = await page.$$('figure.view');
    for (const v of views) shots.push(Buffer.from(await v.screenshot({ type: 'png' })));
  }
  const metas = await Promise.all(shots.map((s) => sharp(s).metadata()));
  const w = metas[0].width!, h = metas[0].height!;
  await sharp({ create: { width: 2 * w + 6, height: 2 * h + 6, channels: 3, background: '#fff' } })
    .composite(shots.map((input, i) => ({ input, left: (i % 2) * (w + 6), top: Math.floor(i / 2) * (h + 6) })))
    .png().toFile(out);
  console.log('wrote', out);
} finally {
  await chromium.close();
  await server.close();
}
