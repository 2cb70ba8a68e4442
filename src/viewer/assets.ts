/**
 * Where the viewer's page files come from. A build ships them in `dist/viewer/` (index.html,
 * viewer.css and the bundled viewer.js, see the `build` script); when the CLI runs from the
 * TypeScript sources (tests, development) the script is bundled from `app/main.ts` in memory, so it
 * can never be stale against the sources it is tested with.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FocusFuseError } from '../core/errors.js';
import { bundleForBrowser } from '../headless/page-bundle.js';

/** The three files of the viewer page. */
export interface ViewerAssets {
  html: string;
  css: string;
  script: string;
}

const fromSources = import.meta.url.endsWith('.ts');

/** The project root: two levels above src/viewer/assets.ts, one above dist/cli.js. */
const projectRoot = fileURLToPath(new URL(fromSources ? '../../' : '../', import.meta.url));

/**
 * The bundled samples folder (examples/samples), or undefined when this install has none.
 * @example samplesFolder() // => '/work/main/examples/samples/'
 */
export function samplesFolder(): string | undefined {
  const folder = join(projectRoot, 'examples', 'samples');
  return existsSync(folder) ? folder : undefined;
}

/**
 * Reads (or, from the sources, builds) the viewer page.
 * @example const { html, css, script } = await loadViewerAssets();
 * @throws FocusFuseError (code BACKEND) when the built files are missing (run `npm run build`).
 */
export async function loadViewerAssets(): Promise<ViewerAssets> {
  const folder = fromSources ? join(projectRoot, 'src', 'viewer', 'app') : join(projectRoot, 'dist', 'viewer');
  try {
    const [html, css] = await Promise.all([readFile(join(folder, 'index.html'), 'utf8'), readFile(join(folder, 'viewer.css'), 'utf8')]);
    const script = fromSources ? await bundleForBrowser(join(folder, 'main.ts')) : await readFile(join(folder, 'viewer.js'), 'utf8');
    return { html, css, script };
  } catch (error) {
    if (error instanceof FocusFuseError) throw error;
    throw new FocusFuseError('BACKEND', `the viewer's page files in ${folder} are missing or unreadable (${(error as Error).message}); run \`npm run build\``);
  }
}

export { bundleForBrowser };
