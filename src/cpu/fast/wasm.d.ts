// The fast CPU path's WebAssembly module is imported as bytes: esbuild's `--loader:.wasm=binary` for
// the bundles, the `wasm-as-bytes` plugin in test/vitest.config.ts for the tests. It is built by
// `npm run build:wasm` from src/cpu/fast/assembly/ (git-ignored, never committed).
declare module '*.wasm' {
  const bytes: Uint8Array<ArrayBuffer>;
  export default bytes;
}
