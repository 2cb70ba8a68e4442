/**
 * Where the page's script comes from. A built package ships it prebuilt next to the Node bundle
 * (`dist/headless/focusfuse-page.js`, see the `build` script); when the runtime itself runs from
 * the TypeScript sources (tests, development) the script is built from `page.ts` in memory, so it
 * can never be stale against the sources it is tested with.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { FocusFuseError } from '../core/errors.js';

/** Output path of the prebuilt page script, relative to the directory of the Node bundles. */
export const PAGE_BUNDLE_FILE = 'headless/focusfuse-page.js';

/**
 * Returns the page script's text.
 * @example const script = await loadPageBundle();
 * @throws FocusFuseError (code BACKEND) when the prebuilt script is missing (run `npm run build`).
 */
export async function loadPageBundle(): Promise<string> {
  if (import.meta.url.endsWith('.ts')) return bundleForBrowser(fileURLToPath(new URL('./page.ts', import.meta.url)));
  const file = new URL(PAGE_BUNDLE_FILE, import.meta.url);
  try {
    return await readFile(file, 'utf8');
  } catch {
    throw new FocusFuseError('BACKEND', `the headless page script ${fileURLToPath(file)} is missing; run \`npm run build\``);
  }
}

/**
 * Bundles a browser entry the way the `build` script does (ESM, es2022, WGSL inlined), in memory.
 * esbuild is a dev dependency: only runs from the sources (tests, development) need this.
 * @example const script = await bundleForBrowser('src/headless/page.ts');
 */
export async function bundleForBrowser(entry: string): Promise<string> {
  const esbuild = await import('esbuild');
  const built = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    loader: { '.wgsl': 'text', '.wasm': 'binary' },
    write: false,
    logLevel: 'silent',
  });
  return built.outputFiles[0].text;
}
