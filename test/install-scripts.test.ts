// npm 12 runs a dependency's install scripts only when package.json's `allowScripts` approves them
// (npm 11.16+ warns about the rest). sharp, esbuild and webgpu need theirs; a new dependency with an
// install script must be reviewed and added there too, or a fresh install on npm 12 leaves it broken.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'];

/** Every installed package (node_modules, scoped and nested) that has an install script. */
async function packagesWithInstallScripts(folder: string, found = new Set<string>()): Promise<Set<string>> {
  let entries: string[];
  try {
    entries = await readdir(folder);
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (entry.startsWith('.')) continue;
    const path = join(folder, entry);
    if (entry.startsWith('@')) {
      await packagesWithInstallScripts(path, found);
      continue;
    }
    try {
      const manifest = JSON.parse(await readFile(join(path, 'package.json'), 'utf8')) as { name?: string; scripts?: Record<string, string> };
      if (manifest.name && INSTALL_SCRIPTS.some((s) => manifest.scripts?.[s])) found.add(manifest.name);
    } catch {
      continue;
    }
    await packagesWithInstallScripts(join(path, 'node_modules'), found);
  }
  return found;
}

describe('install scripts', () => {
  it('every installed dependency with an install script is approved in package.json allowScripts', async () => {
    const { allowScripts = {} } = JSON.parse(await readFile('package.json', 'utf8')) as { allowScripts?: Record<string, boolean> };
    const needing = [...(await packagesWithInstallScripts('node_modules'))].sort();
    expect(needing).toContain('sharp');
    expect(needing.filter((name) => allowScripts[name] !== true)).toEqual([]);
  });
});
