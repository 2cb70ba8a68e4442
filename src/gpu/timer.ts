/**
 * Per-stage GPU time from timestamp queries (feature `timestamp-query`): each stage of each band job
 * runs in its own compute pass whose begin and end are stamped. Where the feature is missing the
 * engine only reports wall-clock times.
 */
import type { BufferPool } from './buffer-pool.js';

/** Most queries in one GPUQuerySet (WebGPU limit). */
export const MAX_QUERIES = 4096;

export interface StageTimer {
  /** timestampWrites for the compute pass of `stage` in job `job`. */
  pass(job: number, stage: string): GPUComputePassTimestampWrites;
  /** Resolves the queries into a mappable buffer; call once, after all passes are encoded. */
  resolve(encoder: GPUCommandEncoder): void;
  /** Milliseconds per stage for each job, summed over that job's passes of the stage. */
  read(): Promise<Record<string, number>[]>;
  /** Returns buffers to the pool and destroys the query set. */
  release(): void;
}

/**
 * @param jobs number of band jobs in the submission.
 * @param stagesPerJob most stamped passes one job encodes.
 * @example const timer = createStageTimer(device, pool, jobs.length, 6); pass.timestampWrites = timer.pass(0, 'luma');
 */
export function createStageTimer(device: GPUDevice, pool: BufferPool, jobs: number, stagesPerJob: number): StageTimer {
  const count = Math.min(MAX_QUERIES, jobs * stagesPerJob * 2);
  const querySet = device.createQuerySet({ label: 'focusfuse.timestamps', type: 'timestamp', count });
  const bytes = count * 8;
  const resolveBuffer = pool.acquire('focusfuse.timestamps.resolve', bytes, GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC);
  const readBuffer = pool.acquire('focusfuse.timestamps.read', bytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
  const slots: { job: number; stage: string }[] = [];
  return {
    pass(job, stage) {
      const index = slots.length * 2;
      if (index + 2 > count) throw new RangeError(`createStageTimer: more than ${count / 2} stamped passes`);
      slots.push({ job, stage });
      return { querySet, beginningOfPassWriteIndex: index, endOfPassWriteIndex: index + 1 };
    },
    resolve(encoder) {
      if (slots.length === 0) return;
      encoder.resolveQuerySet(querySet, 0, slots.length * 2, resolveBuffer, 0);
      encoder.copyBufferToBuffer(resolveBuffer, 0, readBuffer, 0, slots.length * 16);
    },
    async read() {
      const perJob: Record<string, number>[] = Array.from({ length: jobs }, () => ({}));
      if (slots.length === 0) return perJob;
      await readBuffer.mapAsync(GPUMapMode.READ, 0, slots.length * 16);
      const stamps = new BigUint64Array(readBuffer.getMappedRange(0, slots.length * 16).slice(0));
      readBuffer.unmap();
      slots.forEach(({ job, stage }, i) => {
        const begin = stamps[2 * i];
        const end = stamps[2 * i + 1];
        // Some implementations leave a pass unstamped (0) or reorder stamps; skip those.
        if (begin === 0n || end < begin) return;
        perJob[job][stage] = (perJob[job][stage] ?? 0) + Number(end - begin) / 1e6;
      });
      return perJob;
    },
    release() {
      querySet.destroy();
      pool.release(resolveBuffer);
      pool.release(readBuffer);
    },
  };
}
