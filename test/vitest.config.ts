import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// WGSL files are imported as text, as esbuild's `--loader:.wgsl=text` does for the bundles.
export default defineConfig({
  plugins: [
    {
      name: 'wgsl-as-text',
      transform(_code: string, id: string) {
        if (!id.endsWith('.wgsl')) return null;
        return { code: `export default ${JSON.stringify(readFileSync(id, 'utf8'))};`, map: null };
      },
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores here and in CI: run files one at a time so heavy suites don't starve each other.
    fileParallelism: false,
  },
});
