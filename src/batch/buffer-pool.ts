/**
 * Recycled ArrayBuffers for the batch's CPU workers: the planes a worker has fused and the outputs
 * the batch has written come back here, and the next FOV of the same size decodes its planes into
 * them and fuses its outputs into them, instead of each FOV touching ~9 MB of fresh pages (11 planes
 * and 4 outputs of 384^2 x 4 bytes: on some VMs a first touch of fresh memory costs ~3 ms per MB,
 * docs/batch.md "Memory"). Buffers are matched by byte length only: a 384^2 RGBA8 plane, fused image
 * and float depth map are all 589,824 bytes, so any of them serves as any other.
 *
 * A buffer is in one place at a time: `take` removes it from the pool, `put` ignores one the pool
 * already holds, a detached one (transferred away) and a shared one. The pool is bounded: past
 * `budget` bytes the buffers put longest ago are dropped (left to the garbage collector), so a size
 * no longer in use leaves it. Node and browsers alike; not thread-safe (one per thread).
 */

export interface BufferPoolStats {
  /** take() calls answered with a recycled buffer. */
  reused: number;
  /** take() calls that found none of the length (the caller allocates). */
  missed: number;
  /** Buffers dropped to stay within the budget. */
  dropped: number;
  /** The most bytes held at once. */
  peakBytes: number;
}

export interface BufferPool {
  /** The most bytes the pool holds. */
  readonly budget: number;
  /** Bytes held now. */
  readonly bytes: number;
  /** A recycled buffer of exactly `byteLength` bytes (its old contents still in it), or undefined. */
  take(byteLength: number): ArrayBuffer | undefined;
  /** Hands a buffer nothing else uses any more to the pool. */
  put(buffer: ArrayBufferLike): void;
  stats(): BufferPoolStats;
}

/**
 * Default budget: 64 MiB, about 7 FOVs of 11 planes of 384^2 with their outputs; the batch keeps
 * fewer than that out of the pool at once on 2 cores, so after its first FOVs it allocates none.
 */
export const DEFAULT_POOL_BYTES = 64 * 1024 * 1024;

/**
 * An empty pool holding at most `budget` bytes.
 * @example
 * const pool = createBufferPool();
 * const plane = new Uint8Array(pool.take(n * 4) ?? new ArrayBuffer(n * 4));
 * // ... once nothing reads `plane` any more:
 * pool.put(plane.buffer);
 */
export function createBufferPool(budget = DEFAULT_POOL_BYTES): BufferPool {
  // Oldest first; a few dozen entries, so a linear search is cheaper than any index.
  const held: ArrayBuffer[] = [];
  const members = new Set<ArrayBuffer>();
  const stats: BufferPoolStats = { reused: 0, missed: 0, dropped: 0, peakBytes: 0 };
  let bytes = 0;
  return {
    budget,
    get bytes() {
      return bytes;
    },
    take(byteLength) {
      // The most recently put: its pages are the likeliest to be in the cache.
      let i = held.length - 1;
      while (i >= 0 && held[i].byteLength !== byteLength) i--;
      if (i < 0) {
        stats.missed += 1;
        return undefined;
      }
      const [buffer] = held.splice(i, 1);
      members.delete(buffer);
      bytes -= byteLength;
      stats.reused += 1;
      return buffer;
    },
    put(buffer) {
      if (!(buffer instanceof ArrayBuffer) || buffer.byteLength === 0 || buffer.byteLength > budget || members.has(buffer)) return;
      held.push(buffer);
      members.add(buffer);
      bytes += buffer.byteLength;
      while (bytes > budget) {
        const old = held.shift()!;
        members.delete(old);
        bytes -= old.byteLength;
        stats.dropped += 1;
      }
      stats.peakBytes = Math.max(stats.peakBytes, bytes);
    },
    stats: () => ({ ...stats }),
  };
}

/** Buffers lent for one FOV's planes (see {@link lendPlanes}). */
export interface PlaneLoan {
  /** For loadStack's `allocate`: a recycled buffer of `byteLength` bytes, else a fresh one. */
  allocate(byteLength: number): Uint8Array;
  /**
   * Gives back every buffer lent that `kept` (the stack's planes) does not hold: all of them when
   * the FOV failed to load (call it once every decode has settled), the unpadded originals of
   * planes padded to a larger size. Kept ones come back from the worker that fuses them.
   */
  settle(kept: readonly ArrayBufferView[]): void;
}

/**
 * A loan of buffers from `pool` for one FOV's planes.
 * @example
 * const loan = lendPlanes(pool);
 * let stack;
 * try { stack = await loadStack(files, { allocate: loan.allocate }); } finally { loan.settle(stack?.planes ?? []); }
 */
export function lendPlanes(pool: BufferPool): PlaneLoan {
  const lent: ArrayBuffer[] = [];
  return {
    allocate(byteLength) {
      const buffer = pool.take(byteLength) ?? new ArrayBuffer(byteLength);
      lent.push(buffer);
      return new Uint8Array(buffer);
    },
    settle(kept) {
      const held = new Set(buffersOf(kept));
      for (const buffer of lent.splice(0)) if (!held.has(buffer)) pool.put(buffer);
    },
  };
}

/**
 * The distinct buffers under `arrays` (undefined ones skipped), e.g. a stack's planes or a result's
 * outputs, for transfer lists and for {@link BufferPool.put}.
 * @example buffersOf(stack.planes) // => [ArrayBuffer, ...] one per plane
 */
export function buffersOf(arrays: readonly (ArrayBufferView | undefined)[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const array of arrays) if (array && array.buffer instanceof ArrayBuffer) buffers.add(array.buffer);
  return [...buffers];
}
