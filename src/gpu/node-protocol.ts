/**
 * Messages between node-runtime.ts (parent) and node-worker.ts (the child that runs Dawn). They go
 * over Node's IPC channel with `serialization: 'advanced'` (structured clone), so typed arrays
 * (planes, images, depth maps) travel as binary, not JSON.
 */
import type { ErrorCode } from '../core/errors.js';
import type { FuseResult, ResolvedOptions, ZStack } from '../core/types.js';
import type { AdapterDescription } from './adapter.js';
import type { WebGpuBackendOptions } from './backend.js';

/** What the parent passes to a worker on its command line (JSON). */
export interface WorkerConfig {
  icd?: string;
  disableRobustness?: boolean;
  backend?: Pick<WebGpuBackendOptions, 'maxBindingBytes' | 'maxBatchBytes' | 'timestamps' | 'pool' | 'workgroupMemory'>;
}

export type ParentMessage = { type: 'fuse'; id: number; stacks: ZStack[]; options: ResolvedOptions } | { type: 'close' };

export interface WireError {
  code: ErrorCode;
  message: string;
  file?: string;
}

export type WorkerMessage =
  | { type: 'ready'; adapter: AdapterDescription; runtime: string; tried: string[] }
  | { type: 'unavailable'; error: string }
  | { type: 'result'; id: number; results: FuseResult[] }
  | { type: 'error'; id: number; error: WireError };

/** Exit code of a worker whose device was lost: the parent restarts it and retries. */
export const EXIT_DEVICE_LOST = 75;
