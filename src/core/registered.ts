/**
 * One slot for an optional, faster implementation that a lower layer looks up and a higher one
 * registers (src/image and src/align sit below the CPU engine, which registers their WebAssembly
 * twins): registered rather than imported, so no folder imports one above it.
 */
export interface Registered<T> {
  /** Registers (or, with undefined, removes) the implementation; returns the one registered before. */
  use(value: T | undefined): T | undefined;
  /** The registered implementation, if any. */
  get(): T | undefined;
}

/**
 * A fresh, empty slot.
 * @example const slot = registered<ImageKernels>(); const before = slot.use(wasm); slot.get(); slot.use(before);
 */
export function registered<T>(): Registered<T> {
  let current: T | undefined;
  return {
    use(value) {
      const before = current;
      current = value;
      return before;
    },
    get: () => current,
  };
}
