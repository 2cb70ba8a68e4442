/// <reference types="@webgpu/types" />
// WGSL kernels are imported as text: esbuild's `--loader:.wgsl=text` for the bundles,
// the `wgsl-as-text` plugin in test/vitest.config.ts for the tests.
declare module '*.wgsl' {
  const source: string;
  export default source;
}
