/**
 * Reuses GPU buffers between stacks: CCCID stacks all have one size, so after the first stack a
 * fuse creates no buffers at all. Idle buffers above a byte budget are destroyed, oldest first.
 */

export interface BufferPoolOptions {
  /** Most bytes kept idle for reuse. Default 512 MiB. */
  maxIdleBytes?: number;
}

export interface BufferPool {
  /** A buffer of at least `size` bytes with exactly `usage`, labelled `label`. */
  acquire(label: string, size: number, usage: GPUBufferUsageFlags): GPUBuffer;
  /** Gives a buffer back for reuse (it must no longer be in use by pending GPU work the caller cares about). */
  release(buffer: GPUBuffer): void;
  /** Bytes currently idle in the pool. */
  idleBytes(): number;
  /** Destroys every idle buffer. */
  clear(): void;
}

/** Buffer sizes are rounded up so that slightly different stacks can share buffers. */
const GRANULE = 256;

/**
 * @example
 * const pool = createBufferPool(device);
 * const luma = pool.acquire('focusfuse.luma', bytes, GPUBufferUsage.STORAGE);
 * // ... encode, submit, await completion ...
 * pool.release(luma);
 */
export function createBufferPool(device: GPUDevice, options: BufferPoolOptions = {}): BufferPool {
  const maxIdleBytes = options.maxIdleBytes ?? 512 * 2 ** 20;
  // Idle buffers in release order (oldest first), so trimming drops the least recently used.
  let idle: GPUBuffer[] = [];
  let idleTotal = 0;

  function trim(limit: number): void {
    while (idleTotal > limit && idle.length > 0) {
      const oldest = idle.shift()!;
      idleTotal -= oldest.size;
      oldest.destroy();
    }
  }

  return {
    acquire(label, size, usage) {
      const want = Math.max(GRANULE, Math.ceil(size / GRANULE) * GRANULE);
      let best = -1;
      for (let i = 0; i < idle.length; i++) {
        const b = idle[i];
        // Up to 2x larger is fine; beyond that a big idle buffer would pin memory for a small stack.
        if (b.usage === usage && b.size >= want && b.size <= 2 * want && (best < 0 || b.size < idle[best].size)) best = i;
      }
      if (best >= 0) {
        const [buffer] = idle.splice(best, 1);
        idleTotal -= buffer.size;
        buffer.label = label;
        return buffer;
      }
      return device.createBuffer({ label, size: want, usage });
    },
    release(buffer) {
      idle.push(buffer);
      idleTotal += buffer.size;
      trim(maxIdleBytes);
    },
    idleBytes: () => idleTotal,
    clear() {
      trim(0);
      idle = [];
    },
  };
}
