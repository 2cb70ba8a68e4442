import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// WGSL files are imported as text, as esbuild's `--loader:.wgsl=text` does for the bundles, and the
// fast CPU path's .wasm as bytes, as `--loader:.wasm=binary` does (built by `npm run build:wasm`).
export default defineConfig({
  plugins: [
    {
      name: 'wgsl-as-text',
      transform(_code: string, id: string) {
        if (!id.endsWith('.wgsl')) return null;
        return { code: `export default ${JSON.stringify(readFileSync(id, 'utf8'))};`, map: null };
      },
    },
    {
      name: 'wasm-as-bytes',
      enforce: 'pre' as const,
      load(id: string) {
        if (!id.endsWith('.wasm')) return null;
        const base64 = readFileSync(id).toString('base64');
        return { code: `export default Uint8Array.from(atob(${JSON.stringify(base64)}), (c) => c.charCodeAt(0));`, map: null };
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
